import { describe, expect, it } from 'vitest';
import { IngressNginxEwma } from '../../../../src/dataplane/balancers/ingress-nginx/ewma.js';
import { IngressNginxRoundRobin } from '../../../../src/dataplane/balancers/ingress-nginx/round-robin.js';
import {
  IngressNginxSyncQueue,
  nextWorkerPoll,
} from '../../../../src/dataplane/discovery/ingress-nginx-sync.js';
import { RandomSource } from '../../../../src/engine/index.js';
import { ips, scripted } from './script.js';

describe('ingress-nginx round_robin', () => {
  it('starts after a random peer and cycles in list order', () => {
    // get_random_node_id: math.random(4) = 1 + floor(0.6 x 4) = 3 -> last_id is the 3rd peer
    // (index 2), so the first find() returns index 3.
    const rr = new IngressNginxRoundRobin(ips(4), scripted(0.6));
    expect([rr.pick(), rr.pick(), rr.pick(), rr.pick(), rr.pick()]).toEqual([3, 0, 1, 2, 3]);
  });

  it('reinit (random start again) only when the endpoint set changed', () => {
    const rng = scripted(0.1, 0.8);
    const rr = new IngressNginxRoundRobin(ips(4), rng); // last = 0
    expect(rr.pick()).toBe(1);
    rr.setEndpoints(ips(4), rng); // same list: position kept, no draw
    expect(rng.calls).toBe(1);
    expect(rr.pick()).toBe(2);
    rr.setEndpoints(ips(5), rng); // changed: last = floor(0.8 x 5) = 4
    expect(rr.pick()).toBe(0);
    rr.setEndpoints(new Uint32Array(0), rng);
    expect(rr.pick()).toBe(-1);
  });
});

describe('ingress-nginx ewma', () => {
  it('decays as exp(-dt / 10 s) between samples; a first sample sets the value', () => {
    const b = new IngressNginxEwma(ips(2));
    expect(b.score(0, 0)).toBe(0); // never measured
    b.afterBalance(0, 0, 0.2);
    expect(b.stored(0)).toBe(0.2);
    // t = 10: w = e^-1, ewma = 0.2 e^-1 + 0.1 (1 - e^-1) = 0.1 + 0.1 e^-1
    b.afterBalance(0, 10, 0.1);
    expect(b.stored(0)).toBeCloseTo(0.136787944117144, 14);
    // score at t = 20 decays towards 0 without storing: 0.13678794 x e^-1
    expect(b.score(0, 20)).toBeCloseTo(0.0503214724408055, 14);
    expect(b.stored(0)).toBeCloseTo(0.136787944117144, 14);
  });

  it('seeds new (and never measured) endpoints with the average of the old stored values', () => {
    const b = new IngressNginxEwma(ips(3));
    b.afterBalance(0, 1, 0.2);
    b.afterBalance(1, 2, 0.1);
    // peers [A B C], C never measured: average (0.2 + 0.1 + 0) / 3 = 0.1.
    const next = Uint32Array.from([
      ips(3)[0] as number,
      ips(3)[2] as number,
      ips(1, 50)[0] as number,
    ]);
    b.setEndpoints(next, 5);
    expect(b.stored(0)).toBe(0.2); // A kept, touched at 1
    expect(b.score(0, 11)).toBeCloseTo(0.2 * Math.exp(-1), 14);
    expect(b.stored(1)).toBeCloseTo(0.1, 15); // C: counted as new
    expect(b.stored(2)).toBeCloseTo(0.1, 15); // D: new, touched at 5
    expect(b.score(2, 15)).toBeCloseTo(0.1 * Math.exp(-1), 14);
  });

  it('P2C over two distinct peers: with two endpoints the better one always wins', () => {
    const b = new IngressNginxEwma(ips(2));
    b.afterBalance(1, 0, 0.5);
    b.afterBalance(0, 0, 0.1);
    const rng = new RandomSource(7).stream('t');
    for (let k = 0; k < 2000; k++) expect(b.pick(0, rng)).toBe(0);
  });

  it('one endpoint: no draw; none: -1', () => {
    const rng = scripted(0.5);
    expect(new IngressNginxEwma(ips(1)).pick(0, rng)).toBe(0);
    expect(new IngressNginxEwma(ips(0)).pick(0, rng)).toBe(-1);
    expect(rng.calls).toBe(0);
  });
});

describe('ingress-nginx sync path', () => {
  it('rate-limits syncs to 0.3/s (burst 1) and coalesces changes a waiting sync covers', () => {
    const q = new IngressNginxSyncQueue();
    expect(q.changed(0)).toBe(0); // bucket full: at once
    q.run(0);
    expect(q.changed(1)).toBeCloseTo(10 / 3, 12); // next token at 1 / 0.3 s
    expect(Number.isNaN(q.changed(2))).toBe(true); // covered by the waiting sync
    q.run(10 / 3);
    expect(q.changed(5)).toBeCloseTo(20 / 3, 12);
    q.run(20 / 3);
    expect(q.changed(20)).toBe(20); // token available again
    expect(q.syncs).toBe(3);
  });

  it('a worker picks the POST up at its next 1 s poll', () => {
    expect(nextWorkerPoll(3.4, 0.3)).toBeCloseTo(4.3, 12);
    expect(nextWorkerPoll(4.3, 0.3)).toBeCloseTo(5.3, 12); // strictly after
    expect(nextWorkerPoll(0, 0.3)).toBeCloseTo(1.3, 12); // first timer.every tick
  });
});

describe('ingress-nginx ewma spread metric', () => {
  it('max - min of the scores at now', () => {
    const b = new IngressNginxEwma(ips(3));
    b.afterBalance(0, 0, 0.3);
    b.afterBalance(1, 0, 0.1);
    expect(b.spread(0)).toBeCloseTo(0.3, 15); // peer 2 unmeasured scores 0
    expect(b.spread(10)).toBeCloseTo(0.3 * Math.exp(-1), 14);
  });
});
