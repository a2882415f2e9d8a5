import { describe, expect, it } from 'vitest';
import { CiliumNodeLb, CiliumTables } from '../../src/dataplane/balancers/cilium/balancer.js';
import { CLUSTER_DNS_DEFAULTS } from '../../src/dataplane/discovery/coredns-cache.js';
import { NodeTable } from '../../src/dataplane/kube-proxy.js';
import { RandomSource, Simulation } from '../../src/engine/index.js';
import { FakeFeed } from '../dataplane/balancers/l7/feed.js';
import { ips, scripted } from '../dataplane/balancers/l7/script.js';
import { constant } from '../dataplane/fakes.js';
import { build } from './helpers.js';

/** Cilium's kube-proxy replacement: per-node agents program the tables; Maglev for NodePort. */
describe('cilium-random and cilium-maglev', () => {
  it("each node's table is its agent's: watch delay + agentDelay after the write, one table per set", () => {
    const sim = new Simulation();
    const feed = new FakeFeed(sim, ips(3));
    const rs = new RandomSource(2);
    const seen: [number, number][] = [];
    const tables = new CiliumTables(
      {
        sim,
        feed,
        watchDelay: constant(0.2),
        stream: (n) => rs.stream(n),
        keyedStream: (n) => rs.keyedStream(n),
        nodeCount: 3,
        dns: CLUSTER_DNS_DEFAULTS,
      },
      0.05,
      (node) => seen.push([node, +sim.now.toFixed(9)]),
    );
    tables.start();
    expect(seen).toEqual([
      [0, 0],
      [1, 0],
      [2, 0],
    ]);
    expect(tables.table(0)).toBe(tables.table(2));
    sim.scheduleAt(
      1,
      sim.register('w', () => feed.write(ips(4))),
      0,
    );
    sim.run(2);
    expect(seen.slice(3)).toEqual([
      [0, 1.25],
      [1, 1.25],
      [2, 1.25],
    ]);
    expect(tables.table(1)?.size).toBe(4);
    expect(tables.table(0)).toBe(tables.table(1));
  });

  it('Maglev: an external flow maps to the same backend on every node; in-cluster picks are random', () => {
    // Two nodes' tables built separately from the same backend set, in different order.
    const set = ips(7);
    const reversed = Uint32Array.from([...set].reverse());
    const snap = (list: Uint32Array) =>
      new NodeTable(0, {
        resourceVersion: 1,
        id: 0,
        ips: list,
        nodes: new Int32Array(list.length),
        usingTerminating: false,
        totalEndpoints: list.length,
        indexOf: (ip) => list.indexOf(ip),
        local: () => ({ ips: list, nodes: new Int32Array(list.length), usingTerminating: false }),
      });
    const a = snap(set);
    const b = snap(reversed);
    const m = { tableSize: 251, seed: 5 };
    for (let f = 0; f < 200; f++) {
      const u = (f * 0.618034) % 1; // the same flow (source port) on both nodes
      const pa = new CiliumNodeLb(scripted(u), m).pick(a, 0xc6336401 + (f % 3), true);
      const pb = new CiliumNodeLb(scripted(u), m).pick(b, 0xc6336401 + (f % 3), true);
      expect(a.ips[pa]).toBe(b.ips[pb]);
    }
    // In-cluster: socket-LB's random pick, one draw, uniform index.
    expect(new CiliumNodeLb(scripted(0.99), m).pick(a, 0x0ac80001, false)).toBe(6);
    expect(new CiliumNodeLb(scripted(0), null).pick(a, 0, true)).toBe(0);
  });

  it('follows a rollout from its agents, not from kube-proxy (agentDelay moves the first new-pod connection)', () => {
    const firstNewPodServe = (agentDelay: string): number => {
      const { model } = build(`
duration: 20s
cluster: {nodes: 2}
deployment:
  replicas: 2
  pod: {concurrency: 4, serviceTime: 1ms, startup: 1s}
workload:
  arrivals: {process: constant, rate: 200}
  connections: per-request
churn:
  - {type: scale, at: 5s, replicas: 3}
propagation:
  watchDelay: 10ms
  controllerDelay: 0s
  batchPeriod: 0s
balancers: [{name: cilium-random, agentDelay: ${agentDelay}}]
`);
      const s = model.path.servers;
      let t = 5;
      while (t < 20 && s.served(2) === 0) {
        t += 0.01;
        model.sim.run(t);
      }
      model.path.checkConservation();
      return t;
    };
    const fast = firstNewPodServe('0s');
    const slow = firstNewPodServe('3s');
    expect(slow - fast).toBeGreaterThan(2.9);
    expect(slow - fast).toBeLessThan(3.2);
  });
});
