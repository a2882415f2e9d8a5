/** Small helpers shared by the chart files: parsing cells, rounding, notes, the nines axis. */

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
