import { parseDuration } from '../../fields/units.js';
import type { ScenarioData } from '../load.js';
import { joinNotes, meanCi, num, ordersApart, peakOf, round, splitByMagnitude } from './common.js';
import {
  type ChartGroup,
  type ChartSpec,
  type DatasetSpec,
  MAX_SWEEP_PANELS,
  PALETTE,
  type Point,
} from './spec.js';

/**
 * Where each swept value (as written) sits on the x axis, in base units: summary.csv's numeric
 * `sweep_*` column when the writer added one, else the values themselves when they are all
 * numbers or all durations (`0, 1s, 10s` -> seconds). Anything else is not numeric: its values
 * keep the order of the variants (the sweep's file order), never text order.
 */
export function sweptPositions(
  d: ScenarioData,
  key: string,
  rows: ScenarioData['summary'],
): { position: Map<string, number>; numeric: boolean; unit: string } {
  const labels = [...new Set(rows.map((r) => r.fields[key]!))];
  const col = d.sweepNumbers.get(key);
  const fromColumn = new Map<string, number>();
  if (col !== undefined) for (const r of rows) fromColumn.set(r.fields[key]!, num(r.fields[col]));
  const candidates: [Map<string, number>, string][] = [
    [fromColumn, col?.match(/_(s|pct|rps)$/)?.[1] ?? ''],
    [new Map(labels.map((l) => [l, num(l)])), ''],
    [new Map(labels.map((l) => [l, parseDuration(l) ?? Number.NaN])), 's'],
  ];
  for (const [m, unit] of candidates)
    if (m.size === labels.length && labels.every((l) => Number.isFinite(m.get(l))))
      return { position: m, numeric: true, unit };
  const order = new Map<string, number>();
  for (const r of rows)
    if (!order.has(r.fields[key]!)) order.set(r.fields[key]!, Number(r.variant));
  return { position: order, numeric: false, unit: '' };
}

export function sweep(d: ScenarioData, prefix: string): ChartGroup {
  const base = {
    name: 'sweep',
    heading: 'Sweep: p99 and error rate against the swept value',
    explain:
      'One line per balancer, one panel per combination of the other swept keys; the point is the mean over replications and the band its ' +
      '95% confidence interval, mean \u00b1 t(0.975, n\u22121)\u00b7s/\u221an (no band with one replication).',
  } as const;
  const keys = d.sweepKeys;
  if (keys.length === 0) return { ...base, charts: [], skipped: 'not a sweep' };
  const xKey = keys[0]!;
  const others = keys.slice(1);
  const rows = d.summary.filter((r) => r.fields[xKey] !== undefined);
  if (rows.length === 0)
    return { ...base, charts: [], skipped: 'summary.csv missing or without the swept column' };
  const { position, numeric, unit } = sweptPositions(d, xKey, rows);
  const xs = [...new Set(rows.map((r) => r.fields[xKey]!))].sort(
    (a, b) => position.get(a)! - position.get(b)!,
  );
  const reps = Math.min(
    ...[...new Set(rows.map((r) => `${r.variant}\u0000${r.balancer}`))].map(
      (k) => rows.filter((r) => `${r.variant}\u0000${r.balancer}` === k).length,
    ),
  );
  const balancers = [...new Set(d.series.map((s) => s.balancer))];
  // One panel per combination of the other swept keys' values (small multiples), one line per
  // balancer in each: a balancer has the same colour everywhere.
  const combos = new Map<string, typeof rows>();
  for (const r of rows) {
    const c = others.map((k) => `${k.split('.').at(-1)}=${r.fields[k] ?? ''}`).join(', ');
    let a = combos.get(c);
    if (!a) combos.set(c, (a = []));
    a.push(r);
  }
  const comboList = [...combos.entries()];
  const comboNote =
    comboList.length > MAX_SWEEP_PANELS
      ? `first ${MAX_SWEEP_PANELS} of ${comboList.length} combinations of ${others.join(', ')}`
      : undefined;
  const lines = (crows: typeof rows, col: string, scale: number) =>
    balancers.flatMap((b) => {
      const brows = crows.filter((r) => r.balancer === b);
      if (brows.length === 0) return [];
      const color = PALETTE[balancers.indexOf(b) % PALETTE.length]!;
      const mid: Point[] = [];
      const lo: Point[] = [];
      const hi: Point[] = [];
      xs.forEach((xv, xi) => {
        const vals = brows
          .filter((r) => r.fields[xKey] === xv)
          .map((r) => num(r.fields[col]) * scale);
        const finite = vals.filter(Number.isFinite);
        if (finite.length === 0) return;
        const { mean: m, half } = meanCi(finite);
        const x = numeric ? position.get(xv)! : xi;
        mid.push({ x, y: round(m) });
        lo.push({ x, y: round(m - half) });
        hi.push({ x, y: round(m + half) });
      });
      return [
        {
          balancer: b,
          peak: peakOf(mid),
          datasets: [
            { label: `${b} (95% CI low)`, color, data: lo, band: 'lower' },
            { label: `${b} (95% CI high)`, color, data: hi, band: 'upper' },
            { label: b, color, data: mid, points: true },
          ] as DatasetSpec[],
        },
      ];
    });
  const x = { title: unit ? `${xKey} (${unit})` : xKey, type: 'linear' } as const;
  // A non-numeric swept value is drawn at positions 0..n-1, labelled with the values.
  const labels = numeric ? undefined : xs;
  const charts: ChartSpec[] = [];
  comboList.slice(0, MAX_SWEEP_PANELS).forEach(([combo, crows], ci) => {
    const suffix = comboList.length > 1 ? `-c${ci}` : '';
    const where = combo ? ` (${combo})` : '';
    const note = joinNotes(`${reps} replication(s) per point`, ci === 0 ? comboNote : undefined);
    const p99 = lines(crows, 'latency_p99_ms', 1);
    // Balancers orders of magnitude apart: a log axis for latency (always positive), a panel
    // of their own for error rates (zeros have no place on a log axis).
    const logY = ordersApart(p99.map((l) => l.peak));
    charts.push({
      id: `${prefix}-sweep-p99${suffix}`,
      title: `p99 latency against ${xKey}${where}`,
      type: 'line',
      x,
      y: logY
        ? { title: 'p99 latency (ms, log scale), mean and 95% CI', type: 'logarithmic' }
        : { title: 'p99 latency (ms), mean and 95% CI', type: 'linear' },
      labels,
      datasets: p99.flatMap((l) => l.datasets),
      note: joinNotes(
        note,
        logY ? 'log scale: the balancers are an order of magnitude or more apart' : undefined,
      ),
    });
    const parts = splitByMagnitude(lines(crows, 'error_rate', 100), (l) => l.peak);
    parts.forEach((part, pi) => {
      const own = parts.length > 1 && pi === 1;
      charts.push({
        id: `${prefix}-sweep-errors${suffix}${pi === 0 ? '' : `-${pi}`}`,
        title: `Error rate against ${xKey}${where}${own ? ` \u00b7 ${part.map((l) => l.balancer).join(', ')}` : ''}`,
        type: 'line',
        x,
        y: { title: 'error rate (%), mean and 95% CI', type: 'linear' },
        labels,
        datasets: part.flatMap((l) => l.datasets),
        note: joinNotes(
          note,
          parts.length === 1
            ? undefined
            : own
              ? 'on its own scale: an order of magnitude or more above the other panel'
              : `without ${parts[1]!.map((l) => l.balancer).join(', ')} (next panel: an order of magnitude or more above)`,
        ),
      });
    });
  });
  return { ...base, charts };
}
