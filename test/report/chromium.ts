/** Renders a page in Debian's headless Chromium and reads the report's <body> marker. */
import { spawnSync } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

/** Path of a chromium binary on PATH, or undefined. */
export function findChromium(): string | undefined {
  for (const name of ['chromium', 'chromium-browser']) {
    const r = spawnSync('sh', ['-c', `command -v ${name}`], { encoding: 'utf8' });
    if (r.status === 0 && r.stdout.trim()) return r.stdout.trim();
  }
  return undefined;
}

export interface Marker {
  expected: number;
  rendered: number;
  errors: number;
  done: boolean;
  /** Canvases wider than the page; overlapping horizontal tick labels. */
  overflow: number;
  tickOverlaps: number;
  errorText: string;
}

/** Same flags as .ci/report-check.sh. */
export function renderMarker(browser: string, htmlPath: string): Marker {
  const profile = mkdtempSync(join(tmpdir(), 'lbsim-chromium-'));
  try {
    const r = spawnSync(
      browser,
      [
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
        '--window-size=1280,900',
        '--dump-dom',
        `file://${htmlPath}`,
      ],
      { encoding: 'utf8', timeout: 90_000, maxBuffer: 64 * 1024 * 1024 },
    );
    const body = /<body[^>]*>/.exec(r.stdout)?.[0] ?? '';
    const attr = (name: string) => new RegExp(`${name}="([^"]*)"`).exec(body)?.[1];
    return {
      expected: Number(attr('data-charts-expected') ?? Number.NaN),
      rendered: Number(attr('data-charts-rendered') ?? Number.NaN),
      errors: Number(attr('data-chart-errors') ?? Number.NaN),
      done: attr('data-charts-done') === '1',
      overflow: Number(attr('data-charts-overflow') ?? Number.NaN),
      tickOverlaps: Number(attr('data-tick-overlaps') ?? Number.NaN),
      errorText: /<pre id="chart-errors">([^<]*)<\/pre>/.exec(r.stdout)?.[1] ?? '',
    };
  } finally {
    rmSync(profile, { recursive: true, force: true });
  }
}
