import type { ScenarioData } from '../load.js';
import { mean, nines, num, QUANTILES, round } from './common.js';
import type { SeriesView } from './series.js';
import type { ChartGroup, ChartSpec, DatasetSpec, Point } from './spec.js';

export function latencyCdf(d: ScenarioData, view: SeriesView, prefix: string): ChartGroup {
  const base = {
    name: 'latency_cdf',
    heading: 'Latency CDF per balancer',
    explain:
      'lbsim writes no per-request latencies, so this CDF is drawn from the quantile columns of summary.csv ' +
      '(p50, p90, p99, p99.9, max; each the mean over replications) as a step function: exact at those ' +
      'points, a lower bound between them. The vertical axis is in "nines" so the tail is visible.',
  } as const;
  const charts: ChartSpec[] = [];
  for (const panel of view.panels) {
    const datasets: DatasetSpec[] = [];
    for (const s of panel.pairs) {
      const rows = d.summary.filter((r) => r.variant === s.variant && r.balancer === s.balancer);
      if (rows.length === 0) continue;
      const q = QUANTILES.map(([col]) => mean(rows.map((r) => num(r.fields[col]))));
      if (q.some((v) => !Number.isFinite(v) || v <= 0)) continue;
      const data: Point[] = [{ x: round(q[0]!), y: 0 }];
      QUANTILES.forEach(([, p], i) => {
        data.push({ x: round(q[i]!), y: round(nines(p)) });
      });
      datasets.push({
        label: view.label(s),
        color: view.color(s),
        data,
        stepped: true,
        points: true,
      });
    }
    if (datasets.length === 0) continue;
    charts.push({
      id: `${prefix}-latency-cdf${panel.id}`,
      title: `Latency CDF from summary quantiles (mean over replications)${panel.title}`,
      type: 'line',
      x: { title: 'latency (ms, log scale)', type: 'logarithmic' },
      y: { title: 'fraction of requests at or below', type: 'nines' },
      datasets,
      ...(panel.variant === undefined ? {} : { variant: panel.variant }),
    });
  }
  if (charts.length === 0)
    return {
      ...base,
      charts: [],
      skipped: 'summary.csv missing, empty or without latency quantiles',
    };
  return { ...base, charts };
}
