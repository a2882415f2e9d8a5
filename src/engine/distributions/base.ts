import type { Rng } from '../random.js';
import type { Distribution, DistributionSpec } from './spec.js';

/**
 * Smallest x >= 0 with cdf(x) >= p, by bracketing then bisection (to a relative width of 1e-13).
 * Exact enough for any CDF, continuous or with jumps.
 */
function invertCdf(cdf: (x: number) => number, p: number, guess: number): number {
  let lo = 0;
  if (cdf(lo) >= p) return 0;
  let hi = guess > 0 ? guess : 1;
  let guard = 0;
  while (cdf(hi) < p) {
    lo = hi;
    hi *= 2;
    if (++guard > 2000) return Number.POSITIVE_INFINITY;
  }
  for (let k = 0; k < 400 && hi - lo > 1e-13 * hi; k++) {
    const mid = 0.5 * (lo + hi);
    if (cdf(mid) >= p) hi = mid;
    else lo = mid;
  }
  return hi;
}

/** Throws unless p is in (0, 1), the domain of every quantile function. */
export function checkP(p: number): void {
  if (!(p > 0 && p < 1)) {
    throw new RangeError(`quantile: expected p in (0, 1), got ${p}`);
  }
}

/** Six significant digits, for describe(). */
export function fmt(x: number): string {
  return String(Number(x.toPrecision(6)));
}

/**
 * Common base of every distribution `makeDistribution` returns; adds the CDF. One small class
 * per distribution, so a `sample` call site sees few shapes (monomorphic when a model uses one
 * distribution kind) and sampling allocates nothing.
 */
export abstract class BaseDistribution implements Distribution {
  abstract readonly kind: DistributionSpec['distribution'];
  abstract readonly mean: number;
  abstract readonly variance: number;
  abstract sample(rng: Rng): number;
  /** P(X <= x). */
  abstract cdf(x: number): number;
  abstract describe(): string;

  /** Default: numeric inversion of the CDF. Subclasses with a closed form override it. */
  quantile(p: number): number {
    checkP(p);
    return invertCdf((x) => this.cdf(x), p, this.mean + 10 * Math.sqrt(this.variance));
  }
}
