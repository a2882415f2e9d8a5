import { describe, expect, it } from 'vitest';
import { RandomSource } from '../../src/engine/index.js';
import {
  type ArrivalProcess,
  buildArrivals,
  ConstantArrivals,
  OnOffArrivals,
  PoissonArrivals,
  piecewiseLinearRate,
  sinusoidRate,
  ThinnedArrivals,
  TraceArrivals,
} from '../../src/workload/arrivals.js';
import { placeClients } from '../../src/workload/clients.js';
import { constant, exponential } from '../dataplane/fakes.js';

function times(p: ArrivalProcess, until: number, seed = 7): number[] {
  const rng = new RandomSource(seed).stream('arrivals');
  const out: number[] = [];
  for (let t = p.next(0, rng); t < until; t = p.next(t, rng)) out.push(t);
  return out;
}

describe('arrival processes', () => {
  it('poisson: count over T is Poisson(rate T); gaps have cv 1', () => {
    const ts = times(new PoissonArrivals(100), 1000);
    // Count ~ 100000 with sd 316: +-1500 is ~4.7 sd.
    expect(Math.abs(ts.length - 100_000)).toBeLessThan(1500);
    const gaps = ts.slice(1).map((t, i) => t - (ts[i] as number));
    const m = gaps.reduce((a, b) => a + b, 0) / gaps.length;
    const v = gaps.reduce((a, b) => a + (b - m) ** 2, 0) / gaps.length;
    // cv of an exponential is 1; with 1e5 gaps its estimate has sd ~ 0.005.
    expect(Math.sqrt(v) / m).toBeCloseTo(1, 1);
  });

  it('constant: evenly spaced at 1/rate', () => {
    const ts = times(new ConstantArrivals(4), 2.01);
    expect(ts).toEqual([0.25, 0.5, 0.75, 1, 1.25, 1.5, 1.75, 2]);
  });

  it('on-off: mean rate = rate x on / (on + off)', () => {
    const p = new OnOffArrivals(100, 0, exponential(2), exponential(6));
    const ts = times(p, 20_000);
    // Long-run rate 25/s; over 20000 s with ~2500 on-periods the count's relative sd is ~2%.
    expect(ts.length / 20_000).toBeGreaterThan(25 * 0.92);
    expect(ts.length / 20_000).toBeLessThan(25 * 1.08);
  });

  it('on-off with constant periods and constant spacing is exact', () => {
    const p = new OnOffArrivals(2, 0, constant(1), constant(1), 'constant');
    expect(times(p, 4.1)).toEqual([0.5, 2.5]);
  });

  it('diurnal (thinning): count over a period = mean rate x period', () => {
    const p = new ThinnedArrivals(sinusoidRate(10, 90, 100));
    let n = 0;
    for (let s = 1; s <= 20; s++) n += times(p, 100, s).length;
    // Mean rate 50: 5000 per period; 20 periods, sd of the total ~ sqrt(100000) = 316.
    expect(Math.abs(n - 100_000)).toBeLessThan(1500);
    // And the first quarter (rising from the minimum) holds fewer than the second.
    const ts = times(p, 100, 3);
    const q1 = ts.filter((t) => t < 25).length;
    const q2 = ts.filter((t) => t >= 25 && t < 50).length;
    expect(q1).toBeLessThan(q2);
  });

  it('piecewise-linear rate ramps between points', () => {
    const f = piecewiseLinearRate([
      { at: 0, rate: 0 },
      { at: 10, rate: 100 },
    ]);
    expect(f.rate(5)).toBe(50);
    expect(f.rate(20)).toBe(100);
    const ts = times(new ThinnedArrivals(f), 10);
    // Expected count = integral = 500 (sd ~22).
    expect(Math.abs(ts.length - 500)).toBeLessThan(100);
  });

  it('trace replays timestamps, and loops preserving gaps', () => {
    expect(times(new TraceArrivals([0.5, 1, 3]), 10)).toEqual([0.5, 1, 3]);
    expect(times(new TraceArrivals([0, 1, 2], true), 5.5)).toEqual([0, 1, 2, 3, 4, 5]);
  });

  it('rejects bad input with the field and value', () => {
    expect(() => new PoissonArrivals(0)).toThrow(/poisson.rate: expected a finite rate > 0.*got 0/);
    expect(() => new TraceArrivals([2, 1])).toThrow(/ascending/);
  });
});

describe('client placement', () => {
  it('even spreads client i on node i mod nodes; each has its own IP', () => {
    const t = placeClients({ count: 5, location: 'in-cluster', placement: 'even' }, 2);
    expect([...t.node]).toEqual([0, 1, 0, 1, 0]);
    expect(new Set(t.ip).size).toBe(5);
  });
  it('weights apportion by largest remainder', () => {
    const t = placeClients(
      { count: 10, location: 'in-cluster', placement: { weights: [3, 1, 0] } },
      3,
    );
    expect([...t.node].filter((n) => n === 0).length).toBe(8); // 7.5 rounded up by remainder
    expect([...t.node].filter((n) => n === 1).length).toBe(2);
    expect([...t.node].filter((n) => n === 2).length).toBe(0);
  });
  it('external clients have no node', () => {
    const t = placeClients({ count: 3, location: 'external', placement: 'even' }, 4);
    expect([...t.node]).toEqual([-1, -1, -1]);
  });
});

describe('buildArrivals', () => {
  const make = (d: { distribution: string; value?: number; mean?: number }) =>
    d.distribution === 'constant' ? constant(d.value ?? 0) : exponential(d.mean ?? 1);
  it('maps each spec to its process; constant-0 think time needs no draws', () => {
    // biome-ignore lint/suspicious/noExplicitAny: the test maker accepts the two kinds it uses
    const m = make as any;
    expect(buildArrivals({ process: 'poisson', rate: 5 }, m)).toMatchObject({ process: 'open' });
    const c = buildArrivals(
      { process: 'closed-loop', users: 3, thinkTime: { distribution: 'constant', value: 0 } },
      m,
    );
    expect(c).toEqual({ process: 'closed-loop', users: 3, thinkTime: null, rampUp: 0, rate: null });
    const d = buildArrivals(
      { process: 'diurnal', minRate: 1, maxRate: 2, period: 10, phase: 0 },
      m,
    );
    expect(d.process === 'open' && d.arrivals.describe()).toMatch(/sinusoid/);
  });
});
