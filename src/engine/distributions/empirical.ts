import type { Rng } from '../random.js';
import { BaseDistribution, checkP, fmt } from './base.js';

/** Uniform resampling of a list of observed values. */
export class EmpiricalDistribution extends BaseDistribution {
  readonly kind = 'empirical';
  readonly mean: number;
  readonly variance: number;
  /** The values in the given order (sampling indexes this). */
  private readonly values: Float64Array;
  private readonly sorted: Float64Array;
  constructor(values: readonly number[]) {
    super();
    this.values = Float64Array.from(values);
    this.sorted = Float64Array.from(values).sort();
    const n = values.length;
    let m = 0;
    for (const v of values) m += v;
    m /= n;
    let ss = 0;
    for (const v of values) ss += (v - m) * (v - m);
    this.mean = m;
    this.variance = ss / n; // the distribution's (population) variance, not a sample estimate
  }
  get size(): number {
    return this.values.length;
  }
  sample(rng: Rng): number {
    return this.values[Math.floor(rng.next() * this.values.length)] as number;
  }
  cdf(x: number): number {
    // count of values <= x, by binary search on the sorted copy
    const s = this.sorted;
    let lo = 0;
    let hi = s.length;
    while (lo < hi) {
      const mid = (lo + hi) >>> 1;
      if ((s[mid] as number) <= x) lo = mid + 1;
      else hi = mid;
    }
    return lo / s.length;
  }
  /** Smallest value v with P(X <= v) >= p (the inverse of the step CDF). */
  override quantile(p: number): number {
    checkP(p);
    const n = this.sorted.length;
    const k = Math.min(n - 1, Math.max(0, Math.ceil(p * n - 1e-9) - 1));
    return this.sorted[k] as number;
  }
  describe(): string {
    return `empirical(n=${this.values.length}, mean=${fmt(this.mean)})`;
  }
}
