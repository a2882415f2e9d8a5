/**
 * Issue 14 point 2 in a real browser: the report of a real sweep (7 variants x 3 balancers, more
 * than MAX_VARIANTS_TOGETHER, so the page shows one variant at a time) and of a scenario with
 * nginx-static, rendered in headless Chromium with the check's driver (.ci/report-driver.js),
 * which picks every variant in the selector and checks that its panels are on view and drawn,
 * that no chart is wider than the page and that no tick labels overlap. A sabotaged copy shows
 * that the check fails when a variant cannot be reached or its panels stay hidden.
 */
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { main } from '../../src/cli/main.js';
import { buildCharts, MAX_VARIANTS_TOGETHER } from '../../src/report/charts/index.js';
import { writeReport } from '../../src/report/index.js';
import { loadScenario } from '../../src/report/load.js';
import { findChromium, renderMarker } from './chromium.js';

const COMMON = `
duration: 6s
warmup: 1s
seed: 5
cluster: {nodes: 2}
deployment:
  replicas: 3
  pod: {serviceTime: {distribution: exponential, mean: 5ms}}
workload:
  arrivals: {process: poisson, rate: 100}
  connections: per-request
churn:
  - {type: rollout, at: 2s}
balancers: [iptables, ipvs-rr, {name: nginx-static, connectTimeout: 1s, nextUpstream: "off"}]
`;
const SWEEP = `name: prestop-sweep\nreplications: 1\n${COMMON}sweep:\n  deployment.pod.preStop.sleep: [0, 1s, 2s, 3s, 5s, 8s, 10s]\n`;
const NGINX = `name: with-nginx\nreplications: 2\n${COMMON}`;
const VARIANTS = 7;

const chromium = findChromium();
let work: string;
let out: string;
let html: string;

beforeAll(async () => {
  work = fs.mkdtempSync(path.join(os.tmpdir(), 'lbsim-variants-'));
  fs.writeFileSync(path.join(work, 'sweep.yaml'), SWEEP);
  fs.writeFileSync(path.join(work, 'nginx.yaml'), NGINX);
  out = path.join(work, 'out');
  const io = { out: () => {}, err: () => {} };
  const files = ['sweep.yaml', 'nginx.yaml'].map((f) => path.join(work, f));
  expect(await main(['node', 'lbsim', 'run', ...files, '-o', out, '-q', '-j', '1'], io)).toBe(0);
  html = await writeReport(out);
}, 180_000);
afterAll(() => fs.rmSync(work, { recursive: true, force: true }));

describe('a sweep of 7 variants x 3 balancers and a scenario with nginx-static', () => {
  it('every variant has its panels in the chart data (none dropped), one line per balancer', async () => {
    expect(VARIANTS).toBeGreaterThan(MAX_VARIANTS_TOGETHER);
    const groups = buildCharts(await loadScenario(path.join(out, 'prestop-sweep')));
    for (const name of ['latency_cdf', 'timeseries', 'pod_load'] as const) {
      const charts = groups.find((g) => g.name === name)!.charts;
      const variants = [...new Set(charts.map((c) => c.variant))];
      expect(variants, name).toEqual(['0', '1', '2', '3', '4', '5', '6']);
      for (const c of charts)
        expect(
          c.datasets.filter((d) => !d.legendOnly).map((d) => d.label),
          c.id,
        ).toEqual(['iptables', 'ipvs-rr', 'nginx-static']);
    }
    // The page: a selector offering all 7, one at a time (the first on view at load).
    const page = fs.readFileSync(html, 'utf8');
    const select =
      /<select class="variant-pick"[^>]*data-variants="(\d+)">([\s\S]*?)<\/select>/.exec(page)!;
    expect(select[1]).toBe(String(VARIANTS));
    expect(select[2]!.match(/<option /g)).toHaveLength(VARIANTS);
    expect(select[2]).not.toContain('value="*"');
  });

  it.skipIf(!chromium)(
    'in headless Chromium: each variant picked in turn is on view and drawn; no overflow, no overlapping ticks',
    () => {
      const m = renderMarker(chromium!, html);
      expect(m.check).toEqual({
        done: true,
        picks: VARIANTS,
        variants: VARIANTS,
        overflow: 0,
        overlaps: 0,
        problems: 0,
        problemText: '',
      });
      // After the click-through every chart of the page has been drawn, without an error.
      expect([m.rendered, m.errors, m.done]).toEqual([m.expected, 0, true]);
      expect(m.expected).toBeGreaterThan(VARIANTS * 7);
    },
    180_000,
  );

  it.skipIf(!chromium)(
    'the check fails when a variant is not offered or its panels stay hidden',
    () => {
      const page = fs.readFileSync(html, 'utf8');
      const broken = path.join(work, 'broken.html');
      fs.writeFileSync(
        broken,
        page
          .replace(/<option value="6">[^<]*<\/option>/, '')
          .replace('</style>', 'figure[data-variant="3"]{display:none !important}</style>'),
      );
      const m = renderMarker(chromium!, broken);
      expect(m.check.done).toBe(true);
      expect(m.check.problemText).toContain('6 variants offered, the scenario has 7');
      expect(m.check.problemText).toContain('a panel of variant 6 that no option shows');
      expect(m.check.problemText).toMatch(/variant 3: \S+ not on view/);
    },
    180_000,
  );
});
