/**
 * Renders a report in Debian's headless Chromium with the check's driver (.ci/report-driver.js:
 * it clicks through every variant selector) and reads the page's and the driver's <body> markers.
 */
import { spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';

/**
 * Path of a chromium binary on PATH, or undefined (the browser tests then skip). With
 * LBSIM_CHROMIUM_TEST=1 (.ci/run, after report-check.sh installed it) a missing one throws.
 */
export function findChromium(): string | undefined {
  for (const name of ['chromium', 'chromium-browser']) {
    const r = spawnSync('sh', ['-c', `command -v ${name}`], { encoding: 'utf8' });
    if (r.status === 0 && r.stdout.trim()) return r.stdout.trim();
  }
  if (process.env.LBSIM_CHROMIUM_TEST === '1')
    throw new Error('LBSIM_CHROMIUM_TEST=1 but no chromium on PATH (apt-get install chromium)');
  return undefined;
}

export interface Marker {
  expected: number;
  rendered: number;
  errors: number;
  done: boolean;
  /** Canvases wider than the page; overlapping horizontal tick labels (after the driver). */
  overflow: number;
  tickOverlaps: number;
  errorText: string;
}

/** What the driver found clicking through the variant selectors. */
export interface Check {
  done: boolean;
  /** Selections made, variants offered (over every selector). */
  picks: number;
  variants: number;
  /** Summed over every state of the page (at load, after each pick). */
  overflow: number;
  overlaps: number;
  problems: number;
  problemText: string;
}

const DRIVER = resolve(import.meta.dirname, '../../.ci/report-driver.js');

/** Same flags as .ci/report-check.sh. */
export function flags(profile: string, width = 1280, height = 900): string[] {
  return [
    '--headless',
    '--no-sandbox',
    '--disable-gpu',
    '--disable-quic',
    '--no-first-run',
    '--disable-background-networking',
    '--disable-component-update',
    '--disable-sync',
    `--user-data-dir=${profile}`,
    '--virtual-time-budget=10000',
    `--window-size=${width},${height}`,
  ];
}

export function renderMarker(browser: string, htmlPath: string): Marker & { check: Check } {
  const profile = mkdtempSync(join(tmpdir(), 'lbsim-chromium-'));
  try {
    // The driver runs after the page's own script (scripts run in document order).
    const page = join(profile, 'report-check.html');
    writeFileSync(
      page,
      readFileSync(htmlPath, 'utf8').replace(
        /<\/body>\s*<\/html>\s*$/,
        `<script>${readFileSync(DRIVER, 'utf8')}</script>\n</body>\n</html>\n`,
      ),
    );
    const r = spawnSync(browser, [...flags(profile), '--dump-dom', `file://${page}`], {
      encoding: 'utf8',
      timeout: 120_000,
      maxBuffer: 64 * 1024 * 1024,
    });
    const body = /<body[^>]*>/.exec(r.stdout)?.[0] ?? '';
    const attr = (name: string) => new RegExp(`${name}="([^"]*)"`).exec(body)?.[1];
    const n = (name: string) => Number(attr(name) ?? Number.NaN);
    return {
      expected: n('data-charts-expected'),
      rendered: n('data-charts-rendered'),
      errors: n('data-chart-errors'),
      done: attr('data-charts-done') === '1',
      overflow: n('data-charts-overflow'),
      tickOverlaps: n('data-tick-overlaps'),
      errorText: /<pre id="chart-errors">([^<]*)<\/pre>/.exec(r.stdout)?.[1] ?? '',
      check: {
        done: attr('data-check-done') === '1',
        picks: n('data-check-picks'),
        variants: n('data-check-variants'),
        overflow: n('data-check-overflow'),
        overlaps: n('data-check-overlaps'),
        problems: n('data-check-problems'),
        problemText: /<pre id="check-problems">([^<]*)<\/pre>/.exec(r.stdout)?.[1] ?? '',
      },
    };
  } finally {
    rmSync(profile, { recursive: true, force: true });
  }
}

/** A full-page screenshot (PNG) of the report as loaded, for a person to look at. */
export function screenshot(browser: string, htmlPath: string, png: string, height = 6000): void {
  const profile = mkdtempSync(join(tmpdir(), 'lbsim-chromium-'));
  try {
    spawnSync(
      browser,
      [
        ...flags(profile, 1280, height),
        '--hide-scrollbars',
        `--screenshot=${png}`,
        `file://${htmlPath}`,
      ],
      { timeout: 120_000 },
    );
  } finally {
    rmSync(profile, { recursive: true, force: true });
  }
}
