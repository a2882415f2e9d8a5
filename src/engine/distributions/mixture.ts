import type { Rng } from '../random.js';
import { BaseDistribution, fmt } from './base.js';

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
