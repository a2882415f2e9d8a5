/**
 * Chart specifications for one scenario: plain, JSON-safe data that the page's script turns
 * into Chart.js charts. The same six charts as notebooks/analysis.ipynb, with the same
 * aggregation rules (docs/ANALYSIS.md); data is capped or downsampled to keep the page small.
 */
import type { ScenarioData, SeriesKey } from './load.js';
import { seriesKeyOf } from './load.js';

/** Lines per chart; more (variant, balancer) pairs show evenly spaced variants. */
export const MAX_SERIES = 12;
/** Points per time-series line (windows are merged into buckets beyond it). */
export const MAX_TIME_POINTS = 400;
/** Points per propagation CDF line (quantile-sampled beyond it). */
export const MAX_CDF_POINTS = 200;
export const MAX_PODS = 40;
export const MAX_NODES = 12;
export const MAX_PANELS = 6;
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
const STACK_PALETTE = [
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
const EVENT_PALETTE = [
  '#1b9e77',
  '#d95f02',
  '#7570b3',
  '#e7298a',
  '#66a61e',
  '#e6ab02',
  '#a6761d',
  '#666666',
];
const DASHES: (number[] | undefined)[] = [undefined, [6, 3], [2, 2], [8, 3, 2, 3]];

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

/** The (variant, balancer) pairs a scenario's per-series charts draw, with labels and styles. */
export class SeriesView {
  readonly variants: string[];
  readonly balancers: string[];
  readonly shown: ReadonlySet<string>;
  readonly pairs: readonly SeriesKey[];
  readonly note: string | undefined;

  /** `variantNames`: a readable name per variant (for sweeps, the swept values). */
  constructor(
    series: readonly SeriesKey[],
    private readonly variantNames: ReadonlyMap<string, string> = new Map(),
  ) {
    this.variants = [...new Set(series.map((s) => s.variant))];
    this.balancers = [...new Set(series.map((s) => s.balancer))];
    const maxV = Math.max(1, Math.floor(MAX_SERIES / Math.max(1, this.balancers.length)));
    const n = this.variants.length;
    let shown = this.variants;
    if (n > maxV) {
      const idx =
        maxV > 1
          ? [
              ...new Set(
                Array.from({ length: maxV }, (_, i) => Math.round((i * (n - 1)) / (maxV - 1))),
              ),
            ]
          : [n - 1];
      shown = idx.map((i) => this.variants[i]!);
      this.note = `showing ${shown.length} of ${n} variants: ${shown.map((v) => this.variantName(v)).join(', ')}`;
    }
    this.shown = new Set(shown);
    this.pairs = series.filter((s) => this.shown.has(s.variant));
  }

  variantName(v: string): string {
    return this.variantNames.get(v) ?? v;
  }
  label(s: SeriesKey): string {
    return this.variants.length <= 1
      ? s.balancer
      : `${this.variantName(s.variant)} / ${s.balancer}`;
  }
  /** The balancer's colour, lightened for later variants (bars cannot tell variants by dash). */
  color(s: SeriesKey): string {
    const base = PALETTE[Math.max(0, this.balancers.indexOf(s.balancer)) % PALETTE.length]!;
    const n = this.variants.length;
    return n <= 1 ? base : lighten(base, (0.6 * Math.max(0, this.variants.indexOf(s.variant))) / n);
  }
  dash(s: SeriesKey): number[] | undefined {
    return DASHES[Math.max(0, this.variants.indexOf(s.variant)) % DASHES.length];
  }
}

/** Mixes `#rrggbb` with white: f = 0 keeps it, f = 1 is white. */
export function lighten(hex: string, f: number): string {
  const n = Number.parseInt(hex.slice(1), 16);
  const mix = (c: number) => Math.round(c + (255 - c) * f);
  const v = (mix((n >> 16) & 255) << 16) | (mix((n >> 8) & 255) << 8) | mix(n & 255);
  return `#${v.toString(16).padStart(6, '0')}`;
}

/** For sweeps, names each variant by its swept values (`rate=300`), from summary.csv. */
export function variantNames(d: ScenarioData): Map<string, string> {
  const names = new Map<string, string>();
  if (d.sweepKeys.length === 0) return names;
  for (const r of d.summary) {
    if (names.has(r.variant)) continue;
    names.set(
      r.variant,
      d.sweepKeys.map((k) => `${k.split('.').at(-1)}=${r.fields[k] ?? ''}`).join(', '),
    );
  }
  return names;
}

const QUANTILES: readonly [string, number][] = [
  ['latency_p50_ms', 0.5],
  ['latency_p90_ms', 0.9],
  ['latency_p99_ms', 0.99],
  ['latency_p999_ms', 0.999],
  ['latency_max_ms', 1],
];
/** "Nines" axis position of a quantile: -log10(1 - p); max is drawn at 4 (after p99.9 at 3). */
export const nines = (p: number): number => (p >= 1 ? 4 : -Math.log10(1 - p));

const num = (s: string | undefined): number => {
  if (s === undefined || s === '') return Number.NaN;
  if (s === 'inf') return Number.POSITIVE_INFINITY;
  return Number(s);
};
const mean = (xs: readonly number[]): number => xs.reduce((a, b) => a + b, 0) / xs.length;
const finiteOrNull = (v: number): number | null => (Number.isFinite(v) ? v : null);
const round = (v: number, digits = 4): number => Number(v.toPrecision(digits));
const joinNotes = (...notes: (string | undefined)[]): string | undefined =>
  notes.filter((n) => n).join('; ') || undefined;

/** Two-sided 95% Student t quantile: table for df <= 30, then 1.96 + 2.4/df (within 0.003). */
export function t975(df: number): number {
  const table = [
    12.706, 4.303, 3.182, 2.776, 2.571, 2.447, 2.365, 2.306, 2.262, 2.228, 2.201, 2.179, 2.16,
    2.145, 2.131, 2.12, 2.11, 2.101, 2.093, 2.086, 2.08, 2.074, 2.069, 2.064, 2.06, 2.056, 2.052,
    2.048, 2.045, 2.042,
  ];
  if (df < 1) return Number.NaN;
  return df <= 30 ? table[df - 1]! : 1.96 + 2.4 / df;
}

/** Mean and 95% confidence half-width across replications (half-width 0 with one value). */
export function meanCi(xs: readonly number[]): { mean: number; half: number } {
  const n = xs.length;
  const m = mean(xs);
  if (n < 2) return { mean: m, half: 0 };
  const sd = Math.sqrt(xs.reduce((a, x) => a + (x - m) ** 2, 0) / (n - 1));
  return { mean: m, half: (t975(n - 1) * sd) / Math.sqrt(n) };
}

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

function latencyCdf(d: ScenarioData, view: SeriesView, prefix: string): ChartGroup {
  const base = {
    name: 'latency_cdf',
    heading: 'Latency CDF per balancer',
    explain:
      'lbsim writes no per-request latencies, so this CDF is drawn from the quantile columns of summary.csv ' +
      '(p50, p90, p99, p99.9, max; each the mean over replications) as a step function: exact at those ' +
      'points, a lower bound between them. The vertical axis is in "nines" so the tail is visible.',
  } as const;
  const datasets: DatasetSpec[] = [];
  for (const s of view.pairs) {
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
      dash: view.dash(s),
      data,
      stepped: true,
      points: true,
    });
  }
  if (datasets.length === 0)
    return {
      ...base,
      charts: [],
      skipped: 'summary.csv missing, empty or without latency quantiles',
    };
  return {
    ...base,
    charts: [
      {
        id: `${prefix}-latency-cdf`,
        title: 'Latency CDF from summary quantiles (mean over replications)',
        type: 'line',
        x: { title: 'latency (ms, log scale)', type: 'logarithmic' },
        y: { title: 'fraction of requests at or below', type: 'nines' },
        datasets,
        note: view.note,
      },
    ],
  };
}

function timeseries(d: ScenarioData, view: SeriesView, prefix: string): ChartGroup {
  const base = {
    name: 'timeseries',
    heading: 'p99 latency and error rate over time',
    explain:
      'From timeseries.csv, per window: p99 is the mean of the replications\u2019 window p99; the error rate is the ' +
      'window\u2019s errors over its requests, summed over replications. Dashed vertical lines are the churn events of ' +
      'events.csv from the first series\u2019 first replication (every balancer sees the same churn).',
  } as const;
  const p99: DatasetSpec[] = [];
  const rate: DatasetSpec[] = [];
  let note: string | undefined;
  for (const s of view.pairs) {
    const m = d.windows.get(seriesKeyOf(s.variant, s.balancer));
    if (!m || m.size === 0) continue;
    const starts = [...m.keys()].filter(Number.isFinite).sort((a, b) => a - b);
    // Beyond MAX_TIME_POINTS, consecutive windows merge: errors/requests stay exact ratios of
    // sums, p99 becomes the worst window's p99 in the bucket (an upper envelope).
    const per = Math.ceil(starts.length / MAX_TIME_POINTS);
    if (per > 1)
      note = `${starts.length} windows merged ${per} to a point (p99: worst window of each point)`;
    const a: Point[] = [];
    const b: Point[] = [];
    for (let i = 0; i < starts.length; i += per) {
      let worst = Number.NaN;
      let req = 0;
      let err = 0;
      for (let j = i; j < Math.min(starts.length, i + per); j++) {
        const w = m.get(starts[j]!)!;
        const p = w.p99Count > 0 ? w.p99Sum / w.p99Count : Number.NaN;
        if (per === 1) worst = p;
        else if (Number.isFinite(p)) worst = Number.isFinite(worst) ? Math.max(worst, p) : p;
        req += w.requests;
        err += w.errors;
      }
      a.push({ x: starts[i]!, y: Number.isFinite(worst) ? round(worst) : null });
      b.push({ x: starts[i]!, y: req > 0 ? round((100 * err) / req) : null });
    }
    const style = { label: view.label(s), color: view.color(s), dash: view.dash(s) };
    p99.push({ ...style, data: a });
    rate.push({ ...style, data: b });
  }
  if (p99.length === 0) return { ...base, charts: [], skipped: 'timeseries.csv missing or empty' };
  const { marks, legend } = eventMarks(d, view);
  const eventNote = marks.length >= MAX_EVENTS ? `first ${MAX_EVENTS} events marked` : undefined;
  const x: AxisSpec = { title: 'simulated time (s, window start)', type: 'linear' };
  return {
    ...base,
    charts: [
      {
        id: `${prefix}-p99-time`,
        title: 'p99 latency per window',
        type: 'line',
        x,
        y: { title: 'p99 latency (ms)', type: 'linear' },
        datasets: [...p99, ...legend],
        events: marks,
        note: joinNotes(view.note, note, eventNote),
      },
      {
        id: `${prefix}-errors-time`,
        title: 'Error rate per window',
        type: 'line',
        x,
        y: { title: 'error rate (%)', type: 'linear', min: 0 },
        datasets: [...rate, ...legend],
        events: marks,
        note: joinNotes(view.note, note, eventNote),
      },
    ],
  };
}

/**
 * Churn-level events only: per-pod lifecycle steps (listening, ready, sigterm...) number in the
 * thousands and would bury the chart. Same set as the notebook's CHURN_EVENTS; when no event is
 * of these kinds, every event is marked.
 */
const CHURN_EVENTS: ReadonlySet<string> = new Set([
  'container-crashed',
  'pod-killed',
  'rollout-started',
  'rollout-complete',
  'scaled',
  'node-failed',
  'node-not-ready',
  'node-pods-evicted',
]);

function eventMarks(
  d: ScenarioData,
  view: SeriesView,
): { marks: EventMark[]; legend: DatasetSpec[] } {
  const first = view.pairs[0];
  let chosen = first ? d.events.get(seriesKeyOf(first.variant, first.balancer)) : undefined;
  // No events for the first series (e.g. the writer keyed them differently): take the first series that has some.
  if (!chosen)
    for (const s of view.pairs) chosen ??= d.events.get(seriesKeyOf(s.variant, s.balancer));
  if (!chosen) return { marks: [], legend: [] };
  // Data from elsewhere (another event vocabulary) keeps every event rather than none.
  const churn = chosen.rows.filter((r) => CHURN_EVENTS.has(r.event));
  const rows = (churn.length > 0 ? churn : [...chosen.rows])
    .sort((a, b) => a.time - b.time)
    .slice(0, MAX_EVENTS);
  const kinds = [...new Set(rows.map((r) => r.event))];
  const color = (k: string) => EVENT_PALETTE[kinds.indexOf(k) % EVENT_PALETTE.length]!;
  return {
    marks: rows.map((r) => ({
      x: r.time,
      color: color(r.event),
      label: [r.event, r.pod, r.detail].filter((s) => s).join(' '),
    })),
    legend: kinds.map((k) => ({
      label: `event: ${k}`,
      color: color(k),
      dash: [4, 2],
      data: [],
      legendOnly: true,
    })),
  };
}

function errors(d: ScenarioData, view: SeriesView, prefix: string): ChartGroup {
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

function podLoad(d: ScenarioData, view: SeriesView, prefix: string): ChartGroup {
  const base = {
    name: 'pod_load',
    heading: 'Per-pod load',
    explain:
      'From pods.csv, first replication of each series: requests each pod served and the fraction of time its ' +
      'workers were busy, pods ordered by creation time. A pod alive for part of the run serves less for that ' +
      'reason alone; imbalance shows among pods alive together, and as new pods that get nothing.',
  } as const;
  const pairs = view.pairs.filter(
    (s) => (d.pods.get(seriesKeyOf(s.variant, s.balancer))?.rows.length ?? 0) > 0,
  );
  if (pairs.length === 0) return { ...base, charts: [], skipped: 'pods.csv missing or empty' };
  const created = new Map<string, number>();
  const servedTotal = new Map<string, number>();
  for (const s of pairs)
    for (const r of d.pods.get(seriesKeyOf(s.variant, s.balancer))!.rows) {
      const c = Number.isFinite(r.createdAt) ? r.createdAt : Number.POSITIVE_INFINITY;
      created.set(r.pod, Math.min(created.get(r.pod) ?? Number.POSITIVE_INFINITY, c));
      servedTotal.set(
        r.pod,
        (servedTotal.get(r.pod) ?? 0) + (Number.isFinite(r.served) ? r.served : 0),
      );
    }
  let pods = [...created.keys()].sort(
    (a, b) => created.get(a)! - created.get(b)! || (a < b ? -1 : a > b ? 1 : 0),
  );
  let note = view.note;
  if (pods.length > MAX_PODS) {
    const top = new Set(
      [...servedTotal.entries()]
        .sort((a, b) => b[1] - a[1])
        .slice(0, MAX_PODS)
        .map(([p]) => p),
    );
    note = joinNotes(note, `showing the ${MAX_PODS} busiest of ${pods.length} pods`);
    pods = pods.filter((p) => top.has(p));
  }
  const chart = (
    field: 'served' | 'busy',
    id: string,
    title: string,
    ytitle: string,
  ): ChartSpec => ({
    id: `${prefix}-${id}`,
    title,
    type: 'bar',
    labels: pods,
    x: { title: 'pod (by creation time)', type: 'category' },
    y: { title: ytitle, type: 'linear', min: 0 },
    datasets: pairs.map((s) => {
      const byPod = new Map<string, number>();
      for (const r of d.pods.get(seriesKeyOf(s.variant, s.balancer))!.rows)
        byPod.set(r.pod, (byPod.get(r.pod) ?? 0) + r[field]);
      return {
        label: view.label(s),
        color: view.color(s),
        data: pods.map((p) => (byPod.has(p) ? finiteOrNull(round(byPod.get(p)!)) : null)),
      };
    }),
    note,
  });
  return {
    ...base,
    charts: [
      chart(
        'served',
        'pods-served',
        'Requests served per pod (first replication)',
        'requests served',
      ),
      chart('busy', 'pods-busy', 'Busy fraction per pod (first replication)', 'busy fraction'),
    ],
  };
}

function propagation(d: ScenarioData, view: SeriesView, prefix: string): ChartGroup {
  const base = {
    name: 'propagation_cdf',
    heading: 'Propagation delay CDF per node',
    explain:
      'From propagation.csv: for each endpoint change, the delay until each node programmed it (delay_ms), pooled ' +
      'over replications; one chart per series, one line per node. Rows without a delay (never programmed, or a ' +
      'balancer that never learns) are counted in the title, not drawn.',
  } as const;
  const panels = view.pairs.filter((s) => d.propagation.has(seriesKeyOf(s.variant, s.balancer)));
  if (panels.length === 0)
    return {
      ...base,
      charts: [],
      skipped: 'propagation.csv missing or without programmed changes',
    };
  const panelNote =
    panels.length > MAX_PANELS ? `first ${MAX_PANELS} of ${panels.length} series` : undefined;
  const charts = panels.slice(0, MAX_PANELS).map((s, pi): ChartSpec => {
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
      id: `${prefix}-propagation-${pi}`,
      title: `${view.label(s)}${missing ? ` (${missing} never programmed)` : ''}`,
      type: 'line',
      x: { title: 'delay until programmed (ms)', type: 'linear' },
      y: { title: 'fraction of changes', type: 'linear', min: 0 },
      datasets,
      note: joinNotes(
        pi === 0 ? joinNotes(view.note, panelNote) : undefined,
        nodes.length > MAX_NODES ? `first ${MAX_NODES} of ${nodes.length} nodes` : undefined,
        sampled ? `CDFs drawn through ${MAX_CDF_POINTS} evenly spaced ranks` : undefined,
      ),
    };
  });
  return { ...base, charts };
}

function sweep(d: ScenarioData, prefix: string): ChartGroup {
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
