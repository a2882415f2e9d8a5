import { mean, sampleStandardDeviation } from 'simple-statistics';

/**
 * 0.975 quantiles of Student's t distribution for 1..30 degrees of freedom (two-sided 95%),
 * from the standard table (NIST/SEMATECH e-Handbook of Statistical Methods, 1.3.6.7.2).
 */
const T975 = [
  12.706, 4.303, 3.182, 2.776, 2.571, 2.447, 2.365, 2.306, 2.262, 2.228, 2.201, 2.179, 2.16, 2.145,
  2.131, 2.12, 2.11, 2.101, 2.093, 2.086, 2.08, 2.074, 2.069, 2.064, 2.06, 2.056, 2.052, 2.048,
  2.045, 2.042,
];

/**
 * t_{0.975, df}: exact table up to 30 degrees of freedom, beyond that the Cornish-Fisher
 * expansion around the normal quantile (Abramowitz & Stegun 26.7.5), accurate to < 1e-4 there.
 */
export function studentTQuantile975(df: number): number {
  if (!(df >= 1) || !Number.isInteger(df)) {
    throw new RangeError(`degrees of freedom: expected an integer >= 1, got ${df}`);
  }
  if (df <= T975.length) return T975[df - 1] as number;
  const z = 1.959963984540054;
  const z3 = z ** 3;
  const z5 = z ** 5;
  const z7 = z ** 7;
  return (
    z +
    (z3 + z) / (4 * df) +
    (5 * z5 + 16 * z3 + 3 * z) / (96 * df ** 2) +
    (3 * z7 + 19 * z5 + 17 * z3 - 15 * z) / (384 * df ** 3)
  );
}

/** Mean and the half-width of its two-sided 95% Student-t confidence interval. */
export interface ConfidenceInterval {
  readonly n: number;
  readonly mean: number;
  /** t_{0.975, n-1} * s / sqrt(n); NaN when n < 2. */
  readonly halfWidth: number;
}

/** 95% confidence interval of the mean of independent replications (NaN values are skipped). */
export function confidenceInterval(values: readonly number[]): ConfidenceInterval {
  const xs = values.filter((v) => !Number.isNaN(v));
  const n = xs.length;
  if (n === 0) return { n, mean: Number.NaN, halfWidth: Number.NaN };
  const m = mean(xs);
  if (n < 2) return { n, mean: m, halfWidth: Number.NaN };
  const s = sampleStandardDeviation(xs);
  return { n, mean: m, halfWidth: (studentTQuantile975(n - 1) * s) / Math.sqrt(n) };
}

/** Replication counts beyond this are reported as not reachable (Infinity). */
export const MAX_REPLICATIONS_NEEDED = 1_000_000;

/**
 * How many replications a 95% interval of half-width at most `precision` needs, if the spread
 * stays at the sample standard deviation `s` measured now: the smallest i >= max(2, from) with
 * t(0.975, i-1) s / sqrt(i) <= precision (Law & Kelton, Simulation Modeling and Analysis,
 * 9.4.1, the number of replications for an absolute precision). Infinity when precision is 0
 * while s > 0, or when more than MAX_REPLICATIONS_NEEDED would be needed; NaN when s is NaN.
 */
export function replicationsForPrecision(s: number, precision: number, from = 2): number {
  if (Number.isNaN(s) || Number.isNaN(precision)) return Number.NaN;
  let i = Math.max(2, Math.ceil(from));
  if (s === 0) return i;
  if (!(precision > 0)) return Number.POSITIVE_INFINITY;
  // t >= z for every df, so i >= (z s / precision)^2: start there (the loop then takes a few
  // steps, t being within 1e-3 of z beyond a few thousand df).
  const normal = (1.959963984540054 * s) / precision;
  if (normal * normal > MAX_REPLICATIONS_NEEDED) return Number.POSITIVE_INFINITY;
  i = Math.max(i, Math.floor(normal * normal));
  while ((studentTQuantile975(i - 1) * s) / Math.sqrt(i) > precision) {
    if (++i > MAX_REPLICATIONS_NEEDED) return Number.POSITIVE_INFINITY;
  }
  return i;
}
