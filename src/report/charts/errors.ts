import type { ScenarioData, SeriesKey } from '../load.js';
import { seriesKeyOf } from '../load.js';
import { round } from './common.js';
import type { SeriesView } from './series.js';
import { type ChartGroup, type ChartSpec, STACK_PALETTE } from './spec.js';

export function errors(d: ScenarioData, view: SeriesView, prefix: string): ChartGroup {
  const base = {
    name: 'errors',
    heading: 'Errors by kind and by cause',
    explain:
      'From errors.csv, final errors only (what the user saw; attempt rows are tries a retry hid), as the mean ' +
      'count per replication. Kind is what the client saw; cause is the ground truth behind it.',
  } as const;
  const pairs = view.pairs.filter((s) => {
    const m = d.errorsByKind.get(seriesKeyOf(s.variant, s.balancer));
    return m !== undefined;
  });
  const total = pairs.reduce(
    (a, s) =>
      a +
      [...(d.errorsByKind.get(seriesKeyOf(s.variant, s.balancer))?.values() ?? [])].reduce(
        (x, y) => x + y,
        0,
      ),
    0,
  );
  if (total === 0)
    return { ...base, charts: [], skipped: 'errors.csv missing or empty (no final errors)' };
  const all = view.pairs;
  const labels = all.map((s) => view.label(s));
  const reps = (s: SeriesKey): number => {
    const fromSummary = new Set(
      d.summary
        .filter((r) => r.variant === s.variant && r.balancer === s.balancer)
        .map((r) => r.replication),
    ).size;
    return fromSummary || d.errorReplications.get(seriesKeyOf(s.variant, s.balancer))?.size || 1;
  };
  const chart = (by: 'kind' | 'cause'): ChartSpec => {
    const src = by === 'kind' ? d.errorsByKind : d.errorsByCause;
    const names: string[] = [];
    for (const s of all)
      for (const n of src.get(seriesKeyOf(s.variant, s.balancer))?.keys() ?? [])
        if (!names.includes(n)) names.push(n);
    return {
      id: `${prefix}-errors-${by}`,
      title: `Final errors by ${by}`,
      type: 'bar',
      labels,
      x: { title: 'series', type: 'category', stacked: true },
      y: { title: 'final errors per replication', type: 'linear', stacked: true },
      datasets: names.map((n, i) => ({
        label: n,
        color: STACK_PALETTE[i % STACK_PALETTE.length]!,
        data: all.map((s) =>
          round((src.get(seriesKeyOf(s.variant, s.balancer))?.get(n) ?? 0) / reps(s)),
        ),
      })),
      note: view.note,
    };
  };
  return { ...base, charts: [chart('kind'), chart('cause')] };
}
