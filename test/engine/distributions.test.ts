import { describe, expect, it } from 'vitest';
import {
  type BaseDistribution,
  type DistributionSpec,
  DistributionSpecError,
  erfc,
  makeDistribution,
  normalCdf,
  normalQuantile,
  regularizedGammaP,
  standardExponential,
  standardNormal,
  zigguratTopLayerError,
} from '../../src/engine/distributions/index.js';
import { RandomSource, type Rng } from '../../src/engine/random.js';

/**
 * Tolerances: every statistical check allows 5 standard errors (a false alarm has probability
 * ~6e-7 per check, and the seeds are fixed, so a pass is reproducible), with the standard error
 * computed from the exact moments of the distribution under test:
 *   mean:      SE = sqrt(var / n)
 *   variance:  SE = sqrt((mu4 - var^2) / n)   (mu4 = fourth central moment)
 *   quantile:  the fraction of draws <= q is Binomial(n, F(q)) / n, SE = sqrt(F(1 - F) / n)
 */
const Z = 5;
const N = 200_000;

/** Exact raw moments E[X^1..4] of the distributions under test (hand-derived, per case). */
type RawMoments = [number, number, number, number];

function central4(m: RawMoments): { mean: number; variance: number; mu4: number } {
  const [e1, e2, e3, e4] = m;
  return {
    mean: e1,
    variance: e2 - e1 * e1,
    mu4: e4 - 4 * e1 * e3 + 6 * e1 * e1 * e2 - 3 * e1 ** 4,
  };
}

const constantMoments = (v: number): RawMoments => [v, v ** 2, v ** 3, v ** 4];
const exponentialMoments = (m: number): RawMoments => [m, 2 * m ** 2, 6 * m ** 3, 24 * m ** 4];
const uniformMoments = (a: number, b: number): RawMoments =>
  [1, 2, 3, 4].map((j) => (b ** (j + 1) - a ** (j + 1)) / ((j + 1) * (b - a))) as RawMoments;
const lognormalMoments = (mu: number, s: number): RawMoments =>
  [1, 2, 3, 4].map((j) => Math.exp(j * mu + (j * j * s * s) / 2)) as RawMoments;
/** Gamma(shape k, scale t): E[X^j] = t^j k (k+1) ... (k+j-1). */
const gammaMoments = (k: number, t: number): RawMoments =>
  [1, 2, 3, 4].map((j) => {
    let p = 1;
    for (let i = 0; i < j; i++) p *= k + i;
    return t ** j * p;
  }) as RawMoments;
const mixtureMoments = (parts: [number, RawMoments][]): RawMoments =>
  [0, 1, 2, 3].map((j) =>
    parts.reduce((acc, [w, m]) => acc + w * (m[j] as number), 0),
  ) as RawMoments;

function sampleMany(d: BaseDistribution, rng: Rng, n: number): Float64Array {
  const out = new Float64Array(n);
  for (let i = 0; i < n; i++) out[i] = d.sample(rng);
  return out;
}

interface Case {
  name: string;
  spec: DistributionSpec;
  moments: RawMoments;
  /** A probability and the hand-derived exact quantile there. */
  p: number;
  q: number;
}

const Z99 = 2.3263478740408408; // standard normal 0.99 quantile
const lnMedianP99 = { mu: Math.log(0.01), s: Math.log(0.05 / 0.01) / Z99 };
const lnMeanCv = { s2: Math.log(1 + 1.5 ** 2) };
const mixture = {
  distribution: 'mixture',
  components: [
    { weight: 99, spec: { distribution: 'constant', value: 0.001 } },
    { weight: 1, spec: { distribution: 'constant', value: 1 } },
  ],
} as const satisfies DistributionSpec;

const CASES: Case[] = [
  {
    name: 'constant',
    spec: { distribution: 'constant', value: 0.25 },
    moments: constantMoments(0.25),
    p: 0.5,
    q: 0.25,
  },
  {
    // p99 of an exponential: -mean ln(0.01) = mean ln 100
    name: 'exponential',
    spec: { distribution: 'exponential', mean: 0.01 },
    moments: exponentialMoments(0.01),
    p: 0.99,
    q: 0.01 * Math.log(100),
  },
  {
    name: 'uniform',
    spec: { distribution: 'uniform', min: 0.1, max: 0.5 },
    moments: uniformMoments(0.1, 0.5),
    p: 0.25,
    q: 0.2,
  },
  {
    // by construction: the 0.99 quantile is the spec's p99
    name: 'lognormal(median, p99)',
    spec: { distribution: 'lognormal', median: 0.01, p99: 0.05 },
    moments: lognormalMoments(lnMedianP99.mu, lnMedianP99.s),
    p: 0.99,
    q: 0.05,
  },
  {
    // median = e^mu = mean / sqrt(1 + cv^2)
    name: 'lognormal(mean, cv)',
    spec: { distribution: 'lognormal', mean: 0.02, cv: 1.5 },
    moments: lognormalMoments(Math.log(0.02) - lnMeanCv.s2 / 2, Math.sqrt(lnMeanCv.s2)),
    p: 0.5,
    q: 0.02 / Math.sqrt(1 + 1.5 ** 2),
  },
  {
    // Gamma(shape 2, scale 2) is chi-square with 4 degrees of freedom: 0.95 quantile 9.487729
    name: 'gamma shape 2 (sum of exponentials)',
    spec: { distribution: 'gamma', mean: 4, shape: 2 },
    moments: gammaMoments(2, 2),
    p: 0.95,
    q: 9.487729036781154,
  },
  {
    // Gamma(shape 3.5, scale 2) is chi-square with 7 df: 0.9 quantile 12.017037
    name: 'gamma shape 3.5 (Marsaglia-Tsang)',
    spec: { distribution: 'gamma', mean: 7, shape: 3.5 },
    moments: gammaMoments(3.5, 2),
    p: 0.9,
    q: 12.017036623780532,
  },
  {
    // Gamma(shape 0.5, scale 2) is chi-square with 1 df: median 0.454936 (shape < 1: boost)
    name: 'gamma shape 0.5 (boosted)',
    spec: { distribution: 'gamma', mean: 1, shape: 0.5 },
    moments: gammaMoments(0.5, 2),
    p: 0.5,
    q: 0.454936423119572,
  },
  {
    // Erlang(5) with scale 2 is chi-square with 10 df: 0.99 quantile 23.209251
    name: 'erlang shape 5 (Marsaglia-Tsang)',
    spec: { distribution: 'erlang', mean: 10, shape: 5 },
    moments: gammaMoments(5, 2),
    p: 0.99,
    q: 23.209251158954356,
  },
  {
    // Erlang(3) with scale 0.5: P(X <= x) = 1 - e^{-2x}(1 + 2x + 2x^2); at x = 1: 1 - 5e^-2
    name: 'erlang shape 3 (sum of exponentials)',
    spec: { distribution: 'erlang', mean: 1.5, shape: 3 },
    moments: gammaMoments(3, 0.5),
    p: 1 - 5 * Math.exp(-2),
    q: 1,
  },
  {
    // 99% 1 ms, 1% 1 s: the 0.995 quantile is 1 s, the median 1 ms
    name: 'mixture 99% 1 ms, 1% 1 s',
    spec: mixture,
    moments: mixtureMoments([
      [0.99, constantMoments(0.001)],
      [0.01, constantMoments(1)],
    ]),
    p: 0.995,
    q: 1,
  },
  {
    name: 'mixture of exponential and uniform',
    spec: {
      distribution: 'mixture',
      components: [
        { weight: 3, spec: { distribution: 'exponential', mean: 1 } },
        { weight: 1, spec: { distribution: 'uniform', min: 0, max: 2 } },
      ],
    },
    moments: mixtureMoments([
      [0.75, exponentialMoments(1)],
      [0.25, uniformMoments(0, 2)],
    ]),
    // F(1) = 0.75 (1 - e^-1) + 0.25 * 0.5
    p: 0.75 * (1 - Math.exp(-1)) + 0.125,
    q: 1,
  },
  {
    // values 1..10: the 0.3 quantile is the 3rd smallest
    name: 'empirical 1..10',
    spec: { distribution: 'empirical', values: [7, 1, 3, 10, 2, 9, 4, 8, 6, 5] },
    moments: [1, 2, 3, 4].map(
      (j) => Array.from({ length: 10 }, (_, i) => (i + 1) ** j).reduce((a, b) => a + b) / 10,
    ) as RawMoments,
    p: 0.3,
    q: 3,
  },
];

describe('makeDistribution: moments and quantiles against exact values', () => {
  CASES.forEach((c, index) => {
    it(c.name, () => {
      const d = makeDistribution(c.spec);
      const exact = central4(c.moments);
      // Exact properties first (no sampling): these are hand-derived, tolerance = rounding.
      expect(d.mean).toBeCloseTo(exact.mean, 12);
      expect(d.variance / Math.max(exact.variance, 1e-300)).toBeCloseTo(
        exact.variance === 0 ? 0 : 1,
        9,
      );
      expect(d.quantile(c.p) / c.q).toBeCloseTo(1, 9);
      expect(d.describe()).toContain(d.kind);

      const rng = new RandomSource(1000 + index).stream('distribution-test');
      const x = sampleMany(d, rng, N);
      let sum = 0;
      for (const v of x) sum += v;
      const mean = sum / N;
      let ss = 0;
      let below = 0;
      for (const v of x) {
        ss += (v - mean) * (v - mean);
        if (v <= c.q) below++;
      }
      const variance = ss / (N - 1);
      const seMean = Math.sqrt(exact.variance / N);
      const seVar = Math.sqrt(Math.max(0, exact.mu4 - exact.variance ** 2) / N);
      expect(Math.abs(mean - exact.mean)).toBeLessThanOrEqual(Z * seMean + 1e-12 * exact.mean);
      expect(Math.abs(variance - exact.variance)).toBeLessThanOrEqual(
        Z * seVar + 1e-9 * exact.variance,
      );
      // Fraction of draws at or below the exact quantile: Binomial(N, F(q))/N.
      const f = d.cdf(c.q);
      expect(f).toBeGreaterThanOrEqual(c.p - 1e-9);
      expect(Math.abs(below / N - f)).toBeLessThanOrEqual(Z * Math.sqrt((f * (1 - f)) / N));

      // Deterministic for a seed.
      const again = sampleMany(d, new RandomSource(1000 + index).stream('distribution-test'), 100);
      expect(Array.from(again)).toEqual(Array.from(x.subarray(0, 100)));
    });
  });

  it('inverts the CDF: cdf(quantile(p)) = p for continuous distributions', () => {
    const specs: DistributionSpec[] = [
      { distribution: 'exponential', mean: 2 },
      { distribution: 'uniform', min: 1, max: 3 },
      { distribution: 'lognormal', median: 0.01, p99: 0.2 },
      { distribution: 'gamma', mean: 3, shape: 0.3 },
      { distribution: 'erlang', mean: 3, shape: 7 },
      CASES[11]?.spec as DistributionSpec,
    ];
    for (const spec of specs) {
      const d = makeDistribution(spec);
      for (const p of [1e-6, 0.01, 0.3, 0.5, 0.9, 0.999, 1 - 1e-6]) {
        expect(d.cdf(d.quantile(p)), `${d.describe()} p=${p}`).toBeCloseTo(p, 9);
      }
    }
  });

  it('gives the step quantiles of a mixture of constants', () => {
    const d = makeDistribution(mixture);
    expect(d.quantile(0.5)).toBeCloseTo(0.001, 12);
    expect(d.quantile(0.99)).toBeCloseTo(0.001, 12); // F(1 ms) = 0.99 exactly
    expect(d.quantile(0.995)).toBeCloseTo(1, 12);
    expect(d.mean).toBeCloseTo(0.99 * 0.001 + 0.01, 15);
  });

  it('validates quantile arguments', () => {
    const d = makeDistribution({ distribution: 'exponential', mean: 1 });
    expect(() => d.quantile(0)).toThrow('quantile: expected p in (0, 1), got 0');
    expect(() => d.quantile(1)).toThrow(/got 1/);
  });
});

describe('ziggurat samplers', () => {
  /** Kolmogorov-Smirnov distance between the draws and an exact CDF. */
  function ks(x: Float64Array, cdf: (v: number) => number): number {
    x.sort();
    let d = 0;
    const n = x.length;
    for (let i = 0; i < n; i++) {
      const f = cdf(x[i] as number);
      d = Math.max(d, f - i / n, (i + 1) / n - f);
    }
    return d;
  }
  const n = 1_000_000;
  // P(sqrt(n) D > 2.2) ~ 2 exp(-2 * 2.2^2) = 1.2e-4 under the null (Kolmogorov).
  const ksLimit = 2.2 / Math.sqrt(n);

  it('has consistent tables: the top layer has the same area as every other', () => {
    const err = zigguratTopLayerError();
    // Marsaglia-Tsang's R and V are given to ~13 digits; a wrong V (9.95e-3 for the normal's
    // 9.9126e-3) gives an error of ~0.5 here while the samples still look fine to KS at 1e6.
    expect(err.exponential).toBeLessThan(1e-8);
    expect(err.normal).toBeLessThan(1e-8);
  });

  it('standardExponential matches Exp(1) in distribution, tail included', () => {
    const rng = new RandomSource(77).stream('zig-exp');
    const x = new Float64Array(n);
    let tail = 0;
    for (let i = 0; i < n; i++) {
      const v = standardExponential(rng);
      x[i] = v;
      if (v > 8) tail++; // beyond the base layer's edge r = 7.697: the tail code path
    }
    expect(ks(x, (v) => 1 - Math.exp(-v))).toBeLessThan(ksLimit);
    const pt = Math.exp(-8);
    expect(Math.abs(tail - n * pt)).toBeLessThan(Z * Math.sqrt(n * pt * (1 - pt)));
  });

  it('standardNormal matches N(0, 1) in distribution, tails and sign included', () => {
    const rng = new RandomSource(78).stream('zig-norm');
    const x = new Float64Array(n);
    let tail = 0;
    let negative = 0;
    for (let i = 0; i < n; i++) {
      const v = standardNormal(rng);
      x[i] = v;
      if (Math.abs(v) > 3.5) tail++; // beyond the base layer's edge r = 3.443
      if (v < 0) negative++;
    }
    expect(ks(x, normalCdf)).toBeLessThan(ksLimit);
    const pt = 2 * normalCdf(-3.5);
    expect(Math.abs(tail - n * pt)).toBeLessThan(Z * Math.sqrt(n * pt * (1 - pt)));
    expect(Math.abs(negative - n / 2)).toBeLessThan(Z * Math.sqrt(n / 4));
  });
});

describe('special functions', () => {
  it('match reference values', () => {
    // Reference values: Abramowitz & Stegun tables / R's qnorm, pnorm, pgamma.
    expect(normalQuantile(0.99)).toBeCloseTo(2.3263478740408408, 14);
    expect(normalQuantile(0.975)).toBeCloseTo(1.959963984540054, 14);
    expect(normalQuantile(1e-10) / -6.361340902404056).toBeCloseTo(1, 14);
    expect(normalQuantile(0.5)).toBe(0);
    expect(erfc(0.5) / 0.4795001221869535).toBeCloseTo(1, 13);
    expect(erfc(2) / 0.004677734981047266).toBeCloseTo(1, 13);
    expect(erfc(3) / 2.209049699858544e-5).toBeCloseTo(1, 13);
    expect(erfc(-1) / 1.842700792949715).toBeCloseTo(1, 13);
    expect(normalCdf(-3) / 0.0013498980316301).toBeCloseTo(1, 12);
    expect(regularizedGammaP(1, 1)).toBeCloseTo(1 - Math.exp(-1), 14);
    expect(regularizedGammaP(3, 2)).toBeCloseTo(0.3233235838169366, 13);
    expect(regularizedGammaP(10, 15)).toBeCloseTo(0.9301463393005902, 12);
  });
});

describe('spec validation', () => {
  function issues(spec: unknown, path?: string): string[] {
    try {
      makeDistribution(spec as DistributionSpec, path);
    } catch (e) {
      expect(e).toBeInstanceOf(DistributionSpecError);
      return (e as DistributionSpecError).issues.map((i) => `${i.path}: ${i.message}`);
    }
    throw new Error('expected a DistributionSpecError');
  }

  it('names the field, the expectation and the value', () => {
    expect(issues({ distribution: 'exponential', mean: -1 })).toEqual([
      'distribution.mean: expected a number > 0, got -1',
    ]);
    expect(issues({ distribution: 'exponential', mean: 0 }, 'deployment.pod.serviceTime')).toEqual([
      'deployment.pod.serviceTime.mean: expected a number > 0, got 0',
    ]);
    expect(issues({ distribution: 'constant', value: -2 })).toEqual([
      'distribution.value: expected a number >= 0, got -2',
    ]);
    expect(issues({ distribution: 'uniform', min: 2, max: 1 })).toEqual([
      'distribution.max: expected a number > min (2), got 1',
    ]);
    expect(issues({ distribution: 'lognormal', median: 0.05, p99: 0.01 })).toEqual([
      'distribution.p99: expected a number > median (0.05), got 0.01',
    ]);
    expect(issues({ distribution: 'lognormal', mean: 1, cv: 0 })).toEqual([
      'distribution.cv: expected a number > 0, got 0',
    ]);
    expect(issues({ distribution: 'lognormal', median: 1, p99: 2, mean: 1, cv: 1 })[0]).toMatch(
      /got both/,
    );
    expect(issues({ distribution: 'lognormal' })[0]).toMatch(/median, p99.*mean, cv/);
    expect(issues({ distribution: 'gamma', mean: 1, shape: 0 })).toEqual([
      'distribution.shape: expected a number > 0, got 0',
    ]);
    expect(issues({ distribution: 'erlang', mean: 1, shape: 2.5 })).toEqual([
      'distribution.shape: expected an integer >= 1 for erlang, got 2.5',
    ]);
    expect(issues({ distribution: 'empirical', values: [] })).toEqual([
      'distribution.values: expected a non-empty list of numbers, got an array of 0',
    ]);
    expect(issues({ distribution: 'empirical', values: [1, -1, 'x'] })).toEqual([
      'distribution.values[1]: expected a number >= 0, got -1',
    ]);
    expect(issues({ distribution: 'empirical', values: [1, 'x'] })).toEqual([
      'distribution.values[1]: expected a number >= 0, got "x"',
    ]);
    expect(issues({ distribution: 'weibull', mean: 1 })[0]).toMatch(
      /^distribution\.distribution: expected one of constant, exponential, .*empirical, got "weibull"$/,
    );
    expect(issues({ distribution: 'exponential', mean: '5ms' })).toEqual([
      'distribution.mean: expected a number > 0, got "5ms"',
    ]);
  });

  it('stops at the first problem (the schema reports them all), with nested paths in mixtures', () => {
    const found = issues({
      distribution: 'mixture',
      components: [
        { weight: 1, spec: { distribution: 'constant', value: 1 } },
        { weight: 1, spec: { distribution: 'exponential', mean: -3 } },
      ],
    });
    expect(found).toEqual(['distribution.components[1].spec.mean: expected a number > 0, got -3']);
    expect(
      issues({
        distribution: 'mixture',
        components: [{ weight: 0, spec: { distribution: 'constant', value: 1 } }],
      }),
    ).toEqual(['distribution.components[0].weight: expected a number > 0, got 0']);
    expect(issues({ distribution: 'mixture', components: [] })).toEqual([
      'distribution.components: expected a non-empty list, got an array of 0',
    ]);
    expect(issues({ distribution: 'gamma', mean: -1, shape: -1 })).toEqual([
      'distribution.mean: expected a number > 0, got -1',
    ]);
  });

  it('throws an Error whose message lists the issues', () => {
    expect(() => makeDistribution({ distribution: 'exponential', mean: -1 })).toThrow(
      'distribution.mean: expected a number > 0, got -1',
    );
  });
});
