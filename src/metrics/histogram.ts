import * as hdr from 'hdr-histogram-js';

/** Values are recorded as integer microseconds: the histogram's unit. */
export const HISTOGRAM_UNIT_S = 1e-6;
/** HdrHistogram precision: 3 significant decimal digits. */
export const HISTOGRAM_SIGNIFICANT_DIGITS = 3;
/**
 * Relative error bound of a reported quantile. With 3 significant digits HdrHistogram uses 2048
 * sub-buckets per power of two (2^ceil(log2(2 * 10^3))), so a bucket spans at most 1/1024 of
 * its lowest value; a reported quantile is the highest value of the bucket holding the exact
 * sample quantile, so it lies in [q, q * (1 + 1/1024)] plus the 0.5 us of rounding to whole
 * microseconds. See docs/OUTPUTS.md.
 */
export const HISTOGRAM_RELATIVE_ERROR = 1 / 1024;
/** Absolute error from rounding to whole microseconds, seconds. */
export const HISTOGRAM_ABSOLUTE_ERROR_S = 0.5e-6;

/** Initial highest trackable value (60 s in us); the histogram grows beyond it on demand. */
const INITIAL_HIGHEST_US = 60_000_000;

function makeHdr(): hdr.Histogram {
  // Float64 counts: no overflow whatever the number of requests; the pure-JS implementation
  // (no WebAssembly) so it runs the same in worker threads and needs no async init.
  return hdr.build({
    bitBucketSize: 64,
    autoResize: true,
    lowestDiscernibleValue: 1,
    highestTrackableValue: INITIAL_HIGHEST_US,
    numberOfSignificantValueDigits: HISTOGRAM_SIGNIFICANT_DIGITS,
    useWebAssembly: false,
  });
}

/**
 * A latency histogram in seconds over HdrHistogram (hdr-histogram-js): constant memory whatever
 * the number of values (about 140 kB up to 60 s, growing by 1/17 per doubling of the maximum),
 * quantiles within HISTOGRAM_RELATIVE_ERROR, mergeable, and serialisable for transfer between
 * threads. Count, mean and max are kept exactly beside the buckets.
 */
export class LatencyHistogram {
  private readonly h: hdr.Histogram;
  private n = 0;
  private sum = 0;
  private maxS = 0;
  private minS = Number.POSITIVE_INFINITY;

  constructor(h: hdr.Histogram = makeHdr()) {
    this.h = h;
  }

  /** Records one value in seconds (>= 0). Allocation-free. */
  record(seconds: number): void {
    // Round to the nearest microsecond; negative values (float noise) clamp to 0.
    const us = seconds > 0 ? Math.round(seconds * 1e6) : 0;
    this.h.recordValue(us);
    this.n++;
    this.sum += seconds;
    if (seconds > this.maxS) this.maxS = seconds;
    if (seconds < this.minS) this.minS = seconds;
  }

  /** Number of values recorded. */
  get count(): number {
    return this.n;
  }

  /** Exact mean in seconds (NaN when empty). */
  get mean(): number {
    return this.n === 0 ? Number.NaN : this.sum / this.n;
  }

  /** Exact maximum in seconds (NaN when empty). */
  get max(): number {
    return this.n === 0 ? Number.NaN : this.maxS;
  }

  /** Exact minimum in seconds (NaN when empty; a lower bound after fromJSON of old data). */
  get min(): number {
    return this.n === 0 ? Number.NaN : this.minS;
  }

  /**
   * The p-quantile in seconds, p in [0, 1] (NaN when empty): the value of rank ceil(p * n)
   * among the sorted values (the inverse empirical CDF), reported as its bucket's highest value
   * and clamped into [min, max]: a bucket's highest value can exceed the largest value recorded
   * in it (a p99.9 above the exact maximum was reported before the clamp), and microsecond
   * rounding can put it below the smallest.
   */
  quantile(p: number): number {
    if (this.n === 0) return Number.NaN;
    if (p >= 1) return this.maxS;
    const v = this.h.getValueAtPercentile(p * 100) * HISTOGRAM_UNIT_S;
    return Math.min(this.maxS, Math.max(this.minS, v));
  }

  /** Adds every value of `other` into this histogram. */
  merge(other: LatencyHistogram): void {
    this.h.add(other.h);
    this.n += other.n;
    this.sum += other.sum;
    if (other.maxS > this.maxS) this.maxS = other.maxS;
    if (other.minS < this.minS) this.minS = other.minS;
  }

  /**
   * Removes values that were recorded in `other` and are also in this histogram (counts must
   * cover them). The exact max and min are not moved: they stay bounds.
   */
  subtract(other: LatencyHistogram): void {
    this.h.subtract(other.h);
    this.n -= other.n;
    this.sum -= other.sum;
  }

  /** Empties the histogram, keeping its memory. */
  reset(): void {
    this.h.reset();
    this.n = 0;
    this.sum = 0;
    this.maxS = 0;
    this.minS = Number.POSITIVE_INFINITY;
  }

  /** A structured-clone-safe form (compressed HdrHistogram V2 encoding plus exact moments). */
  toJSON(): SerializedHistogram {
    return {
      hdr: hdr.encodeIntoCompressedBase64(this.h),
      count: this.n,
      sum: this.sum,
      max: this.maxS,
      min: this.n === 0 ? 0 : this.minS,
    };
  }

  static fromJSON(s: SerializedHistogram): LatencyHistogram {
    const decoded = hdr.decodeFromCompressedBase64(s.hdr, 64, false);
    // Decoding yields a histogram sized to its content; copy into a standard one so later
    // merges and records behave the same as for a fresh histogram.
    const h = makeHdr();
    h.add(decoded);
    const out = new LatencyHistogram(h);
    out.n = s.count;
    out.sum = s.sum;
    out.maxS = s.max;
    out.minS = s.min ?? 0;
    return out;
  }
}

/** Serialised LatencyHistogram: plain data, safe to post between threads or write to JSON. */
export interface SerializedHistogram {
  readonly hdr: string;
  readonly count: number;
  readonly sum: number;
  readonly max: number;
  /** Exact minimum (absent in data written before it was kept: 0, a lower bound). */
  readonly min?: number;
}
