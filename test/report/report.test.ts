import {
  cpSync,
  mkdirSync,
  mkdtempSync,
  readdirSync,
  readFileSync,
  rmSync,
  writeFileSync,
} from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { confidenceInterval, studentTQuantile975 } from '../../src/metrics/stats.js';
import { TIMESERIES_COLUMNS } from '../../src/output/columns.js';
import {
  buildCharts,
  type ChartGroup,
  type ChartSpec,
  lighten,
  MAX_CDF_POINTS,
  MAX_TIME_POINTS,
  meanCi,
  nines,
  ordersApart,
  type Point,
  splitByMagnitude,
} from '../../src/report/charts/index.js';
import { CsvParser, parseCsv } from '../../src/report/csv.js';
import { writeReport } from '../../src/report/index.js';
import { findScenarioFolders, loadScenario, sweepKeys } from '../../src/report/load.js';
import { findChromium, renderMarker } from './chromium.js';

const FIXTURE = resolve(import.meta.dirname, '../fixtures/results-small');
let work: string;

beforeAll(() => {
  work = mkdtempSync(join(tmpdir(), 'lbsim-report-'));
});
afterAll(() => {
  rmSync(work, { recursive: true, force: true });
});

/** A fresh copy of the fixture (writeReport writes into the results folder). */
function fixtureCopy(name: string): string {
  const dir = join(work, name);
  cpSync(FIXTURE, dir, { recursive: true });
  return dir;
}

function rows(scenario: string, table: string): Record<string, string>[] {
  const [header, ...body] = parseCsv(readFileSync(join(FIXTURE, scenario, `${table}.csv`), 'utf8'));
  return body.map((r) => Object.fromEntries(header!.map((h, i) => [h, r[i] ?? ''])));
}

async function groupsOf(scenario: string): Promise<Map<string, ChartGroup>> {
  const d = await loadScenario(join(FIXTURE, scenario));
  return new Map(buildCharts(d).map((g) => [g.name, g]));
}

const points = (c: ChartSpec, label: string): Point[] =>
  c.datasets.find((d) => d.label === label)!.data as Point[];

describe('CSV reader', () => {
  const text = 'a,b,c\r\n1,"x, ""y""",\n2,"line\nbreak",z\n\n3,,"q"';
  const expected = [
    ['a', 'b', 'c'],
    ['1', 'x, "y"', ''],
    ['2', 'line\nbreak', 'z'],
    ['3', '', 'q'],
  ];

  it('parses RFC 4180 quoting, CRLF, blank lines and a last line without newline', () => {
    expect(parseCsv(text)).toEqual(expected);
  });

  it('gives the same records whatever the chunk boundaries (one char at a time)', () => {
    const out: string[][] = [];
    const p = new CsvParser((r) => out.push(r));
    for (const ch of text) p.push(ch);
    p.end();
    expect(out).toEqual(expected);
  });

  it('rejects an unterminated quoted field', () => {
    expect(() => parseCsv('a\n"open')).toThrow(/unterminated/);
  });
});

describe('statistics', () => {
  it('meanCi uses the t quantile of summarize: t(0.975, 60) = 2.000298, t(0.975, 120) = 1.979930', () => {
    // 61 values 0, 1, 0, 1, ... : mean 30/61, s from the sample; half = t(60) s / sqrt(61).
    const xs = Array.from({ length: 61 }, (_, i) => i % 2);
    const m = 30 / 61;
    const s = Math.sqrt(xs.reduce((a, x) => a + (x - m) ** 2, 0) / 60);
    expect(meanCi(xs).half).toBeCloseTo((2.000298 * s) / Math.sqrt(61), 5);
    expect(meanCi(xs).half).toBe(confidenceInterval(xs).halfWidth);
    expect(studentTQuantile975(120)).toBeCloseTo(1.97993, 4);
  });

  it('meanCi of 1, 2, 3: mean 2, s = 1, half-width t(0.975, 2)/sqrt(3) = 2.4843', () => {
    const { mean, half } = meanCi([1, 2, 3]);
    expect(mean).toBe(2);
    expect(half).toBeCloseTo(4.303 / Math.sqrt(3), 10);
    expect(meanCi([5]).half).toBe(0);
  });

  it('lighten mixes with white: f = 0 keeps the colour, 0.5 is half way, 1 is white', () => {
    expect(lighten('#1f77b4', 0)).toBe('#1f77b4');
    expect(lighten('#000000', 0.5)).toBe('#808080');
    expect(lighten('#123456', 1)).toBe('#ffffff');
  });

  it('orders of magnitude: a log axis from 10x between peaks; a split at the widest such gap', () => {
    expect(ordersApart([5, 20, 49])).toBe(false);
    expect(ordersApart([5, 20, 50])).toBe(true);
    // Zeros and missing values are not peaks to compare.
    expect(ordersApart([0, Number.NaN, 3, 29])).toBe(false);
    const peak = (x: { p: number }) => x.p;
    const items = [{ p: 0.2 }, { p: 40 }, { p: 0.5 }, { p: 2 }];
    // Gaps 0.2 -> 0.5 -> 2 -> 40: the widest, 2 -> 40 (20x), splits; file order kept in each.
    expect(splitByMagnitude(items, peak)).toEqual([
      [{ p: 0.2 }, { p: 0.5 }, { p: 2 }],
      [{ p: 40 }],
    ]);
    expect(splitByMagnitude([{ p: 1 }, { p: 9 }], peak)).toEqual([[{ p: 1 }, { p: 9 }]]);
    // All-zero below a large series: one linear axis shows the zeros well enough.
    expect(splitByMagnitude([{ p: 0 }, { p: 0 }, { p: 70 }], peak)).toHaveLength(1);
    // Two groups apart: the widest gap decides (1 -> 100 rather than 100 -> 1500).
    expect(
      splitByMagnitude([{ p: 1 }, { p: 100 }, { p: 1500 }], peak).map((g) => g.length),
    ).toEqual([1, 2]);
  });

  it('nines axis: p50 -> 0.301, p90 -> 1, p99 -> 2, p99.9 -> 3, max -> 4', () => {
    expect([0.5, 0.9, 0.99, 0.999, 1].map((p) => Number(nines(p).toFixed(3)))).toEqual([
      0.301, 1, 2, 3, 4,
    ]);
  });
});

describe('loading a results folder', () => {
  it('finds the scenario folders, sorted; a scenario folder given directly is itself', async () => {
    const names = (await findScenarioFolders(FIXTURE)).map((f) => f.slice(FIXTURE.length + 1));
    expect(names).toEqual(['churn-demo', 'load-sweep', 'no-data', 'rollout-variants']);
    expect(await findScenarioFolders(join(FIXTURE, 'churn-demo'))).toEqual([
      join(FIXTURE, 'churn-demo'),
    ]);
  });

  it('sweep keys: from run.json, else the summary columns between variant and balancer', () => {
    const header = ['scenario', 'variant', 'a.b', 'c', 'balancer', 'replication'];
    expect(sweepKeys({ sweep: { c: [1], 'not.in.summary': [2] } }, header)).toEqual(['c', 'a.b']);
    // As src/runner writes run.json: the resolved scenario holds the sweep.
    expect(sweepKeys({ scenario: { name: 'x', sweep: { c: [1] } } }, header)).toEqual(['c', 'a.b']);
    expect(sweepKeys({}, header)).toEqual(['a.b', 'c']);
    expect(sweepKeys({}, ['scenario', 'variant', 'balancer'])).toEqual([]);
  });

  it('aggregates churn-demo: series, final errors, first-replication pods and events, delays per node', async () => {
    const d = await loadScenario(join(FIXTURE, 'churn-demo'));
    expect(d.series.map((s) => s.balancer)).toEqual(['nginx-static', 'iptables', 'ipvs-rr']);
    expect(d.sweepKeys).toEqual([]);
    // Final errors of nginx-static summed straight from the file.
    const final = rows('churn-demo', 'errors').filter(
      (r) => r.level === 'final' && r.balancer === 'nginx-static',
    );
    const k = 'default\u0000nginx-static';
    const byKind = d.errorsByKind.get(k)!;
    expect([...byKind.values()].reduce((a, b) => a + b, 0)).toBe(
      final.reduce((a, r) => a + Number(r.count), 0),
    );
    expect(d.pods.get(k)!.rows.length).toBe(
      rows('churn-demo', 'pods').filter(
        (r) => r.balancer === 'nginx-static' && r.replication === '0',
      ).length,
    );
    const ev = d.events.get(k)!;
    expect(ev.replication).toBe(0);
    expect(ev.rows.some((r) => r.detail === 'revision 2, maxSurge "25%", maxUnavailable 0')).toBe(
      true,
    );
    // Nginx static never programs anything: no propagation rows; iptables has 3 nodes.
    expect(d.propagation.has(k)).toBe(false);
    expect([...d.propagation.get('default\u0000iptables')!.keys()].sort()).toEqual([
      'node-0',
      'node-1',
      'node-2',
    ]);
  });
});

describe('chart specs', () => {
  it('churn-demo: every chart but the sweep', async () => {
    const g = await groupsOf('churn-demo');
    const count = (n: string) => g.get(n)!.charts.length;
    expect([
      count('latency_cdf'),
      count('timeseries'),
      count('errors'),
      count('pod_load'),
      count('propagation_cdf'),
      count('sweep'),
    ]).toEqual([1, 3, 4, 2, 2, 0]);
    expect(g.get('sweep')!.skipped).toBe('not a sweep');
  });

  it('churn-demo: nginx-static, an order of magnitude more errors, gets error panels of its own', async () => {
    const g = await groupsOf('churn-demo');
    const lines = (c: ChartSpec) => c.datasets.filter((d) => !d.legendOnly).map((d) => d.label);
    const rate = g.get('timeseries')!.charts.slice(1);
    expect(rate.map(lines)).toEqual([['iptables', 'ipvs-rr'], ['nginx-static']]);
    expect(rate[0]!.note).toMatch(/without nginx-static/);
    expect(rate[1]!.title).toBe('Error rate per window \u00b7 nginx-static');
    // Bars: the same split, by the final errors per replication of each balancer.
    const bars = g.get('errors')!.charts;
    expect(bars.map((c) => [c.id.replace('c-churn-demo-', ''), c.labels])).toEqual([
      ['errors-kind', ['iptables', 'ipvs-rr']],
      ['errors-kind-1', ['nginx-static']],
      ['errors-cause', ['iptables', 'ipvs-rr']],
      ['errors-cause-1', ['nginx-static']],
    ]);
    // The others' errors stay in the first panel (not dropped).
    const total = (c: ChartSpec, i: number) =>
      c.datasets.reduce((a, d) => a + ((d.data as number[])[i] ?? 0), 0);
    expect(total(bars[0]!, 0)).toBeGreaterThan(0);
    expect(total(bars[1]!, 0)).toBeGreaterThan(
      10 * Math.max(total(bars[0]!, 0), total(bars[0]!, 1)),
    );
    // One scenario-wide panel per chart (one variant): no variant tag.
    expect(bars.every((c) => c.variant === undefined)).toBe(true);
  });

  it('latency CDF: a step through the mean quantiles of the replications on the nines axis', async () => {
    const g = await groupsOf('churn-demo');
    const c = g.get('latency_cdf')!.charts[0]!;
    const summary = rows('churn-demo', 'summary').filter((r) => r.balancer === 'iptables');
    const meanOf = (col: string) =>
      summary.reduce((a, r) => a + Number(r[col]), 0) / summary.length;
    const pts = points(c, 'iptables');
    expect(pts.map((p) => p.y)).toEqual([0, 0.301, 1, 2, 3, 4]);
    // Rounded to 4 significant digits in the page.
    expect(pts[3]!.x).toBeCloseTo(meanOf('latency_p99_ms'), 1);
    expect(pts[5]!.x).toBeCloseTo(meanOf('latency_max_ms'), 0);
  });

  it('time series: error rate = errors / requests of the window summed over replications; churn events marked', async () => {
    const g = await groupsOf('churn-demo');
    const [p99, , rate] = g.get('timeseries')!.charts;
    const w = rows('churn-demo', 'timeseries').filter(
      (r) => r.balancer === 'nginx-static' && r.window_start_s === '44',
    );
    const expected =
      (100 * w.reduce((a, r) => a + Number(r.errors), 0)) /
      w.reduce((a, r) => a + Number(r.requests), 0);
    expect(points(rate!, 'nginx-static').find((p) => p.x === 44)!.y).toBeCloseTo(expected, 2);
    const p99Expected = w.reduce((a, r) => a + Number(r.latency_p99_ms), 0) / w.length;
    expect(points(p99!, 'nginx-static').find((p) => p.x === 44)!.y).toBeCloseTo(p99Expected, 1);
    // Every event of the first series' first replication is marked (crash, replacement, rollout...).
    const ev = rows('churn-demo', 'events').filter(
      (r) => r.balancer === 'nginx-static' && r.replication === '0',
    );
    expect(p99!.events!.length).toBe(ev.length);
    expect(p99!.datasets.filter((d) => d.legendOnly).map((d) => d.label)).toContain(
      'event: pod_crash',
    );
  });

  it('an empty window (no requests) is a gap, not zero', async () => {
    const g = await groupsOf('rollout-variants');
    const charts = g.get('timeseries')!.charts;
    // Two variants: one panel per variant (small multiples), named by the variant.
    expect(charts.map((c) => [c.variant, c.title])).toEqual([
      ['no-prestop', 'p99 latency per window \u00b7 variant no-prestop'],
      ['no-prestop', 'Error rate per window \u00b7 variant no-prestop'],
      ['prestop-5s', 'p99 latency per window \u00b7 variant prestop-5s'],
      ['prestop-5s', 'Error rate per window \u00b7 variant prestop-5s'],
    ]);
    const [, , p99, rate] = charts;
    expect(points(p99!, 'iptables').find((p) => p.x === 19)!.y).toBeNull();
    expect(points(rate!, 'iptables').find((p) => p.x === 19)!.y).toBeNull();
    expect(p99!.datasets.filter((d) => !d.legendOnly).map((d) => d.label)).toEqual(['iptables']);
  });

  it('errors: stacked mean counts per replication, final level only', async () => {
    const g = await groupsOf('churn-demo');
    const byCause = g.get('errors')!.charts.find((c) => c.id === 'c-churn-demo-errors-cause')!;
    const iStale = byCause.datasets.find((d) => d.label === 'stale_endpoint')!;
    const ipt = byCause.labels!.indexOf('iptables');
    const fromFile = rows('churn-demo', 'errors')
      .filter(
        (r) => r.level === 'final' && r.balancer === 'iptables' && r.cause === 'stale_endpoint',
      )
      .reduce((a, r) => a + Number(r.count), 0);
    expect((iStale.data as number[])[ipt]).toBeCloseTo(fromFile / 2, 6); // two replications
  });

  it('sweep: mean and 95% CI across the three replications at each swept value', async () => {
    const g = await groupsOf('load-sweep');
    expect(g.get('timeseries')!.skipped).toMatch(/missing or empty/);
    expect(g.get('errors')!.skipped).toMatch(/no final errors/);
    const p99 = g.get('sweep')!.charts[0]!;
    expect(p99.x.title).toBe('workload.arrivals.rate');
    // Per-series charts: a panel per variant, named by its swept value; every variant drawn.
    const cdf = g.get('latency_cdf')!.charts;
    expect(cdf.map((c) => c.title.split(' \u00b7 ')[1])).toEqual([
      'rate=200',
      'rate=400',
      'rate=600',
      'rate=800',
    ]);
    expect(cdf[3]!.datasets.map((d) => d.label)).toEqual(['iptables', 'ipvs-lc']);
    const vals = rows('load-sweep', 'summary')
      .filter((r) => r.balancer === 'iptables' && r['workload.arrivals.rate'] === '800')
      .map((r) => Number(r.latency_p99_ms));
    expect(vals.length).toBe(3);
    const m = vals.reduce((a, b) => a + b, 0) / 3;
    const sd = Math.sqrt(vals.reduce((a, v) => a + (v - m) ** 2, 0) / 2);
    const half = (4.303 * sd) / Math.sqrt(3);
    expect(points(p99, 'iptables').find((p) => p.x === 800)!.y).toBeCloseTo(m, 1);
    expect(points(p99, 'iptables (95% CI high)').find((p) => p.x === 800)!.y).toBeCloseTo(
      m + half,
      1,
    );
    expect(points(p99, 'iptables (95% CI low)').find((p) => p.x === 800)!.y).toBeCloseTo(
      m - half,
      1,
    );
  });

  it('no-data: nothing drawn, every group says why', async () => {
    const g = await groupsOf('no-data');
    for (const group of g.values()) {
      expect(group.charts).toEqual([]);
      expect(group.skipped).toBeTruthy();
    }
  });

  it('downsamples long tables: time series to MAX_TIME_POINTS, propagation CDFs to MAX_CDF_POINTS', async () => {
    const dir = join(work, 'big', 'big');
    mkdirSync(dir, { recursive: true });
    const ts = [TIMESERIES_COLUMNS.join(',')];
    const n = 2000;
    for (let i = 0; i < n; i++) {
      const row: Record<string, string | number> = {
        scenario: 'big',
        variant: 'v',
        balancer: 'b',
        replication: 0,
        window_start_s: i,
        window_end_s: i + 1,
        requests: 10,
        errors: i === 1000 ? 10 : 0,
        latency_p99_ms: i === 1001 ? 500 : 20,
      };
      ts.push(TIMESERIES_COLUMNS.map((c) => row[c] ?? 0).join(','));
    }
    writeFileSync(join(dir, 'timeseries.csv'), `${ts.join('\n')}\n`);
    const prop = [
      'scenario,variant,balancer,replication,change_id,change,pod,ip,node,happened_at_s,programmed_at_s,delay_ms',
    ];
    for (let i = 0; i < 1000; i++) prop.push(`big,v,b,0,${i},add,p,1,node-0,0,0,${i + 1}`);
    writeFileSync(join(dir, 'propagation.csv'), `${prop.join('\n')}\n`);
    const g = new Map(buildCharts(await loadScenario(dir)).map((x) => [x.name, x]));
    const [p99, rate] = g.get('timeseries')!.charts;
    const p = points(p99!, 'b');
    expect(p.length).toBe(Math.ceil(n / Math.ceil(n / MAX_TIME_POINTS)));
    // 5 windows per point: the spike at window 1001 survives as the bucket's worst p99 and the
    // 10 errors of window 1000 are 10 / (5 x 10) = 20% of the bucket starting at 1000.
    expect(p.find((q) => q.x === 1000)!.y).toBe(500);
    expect(points(rate!, 'b').find((q) => q.x === 1000)!.y).toBe(20);
    expect(p99!.note).toMatch(/merged 5 to a point/);
    const cdf = points(g.get('propagation_cdf')!.charts[0]!, 'node-0');
    expect(cdf.length).toBe(MAX_CDF_POINTS + 1);
    expect(cdf[1]).toEqual({ x: 1, y: 0.001 });
    expect(cdf.at(-1)).toEqual({ x: 1000, y: 1 });
  });
});

describe('writeReport', () => {
  it('writes DIR/report.html atomically, self-contained, with the data and the render marker', async () => {
    const dir = fixtureCopy('write');
    writeFileSync(join(dir, 'report.html'), 'old');
    const out = await writeReport(dir);
    expect(out).toBe(join(dir, 'report.html'));
    // Replaced whole through a temp file that is gone afterwards.
    expect(readdirSync(dir).filter((f) => f.includes('.tmp'))).toEqual([]);
    const html = readFileSync(out, 'utf8');
    expect(html.startsWith('<!doctype html>')).toBe(true);
    // Self-contained: no external script or stylesheet; Chart.js inlined.
    expect(html).not.toMatch(/<script[^>]+src=/i);
    expect(html).not.toMatch(/<link[^>]+href=/i);
    expect(html).toContain('Chart.js v4');
    // The data: every chart spec embedded, one canvas each, count in the marker.
    const json = /<script type="application\/json" id="lbsim-data">([^<]*)<\/script>/.exec(
      html,
    )![1]!;
    const specs = JSON.parse(json) as ChartSpec[];
    expect(specs.length).toBe(26);
    expect(html).toContain('data-charts-expected="26"');
    for (const s of specs) expect(html).toContain(`<canvas id="${s.id}"`);
    expect(html).toContain("setAttribute('data-charts-rendered'");
    expect(html).toContain("setAttribute('data-chart-errors'");
    // Quoted CSV text reaches the page escaped.
    expect(html).toContain('maxSurge \\"25%\\"');
    // Small: Chart.js is ~210 KB, the fixture's data a few tens of KB.
    expect(html.length).toBeLessThan(400_000);
  });

  it('writes to a chosen path; one scenario folder works on its own', async () => {
    const dir = fixtureCopy('single');
    const out = await writeReport(join(dir, 'churn-demo'), join(work, 'single.html'));
    expect(out).toBe(join(work, 'single.html'));
    expect(readFileSync(out, 'utf8')).toContain('<title>lbsim report: churn-demo</title>');
  });

  it('names the problem for a missing folder or one without tables', async () => {
    await expect(writeReport(join(work, 'nope'))).rejects.toThrow(
      /expected a directory, got `.*nope`/,
    );
    const empty = join(work, 'empty');
    mkdirSync(empty);
    await expect(writeReport(empty)).rejects.toThrow(/found none/);
  });
});

const chromium = findChromium();
if (!chromium) {
  console.warn(
    'test/report: SKIPPING the headless Chromium check: `chromium` is not installed ' +
      '(apt-get install chromium; CI runs it via .ci/report-check.sh).',
  );
}

describe.skipIf(!chromium)('report in headless Chromium', () => {
  it('draws every chart with no error', async () => {
    const dir = fixtureCopy('chromium');
    const m = renderMarker(chromium!, await writeReport(dir));
    expect(m.check).toEqual({
      done: true,
      picks: 8, // rollout-variants: all + 2 variants; load-sweep: all + 4 variants
      variants: 6,
      overflow: 0,
      overlaps: 0,
      problems: 0,
      problemText: '',
    });
    expect({ ...m, check: undefined }).toEqual({
      check: undefined,
      expected: 26,
      rendered: 26,
      errors: 0,
      done: true,
      overflow: 0,
      tickOverlaps: 0,
      errorText: '',
    });
  });

  it('reports the failure when Chart.js is missing (the check can fail)', async () => {
    const dir = fixtureCopy('broken');
    const out = await writeReport(dir);
    const html = readFileSync(out, 'utf8').replace(
      /<script>\/\*!\s*\* Chart\.js[\s\S]*?<\/script>/,
      '',
    );
    writeFileSync(out, html);
    const m = renderMarker(chromium!, out);
    expect(m.rendered).toBe(0);
    expect(m.errors).toBeGreaterThan(0);
    expect(m.errorText).toContain('Chart.js did not load');
  });
});
