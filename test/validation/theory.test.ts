import { describe, expect, it } from 'vitest';
import {
  checkAgainstTheory,
  enm1MeanSojourn,
  erlangC,
  gim1Sigma,
  mm1MeanSojourn,
  mmcMeanSojourn,
  mmcSojournQuantile,
  mmcSojournTail,
  mmcWaitProbabilityFromQuantile,
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
  it('M/M/c sojourn tail: c = 1 is Exp(mu - lambda); mean = integral of the tail', () => {
    // c = 1: C = rho, theta = mu - lambda, and the tail collapses to e^{-(mu - lambda) t}.
    for (const t of [0, 0.01, 0.05, 0.2]) {
      expect(mmcSojournTail(t, 1, 80, 100)).toBeCloseTo(Math.exp(-20 * t), 12);
    }
    expect(mmcSojournQuantile(0.99, 1, 80, 100)).toBeCloseTo(Math.log(100) / 20, 9);
    // c = 4 (and theta = mu exactly: the hypoexponential limit): integral_0^inf P(T > t) dt = E[T].
    for (const lambda of [320, 300]) {
      let integral = 0;
      const h = 1e-5;
      for (let t = h / 2; t < 2; t += h) integral += mmcSojournTail(t, 4, lambda, 100) * h;
      expect(integral).toBeCloseTo(mmcMeanSojourn(4, lambda, 100), 6);
    }
  });
  it('P(wait) recovered from a sojourn quantile inverts the tail', () => {
    for (const q of [0.5, 0.9, 0.99]) {
      const t = mmcSojournQuantile(q, 4, 320, 100);
      expect(mmcWaitProbabilityFromQuantile(t, q, 4, 320, 100)).toBeCloseTo(erlangC(4, 3.2), 9);
    }
  });
});
