import type { Rng } from '../random.js';
import type { Distribution } from './spec.js';

/**
 * A distribution given by a cumulative histogram, as Prometheus histograms are exposed
 * (`_bucket{le="0.5"} 129389`): finite upper bounds in ascending order, the count of observations
 * <= each bound, and the total count (the `le="+Inf"` bucket).
 *
 * Sampling within buckets: a bucket is chosen with probability (its count) / total, and the value
 * is uniform within it, between the previous bound (0 below the first, as Prometheus'
 * `histogram_quantile` assumes for a first bucket with a positive bound) and its own bound. So the
 * CDF is piecewise linear through the points (bound, cumulative / total), and every quantile
 * equals what `histogram_quantile` reports for the same buckets.
 *
 * The +Inf bucket (observations above the highest finite bound) has no upper bound to
 * interpolate to: like `histogram_quantile`, which returns the highest finite bound for a
 * quantile that falls in it, its mass is a point mass at that bound. So a histogram whose
 * buckets end too low understates the tail (docs/MODEL.md, Measured delays).
 *
 * One uniform per draw (the bucket and the position within it come from the same number),
 * found by binary search over the cumulative counts; no allocation.
 */
export class BucketHistogramDistribution implements Distribution {
  readonly kind = 'histogram';
  readonly mean: number;
  readonly variance: number;
  /** Upper bounds, ascending (seconds). */
  private readonly bounds: Float64Array;
  /** Cumulative counts at each bound; `total` at +Inf. */
  private readonly cumulative: Float64Array;
  private readonly total: number;

  /**
   * @param bounds finite upper bounds, strictly ascending, >= 0
   * @param cumulative count of observations <= each bound, non-decreasing
   * @param total count of all observations (the +Inf bucket), >= the last cumulative count, > 0
   * The caller (makeDistribution) has validated these.
   */
  constructor(bounds: readonly number[], cumulative: readonly number[], total: number) {
    this.bounds = Float64Array.from(bounds);
    this.cumulative = Float64Array.from(cumulative);
    this.total = total;
    let m = 0;
    let second = 0;
    let prevBound = 0;
    let prevCount = 0;
    for (let i = 0; i < bounds.length; i++) {
      const hi = bounds[i] as number;
      const p = ((cumulative[i] as number) - prevCount) / total;
      // Uniform on [lo, hi]: mean (lo + hi) / 2, second moment (lo^2 + lo hi + hi^2) / 3.
      m += (p * (prevBound + hi)) / 2;
      second += (p * (prevBound * prevBound + prevBound * hi + hi * hi)) / 3;
      prevBound = hi;
      prevCount = cumulative[i] as number;
    }
    const pInf = (total - prevCount) / total;
    m += pInf * prevBound;
    second += pInf * prevBound * prevBound;
    this.mean = m;
    this.variance = Math.max(0, second - m * m);
  }

  /** Share of the observations in the +Inf bucket (above the highest finite bound). */
  get overflowShare(): number {
    const n = this.bounds.length;
    return n === 0 ? 1 : (this.total - (this.cumulative[n - 1] as number)) / this.total;
  }

  sample(rng: Rng): number {
    return this.at(rng.next() * this.total);
  }

  /** The value at cumulative count c in [0, total): the inverse of the piecewise-linear CDF. */
  private at(c: number): number {
    const cum = this.cumulative;
    const n = cum.length;
    // Smallest i with cum[i] > c (an empty bucket is never chosen: its cum equals the previous).
    let lo = 0;
    let hi = n;
    while (lo < hi) {
      const mid = (lo + hi) >>> 1;
      if ((cum[mid] as number) > c) hi = mid;
      else lo = mid + 1;
    }
    if (lo === n) return n === 0 ? 0 : (this.bounds[n - 1] as number); // the +Inf bucket
    const lowBound = lo === 0 ? 0 : (this.bounds[lo - 1] as number);
    const lowCount = lo === 0 ? 0 : (cum[lo - 1] as number);
    const width = (this.bounds[lo] as number) - lowBound;
    return lowBound + (width * (c - lowCount)) / ((cum[lo] as number) - lowCount);
  }

  /** P(X <= x): piecewise linear between the bounds; 1 from the highest finite bound on. */
  cdf(x: number): number {
    if (x < 0) return 0;
    const n = this.bounds.length;
    let prevBound = 0;
    let prevCount = 0;
    for (let i = 0; i < n; i++) {
      const b = this.bounds[i] as number;
      const c = this.cumulative[i] as number;
      if (x < b)
        return (prevCount + ((c - prevCount) * (x - prevBound)) / (b - prevBound)) / this.total;
      prevBound = b;
      prevCount = c;
    }
    return 1;
  }

  /** Exact: the same linear interpolation as Prometheus' histogram_quantile. */
  quantile(p: number): number {
    if (!(p > 0 && p < 1)) throw new RangeError(`quantile: expected p in (0, 1), got ${p}`);
    return this.at(p * this.total);
  }

  describe(): string {
    return `histogram(${this.bounds.length} buckets, n=${this.total}, mean=${Number(this.mean.toPrecision(6))})`;
  }
}
