import { gammaln } from 'simple-statistics';
import { BucketHistogramDistribution } from './bucket-histogram.js';
import type { Rng } from './random.js';

/**
 * A probability distribution of a non-negative quantity (a duration in seconds, a count...).
 * Scenario files name one with a spec; `makeDistribution` turns the spec into a sampler once, at
 * build time. Sampling allocates nothing.
 */
export interface Distribution {
  /** The spec's `distribution` name. */
  readonly kind: DistributionSpec['distribution'];
  /** Draws one value using `rng` (the caller's named stream). */
  sample(rng: Rng): number;
  /** Exact mean of the distribution (for validation and for offered-load computations). */
  readonly mean: number;
  /** Exact variance (Infinity where it does not exist). */
  readonly variance: number;
  /** Quantile function, p in (0, 1); exact where a closed form exists. */
  quantile(p: number): number;
  /** Human-readable form, e.g. `exponential(mean=0.01)`. */
  describe(): string;
}

/**
 * Distribution specs, all values already normalised to seconds (or plain numbers) by the
 * scenario layer. Field names are what scenario files use.
 */
export type DistributionSpec =
  | { distribution: 'constant'; value: number }
  | { distribution: 'exponential'; mean: number }
  | { distribution: 'uniform'; min: number; max: number }
  /** Lognormal by median and 99th percentile, or by mean and coefficient of variation. */
  | { distribution: 'lognormal'; median: number; p99: number }
  | { distribution: 'lognormal'; mean: number; cv: number }
  /** Gamma by mean and shape k; `erlang` requires an integer shape. */
  | { distribution: 'gamma'; mean: number; shape: number }
  | { distribution: 'erlang'; mean: number; shape: number }
  /** Finite mixture, e.g. 99% 1 ms and 1% 1 s: weights are normalised to sum to 1. */
  | { distribution: 'mixture'; components: { weight: number; spec: DistributionSpec }[] }
  /** Resampling of observed values (uniform over the list). */
  | { distribution: 'empirical'; values: number[] }
  /**
   * A cumulative histogram (Prometheus buckets): finite upper bounds ascending, the count <= each
   * bound, and the total (the +Inf bucket); sampled uniformly within buckets (bucket-histogram.ts).
   */
  | { distribution: 'histogram'; bounds: number[]; cumulative: number[]; total: number };

/** Names accepted in `distribution:` (for `lbsim list distributions` and error messages). */
export const DISTRIBUTION_NAMES = [
  'constant',
  'exponential',
  'uniform',
  'lognormal',
  'gamma',
  'erlang',
  'mixture',
  'empirical',
  'histogram',
] as const;

// ---------------------------------------------------------------------------------------------
// Errors
// ---------------------------------------------------------------------------------------------

/** One problem in a spec: `path` names the field (`serviceTime.p99`), `message` says why. */
export interface SpecIssue {
  readonly path: string;
  readonly message: string;
}

/**
 * Thrown by `makeDistribution` for an invalid spec. `issues` lists every problem found (not just
 * the first), each as `path: expected ..., got ...`, so the scenario layer can merge them into its
 * own report.
 */
export class DistributionSpecError extends Error {
  readonly issues: readonly SpecIssue[];
  constructor(issues: readonly SpecIssue[]) {
    super(issues.map((i) => `${i.path}: ${i.message}`).join('\n'));
    this.name = 'DistributionSpecError';
    this.issues = issues;
  }
}

// ---------------------------------------------------------------------------------------------
// Ziggurat samplers for the standard exponential and normal (Marsaglia & Tsang, "The Ziggurat
// Method for Generating Random Variables", J. Stat. Software 5(8), 2000).
//
// Speed trick (deliberate): one 32-bit uniform per draw in ~99% of cases, and no Math.log /
// Math.exp on the fast path. bench/rng.ts measures it against the inversion -log(1-u); see
// docs/ARCHITECTURE.md for the ratio. Our Rng gives u with 32 bits of resolution (alea), so
// we split those 32 bits into a layer index (low 8 bits for the exponential's 256 layers; low 7
// bits plus a sign bit for the normal's 128) and a 24-bit position within the layer. Index and
// position come from disjoint bits, which avoids the index/position correlation of the original
// code (Doornik 2005), at the price of 24-bit resolution inside a layer (relative spacing
// <= 6e-8 of the layer's width, far below anything a simulation can see).
// ---------------------------------------------------------------------------------------------

const TWO_POW_32 = 4294967296;
const TWO_POW_24 = 16777216;

/** Right edge of the exponential ziggurat's base layer and its layer area (Marsaglia-Tsang). */
const EXP_R = 7.697117470131487;
const EXP_V = 3.949659822581572e-3;
const KE = new Uint32Array(256);
const WE = new Float64Array(256);
const FE = new Float64Array(256);

/** Right edge of the normal ziggurat's base layer and its layer area (Marsaglia-Tsang). */
const NORM_R = 3.442619855899;
const NORM_V = 9.91256303526217e-3;
const KN = new Uint32Array(128);
const WN = new Float64Array(128);
const FN = new Float64Array(128);

(function buildZigguratTables(): void {
  // Exponential: zigset() of Marsaglia & Tsang with m2 = 2^24 (our position has 24 bits).
  let de = EXP_R;
  let te = de;
  const qe = EXP_V / Math.exp(-de);
  KE[0] = Math.floor((de / qe) * TWO_POW_24);
  KE[1] = 0;
  WE[0] = qe / TWO_POW_24;
  WE[255] = de / TWO_POW_24;
  FE[0] = 1;
  FE[255] = Math.exp(-de);
  for (let i = 254; i >= 1; i--) {
    de = -Math.log(EXP_V / de + Math.exp(-de));
    KE[i + 1] = Math.floor((de / te) * TWO_POW_24);
    te = de;
    FE[i] = Math.exp(-de);
    WE[i] = de / TWO_POW_24;
  }
  // Normal: same construction for the half-normal density exp(-x^2/2), 128 layers.
  let dn = NORM_R;
  let tn = dn;
  const qn = NORM_V / Math.exp(-0.5 * dn * dn);
  KN[0] = Math.floor((dn / qn) * TWO_POW_24);
  KN[1] = 0;
  WN[0] = qn / TWO_POW_24;
  WN[127] = dn / TWO_POW_24;
  FN[0] = 1;
  FN[127] = Math.exp(-0.5 * dn * dn);
  for (let i = 126; i >= 1; i--) {
    dn = Math.sqrt(-2 * Math.log(NORM_V / dn + Math.exp(-0.5 * dn * dn)));
    KN[i + 1] = Math.floor((dn / tn) * TWO_POW_24);
    tn = dn;
    FN[i] = Math.exp(-0.5 * dn * dn);
    WN[i] = dn / TWO_POW_24;
  }
})();

/**
 * Self-check of the ziggurat constants: every layer must have area V, and the recursion that
 * builds the tables ends at the top layer, whose area x1 (f(0) - f(x1)) is then computed
 * independently. Returns its relative deviation from V for each table (~1e-12 when R and V are
 * right; a V wrong in the third digit gives ~0.5). Used by the tests.
 */
export function zigguratTopLayerError(): { exponential: number; normal: number } {
  const xe = (WE[1] as number) * TWO_POW_24;
  const xn = (WN[1] as number) * TWO_POW_24;
  return {
    exponential: Math.abs((xe * (1 - (FE[1] as number))) / EXP_V - 1),
    normal: Math.abs((xn * (1 - (FN[1] as number))) / NORM_V - 1),
  };
}

/** A standard exponential variate (mean 1) by the ziggurat method. */
export function standardExponential(rng: Rng): number {
  const bits = (rng.next() * TWO_POW_32) >>> 0;
  const i = bits & 255;
  const j = bits >>> 8;
  // Fast path (~98.9% of draws): the point lies in the rectangle under the curve.
  if (j < (KE[i] as number)) return j * (WE[i] as number);
  return exponentialSlow(rng, i, j);
}

function exponentialSlow(rng: Rng, layer: number, position: number): number {
  let i = layer;
  let j = position;
  for (;;) {
    // Base layer beyond its rectangle: the tail x > R, which is R + Exp(1) (memorylessness).
    if (i === 0) return EXP_R - Math.log(1 - rng.next());
    const x = j * (WE[i] as number);
    const f0 = FE[i] as number;
    // Wedge: accept under the curve.
    if (f0 + rng.next() * ((FE[i - 1] as number) - f0) < Math.exp(-x)) return x;
    const bits = (rng.next() * TWO_POW_32) >>> 0;
    i = bits & 255;
    j = bits >>> 8;
    if (j < (KE[i] as number)) return j * (WE[i] as number);
  }
}

/** A standard normal variate by the ziggurat method. */
export function standardNormal(rng: Rng): number {
  const bits = (rng.next() * TWO_POW_32) >>> 0;
  const i = bits & 127;
  const j = bits >>> 8;
  // Branch-free sign from bit 7 (+1 or -1): a 50/50 branch would mispredict half the time.
  if (j < (KN[i] as number)) return j * (WN[i] as number) * (1 - ((bits >>> 6) & 2));
  return normalSlow(rng, bits);
}

function normalSlow(rng: Rng, firstBits: number): number {
  let bits = firstBits;
  for (;;) {
    const i = bits & 127;
    const j = bits >>> 8;
    const negative = (bits & 128) !== 0;
    if (j < (KN[i] as number)) {
      const x = j * (WN[i] as number);
      return negative ? -x : x;
    }
    if (i === 0) {
      // Tail beyond R (Marsaglia 1964): x = -ln(u1)/R, y = -ln(u2), accept if 2y >= x^2.
      let x: number;
      let y: number;
      do {
        x = -Math.log(1 - rng.next()) / NORM_R;
        y = -Math.log(1 - rng.next());
      } while (y + y < x * x);
      return negative ? -(NORM_R + x) : NORM_R + x;
    }
    const x = j * (WN[i] as number);
    const f0 = FN[i] as number;
    if (f0 + rng.next() * ((FN[i - 1] as number) - f0) < Math.exp(-0.5 * x * x)) {
      return negative ? -x : x;
    }
    bits = (rng.next() * TWO_POW_32) >>> 0;
  }
}

// ---------------------------------------------------------------------------------------------
// Special functions (used for cdf/quantile, never on the sampling path)
// ---------------------------------------------------------------------------------------------

/**
 * Standard normal quantile, Wichura's algorithm AS 241 (PPND16), Applied Statistics 37(3),
 * 477-484, 1988: relative accuracy about 1e-16.
 */
export function normalQuantile(p: number): number {
  if (p <= 0) return Number.NEGATIVE_INFINITY;
  if (p >= 1) return Number.POSITIVE_INFINITY;
  const q = p - 0.5;
  if (Math.abs(q) <= 0.425) {
    const r = 0.180625 - q * q;
    return (q * horner(AS241_A, r)) / horner(AS241_B, r);
  }
  const r = Math.sqrt(-Math.log(q < 0 ? p : 1 - p));
  const value =
    r <= 5
      ? horner(AS241_C, r - 1.6) / horner(AS241_D, r - 1.6)
      : horner(AS241_E, r - 5) / horner(AS241_F, r - 5);
  return q < 0 ? -value : value;
}

/** c[0] + c[1] x + c[2] x^2 + ... */
function horner(c: readonly number[], x: number): number {
  let v = 0;
  for (let i = c.length - 1; i >= 0; i--) v = v * x + (c[i] as number);
  return v;
}

// AS 241 coefficients, lowest degree first: Wichura's printed values rounded to the nearest
// double (the same doubles his 20-digit literals denote).
const AS241_A = [
  3.3871328727963665, 133.14166789178438, 1971.5909503065513, 13731.69376550946, 45921.95393154987,
  67265.7709270087, 33430.57558358813, 2509.0809287301227,
];
const AS241_B = [
  1, 42.31333070160091, 687.1870074920579, 5394.196021424751, 21213.794301586597, 39307.89580009271,
  28729.085735721943, 5226.495278852854,
];
const AS241_C = [
  1.4234371107496835, 4.630337846156546, 5.769497221460691, 3.6478483247632045, 1.2704582524523684,
  0.2417807251774506, 0.022723844989269184, 0.0007745450142783414,
];
const AS241_D = [
  1, 2.053191626637759, 1.6763848301838038, 0.6897673349851, 0.14810397642748008,
  0.015198666563616457, 0.0005475938084995345, 1.0507500716444169e-9,
];
const AS241_E = [
  6.657904643501103, 5.463784911164114, 1.7848265399172913, 0.29656057182850487,
  0.026532189526576124, 0.0012426609473880784, 0.000027115555687434876, 2.0103343992922881e-7,
];
const AS241_F = [
  1, 0.599832206555888, 0.1369298809227358, 0.014875361290850615, 0.0007868691311456133,
  0.000018463183175100548, 1.421511758316446e-7, 2.0442631033899397e-15,
];

/**
 * Complementary error function to ~1e-15 relative accuracy: the everywhere-convergent series
 * erf(x) = 2/sqrt(pi) e^{-x^2} sum 2^n x^{2n+1} / (2n+1)!! for |x| < 1.5, the continued fraction
 * of erfc (Abramowitz & Stegun 7.1.14) beyond (120 terms: converged to 1e-16 from x = 1.5).
 */
export function erfc(x: number): number {
  if (x < 0) return 2 - erfc(-x);
  if (x < 1.5) {
    let term = x;
    let sum = x;
    for (let n = 1; n < 200; n++) {
      term *= (2 * x * x) / (2 * n + 1);
      sum += term;
      if (term < sum * 1e-17) break;
    }
    return 1 - (2 / Math.sqrt(Math.PI)) * Math.exp(-x * x) * sum;
  }
  // erfc(x) = e^{-x^2}/sqrt(pi) * 1/(x + (1/2)/(x + 1/(x + (3/2)/(x + 2/(x + ...))))),
  // evaluated bottom-up.
  let f = x;
  for (let k = 120; k >= 1; k--) f = x + k / 2 / f;
  return Math.exp(-x * x) / Math.sqrt(Math.PI) / f;
}

/** Standard normal CDF. */
export function normalCdf(z: number): number {
  return 0.5 * erfc(-z / Math.SQRT2);
}

/**
 * Regularised lower incomplete gamma P(a, x): series for x < a + 1, Lentz's continued fraction
 * for Q = 1 - P otherwise (Numerical Recipes, 3rd ed., section 6.2).
 */
export function regularizedGammaP(a: number, x: number): number {
  if (x <= 0) return 0;
  const logPrefix = -x + a * Math.log(x) - gammaln(a);
  if (x < a + 1) {
    let ap = a;
    let del = 1 / a;
    let sum = del;
    for (let n = 0; n < 10000; n++) {
      ap += 1;
      del *= x / ap;
      sum += del;
      if (Math.abs(del) < Math.abs(sum) * 1e-16) break;
    }
    return sum * Math.exp(logPrefix);
  }
  const tiny = 1e-300;
  let b = x + 1 - a;
  let c = 1 / tiny;
  let d = 1 / b;
  let h = d;
  for (let i = 1; i < 10000; i++) {
    const an = -i * (i - a);
    b += 2;
    d = an * d + b;
    if (Math.abs(d) < tiny) d = tiny;
    c = b + an / c;
    if (Math.abs(c) < tiny) c = tiny;
    d = 1 / d;
    const del = d * c;
    h *= del;
    if (Math.abs(del - 1) < 1e-16) break;
  }
  return 1 - Math.exp(logPrefix) * h;
}

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

function checkP(p: number): void {
  if (!(p > 0 && p < 1)) {
    throw new RangeError(`quantile: expected p in (0, 1), got ${p}`);
  }
}

function fmt(x: number): string {
  return String(Number(x.toPrecision(6)));
}

// ---------------------------------------------------------------------------------------------
// Distributions: one small class each, so a `sample` call site sees few shapes (monomorphic when
// a model uses one distribution kind) and sampling allocates nothing.
// ---------------------------------------------------------------------------------------------

/** Common base of every distribution `makeDistribution` returns; adds the CDF. */
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

export class ConstantDistribution extends BaseDistribution {
  readonly kind = 'constant';
  readonly variance = 0;
  constructor(readonly mean: number) {
    super();
  }
  sample(_rng: Rng): number {
    return this.mean;
  }
  cdf(x: number): number {
    return x >= this.mean ? 1 : 0;
  }
  override quantile(p: number): number {
    checkP(p);
    return this.mean;
  }
  describe(): string {
    return `constant(value=${fmt(this.mean)})`;
  }
}

export class ExponentialDistribution extends BaseDistribution {
  readonly kind = 'exponential';
  readonly variance: number;
  constructor(readonly mean: number) {
    super();
    this.variance = mean * mean;
  }
  /** Ziggurat (see above): measured faster than -mean*log(1-u), see docs/ARCHITECTURE.md. */
  sample(rng: Rng): number {
    return this.mean * standardExponential(rng);
  }
  cdf(x: number): number {
    return x <= 0 ? 0 : -Math.expm1(-x / this.mean);
  }
  override quantile(p: number): number {
    checkP(p);
    return -this.mean * Math.log1p(-p);
  }
  describe(): string {
    return `exponential(mean=${fmt(this.mean)})`;
  }
}

export class UniformDistribution extends BaseDistribution {
  readonly kind = 'uniform';
  readonly mean: number;
  readonly variance: number;
  private readonly width: number;
  constructor(
    readonly min: number,
    readonly max: number,
  ) {
    super();
    this.width = max - min;
    this.mean = 0.5 * (min + max);
    this.variance = (this.width * this.width) / 12;
  }
  sample(rng: Rng): number {
    return this.min + rng.next() * this.width;
  }
  cdf(x: number): number {
    if (x <= this.min) return 0;
    if (x >= this.max) return 1;
    return (x - this.min) / this.width;
  }
  override quantile(p: number): number {
    checkP(p);
    return this.min + p * this.width;
  }
  describe(): string {
    return `uniform(min=${fmt(this.min)}, max=${fmt(this.max)})`;
  }
}

/** z such that P(Z <= z) = 0.99 for a standard normal Z (AS 241). */
const Z99 = normalQuantile(0.99);

/** Lognormal: exp(mu + sigma Z). Built from (median, p99) or (mean, cv). */
export class LognormalDistribution extends BaseDistribution {
  readonly kind = 'lognormal';
  readonly mean: number;
  readonly variance: number;
  /** Parameters of the underlying normal. */
  constructor(
    readonly mu: number,
    readonly sigma: number,
  ) {
    super();
    const s2 = sigma * sigma;
    this.mean = Math.exp(mu + 0.5 * s2);
    this.variance = Math.expm1(s2) * Math.exp(2 * mu + s2);
  }
  /** median = e^mu; p99 = e^(mu + sigma z99). */
  static fromMedianP99(median: number, p99: number): LognormalDistribution {
    return new LognormalDistribution(Math.log(median), Math.log(p99 / median) / Z99);
  }
  /** sigma^2 = ln(1 + cv^2), mu = ln(mean) - sigma^2/2. */
  static fromMeanCv(mean: number, cv: number): LognormalDistribution {
    const s2 = Math.log1p(cv * cv);
    return new LognormalDistribution(Math.log(mean) - 0.5 * s2, Math.sqrt(s2));
  }
  sample(rng: Rng): number {
    return Math.exp(this.mu + this.sigma * standardNormal(rng));
  }
  cdf(x: number): number {
    return x <= 0 ? 0 : normalCdf((Math.log(x) - this.mu) / this.sigma);
  }
  override quantile(p: number): number {
    checkP(p);
    return Math.exp(this.mu + this.sigma * normalQuantile(p));
  }
  describe(): string {
    return `lognormal(median=${fmt(Math.exp(this.mu))}, p99=${fmt(this.quantile(0.99))}, mean=${fmt(this.mean)})`;
  }
}

/**
 * Gamma(shape k, scale mean/k) by Marsaglia & Tsang, "A Simple Method for Generating Gamma
 * Variables", ACM TOMS 26(3), 2000: one normal and one uniform per draw, ~98% acceptance for
 * k >= 1. For k < 1 it uses their boost: Gamma(k) = Gamma(k + 1) * U^(1/k).
 * Erlang (integer k) is the same distribution; small k sums k exponentials instead.
 */
export class GammaDistribution extends BaseDistribution {
  readonly kind: 'gamma' | 'erlang';
  readonly variance: number;
  private readonly scale: number;
  private readonly d: number;
  private readonly c: number;
  private readonly invShape: number;
  private readonly boost: boolean;
  private readonly sumOfExponentials: boolean;
  constructor(
    readonly mean: number,
    readonly shape: number,
    kind: 'gamma' | 'erlang' = 'gamma',
  ) {
    super();
    this.kind = kind;
    this.scale = mean / shape;
    this.variance = (mean * mean) / shape;
    this.boost = shape < 1;
    const a = this.boost ? shape + 1 : shape;
    this.d = a - 1 / 3;
    this.c = 1 / Math.sqrt(9 * this.d);
    this.invShape = 1 / shape;
    // Summing k ziggurat exponentials costs ~k uniforms; Marsaglia-Tsang costs ~2-3 plus a log
    // now and then, so the sum wins for small integer shapes.
    this.sumOfExponentials = Number.isInteger(shape) && shape <= 4;
  }
  sample(rng: Rng): number {
    if (this.sumOfExponentials) {
      let s = 0;
      for (let i = 0; i < this.shape; i++) s += standardExponential(rng);
      return s * this.scale;
    }
    const d = this.d;
    const c = this.c;
    let g: number;
    for (;;) {
      const x = standardNormal(rng);
      let v = 1 + c * x;
      if (v <= 0) continue;
      v = v * v * v;
      const u = 1 - rng.next(); // (0, 1]: log(u) is finite
      const x2 = x * x;
      if (u < 1 - 0.0331 * x2 * x2 || Math.log(u) < 0.5 * x2 + d * (1 - v + Math.log(v))) {
        g = d * v;
        break;
      }
    }
    if (this.boost) g *= rng.next() ** this.invShape;
    return g * this.scale;
  }
  cdf(x: number): number {
    return x <= 0 ? 0 : regularizedGammaP(this.shape, x / this.scale);
  }
  describe(): string {
    return `${this.kind}(mean=${fmt(this.mean)}, shape=${fmt(this.shape)})`;
  }
}

/** Finite mixture: pick component i with probability w_i, then sample it. */
export class MixtureDistribution extends BaseDistribution {
  readonly kind = 'mixture';
  readonly mean: number;
  readonly variance: number;
  /** Normalised weights. */
  readonly weights: Float64Array;
  private readonly cumulative: Float64Array;
  constructor(
    readonly components: readonly BaseDistribution[],
    weights: readonly number[],
  ) {
    super();
    const total = weights.reduce((a, b) => a + b, 0);
    this.weights = Float64Array.from(weights, (w) => w / total);
    this.cumulative = new Float64Array(weights.length);
    let acc = 0;
    let m = 0;
    let second = 0;
    for (let i = 0; i < weights.length; i++) {
      const w = this.weights[i] as number;
      const comp = components[i] as BaseDistribution;
      acc += w;
      this.cumulative[i] = acc;
      m += w * comp.mean;
      second += w * (comp.variance + comp.mean * comp.mean);
    }
    this.cumulative[weights.length - 1] = 1; // guard against rounding in the last partial sum
    this.mean = m;
    this.variance = Math.max(0, second - m * m);
  }
  sample(rng: Rng): number {
    const u = rng.next();
    const cum = this.cumulative;
    let i = 0;
    // Linear scan: mixtures have a handful of components.
    while (u >= (cum[i] as number)) i++;
    return (this.components[i] as BaseDistribution).sample(rng);
  }
  cdf(x: number): number {
    let f = 0;
    for (let i = 0; i < this.components.length; i++) {
      f += (this.weights[i] as number) * (this.components[i] as BaseDistribution).cdf(x);
    }
    return f;
  }
  describe(): string {
    const parts = this.components.map(
      (c, i) => `${fmt((this.weights[i] as number) * 100)}% ${c.describe()}`,
    );
    return `mixture(${parts.join(', ')})`;
  }
}

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

// ---------------------------------------------------------------------------------------------
// Spec -> distribution
// ---------------------------------------------------------------------------------------------

function show(v: unknown): string {
  if (typeof v === 'string') return JSON.stringify(v);
  if (Array.isArray(v)) return `an array of ${v.length}`;
  if (v === undefined) return 'nothing';
  if (typeof v === 'object' && v !== null) return 'an object';
  return String(v);
}

class Checker {
  readonly issues: SpecIssue[] = [];
  add(path: string, message: string): void {
    this.issues.push({ path, message });
  }
  /** A finite number > 0 (or >= 0 with `allowZero`). */
  positive(obj: Record<string, unknown>, field: string, path: string, allowZero = false): number {
    const v = obj[field];
    const ok = typeof v === 'number' && Number.isFinite(v) && (allowZero ? v >= 0 : v > 0);
    if (!ok) {
      this.add(`${path}.${field}`, `expected a number ${allowZero ? '>=' : '>'} 0, got ${show(v)}`);
      return Number.NaN;
    }
    return v;
  }
}

/**
 * Turns a spec into a sampler, validating it first. Throws a `DistributionSpecError` listing
 * every problem, each naming its field under `path` (e.g. `deployment.pod.serviceTime.mean:
 * expected a number > 0, got -1`).
 */
export function makeDistribution(spec: DistributionSpec, path = 'distribution'): BaseDistribution {
  const check = new Checker();
  const d = build(spec, path, check);
  if (check.issues.length > 0 || d === undefined) {
    throw new DistributionSpecError(check.issues);
  }
  return d;
}

function build(spec: DistributionSpec, path: string, check: Checker): BaseDistribution | undefined {
  if (typeof spec !== 'object' || spec === null) {
    check.add(path, `expected a distribution spec (an object), got ${show(spec)}`);
    return undefined;
  }
  const s = spec as unknown as Record<string, unknown>;
  const before = check.issues.length;
  const ok = () => check.issues.length === before;
  switch (spec.distribution) {
    case 'constant': {
      const v = check.positive(s, 'value', path, true);
      return ok() ? new ConstantDistribution(v) : undefined;
    }
    case 'exponential': {
      const m = check.positive(s, 'mean', path);
      return ok() ? new ExponentialDistribution(m) : undefined;
    }
    case 'uniform': {
      const lo = check.positive(s, 'min', path, true);
      const hi = check.positive(s, 'max', path, true);
      if (ok() && !(hi > lo)) {
        check.add(`${path}.max`, `expected a number > min (${lo}), got ${hi}`);
      }
      return ok() ? new UniformDistribution(lo, hi) : undefined;
    }
    case 'lognormal': {
      if (('median' in s || 'p99' in s) && ('mean' in s || 'cv' in s)) {
        check.add(path, 'expected lognormal by {median, p99} or by {mean, cv}, got both');
        return undefined;
      }
      if ('median' in s || 'p99' in s) {
        const median = check.positive(s, 'median', path);
        const p99 = check.positive(s, 'p99', path);
        if (ok() && !(p99 > median)) {
          check.add(`${path}.p99`, `expected a number > median (${median}), got ${p99}`);
        }
        return ok() ? LognormalDistribution.fromMedianP99(median, p99) : undefined;
      }
      if ('mean' in s || 'cv' in s) {
        const mean = check.positive(s, 'mean', path);
        const cv = check.positive(s, 'cv', path);
        return ok() ? LognormalDistribution.fromMeanCv(mean, cv) : undefined;
      }
      check.add(path, 'expected lognormal by {median, p99} or by {mean, cv}, got neither');
      return undefined;
    }
    case 'gamma':
    case 'erlang': {
      const mean = check.positive(s, 'mean', path);
      const shape = check.positive(s, 'shape', path);
      if (spec.distribution === 'erlang' && ok() && !Number.isInteger(shape)) {
        check.add(`${path}.shape`, `expected an integer >= 1 for erlang, got ${shape}`);
      }
      return ok() ? new GammaDistribution(mean, shape, spec.distribution) : undefined;
    }
    case 'mixture': {
      const comps = s.components;
      if (!Array.isArray(comps) || comps.length === 0) {
        check.add(`${path}.components`, `expected a non-empty list, got ${show(comps)}`);
        return undefined;
      }
      const built: BaseDistribution[] = [];
      const weights: number[] = [];
      comps.forEach((c: unknown, i: number) => {
        const cp = `${path}.components[${i}]`;
        if (typeof c !== 'object' || c === null) {
          check.add(cp, `expected {weight, spec}, got ${show(c)}`);
          return;
        }
        const rec = c as Record<string, unknown>;
        const w = check.positive(rec, 'weight', cp);
        const d = build(rec.spec as DistributionSpec, `${cp}.spec`, check);
        if (d !== undefined) built.push(d);
        weights.push(w);
      });
      return ok() ? new MixtureDistribution(built, weights) : undefined;
    }
    case 'empirical': {
      const values = s.values;
      if (!Array.isArray(values) || values.length === 0) {
        check.add(`${path}.values`, `expected a non-empty list of numbers, got ${show(values)}`);
        return undefined;
      }
      values.forEach((v: unknown, i: number) => {
        if (!(typeof v === 'number' && Number.isFinite(v) && v >= 0)) {
          check.add(`${path}.values[${i}]`, `expected a number >= 0, got ${show(v)}`);
        }
      });
      return ok() ? new EmpiricalDistribution(values as number[]) : undefined;
    }
    case 'histogram': {
      const h = checkHistogram(s, path, check);
      return h;
    }
    default: {
      const unknownSpec: never = spec;
      const name = (unknownSpec as { distribution?: unknown }).distribution;
      check.add(
        `${path}.distribution`,
        `expected one of ${DISTRIBUTION_NAMES.join(', ')}, got ${show(name)}`,
      );
      return undefined;
    }
  }
}

/** Validates a histogram spec (see BucketHistogramDistribution) and builds it. */
function checkHistogram(
  s: Record<string, unknown>,
  path: string,
  check: Checker,
): BucketHistogramDistribution | undefined {
  const { bounds, cumulative, total } = s;
  const before = check.issues.length;
  const isList = (v: unknown): v is unknown[] => Array.isArray(v);
  if (!isList(bounds) || !isList(cumulative) || bounds.length !== cumulative.length) {
    check.add(path, 'expected `bounds` and `cumulative`: two lists of the same length');
    return undefined;
  }
  bounds.forEach((b, i) => {
    const prev = i === 0 ? -1 : (bounds[i - 1] as number);
    if (!(typeof b === 'number' && Number.isFinite(b) && b >= 0 && b > prev)) {
      check.add(`${path}.bounds[${i}]`, `expected a finite number >= 0, ascending, got ${show(b)}`);
    }
  });
  cumulative.forEach((c, i) => {
    const prev = i === 0 ? 0 : (cumulative[i - 1] as number);
    if (!(typeof c === 'number' && Number.isFinite(c) && c >= prev)) {
      check.add(
        `${path}.cumulative[${i}]`,
        `expected a finite count >= the previous one (${prev}), got ${show(c)}`,
      );
    }
  });
  const last = cumulative.length === 0 ? 0 : (cumulative[cumulative.length - 1] as number);
  if (!(typeof total === 'number' && Number.isFinite(total) && total > 0 && total >= last)) {
    check.add(
      `${path}.total`,
      `expected a count > 0 and >= the last bucket's (${last}), got ${show(total)}`,
    );
  }
  if (check.issues.length > before) return undefined;
  return new BucketHistogramDistribution(
    bounds as number[],
    cumulative as number[],
    total as number,
  );
}

/**
 * Reads the values of an empirical distribution from text: one number per line (a single CSV
 * column), with an optional non-numeric header on the first line; blank lines and lines starting
 * with `#` are skipped. Numbers are returned as written (no unit conversion). Throws an Error
 * naming the line for anything else.
 */
export function parseEmpiricalValues(text: string): number[] {
  const out: number[] = [];
  const problems: string[] = [];
  const lines = text.split(/\r\n|\n|\r/);
  let seenContent = false;
  for (let i = 0; i < lines.length; i++) {
    const raw = (lines[i] as string).trim();
    if (raw === '' || raw.startsWith('#')) continue;
    // A single column: tolerate one trailing separator, reject a second field.
    const fields = raw.split(/[,;\t]/).map((f) => f.trim());
    while (fields.length > 1 && fields[fields.length - 1] === '') fields.pop();
    const field = (fields[0] as string).replace(/^"(.*)"$/, '$1');
    const isFirst = !seenContent;
    seenContent = true;
    if (fields.length > 1) {
      problems.push(`line ${i + 1}: expected a single column, got ${fields.length} fields`);
      continue;
    }
    const v = field === '' ? Number.NaN : Number(field);
    if (Number.isNaN(v) && isFirst) continue; // header
    if (!(Number.isFinite(v) && v >= 0)) {
      problems.push(`line ${i + 1}: expected a number >= 0, got ${JSON.stringify(field)}`);
      continue;
    }
    out.push(v);
  }
  if (problems.length === 0 && out.length === 0) {
    problems.push('expected at least one value, got none');
  }
  if (problems.length > 0) {
    const shown = problems.slice(0, 10);
    if (problems.length > 10) shown.push(`... and ${problems.length - 10} more`);
    throw new Error(shown.join('\n'));
  }
  return out;
}
