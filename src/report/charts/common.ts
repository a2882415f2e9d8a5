/** Small helpers shared by the chart files: parsing cells, rounding, notes, the nines axis. */
import { confidenceInterval } from '../../metrics/stats.js';

export const QUANTILES: readonly [string, number][] = [
  ['latency_p50_ms', 0.5],
  ['latency_p90_ms', 0.9],
  ['latency_p99_ms', 0.99],
  ['latency_p999_ms', 0.999],
  ['latency_max_ms', 1],
];
/** "Nines" axis position of a quantile: -log10(1 - p); max is drawn at 4 (after p99.9 at 3). */
export const nines = (p: number): number => (p >= 1 ? 4 : -Math.log10(1 - p));

export const num = (s: string | undefined): number => {
  if (s === undefined || s === '') return Number.NaN;
  if (s === 'inf') return Number.POSITIVE_INFINITY;
  return Number(s);
};
export const mean = (xs: readonly number[]): number => xs.reduce((a, b) => a + b, 0) / xs.length;
export const finiteOrNull = (v: number): number | null => (Number.isFinite(v) ? v : null);
export const round = (v: number, digits = 4): number => Number(v.toPrecision(digits));
export const joinNotes = (...notes: (string | undefined)[]): string | undefined =>
  notes.filter((n) => n).join('; ') || undefined;

/**
 * Mean and 95% confidence half-width across replications (half-width 0 with one value), from
 * metrics/stats.ts's confidenceInterval: the report and `lbsim summarize` share one t quantile.
 */
export function meanCi(xs: readonly number[]): { mean: number; half: number } {
  const ci = confidenceInterval(xs);
  return { mean: ci.mean, half: ci.n < 2 ? 0 : ci.halfWidth };
}

/** An order of magnitude: series this far apart get a log axis or panels of their own. */
export const ORDERS_APART = 10;

/** The largest positive peak is at least ORDERS_APART times the smallest (a log axis helps). */
export function ordersApart(peaks: readonly number[]): boolean {
  const pos = peaks.filter((v) => Number.isFinite(v) && v > 0);
  return pos.length >= 2 && Math.max(...pos) >= ORDERS_APART * Math.min(...pos);
}

/**
 * Splits `items` at the widest gap between their peaks when it spans ORDERS_APART or more and
 * the lower side is not all zero (zeros beside a large series stay readable on one linear axis):
 * [lower, higher], each in the original order; otherwise [items]. A missing peak counts as 0.
 */
export function splitByMagnitude<T>(items: readonly T[], peak: (t: T) => number): T[][] {
  const peaks = items.map((t) => {
    const p = peak(t);
    return Number.isFinite(p) && p > 0 ? p : 0;
  });
  const sorted = [...new Set(peaks)].sort((a, b) => a - b);
  let cut = Number.NaN;
  let widest = ORDERS_APART;
  for (let i = 1; i < sorted.length; i++) {
    const lo = sorted[i - 1]!;
    const hi = sorted[i]!;
    if (lo > 0 && hi / lo >= widest) {
      widest = hi / lo;
      cut = hi;
    }
  }
  if (Number.isNaN(cut)) return [[...items]];
  return [items.filter((_, i) => peaks[i]! < cut), items.filter((_, i) => peaks[i]! >= cut)];
}

/** Largest finite value of a line's points (NaN when none). */
export function peakOf(data: readonly { readonly y: number | null }[]): number {
  let m = Number.NaN;
  for (const p of data) if (p.y !== null && Number.isFinite(p.y) && !(p.y <= m)) m = p.y;
  return m;
}
