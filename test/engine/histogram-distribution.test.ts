import { describe, expect, it } from 'vitest';
import { makeDistribution } from '../../src/engine/distributions/index.js';
import { RandomSource } from '../../src/engine/random.js';

/**
 * The histogram sampler against histograms whose quantiles are known by hand: the CDF is
 * piecewise linear through (bound, cumulative / total), starting at (0, 0), so the quantile p lies
 * in the bucket where the cumulative share crosses p, interpolated linearly (Prometheus'
 * histogram_quantile). Statistical checks allow 5 standard errors (seeds fixed).
 */
const N = 200_000;
const Z = 5;

// 100 observations: 10 <= 0.1 s, 30 <= 0.2 s, 80 <= 0.5 s, 100 <= 1 s, none above.
const spec = {
  distribution: 'histogram' as const,
  bounds: [0.1, 0.2, 0.5, 1],
  cumulative: [10, 30, 80, 100],
  total: 100,
};

function draws(d: ReturnType<typeof makeDistribution>, seed: number, n = N): Float64Array {
  const rng = new RandomSource(seed).stream('histogram-test');
  const out = new Float64Array(n);
  for (let i = 0; i < n; i++) out[i] = d.sample(rng);
  return out.sort();
}

describe('histogram distribution (Prometheus buckets, uniform within each)', () => {
  it('quantiles, CDF and moments are the hand-derived ones', () => {
    const d = makeDistribution(spec);
    // p50: 30 below 0.2 s, 50 below 0.5 s: 0.2 + 0.3 x (50 - 30) / 50 = 0.32 s.
    expect(d.quantile(0.5)).toBeCloseTo(0.32, 12);
    // p05: within the first bucket [0, 0.1]: 0.1 x 5 / 10 = 0.05 s.
    expect(d.quantile(0.05)).toBeCloseTo(0.05, 12);
    // p90: 0.5 + 0.5 x (90 - 80) / 20 = 0.75 s.
    expect(d.quantile(0.9)).toBeCloseTo(0.75, 12);
    expect(d.cdf(0.32)).toBeCloseTo(0.5, 12);
    expect(d.cdf(0.2)).toBeCloseTo(0.3, 12);
    expect(d.cdf(2)).toBe(1);
    expect(d.cdf(-1)).toBe(0);
    // Mean: bucket midpoints weighted by share: .1 x .05 + .2 x .15 + .5 x .35 + .2 x .75 = 0.36.
    expect(d.mean).toBeCloseTo(0.36, 12);
    // E[X^2] = sum p (lo^2 + lo hi + hi^2) / 3 over the buckets.
    const second =
      (0.1 * 0.01) / 3 +
      (0.2 * (0.01 + 0.02 + 0.04)) / 3 +
      (0.5 * (0.04 + 0.1 + 0.25)) / 3 +
      (0.2 * (0.25 + 0.5 + 1)) / 3;
    expect(d.variance).toBeCloseTo(second - 0.36 * 0.36, 12);
  });

  it('samples match the quantiles and the mean', () => {
    const d = makeDistribution(spec);
    const x = draws(d, 7);
    for (const p of [0.05, 0.3, 0.5, 0.9, 0.99]) {
      const q = d.quantile(p);
      let below = 0;
      while (below < N && (x[below] as number) <= q) below++;
      const se = Math.sqrt((p * (1 - p)) / N);
      expect(Math.abs(below / N - p), `p${p * 100}`).toBeLessThan(Z * se);
    }
    let sum = 0;
    for (const v of x) sum += v;
    expect(Math.abs(sum / N - d.mean)).toBeLessThan(Z * Math.sqrt(d.variance / N));
    expect(x[0]).toBeGreaterThanOrEqual(0);
    expect(x[N - 1]).toBeLessThanOrEqual(1);
  });

  it('a histogram of an exponential at fine bounds has its quantiles', () => {
    // Cumulative counts of 1e6 exponential(mean 1 s) observations at 200 bounds up to 20 s.
    const bounds = Array.from({ length: 200 }, (_, i) => (i + 1) * 0.1);
    const cumulative = bounds.map((b) => 1e6 * (1 - Math.exp(-b)));
    const d = makeDistribution({ distribution: 'histogram', bounds, cumulative, total: 1e6 });
    for (const p of [0.5, 0.9, 0.99]) {
      // Linear interpolation of a convex CDF piece is within the bucket width (0.1 s).
      expect(Math.abs(d.quantile(p) + Math.log(1 - p))).toBeLessThan(0.01);
    }
    expect(d.mean).toBeCloseTo(1, 2);
  });

  it('the +Inf bucket is a point mass at the highest finite bound (as histogram_quantile)', () => {
    // 10 of 40 observations above 1 s.
    const d = makeDistribution({
      distribution: 'histogram',
      bounds: [0.5, 1],
      cumulative: [10, 30],
      total: 40,
    });
    expect(d.quantile(0.9)).toBe(1);
    expect(d.quantile(0.7)).toBeCloseTo(0.5 + (0.5 * (28 - 10)) / 20, 12);
    const x = draws(d, 11, 40_000);
    let atTop = 0;
    for (const v of x) if (v === 1) atTop++;
    expect(Math.abs(atTop / 40_000 - 0.25)).toBeLessThan(Z * Math.sqrt((0.25 * 0.75) / 40_000));
    // mean = 0.25 x 0.25 + 0.5 x 0.75 + 0.25 x 1
    expect(d.mean).toBeCloseTo(0.25 * 0.25 + 0.5 * 0.75 + 0.25, 12);
  });

  it('empty buckets are never sampled; bad specs name their field', () => {
    const d = makeDistribution({
      distribution: 'histogram',
      bounds: [1, 2, 3],
      cumulative: [0, 50, 50],
      total: 50,
    });
    const x = draws(d, 3, 10_000);
    expect(x[0]).toBeGreaterThanOrEqual(1);
    expect(x[x.length - 1]).toBeLessThanOrEqual(2);
    expect(() =>
      makeDistribution(
        { distribution: 'histogram', bounds: [1, 0.5], cumulative: [3, 2], total: 1 },
        'serviceTime',
      ),
    ).toThrow(/^serviceTime\.bounds\[1\]: expected a finite number >= 0, ascending, got 0\.5$/);
  });

  it('sampling is deterministic for a seed', () => {
    const d = makeDistribution(spec);
    expect(draws(d, 5, 100)).toEqual(draws(d, 5, 100));
  });
});
