import { describe, expect, it } from 'vitest';
import { Cluster } from '../../src/cluster/cluster.js';
import { FaultInjector, type FaultSpec, select } from '../../src/cluster/faults.js';
import { resolveClusterOptions } from '../../src/cluster/options.js';
import { makeDistribution } from '../../src/engine/distributions/index.js';
import { RandomSource, Simulation } from '../../src/engine/index.js';

const constant = (value: number) => makeDistribution({ distribution: 'constant', value });

interface Logged {
  t: number;
  event: string;
  pod: number;
  node: number;
  detail: string;
}

function setup(specs: FaultSpec[], seed = 1, replicas = 6) {
  const sim = new Simulation();
  const random = new RandomSource(seed);
  const cluster = new Cluster(
    sim,
    resolveClusterOptions({
      nodes: 3,
      awaitDrain: false,
      deployment: { replicas },
      pod: { startup: constant(1) },
    }),
    random,
  );
  const log: Logged[] = [];
  const effects: string[] = [];
  const faults = new FaultInjector(
    sim,
    cluster,
    specs,
    random,
    {
      podFaultStarted: (p, i) => effects.push(`${sim.now} start ${i} ${p}`),
      podFaultEnded: (p, i) => effects.push(`${sim.now} end ${i} ${p}`),
      kubeProxyRestart: (n, d, f) => effects.push(`${sim.now} kube-proxy ${n} ${d} ${f}`),
    },
    (event, pod, node, detail) => log.push({ t: sim.now, event, pod, node, detail }),
  );
  cluster.start();
  return { sim, cluster, faults, log, effects };
}

describe('faults: selection', () => {
  const rng = { next: () => 0 };
  it('count picks that many distinct candidates, fraction rounds to nearest (at least 1)', () => {
    expect(select({ count: 2 }, [3, 4, 5, 6], [], rng)).toEqual([3, 4]);
    expect(select({ count: 9 }, [3, 4], [], rng)).toEqual([3, 4]);
    expect(select({ fraction: 0.1 }, [0, 1, 2, 3, 4, 5, 6, 7, 8, 9, 10], [], rng)).toHaveLength(1);
    expect(select({ fraction: 0.01 }, [0, 1, 2], [], rng)).toHaveLength(1);
    expect(select({ fraction: 0.5 }, [0, 1, 2, 3, 4, 5, 6], [], rng)).toHaveLength(4);
    expect(select({ fraction: 0 }, [0, 1, 2], [], rng)).toEqual([]);
  });
  it('ordinals index the initial pod list and skip pods that are no longer candidates', () => {
    expect(select({ ordinals: [1, 3] }, [10, 11, 12, 13], [10, 11, 12, 13], rng)).toEqual([11, 13]);
    expect(select({ ordinals: [1, 3] }, [10, 12, 13], [10, 11, 12, 13], rng)).toEqual([13]);
  });
});

describe('faults: windows', () => {
  it('a fault starts at `at` and ends at `at + for` exactly, on the pods it picked', () => {
    const { sim, effects, faults } = setup([
      { type: 'slow', pods: { ordinals: [2, 4] }, at: 5, for: 7.5 },
    ]);
    sim.run(5);
    expect(effects).toEqual([]);
    sim.run(5 + 1e-9);
    expect(effects).toEqual(['5 start 0 2', '5 start 0 4']);
    expect(faults.faultsOn(2)).toEqual([0]);
    sim.run(12.5);
    expect(effects).toHaveLength(2);
    sim.run(12.5 + 1e-9);
    expect(effects).toEqual(['5 start 0 2', '5 start 0 4', '12.5 end 0 2', '12.5 end 0 4']);
    expect(faults.faultsOn(2)).toEqual([]);
  });

  it('`for: null` lasts to the end of the run; a fault on a pod that dies ends then', () => {
    const { sim, cluster, effects, log } = setup([
      { type: 'errors', pods: { ordinals: [1] }, at: 0, for: null },
    ]);
    sim.run(100);
    expect(effects).toEqual(['0 start 0 1']);
    sim.scheduleAt(
      150,
      sim.register('kill', () => cluster.replacePod(1)),
      0,
    );
    sim.run(1000);
    expect(effects).toEqual(['0 start 0 1', '150 end 0 1']);
    expect(log.map((l) => `${l.t} ${l.event} ${l.detail}`)).toEqual([
      '0 fault-start faults[0] errors',
      '150 fault-end faults[0] errors: pod gone',
    ]);
    // The replacement pod is not hit: the fault stays with the pod it hit.
    expect(cluster.pods.length).toBe(7);
  });

  it('a node failure ends the faults of its pods; `node:` selects every pod of a node', () => {
    const { sim, cluster, effects } = setup([{ type: 'slow', pods: { node: 1 }, at: 1, for: 100 }]);
    sim.run(2);
    const onNode1 = cluster.pods.filter((p) => p.node === 1).map((p) => p.id);
    expect(onNode1).toHaveLength(2);
    expect(effects).toEqual(onNode1.map((p) => `1 start 0 ${p}`));
    cluster.failNode(1);
    expect(effects.slice(2)).toEqual(onNode1.map((p) => `2 end 0 ${p}`));
  });

  it('refuse closes the listener to new connections while the pod stays Ready', () => {
    const { sim, cluster } = setup([{ type: 'refuse', pods: { ordinals: [0] }, at: 3, for: 2 }]);
    sim.run(3 + 1e-9);
    expect(cluster.isListening(0)).toBe(false);
    expect(cluster.pod(0).probeReady).toBe(true);
    expect(cluster.isListening(1)).toBe(true);
    sim.run(5 + 1e-9);
    expect(cluster.isListening(0)).toBe(true);
  });

  it('kube-proxy-restart hands the node, down time and flush to the data plane', () => {
    const { sim, effects } = setup([
      { type: 'kube-proxy-restart', nodes: { ordinals: [2] }, at: 4, for: 1.5, flush: true },
    ]);
    sim.run(10);
    expect(effects).toEqual(['4 kube-proxy 2 1.5 true']);
  });
});

describe('faults: common random numbers', () => {
  const picked = (e: string[], i: number) =>
    e.filter((x) => x.startsWith(`1 start ${i} `)).map((x) => Number(x.split(' ')[3]));
  it('an entry picks the same pods whatever entries follow it; seeds differ', () => {
    const a = setup([{ type: 'slow', pods: { count: 2 }, at: 1, for: 1 }], 7, 20);
    const b = setup(
      [
        { type: 'slow', pods: { count: 2 }, at: 1, for: 1 },
        { type: 'errors', pods: { count: 5 }, at: 0.5, for: 1 },
      ],
      7,
      20,
    );
    a.sim.run(1.5);
    b.sim.run(1.5);
    expect(picked(a.effects, 0)).toHaveLength(2);
    expect(picked(b.effects, 0)).toEqual(picked(a.effects, 0));
    const seeds = [1, 2, 3, 4, 5].map((s) => {
      const d = setup([{ type: 'slow', pods: { count: 2 }, at: 1, for: 1 }], s, 20);
      d.sim.run(1.5);
      return picked(d.effects, 0).join(',');
    });
    expect(new Set(seeds).size).toBeGreaterThan(1);
  });
});
