import type { ScenarioData, SeriesKey } from '../load.js';
import { seriesKeyOf } from '../load.js';
import { round, splitByMagnitude } from './common.js';
import type { SeriesView } from './series.js';
import { type ChartGroup, type ChartSpec, STACK_PALETTE } from './spec.js';

export function errors(d: ScenarioData, view: SeriesView, prefix: string): ChartGroup {
  const base = {
    name: 'errors',
    heading: 'Errors by kind and by cause',
    explain:
      'From errors.csv, final errors only (what the user saw; attempt rows are tries a retry hid), as the mean ' +
      'count per replication. Kind is what the client saw; cause is the ground truth behind it. One panel per ' +
      'variant; a balancer with an order of magnitude more errors than the others gets bars of its own.',
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
  const reps = (s: SeriesKey): number => {
    const fromSummary = new Set(
      d.summary
        .filter((r) => r.variant === s.variant && r.balancer === s.balancer)
        .map((r) => r.replication),
    ).size;
    return fromSummary || d.errorReplications.get(seriesKeyOf(s.variant, s.balancer))?.size || 1;
  };
  const totalOf = (s: SeriesKey): number =>
    [...(d.errorsByKind.get(seriesKeyOf(s.variant, s.balancer))?.values() ?? [])].reduce(
      (x, y) => x + y,
      0,
    ) / reps(s);
  // Every kind (cause) in order of first appearance: one colour each in every panel.
  const everyName = { kind: [] as string[], cause: [] as string[] };
  for (const by of ['kind', 'cause'] as const)
    for (const s of view.pairs)
      for (const n of (by === 'kind' ? d.errorsByKind : d.errorsByCause)
        .get(seriesKeyOf(s.variant, s.balancer))
        ?.keys() ?? [])
        if (!everyName[by].includes(n)) everyName[by].push(n);
  const charts: ChartSpec[] = [];
  const clean: string[] = [];
  for (const panel of view.panels) {
    if (panel.pairs.every((s) => !(totalOf(s) > 0))) {
      if (panel.variant !== undefined) clean.push(view.variantTitle(panel.variant));
      continue;
    }
    for (const by of ['kind', 'cause'] as const) {
      const src = by === 'kind' ? d.errorsByKind : d.errorsByCause;
      // A balancer with errors an order of magnitude above the others gets bars of its own:
      // on one axis the others' bars would be too short to read.
      const parts = splitByMagnitude(panel.pairs, totalOf);
      parts.forEach((all, pi) => {
        const names = everyName[by].filter((n) =>
          all.some((s) => src.get(seriesKeyOf(s.variant, s.balancer))?.has(n)),
        );
        const own = parts.length > 1 && pi === 1;
        charts.push({
          id: `${prefix}-errors-${by}${panel.id}${pi === 0 ? '' : `-${pi}`}`,
          title: `Final errors by ${by}${panel.title}`,
          type: 'bar',
          labels: all.map((s) => view.label(s)),
          x: { title: 'balancer', type: 'category', stacked: true },
          y: { title: 'final errors per replication', type: 'linear', stacked: true },
          datasets: names.map((n) => ({
            label: n,
            color: STACK_PALETTE[everyName[by].indexOf(n) % STACK_PALETTE.length]!,
            data: all.map((s) =>
              round((src.get(seriesKeyOf(s.variant, s.balancer))?.get(n) ?? 0) / reps(s)),
            ),
          })),
          note:
            parts.length === 1
              ? undefined
              : own
                ? 'on its own scale: an order of magnitude or more above the other panel'
                : `without ${parts[1]!.map((s) => view.label(s)).join(', ')} (next panel: an order of magnitude or more above)`,
          ...(panel.variant === undefined ? {} : { variant: panel.variant }),
        });
      });
    }
  }
  return clean.length === 0
    ? { ...base, charts }
    : { ...base, explain: `${base.explain} No final errors in ${clean.join('; ')}.`, charts };
}
