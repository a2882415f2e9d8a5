import type { ScenarioData } from '../load.js';
import { meanCi, num, round } from './common.js';
import { type ChartGroup, type ChartSpec, type DatasetSpec, PALETTE, type Point } from './spec.js';

export function sweep(d: ScenarioData, prefix: string): ChartGroup {
  const base = {
    name: 'sweep',
    heading: 'Sweep: p99 and error rate against the swept value',
    explain:
      'One line per balancer (other swept keys fixed); the point is the mean over replications and the band its ' +
      '95% confidence interval, mean \u00b1 t(0.975, n\u22121)\u00b7s/\u221an (no band with one replication).',
  } as const;
  const keys = d.sweepKeys;
  if (keys.length === 0) return { ...base, charts: [], skipped: 'not a sweep' };
  const xKey = keys[0]!;
  const others = keys.slice(1);
  const rows = d.summary.filter((r) => r.fields[xKey] !== undefined);
  if (rows.length === 0)
    return { ...base, charts: [], skipped: 'summary.csv missing or without the swept column' };
  const numeric = rows.every((r) => Number.isFinite(num(r.fields[xKey])));
  const xs = [...new Set(rows.map((r) => r.fields[xKey]!))].sort((a, b) =>
    numeric ? num(a) - num(b) : a < b ? -1 : a > b ? 1 : 0,
  );
  const groups = new Map<string, typeof rows>();
  for (const r of rows) {
    const g = [r.balancer, ...others.map((k) => `${k}=${r.fields[k] ?? ''}`)].join(', ');
    let a = groups.get(g);
    if (!a) groups.set(g, (a = []));
    a.push(r);
  }
  const reps = Math.min(
    ...[...new Set(rows.map((r) => `${r.variant}\u0000${r.balancer}`))].map(
      (k) => rows.filter((r) => `${r.variant}\u0000${r.balancer}` === k).length,
    ),
  );
  const chart = (
    col: string,
    scale: number,
    id: string,
    title: string,
    ytitle: string,
  ): ChartSpec => {
    const datasets: DatasetSpec[] = [];
    [...groups.entries()].forEach(([label, grows], gi) => {
      const color = PALETTE[gi % PALETTE.length]!;
      const mid: Point[] = [];
      const lo: Point[] = [];
      const hi: Point[] = [];
      xs.forEach((xv, xi) => {
        const vals = grows
          .filter((r) => r.fields[xKey] === xv)
          .map((r) => num(r.fields[col]) * scale);
        const finite = vals.filter(Number.isFinite);
        if (finite.length === 0) return;
        const { mean: m, half } = meanCi(finite);
        const x = numeric ? num(xv) : xi;
        mid.push({ x, y: round(m) });
        lo.push({ x, y: round(m - half) });
        hi.push({ x, y: round(m + half) });
      });
      datasets.push({ label: `${label} (95% CI low)`, color, data: lo, band: 'lower' });
      datasets.push({ label: `${label} (95% CI high)`, color, data: hi, band: 'upper' });
      datasets.push({ label, color, data: mid, points: true });
    });
    return {
      id: `${prefix}-${id}`,
      title,
      type: 'line',
      x: { title: xKey, type: 'linear' },
      y: { title: ytitle, type: 'linear' },
      // A non-numeric swept value is drawn at positions 0..n-1, labelled with the values.
      labels: numeric ? undefined : xs,
      datasets,
      note: `${reps} replication(s) per point`,
    };
  };
  return {
    ...base,
    charts: [
      chart(
        'latency_p99_ms',
        1,
        'sweep-p99',
        `p99 latency against ${xKey}`,
        'p99 latency (ms), mean and 95% CI',
      ),
      chart(
        'error_rate',
        100,
        'sweep-errors',
        `Error rate against ${xKey}`,
        'error rate (%), mean and 95% CI',
      ),
    ],
  };
}
