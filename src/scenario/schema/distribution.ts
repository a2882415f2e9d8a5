/**
 * Distributions in scenario files. A field that takes a distribution accepts:
 * - a duration (`10ms`, `0.5`): the constant distribution;
 * - `{distribution: exponential, mean: 10ms}` and the other forms of DistributionSpec, every
 *   parameter a duration with units;
 * - `{distribution: empirical, values: [1ms, 2ms]}` or `{distribution: empirical, file: x.csv}`
 *   (relative to the scenario file; optional `column` and `unit` for plain numbers);
 * - `{distribution: mixture, components: [{weight: 99%, distribution: constant, value: 1ms}, ...]}`.
 * Output: a DistributionSpec in seconds, for makeDistribution.
 */
import { z } from 'zod';
import type { DistributionSpec } from '../../engine/distributions/index.js';
import { duration, number } from '../../fields/fields.js';
import { parseDuration } from '../../fields/units.js';
import { isMapping, type SchemaContext, strict } from './common.js';
import { parseInto } from './issues.js';
import { type HistogramData, parsePrometheusHistogram } from './prometheus.js';
import { readReferencedFile, readValuesFile } from './values-file.js';

const d = () => duration();
const dPos = () => duration({ positive: true });

function distributionObject(ctx: SchemaContext): z.ZodType<DistributionSpec> {
  // A mixture's components, built on first use (built eagerly it would recurse without end).
  let component: ReturnType<typeof distribution> | undefined;
  const constant = strict({ distribution: z.literal('constant'), value: d() });
  const exponential = strict({ distribution: z.literal('exponential'), mean: dPos() });
  const uniform = strict({ distribution: z.literal('uniform'), min: d(), max: d() }).superRefine(
    (v, c) => {
      if (!(v.max > v.min)) {
        c.addIssue({
          code: 'custom',
          path: ['max'],
          message: `expected a value > min (${v.min}s), got \`${v.max}s\``,
        });
      }
    },
  );
  const lognormal = strict({
    distribution: z.literal('lognormal'),
    median: dPos().optional(),
    p99: dPos().optional(),
    mean: dPos().optional(),
    cv: number({ positive: true }).optional(),
  });
  const shape = (integer: boolean) =>
    integer
      ? z.unknown().transform((v, c) => {
          if (typeof v !== 'number' || !Number.isInteger(v) || v < 1) {
            c.addIssue({
              code: 'custom',
              message: `expected an integer >= 1, got \`${String(v)}\``,
            });
            return z.NEVER;
          }
          return v;
        })
      : number({ positive: true });
  const gamma = strict({ distribution: z.literal('gamma'), mean: dPos(), shape: shape(false) });
  const erlang = strict({ distribution: z.literal('erlang'), mean: dPos(), shape: shape(true) });
  const empirical = strict({
    distribution: z.literal('empirical'),
    values: z.array(d()).min(1).optional(),
    file: z.string().optional(),
    column: z.union([z.string(), z.number().int().min(0)]).optional(),
    unit: duration({ positive: true }).optional(),
  });
  const mixture = strict({
    distribution: z.literal('mixture'),
    components: z.array(z.unknown()).min(1),
  });
  // `buckets`: upper bound (a duration, or `+Inf`) -> cumulative count, as Prometheus exposes.
  const histogram = strict({
    distribution: z.literal('histogram'),
    buckets: z.record(z.string(), z.number().min(0)),
  });
  const prometheus = strict({
    distribution: z.literal('prometheus'),
    file: z.string(),
    metric: z.string().min(1),
    labels: z.record(z.string(), z.string()).default({}),
  });

  const union = z.discriminatedUnion('distribution', [
    constant,
    exponential,
    uniform,
    lognormal,
    gamma,
    erlang,
    empirical,
    mixture,
    histogram,
    prometheus,
  ]);

  return union.transform((v, c): DistributionSpec => {
    switch (v.distribution) {
      case 'constant':
        return { distribution: 'constant', value: v.value };
      case 'exponential':
        return { distribution: 'exponential', mean: v.mean };
      case 'uniform':
        return { distribution: 'uniform', min: v.min, max: v.max };
      case 'gamma':
        return { distribution: 'gamma', mean: v.mean, shape: v.shape };
      case 'erlang':
        return { distribution: 'erlang', mean: v.mean, shape: v.shape };
      case 'lognormal': {
        if (
          v.median !== undefined &&
          v.p99 !== undefined &&
          v.mean === undefined &&
          v.cv === undefined
        ) {
          if (v.p99 <= v.median) {
            c.addIssue({
              code: 'custom',
              path: ['p99'],
              message: `expected a value > median (${v.median}s), got \`${v.p99}s\``,
            });
            return z.NEVER;
          }
          return { distribution: 'lognormal', median: v.median, p99: v.p99 };
        }
        if (
          v.mean !== undefined &&
          v.cv !== undefined &&
          v.median === undefined &&
          v.p99 === undefined
        ) {
          return { distribution: 'lognormal', mean: v.mean, cv: v.cv };
        }
        c.addIssue({
          code: 'custom',
          message: 'expected either `median` and `p99`, or `mean` and `cv`',
        });
        return z.NEVER;
      }
      case 'empirical': {
        if ((v.values === undefined) === (v.file === undefined)) {
          c.addIssue({ code: 'custom', message: 'expected either `values` or `file`' });
          return z.NEVER;
        }
        if (v.values !== undefined) return { distribution: 'empirical', values: v.values };
        const r = readValuesFile(ctx, c, v.file as string, v.column ?? 0, v.unit ?? 1, 'CSV file');
        if (r === undefined) return z.NEVER;
        if (r.values.some((x) => x < 0)) {
          c.addIssue({
            code: 'custom',
            path: ['file'],
            message: `${v.file}: expected values >= 0`,
          });
          return z.NEVER;
        }
        return { distribution: 'empirical', values: r.values };
      }
      case 'mixture': {
        const components: { weight: number; spec: DistributionSpec }[] = [];
        let ok = true;
        v.components.forEach((raw, i) => {
          if (!isMapping(raw)) {
            c.addIssue({
              code: 'custom',
              path: ['components', i],
              message: `expected a mapping such as {weight: 99%, distribution: constant, value: 1ms}, got \`${JSON.stringify(raw)}\``,
            });
            ok = false;
            return;
          }
          const { weight, ...rest } = raw;
          const w = parseWeight(weight);
          if (w === undefined) {
            c.addIssue({
              code: 'custom',
              path: ['components', i, 'weight'],
              message: `expected a weight > 0 (a number or a percentage such as \`99%\`), got \`${JSON.stringify(weight) ?? 'nothing'}\``,
            });
            ok = false;
          }
          component ??= distribution(ctx);
          const spec = parseInto(component, rest, c, ['components', i]);
          if (spec === undefined) ok = false;
          else if (w !== undefined) components.push({ weight: w, spec });
        });
        return ok ? { distribution: 'mixture', components } : z.NEVER;
      }
      case 'histogram': {
        const h = histogramFromBuckets(v.buckets);
        if (typeof h === 'string') {
          c.addIssue({ code: 'custom', path: ['buckets'], message: h });
          return z.NEVER;
        }
        return histogramSpec(h);
      }
      case 'prometheus': {
        const read = readReferencedFile(ctx, c, v.file, 'Prometheus metrics file');
        if (read === undefined) return z.NEVER;
        const r = parsePrometheusHistogram(read.text, v.metric, v.labels);
        if (!r.ok) {
          c.addIssue({ code: 'custom', path: ['file'], message: `${v.file}: ${r.message}` });
          return z.NEVER;
        }
        return histogramSpec(r.histogram);
      }
      default: {
        const never: never = v;
        return never;
      }
    }
  }) as unknown as z.ZodType<DistributionSpec>;
}

function histogramSpec(h: Omit<HistogramData, 'series'>): DistributionSpec {
  return { distribution: 'histogram', bounds: h.bounds, cumulative: h.cumulative, total: h.total };
}

/** `{0.1: 5, 0.5: 9, +Inf: 10}` (bounds as durations) -> cumulative form, or a message. */
function histogramFromBuckets(
  buckets: Record<string, number>,
): Omit<HistogramData, 'series'> | string {
  const rows: [number, number][] = [];
  let total: number | undefined;
  for (const [le, count] of Object.entries(buckets)) {
    if (/^\+?inf$/i.test(le.trim())) {
      total = count;
      continue;
    }
    const b = parseDuration(/^\d+(\.\d+)?(e-?\d+)?$/i.test(le.trim()) ? Number(le) : le);
    if (b === undefined)
      return `expected bucket bounds that are durations or \`+Inf\`, got \`${le}\``;
    rows.push([b, count]);
  }
  rows.sort((a, b) => a[0] - b[0]);
  for (let i = 1; i < rows.length; i++) {
    const [b, n] = rows[i] as [number, number];
    const prev = (rows[i - 1] as [number, number])[1];
    if (n < prev) {
      return `expected cumulative counts (non-decreasing with the bound), got ${n} at ${b}s after ${prev}`;
    }
  }
  const last = rows.length === 0 ? 0 : (rows[rows.length - 1] as [number, number])[1];
  if (total === undefined) total = last;
  if (total < last) return `expected the +Inf count (${total}) >= every other count, got ${last}`;
  if (!(total > 0)) return 'expected some observations (a count > 0), got none';
  return { bounds: rows.map(([b]) => b), cumulative: rows.map(([, n]) => n), total };
}

function parseWeight(w: unknown): number | undefined {
  if (typeof w === 'number') return w > 0 && Number.isFinite(w) ? w : undefined;
  if (typeof w === 'string') {
    const m = /^\s*(\d+(?:\.\d+)?)\s*%\s*$/.exec(w);
    if (m) return Number(m[1]) > 0 ? Number(m[1]) / 100 : undefined;
  }
  return undefined;
}

/**
 * A distribution field: a duration (constant) or a `{distribution: ...}` mapping. Issues are
 * reported at the field's own path (`deployment.pod.serviceTime.mean`).
 */
export function distribution(ctx: SchemaContext) {
  const obj = distributionObject(ctx);
  return z
    .unknown()
    .meta({
      type: 'distribution (a duration, or {distribution: NAME, ...}; `lbsim list distributions`)',
    })
    .transform((v, c): DistributionSpec => {
      if (isMapping(v)) {
        const out = parseInto(obj, v, c);
        return out === undefined ? z.NEVER : out;
      }
      const s = parseDuration(v);
      if (s === undefined || s < 0) {
        c.addIssue({
          code: 'custom',
          message: `expected a duration (such as \`10ms\`) or a distribution (such as {distribution: exponential, mean: 10ms}), got ${v === undefined ? 'nothing' : `\`${typeof v === 'string' ? v : JSON.stringify(v)}\``}`,
        });
        return z.NEVER;
      }
      return { distribution: 'constant', value: s };
    });
}

/** Used by `lbsim list distributions`. */
export const DISTRIBUTION_FORMS: Readonly<Record<DistributionSpec['distribution'], string>> = {
  constant: '{distribution: constant, value: 10ms} or just 10ms',
  exponential: '{distribution: exponential, mean: 10ms}',
  uniform: '{distribution: uniform, min: 5ms, max: 15ms}',
  lognormal: '{distribution: lognormal, median: 10ms, p99: 80ms} or {..., mean: 10ms, cv: 1.5}',
  gamma: '{distribution: gamma, mean: 10ms, shape: 2.5}',
  erlang: '{distribution: erlang, mean: 10ms, shape: 3}',
  mixture:
    '{distribution: mixture, components: [{weight: 99%, distribution: constant, value: 1ms}, {weight: 1%, value: 1s, distribution: constant}]}',
  empirical:
    '{distribution: empirical, values: [1ms, 3ms]} or {..., file: samples.csv, column: 0, unit: 1ms}',
  histogram:
    "{distribution: histogram, buckets: {100ms: 40, 1s: 95, '+Inf': 100}} or {distribution: prometheus, file: metrics.txt, metric: NAME, labels: {...}}",
};
