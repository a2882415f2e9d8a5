/**
 * Chart specifications for one scenario: plain, JSON-safe data that the page's script turns
 * into Chart.js charts. The same six charts as notebooks/analysis.ipynb, with the same
 * aggregation rules (docs/ANALYSIS.md); data is capped or downsampled to keep the page small.
 * One file per chart; spec.ts holds the shapes, series.ts which series a chart draws and how.
 */
import type { ScenarioData } from '../load.js';
import { errors } from './errors.js';
import { latencyCdf } from './latency-cdf.js';
import { podLoad } from './pod-load.js';
import { propagation } from './propagation.js';
import { SeriesView, variantNames } from './series.js';
import type { ChartGroup } from './spec.js';
import { sweep } from './sweep.js';
import { timeseries } from './timeseries.js';

export { meanCi, nines, ordersApart, splitByMagnitude } from './common.js';
export { lighten, SeriesView, variantNames } from './series.js';
export * from './spec.js';

/** Builds every chart group of one scenario, in the notebook's order. */
export function buildCharts(d: ScenarioData): ChartGroup[] {
  const view = new SeriesView(d.series, variantNames(d));
  const prefix = `c-${slug(d.name)}`;
  return [
    latencyCdf(d, view, prefix),
    timeseries(d, view, prefix),
    errors(d, view, prefix),
    podLoad(d, view, prefix),
    propagation(d, view, prefix),
    sweep(d, prefix),
  ];
}

function slug(s: string): string {
  return s.replace(/[^A-Za-z0-9_-]+/g, '-');
}
