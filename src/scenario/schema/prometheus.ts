/**
 * Prometheus histograms as distributions: `{distribution: prometheus, file: metrics.txt, metric:
 * kubeproxy_network_programming_duration_seconds}`. The file is either the text exposition
 * format (what `/metrics` serves; parsed with parse-prometheus-text-format) or the JSON of the
 * HTTP API's instant query endpoint (`/api/v1/query`, resultType `vector`, one sample per `le`,
 * e.g. of `sum by (le) (rate(..._bucket[1h]))`). Series that match `labels` are summed bucket by
 * bucket (as `sum by (le)` does: all nodes' kube-proxies together). The result is the engine's
 * histogram spec, sampled within buckets (src/engine/distributions/histogram.ts).
 */
import parsePrometheusTextFormat from 'parse-prometheus-text-format';
import { didYouMean, listNames } from '../../fields/fields.js';
import { isMapping } from './common.js';

export interface HistogramData {
  readonly bounds: number[];
  readonly cumulative: number[];
  readonly total: number;
  /** How many series were summed. */
  readonly series: number;
}

export type HistogramResult =
  | { readonly ok: true; readonly histogram: HistogramData }
  | { readonly ok: false; readonly message: string };

type Labels = Readonly<Record<string, string>>;
/** One series: its labels (without `le`) and its buckets, upper bound as written -> count. */
interface Series {
  readonly labels: Labels;
  readonly buckets: Map<string, number>;
}

const fail = (message: string): HistogramResult => ({ ok: false, message });

function matches(labels: Labels, want: Labels): boolean {
  return Object.entries(want).every(([k, v]) => labels[k] === v);
}

function showLabels(l: Labels): string {
  const parts = Object.entries(l).map(([k, v]) => `${k}="${v}"`);
  return `{${parts.join(',')}}`;
}

function parseBound(le: string): number | undefined {
  if (le === '+Inf' || le === 'Inf' || le === '+inf') return Number.POSITIVE_INFINITY;
  const x = Number(le);
  return le.trim() === '' || !Number.isFinite(x) ? undefined : x;
}

/** Sums matching series bucket by bucket into the engine's cumulative form. */
function combine(all: readonly Series[], metric: string, want: Labels): HistogramResult {
  const picked = all.filter((s) => matches(s.labels, want));
  if (picked.length === 0) {
    const shown = all
      .slice(0, 5)
      .map((s) => showLabels(s.labels))
      .join(', ');
    return fail(
      `expected a series of \`${metric}\` with labels ${showLabels(want)}, got none (series: ${shown}${all.length > 5 ? ', ...' : ''})`,
    );
  }
  const first = picked[0] as Series;
  const les = [...first.buckets.keys()];
  const sums = new Map<string, number>(les.map((le) => [le, 0]));
  for (const s of picked) {
    const same = s.buckets.size === les.length && les.every((le) => s.buckets.has(le));
    if (!same) {
      return fail(
        `expected every summed series to have the same buckets, got ${showLabels(s.labels)} with other bounds than ${showLabels(first.labels)} (add \`labels:\` to pick one)`,
      );
    }
    for (const [le, c] of s.buckets) sums.set(le, (sums.get(le) as number) + c);
  }
  const rows: [number, number][] = [];
  for (const [le, c] of sums) {
    const b = parseBound(le);
    if (b === undefined) return fail(`expected numeric \`le\` bounds, got \`${le}\``);
    if (!Number.isFinite(c) || c < 0)
      return fail(`expected bucket counts >= 0, got \`${c}\` at le="${le}"`);
    rows.push([b, c]);
  }
  rows.sort((a, b) => a[0] - b[0]);
  const inf = rows.find(([b]) => b === Number.POSITIVE_INFINITY);
  const finite = rows.filter(([b]) => b !== Number.POSITIVE_INFINITY);
  if (inf === undefined)
    return fail('expected a `le="+Inf"` bucket (every Prometheus histogram has one), got none');
  if (finite.some(([b]) => b < 0))
    return fail('expected bucket bounds >= 0 (a duration), got a negative `le`');
  for (let i = 1; i < finite.length; i++) {
    if ((finite[i] as [number, number])[1] < (finite[i - 1] as [number, number])[1]) {
      return fail(
        `expected cumulative bucket counts (non-decreasing with \`le\`), got ${(finite[i] as [number, number])[1]} at le="${(finite[i] as [number, number])[0]}" after ${(finite[i - 1] as [number, number])[1]}`,
      );
    }
  }
  const total = inf[1];
  const last = finite.length === 0 ? 0 : (finite[finite.length - 1] as [number, number])[1];
  if (total < last)
    return fail(`expected the +Inf bucket (${total}) >= every other bucket, got ${last} below it`);
  if (total <= 0) return fail(`expected observations in \`${metric}\`, got a count of 0`);
  return {
    ok: true,
    histogram: {
      bounds: finite.map(([b]) => b),
      cumulative: finite.map(([, c]) => c),
      total,
      series: picked.length,
    },
  };
}

function fromText(text: string, metric: string, want: Labels): HistogramResult {
  let families: ReturnType<typeof parsePrometheusTextFormat>;
  try {
    families = parsePrometheusTextFormat(text);
  } catch (e) {
    return fail(
      `expected the Prometheus text format, got: ${e instanceof Error ? e.message : String(e)}`,
    );
  }
  const family = families.find((f) => f.name === metric);
  if (family === undefined || family.type !== 'HISTOGRAM') {
    const names = families.filter((f) => f.type === 'HISTOGRAM').map((f) => f.name);
    const near = didYouMean(metric, names);
    return fail(
      family !== undefined
        ? `expected \`${metric}\` to be a histogram, got a ${family.type.toLowerCase()}`
        : `expected a histogram \`${metric}\`, got none` +
            (near
              ? ` (did you mean \`${near}\`?)`
              : names.length > 0
                ? ` (histograms: ${listNames(names.slice(0, 8))}${names.length > 8 ? ', ...' : ''})`
                : ''),
    );
  }
  const series: Series[] = family.metrics.map((m) => ({
    labels: m.labels ?? {},
    buckets: new Map(Object.entries(m.buckets ?? {}).map(([le, c]) => [le, Number(c)])),
  }));
  return combine(series, metric, want);
}

function fromQueryJson(text: string, metric: string, want: Labels): HistogramResult {
  let doc: unknown;
  try {
    doc = JSON.parse(text);
  } catch (e) {
    return fail(`expected JSON, got: ${e instanceof Error ? e.message : String(e)}`);
  }
  const data = isMapping(doc) ? doc.data : undefined;
  if (!isMapping(doc) || doc.status !== 'success' || !isMapping(data)) {
    return fail('expected the JSON of a Prometheus query ({"status": "success", "data": {...}})');
  }
  if (data.resultType !== 'vector' || !Array.isArray(data.result)) {
    return fail(
      `expected an instant query's result (resultType \`vector\`), got \`${String(data.resultType)}\``,
    );
  }
  const bySeries = new Map<string, Series>();
  for (const r of data.result as unknown[]) {
    if (!isMapping(r) || !isMapping(r.metric) || !Array.isArray(r.value)) {
      return fail('expected results of the form {"metric": {...}, "value": [time, "count"]}');
    }
    const { le, __name__: name, ...labels } = r.metric as Record<string, string>;
    if (name !== undefined && name !== `${metric}_bucket`) continue;
    if (le === undefined) continue;
    const key = JSON.stringify(Object.entries(labels).sort());
    let s = bySeries.get(key);
    if (s === undefined) {
      s = { labels, buckets: new Map() };
      bySeries.set(key, s);
    }
    s.buckets.set(le, Number(r.value[1]));
  }
  if (bySeries.size === 0) {
    return fail(
      `expected samples of \`${metric}_bucket\` (or of a query keeping \`le\`, such as sum by (le) (...)), got none`,
    );
  }
  return combine([...bySeries.values()], metric, want);
}

/**
 * Reads the histogram `metric` from `text` (exposition format, or query JSON when it starts with
 * `{`). `metric` may be given with its `_bucket` suffix.
 */
export function parsePrometheusHistogram(
  text: string,
  metric: string,
  labels: Labels = {},
): HistogramResult {
  const name = metric.replace(/_bucket$/, '');
  return text.trimStart().startsWith('{')
    ? fromQueryJson(text, name, labels)
    : fromText(text, name, labels);
}
