import { describe, expect, it } from 'vitest';
import { LinkerdPeakEwma } from '../../../../src/dataplane/balancers/linkerd/peak-ewma.js';
import { RandomSource } from '../../../../src/engine/index.js';
import { ips, scripted } from './script.js';

describe('Linkerd peak EWMA x (pending + 1)', () => {
  it('new endpoints start at the default RTT of 30 ms', () => {
    const b = new LinkerdPeakEwma(ips(2), 0);
    expect(b.load(0, 0)).toBe(0.03);
  });

  it('peaks at once, decays as exp(-dt / 10 s) towards lower samples', () => {
    const b = new LinkerdPeakEwma(ips(1), 0);
    b.requestStarted(0);
    expect(b.load(0, 0)).toBe(0.06); // 30 ms x (1 pending + 1)
    b.requestEnded(0, 1, 0.5); // 0.5 > estimate: the peak is taken
    expect(b.estimate(0)).toBe(0.5);
    b.requestStarted(0);
    b.requestEnded(0, 11, 0.1); // d = e^-1: 0.5 e^-1 + 0.1 (1 - e^-1)
    expect(b.estimate(0)).toBeCloseTo(0.247151776468577, 14);
    // Reading the load decays and stores: 10 s later, x e^-1, no pending.
    expect(b.load(0, 21)).toBeCloseTo(0.247151776468577 * Math.exp(-1), 14);
    expect(b.estimate(0)).toBeCloseTo(0.247151776468577 * Math.exp(-1), 14);
  });

  it('pending requests multiply the cost', () => {
    const b = new LinkerdPeakEwma(ips(2), 0);
    for (let k = 0; k < 3; k++) b.requestStarted(1);
    expect(b.load(1, 0)).toBeCloseTo(0.12, 15);
    // Two distinct endpoints: the idle one always wins.
    const rng = new RandomSource(11).stream('t');
    for (let k = 0; k < 2000; k++) expect(b.pick(0, rng)).toBe(0);
  });

  it('ties go to the first sample (a <= b)', () => {
    const b = new LinkerdPeakEwma(ips(3), 0);
    // sample_floyd2 with n = 3: a = floor(0.9 x 2) = 1, b = floor(0.1 x 3) = 0 -> a = 1 wins.
    expect(b.pick(0, scripted(0.9, 0.1))).toBe(1);
  });

  it('endpoints that stay keep estimate and pending; new ones start at 30 ms', () => {
    const list = ips(2);
    const b = new LinkerdPeakEwma(list, 0);
    b.requestStarted(1);
    b.requestEnded(1, 1, 0.4);
    b.requestStarted(1);
    b.setEndpoints(Uint32Array.from([list[1] as number, ips(1, 9)[0] as number]), 2);
    expect(b.estimate(0)).toBe(0.4);
    expect(b.pending(0)).toBe(1);
    expect(b.estimate(1)).toBe(0.03);
  });
});

describe('EWMA spread metrics', () => {
  it('Linkerd: max - min of the decayed estimates, without storing', () => {
    const b = new LinkerdPeakEwma(ips(3), 0);
    b.requestStarted(2);
    b.requestEnded(2, 0, 0.5); // peak 0.5 at t = 0; others 0.03 at t = 0
    expect(b.spread(0)).toBeCloseTo(0.47, 15);
    expect(b.spread(10)).toBeCloseTo(0.47 * Math.exp(-1), 14);
    expect(b.estimate(2)).toBe(0.5); // peek does not store
    expect(new LinkerdPeakEwma(ips(1), 0).spread(0)).toBe(0);
  });
});
