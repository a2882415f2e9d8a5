import { describe, expect, it } from 'vitest';
import {
  MAX_REPLICATIONS_NEEDED,
  replicationsForPrecision,
  studentTQuantile975,
} from '../../src/metrics/stats.js';

/** The definition, by brute force from i = 2. */
function bruteForce(s: number, precision: number): number {
  for (let i = 2; i <= 100_000; i++)
    if ((studentTQuantile975(i - 1) * s) / Math.sqrt(i) <= precision) return i;
  return Number.POSITIVE_INFINITY;
}

describe('replicationsForPrecision (Law & Kelton 9.4.1)', () => {
  it('s = 0.7071, precision 1.5: 4 (t(0.975, 2) 0.7071/sqrt 3 = 1.757 > 1.5, t(0.975, 3) 0.7071/2 = 1.125)', () => {
    expect(replicationsForPrecision(Math.SQRT1_2, 1.5)).toBe(4);
  });

  it('agrees with the definition from 2 to thousands of replications', () => {
    for (const [s, p] of [
      [1, 10],
      [1, 1],
      [1, 0.5],
      [3, 0.7],
      [1, 0.1],
      [2, 0.05],
      [270_000 / 9, 79_410],
    ] as const)
      expect(replicationsForPrecision(s, p), `s ${s}, precision ${p}`).toBe(bruteForce(s, p));
  });

  it('starts at `from`; s = 0 needs only that; precision 0, huge counts and NaN are named', () => {
    expect(replicationsForPrecision(1, 10, 7)).toBe(7);
    expect(replicationsForPrecision(0, 0, 3)).toBe(3);
    expect(replicationsForPrecision(1, 0)).toBe(Number.POSITIVE_INFINITY);
    expect(replicationsForPrecision(1, 1e-4)).toBe(Number.POSITIVE_INFINITY);
    expect(MAX_REPLICATIONS_NEEDED).toBe(1_000_000);
    expect(replicationsForPrecision(Number.NaN, 1)).toBeNaN();
  });
});
