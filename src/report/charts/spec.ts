/**
 * The shapes of a chart specification (plain, JSON-safe data that the page's script turns into
 * Chart.js charts), the size limits that keep the page small, and the palettes shared by every
 * chart file of this folder.
 */
/**
 * Variants drawn side by side (small multiples, one panel per variant) by default; beyond it the
 * page shows one variant at a time through its selector (every variant stays reachable).
 */
export const MAX_VARIANTS_TOGETHER = 6;
/** Points per time-series line (windows are merged into buckets beyond it). */
export const MAX_TIME_POINTS = 400;
/** Points per propagation CDF line (quantile-sampled beyond it). */
export const MAX_CDF_POINTS = 200;
export const MAX_PODS = 40;
export const MAX_NODES = 12;
/** Propagation panels (one per balancer) per variant. */
export const MAX_PANELS = 12;
/** Sweep panels (one per combination of the other swept keys' values). */
export const MAX_SWEEP_PANELS = 12;
export const MAX_EVENTS = 200;

/** matplotlib's tab10, so the notebook and the page colour balancers alike. */
export const PALETTE = [
  '#1f77b4',
  '#ff7f0e',
  '#2ca02c',
  '#d62728',
  '#9467bd',
  '#8c564b',
  '#e377c2',
  '#7f7f7f',
  '#bcbd22',
  '#17becf',
];
export const STACK_PALETTE = [
  '#1f77b4',
  '#d62728',
  '#e377c2',
  '#17becf',
  '#ff7f0e',
  '#2ca02c',
  '#9467bd',
  '#8c564b',
  '#bcbd22',
  '#7f7f7f',
  '#aec7e8',
  '#ffbb78',
];
export const EVENT_PALETTE = [
  '#1b9e77',
  '#d95f02',
  '#7570b3',
  '#e7298a',
  '#66a61e',
  '#e6ab02',
  '#a6761d',
  '#666666',
];

export type AxisType = 'linear' | 'logarithmic' | 'category' | 'nines';
export interface AxisSpec {
  readonly title: string;
  readonly type: AxisType;
  readonly stacked?: boolean;
  readonly min?: number;
}
export interface Point {
  readonly x: number;
  readonly y: number | null;
}
export interface DatasetSpec {
  readonly label: string;
  readonly color: string;
  /** Points for line charts, one value per label for bar charts. */
  readonly data: readonly Point[] | readonly (number | null)[];
  readonly dash?: number[];
  /** Step function held until the next x (matplotlib `where='post'`). */
  readonly stepped?: boolean;
  readonly points?: boolean;
  /** Confidence band edges: drawn filled between lower and upper, hidden from the legend. */
  readonly band?: 'lower' | 'upper';
  /** A legend entry only (event kinds). */
  readonly legendOnly?: boolean;
}
export interface EventMark {
  readonly x: number;
  readonly color: string;
  readonly label: string;
}
export interface ChartSpec {
  readonly id: string;
  readonly title: string;
  readonly type: 'line' | 'bar';
  readonly x: AxisSpec;
  readonly y: AxisSpec;
  readonly labels?: readonly string[];
  readonly datasets: readonly DatasetSpec[];
  readonly events?: readonly EventMark[];
  readonly note?: string;
  /**
   * The variant this panel draws (small multiples: one panel per variant), for the page's
   * variant selector; absent on a chart of the whole scenario (one variant, or the sweep).
   */
  readonly variant?: string;
}
export interface ChartGroup {
  /** Which of the six charts (also the notebook's PNG name). */
  readonly name: 'latency_cdf' | 'timeseries' | 'errors' | 'pod_load' | 'propagation_cdf' | 'sweep';
  readonly heading: string;
  /** What the chart shows and how it was aggregated. */
  readonly explain: string;
  readonly charts: readonly ChartSpec[];
  /** Why the group has no chart, when it has none. */
  readonly skipped?: string;
}
