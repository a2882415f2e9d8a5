import type { Rng } from '../random.js';
import { BaseDistribution, checkP, fmt } from './base.js';
import { normalCdf, normalQuantile, regularizedGammaP } from './special.js';
import { standardExponential, standardNormal } from './ziggurat.js';

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
