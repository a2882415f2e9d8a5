import { describe, expect, it } from 'vitest';
import { build } from './helpers.js';

/**
 * Connection lifetime with HTTP/2 under IPVS rr (keepalive-imbalance with maxLifetime 30 s, the
 * http2 variant). 10 clients (2-3 per node) open one connection each at 0 s; the load rises
 * from 1000 to ~1500 req/s; 4 pods of 400 req/s (4 workers, 10 ms) scale to 8 at 60 s, so from
 * then on capacity is more than twice the load and only a placement pile-up can leave requests
 * unserved. Without lifetime jitter every connection retires at 30.0x, 60.0x, 90.0x ... s and
 * the clients redial in the same order each time; each node's rr pointer moves in step, so the
 * k-th redial of every node lands on the same pod: at 60 s (before any node has programmed a
 * new pod) and again at 90 s (the new pods sit at the head of each node's list) the same 4
 * clients share one pod that serves 400 of the ~470-560 req/s they send. With the default
 * jitter (+-10%, gRPC MaxConnectionAge) the waves spread over 6 s and the order changes.
 */
function scenario(jitter: number | undefined, start: 'fresh' | 'steady'): string {
  const j = jitter === undefined ? '' : `, maxLifetimeJitter: ${jitter}`;
  return `
duration: 150s
cluster: {nodes: 4}
deployment:
  replicas: 4
  pod: {concurrency: 4, serviceTime: {distribution: exponential, mean: 10ms}}
workload:
  arrivals: {process: diurnal, minRate: 1000, maxRate: 1550, period: 300s}
  clients: {count: 10}
  connections: {mode: http2, maxLifetime: 30s${j}}
churn:
  - {type: scale, at: 60s, replicas: 8}
propagation:
  watchDelay: {distribution: exponential, mean: 100ms}
balancers: [{name: ipvs-rr, start: ${start}}]
`;
}

/** Completed / arrived between 90 s and 150 s. */
function keepUp(jitter: number | undefined, seed: number, start: 'fresh' | 'steady'): number {
  const { model } = build(scenario(jitter, start), 0, seed);
  const { sim, path } = model;
  for (let t = 10; t <= 90; t += 10) {
    sim.run(t);
    path.checkConservation(); // also recounts each client's connection counters
  }
  const a = path.ledger.arrivals;
  const c = path.ledger.completed;
  for (let t = 100; t <= 150; t += 10) {
    sim.run(t);
    path.checkConservation();
  }
  expect(path.counts().failed).toBe(0);
  return (path.ledger.completed - c) / (path.ledger.arrivals - a);
}

describe('http2 connection lifetime', () => {
  it('synchronised redials pile up on one pod under IPVS rr; the default jitter spreads them', () => {
    // Every node's pointer at the head (start: fresh, a Service just created). Measured over
    // seeds 1-5: 0.798-0.810 without jitter (the same 4 clients on one pod from 60 s on, each
    // wave), 0.965-1.000 with the default jitter (capacity is 2x the load; what is left is the
    // backlog of an occasional random pile-up). Bounds sit between the two.
    expect(keepUp(undefined, 1, 'fresh')).toBeGreaterThan(0.95);
    expect(keepUp(undefined, 2, 'fresh')).toBeGreaterThan(0.95);
    expect(keepUp(0, 1, 'fresh')).toBeLessThan(0.85);
  });

  it('a steady start (each node`s rr pointer drawn) breaks most of the lockstep even without jitter', () => {
    // Seeds 1-3: 0.957, 1.007, 0.922 without jitter (the nodes' k-th redials land on different
    // pods), against 0.798-0.810 from the head.
    expect(keepUp(0, 1, 'steady')).toBeGreaterThan(0.9);
    expect(keepUp(0, 2, 'steady')).toBeGreaterThan(0.9);
  });
});
