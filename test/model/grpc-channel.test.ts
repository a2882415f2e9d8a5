import { describe, expect, it } from 'vitest';
import type { GrpcChannelHop } from '../../src/dataplane/balancers/grpc/channel-hop.js';
import { build } from './helpers.js';

/**
 * gRPC client-side balancing wired end to end (a channel per client over a headless Service):
 * the classic result (new pods after a scale-up get nothing from existing channels), its
 * known mitigation (server maxConnectionAge), and re-resolution that waits for the resolver's
 * 30 s minimum interval.
 */
const scaleUp = (balancer: string) => `
duration: 90s
cluster: {nodes: 3}
deployment:
  replicas: 3
  pod: {concurrency: 4, serviceTime: 2ms, startup: 1s}
workload:
  arrivals: {process: poisson, rate: 300}
  clients: {count: 12}
churn:
  - {type: scale, at: 10s, replicas: 6}
propagation:
  watchDelay: 10ms
balancers: [${balancer}]
`;

/** Requests the scale-up's pods (ids 3-5) served by 90 s, and failures. */
function newPods(balancer: string): { served: number; failed: number; total: number } {
  const { model } = build(scaleUp(balancer));
  model.sim.run(90);
  model.path.checkConservation();
  const s = model.path.servers;
  const served = s.served(3) + s.served(4) + s.served(5);
  const total = served + s.served(0) + s.served(1) + s.served(2);
  return { served, failed: model.path.counts().failed, total };
}

describe('gRPC channels over a headless Service', () => {
  for (const b of ['grpc-round-robin', 'grpc-pick-first']) {
    it(`${b}: new pods get no RPC from existing channels (no connection is ever lost)`, () => {
      const r = newPods(b);
      expect(r.total).toBeGreaterThan(25_000);
      expect(r.served).toBe(0);
      expect(r.failed).toBe(0);
    });
  }

  it('maxConnectionAge (GOAWAY) makes channels reconnect, re-resolve and reach the new pods', () => {
    const rr = newPods(
      '{name: grpc-round-robin, maxConnectionAge: 20s, maxConnectionAgeGrace: 5s}',
    );
    // From about 30 s (the first re-resolution after the first GOAWAYs) half the RPCs.
    expect(rr.served / rr.total).toBeGreaterThan(0.25);
    expect(rr.failed).toBe(0);
    const pf = newPods('{name: grpc-pick-first, maxConnectionAge: 20s}');
    expect(pf.served / pf.total).toBeGreaterThan(0.15);
    expect(pf.failed).toBe(0);
  });

  it('a reset connection re-resolves at once only if 30 s passed since the last lookup', () => {
    // One client, two pods on one node. The pod killed at 10 s resets its connection: ResolveNow
    // at 10 s, but the lookup waits for 0 + 30 s (grpc-go MinResolutionInterval). The CoreDNS
    // cache filled at 0 s expires at 30 s too, so the 30 s answer has the replacement pod.
    const { model } = build(`
duration: 60s
cluster: {nodes: 1}
deployment:
  replicas: 2
  pod: {concurrency: 4, serviceTime: 1ms, startup: 1s}
workload:
  arrivals: {process: poisson, rate: 100}
  clients: {count: 1}
churn:
  - {type: kill, at: 10s}
propagation:
  watchDelay: 10ms
balancers: [grpc-round-robin]
`);
    const hop = model.path.hop as GrpcChannelHop;
    model.sim.run(9.99);
    expect(hop.lookups(0)).toBe(1);
    expect(hop.readySubchannels(0)).toBe(2);
    model.sim.run(29.99);
    expect(hop.lookups(0)).toBe(1);
    expect(hop.readySubchannels(0)).toBe(1); // the dead pod's subchannel retries in vain
    model.sim.run(30.01);
    expect(hop.lookups(0)).toBe(2);
    model.sim.run(60);
    expect(hop.readySubchannels(0)).toBe(2); // the replacement (pod 2) is connected
    expect(model.path.servers.served(2)).toBeGreaterThan(1200); // half of 30 s x 100 per s
    model.path.checkConservation();
  });
});
