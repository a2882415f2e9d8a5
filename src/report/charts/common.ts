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
