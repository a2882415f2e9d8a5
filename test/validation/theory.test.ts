import { describe, expect, it } from 'vitest';
import {
  checkAgainstTheory,
  enm1MeanSojourn,
  erlangC,
  gim1Sigma,
  mm1MeanSojourn,
  mmcMeanSojourn,
  tQuantile,
} from './theory.js';

describe('queueing theory helpers', () => {
  it('E_1/M/1 is M/M/1: sigma = rho', () => {
    expect(gim1Sigma(1, 0.8)).toBeCloseTo(0.8, 12);
    expect(enm1MeanSojourn(1, 0.8, 1)).toBeCloseTo(mm1MeanSojourn(0.8, 1), 9);
  });
  it('sigma solves its fixed-point equation and falls with N (more regular arrivals)', () => {
    let prev = 1;
    for (const n of [2, 5, 10, 50]) {
      const s = gim1Sigma(n, 0.8);
      expect(s).toBeGreaterThan(0);
      expect(s).toBeLessThan(prev);
      expect(Math.abs(s - ((n * 0.8) / (n * 0.8 + 1 - s)) ** n)).toBeLessThan(1e-12);
      prev = s;
    }
  });
  it('Erlang C matches hand values', () => {
    // c = 1: P(wait) = rho. c = 2, a = 1.6: 2 rho^2 / (1 + rho) with rho = 0.8.
    expect(erlangC(1, 0.7)).toBeCloseTo(0.7, 12);
    expect(erlangC(2, 1.6)).toBeCloseTo((2 * 0.64) / 1.8, 12);
    expect(mmcMeanSojourn(1, 0.8, 1)).toBeCloseTo(5, 12);
  });
  it('Student t quantiles match tables', () => {
    expect(tQuantile(0.975, 4)).toBeCloseTo(2.776, 3);
    expect(tQuantile(0.975, 9)).toBeCloseTo(2.262, 3);
    expect(tQuantile(0.995, 29)).toBeCloseTo(2.756, 3);
  });
  it('checkAgainstTheory accepts inside the CI and rejects outside', () => {
    expect(checkAgainstTheory([0.99, 1.01, 1.0, 0.995, 1.005], 1, { relSlack: 0 }).ok).toBe(true);
    expect(checkAgainstTheory([1.09, 1.11, 1.1, 1.095, 1.105], 1, { relSlack: 0.01 }).ok).toBe(
      false,
    );
  });
});
