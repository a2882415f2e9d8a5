import type { ScenarioData, SeriesKey } from '../load.js';
import { seriesKeyOf } from '../load.js';
import { joinNotes, round } from './common.js';
import type { SeriesView } from './series.js';
import {
  type ChartGroup,
  type ChartSpec,
  type DatasetSpec,
  MAX_CDF_POINTS,
  MAX_NODES,
  MAX_PANELS,
  PALETTE,
  type Point,
} from './spec.js';

export function propagation(d: ScenarioData, view: SeriesView, prefix: string): ChartGroup {
  const base = {
    name: 'propagation_cdf',
    heading: 'Propagation delay CDF per node',
    explain:
      'From propagation.csv: for each endpoint change, the delay until each node programmed it (delay_ms), pooled ' +
      'over replications; one chart per balancer (and variant), one line per node. Rows without a delay (never programmed, or a ' +
      'balancer that never learns) are counted in the title, not drawn.',
  } as const;
  const charts: ChartSpec[] = [];
  for (const panel of view.panels) {
    const series = panel.pairs.filter((s) => d.propagation.has(seriesKeyOf(s.variant, s.balancer)));
    const panelNote =
      series.length > MAX_PANELS ? `first ${MAX_PANELS} of ${series.length} balancers` : undefined;
    series.slice(0, MAX_PANELS).forEach((s, pi) => {
      charts.push(
        chart(
          d,
          s,
          `${prefix}-propagation${panel.id}-${pi}`,
          `${view.label(s)}${panel.title}`,
          pi === 0 ? panelNote : undefined,
          panel.variant,
        ),
      );
    });
  }
  if (charts.length === 0)
    return {
      ...base,
      charts: [],
      skipped: 'propagation.csv missing or without programmed changes',
    };
  return { ...base, charts };
}

/** One series' panel: a delay CDF per node. */
function chart(
  d: ScenarioData,
  s: SeriesKey,
  id: string,
  title: string,
  firstNote: string | undefined,
  variant: string | undefined,
): ChartSpec {
  const k = seriesKeyOf(s.variant, s.balancer);
  const m = d.propagation.get(k)!;
  const nodes = [...m.keys()].sort();
  const missing = d.propagationMissing.get(k) ?? 0;
  let sampled = false;
  const datasets = nodes.slice(0, MAX_NODES).map((node, i): DatasetSpec => {
    const xs = Float64Array.from(m.get(node)!).sort();
    const n = xs.length;
    // Beyond MAX_CDF_POINTS, the CDF is drawn through evenly spaced ranks (first and last kept).
    const ranks =
      n <= MAX_CDF_POINTS
        ? Array.from({ length: n }, (_, j) => j)
        : Array.from({ length: MAX_CDF_POINTS }, (_, j) =>
            Math.round((j * (n - 1)) / (MAX_CDF_POINTS - 1)),
          );
    if (n > MAX_CDF_POINTS) sampled = true;
    const data: Point[] = [
      { x: round(xs[0]!), y: 0 },
      ...ranks.map((j) => ({ x: round(xs[j]!), y: round((j + 1) / n) })),
    ];
    return { label: node, color: PALETTE[i % PALETTE.length]!, data, stepped: true };
  });
  return {
    id,
    title: `${title}${missing ? ` (${missing} never programmed)` : ''}`,
    type: 'line',
    x: { title: 'delay until programmed (ms)', type: 'linear' },
    y: { title: 'fraction of changes', type: 'linear', min: 0 },
    datasets,
    note: joinNotes(
      firstNote,
      nodes.length > MAX_NODES ? `first ${MAX_NODES} of ${nodes.length} nodes` : undefined,
      sampled ? `CDFs drawn through ${MAX_CDF_POINTS} evenly spaced ranks` : undefined,
    ),
    ...(variant === undefined ? {} : { variant }),
  };
}
