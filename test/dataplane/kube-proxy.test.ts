import { describe, expect, it } from 'vitest';
import type { ChurnSpec } from '../../src/cluster/churn.js';
import type { EndpointChange } from '../../src/control-plane/endpoint-state.js';
import type { NodeTable } from '../../src/dataplane/kube-proxy.js';
import {
  iptablesRuleCount,
  resolveSyncCostOptions,
  type SyncCostOptions,
  syncDuration,
} from '../../src/dataplane/sync-cost.js';
import { makeDistribution } from '../../src/engine/distributions/index.js';
import { buildStack, type StackOptions } from '../cluster/stack.js';

const constant = (value: number) => makeDistribution({ distribution: 'constant', value });
const free: SyncCostOptions = {
  iptables: { base: 0, perRuleWritten: 0, perRuleInTable: 0 },
  ipvs: { base: 0, perService: 0, perChange: 0 },
  nftables: { base: 0, perService: 0, perChange: 0 },
};

interface Sync {
  node: number;
  start: number;
  end: number;
  full: boolean;
  changes: number;
}

function proxyStack(o: StackOptions) {
  const syncs: Sync[] = [];
  const tables: { node: number; at: number; table: NodeTable }[] = [];
  const programmed: { id: number; node: number; at: number }[] = [];
  let now = () => 0;
  const s = buildStack({
    ...o,
    proxyCallbacks: {
      syncCompleted: (node, start, full, changes) =>
        syncs.push({ node, start, end: now(), full, changes }),
      tableProgrammed: (node, table) => tables.push({ node, at: now(), table }),
      changeProgrammed: (id, node, at) => programmed.push({ id, node, at }),
    },
  });
  now = () => s.sim.now;
  return { ...s, syncs, tables, programmed, proxy: s.proxy as NonNullable<typeof s.proxy> };
}

/** Replaces pod `id` at each given time (new pods stay Pending: startup 1000 s). */
function replacements(times: readonly [number, number][]) {
  return (s: ReturnType<typeof proxyStack>) => {
    for (const [t, pod] of times) {
      s.sim.run(t);
      s.cluster.replacePod(pod);
    }
  };
}

const quiet = { startup: constant(1000) };

describe('kube-proxy bounded-frequency runner', () => {
  it('bursts 2 syncs, then coalesces changes within minSyncPeriod into one sync', () => {
    const s = proxyStack({
      cluster: { nodes: 1, deployment: { replicas: 6 }, pod: quiet },
      // 10 ms controller delay: each replacement (removal + new pod) is one slice write.
      controller: { controllerDelay: constant(0.01) },
      kubeProxy: { syncCost: free, minSyncPeriod: 1, burstSyncs: 2 },
    });
    replacements([
      [10, 0],
      [10.1, 1],
      [10.2, 2],
      [10.3, 3],
    ])(s);
    s.sim.run(20);
    // Full bucket (2 tokens): runs at 10.01 and 10.11; the writes at 10.21 and 10.31 find it
    // empty and wait for minSyncPeriod after the last run's end: one sync at 11.11 carries both.
    const starts = s.syncs.filter((x) => x.start > 5).map((x) => x.start);
    expect(starts.length).toBe(3);
    expect(starts[0]).toBeCloseTo(10.01, 9);
    expect(starts[1]).toBeCloseTo(10.11, 9);
    expect(starts[2]).toBeCloseTo(11.11, 9);
    expect(s.syncs.at(-1)?.changes).toBe(2 * 2); // remove + add-not-ready per replaced pod
    expect(s.proxy.table(0)?.size).toBe(2);
  });

  it('with burstSyncs 1, minSyncPeriod separates the end of a sync from the start of the next', () => {
    const s = proxyStack({
      cluster: { nodes: 1, deployment: { replicas: 6 }, pod: quiet },
      kubeProxy: {
        syncCost: { ...free, iptables: { base: 0.5, perRuleWritten: 0, perRuleInTable: 0 } },
        burstSyncs: 1,
      },
    });
    replacements([
      [10, 0],
      [10.2, 1],
      [10.4, 2],
    ])(s);
    s.sim.run(20);
    const starts = s.syncs.filter((x) => x.start > 5).map((x) => x.start);
    // 10.0 runs (ends 10.5); 10.2 and 10.4 arrive during it and coalesce; next at 10.5 + 1.
    expect(starts).toEqual([10, 11.5]);
  });

  it('a node keeps its old table until its sync completes', () => {
    const s = proxyStack({
      cluster: { nodes: 2, deployment: { replicas: 4 }, pod: quiet },
      kubeProxy: {
        syncCost: { ...free, iptables: { base: 2, perRuleWritten: 0, perRuleInTable: 0 } },
        watchDelay: constant(0.5),
      },
    });
    const before = s.proxy.table(0) as NodeTable;
    replacements([[10, 0]])(s);
    s.sim.run(12.4);
    expect(s.proxy.table(0)).toBe(before);
    expect(s.proxy.isSyncing(0)).toBe(true);
    s.sim.run(12.6); // 10 + watch 0.5 + sync 2
    const after = s.proxy.table(0) as NodeTable;
    expect(after.size).toBe(3);
    expect(after.version).toBe(1);
    expect(after.indexOf(s.cluster.pod(0).ip)).toBe(-1);
    const changeIds = s.programmed.filter((p) => p.node === 0).map((p) => p.at);
    expect(changeIds.every((t) => Math.abs(t - 12.5) < 1e-9)).toBe(true);
  });

  it('ipvs mode resyncs every syncPeriod without changes', () => {
    const s = proxyStack({
      cluster: { nodes: 3, deployment: { replicas: 3 } },
      kubeProxy: { mode: 'ipvs', syncCost: free, syncPeriod: 30 },
    });
    s.sim.run(300.001);
    for (let n = 0; n < 3; n++) {
      const starts = s.syncs.filter((x) => x.node === n).map((x) => x.start);
      // Random phase in [0, 30), then every 30 s: 10 syncs in 300 s.
      expect(starts.length).toBe(10);
      for (let i = 1; i < starts.length; i++)
        expect((starts[i] as number) - (starts[i - 1] as number)).toBeCloseTo(30, 9);
    }
  });

  it('programs the serving terminating endpoints when no endpoint is ready (KEP-1669)', () => {
    const s = proxyStack({
      cluster: {
        nodes: 2,
        deployment: { replicas: 3 },
        awaitDrain: true,
        pod: { preStopSleep: 20 },
      },
      kubeProxy: { syncCost: free },
    });
    s.sim.run(5);
    s.cluster.scale(0);
    s.sim.run(6);
    const t = s.proxy.table(0) as NodeTable;
    expect(t.usingTerminating).toBe(true);
    expect(t.size).toBe(3);
    const local = s.proxy.localTable(1) as NodeTable;
    expect(local.usingTerminating).toBe(true);
    expect([...local.nodes].every((n) => n === 1)).toBe(true);
    expect(local.size).toBe(s.cluster.pods.filter((p) => p.node === 1).length);
    s.sim.run(60);
    expect(s.proxy.table(0)?.size).toBe(0);
  });

  it('counts nodes whose table differs from the ideal set, per change', () => {
    const s = proxyStack({
      // plegRelistPeriod 0: the kubelet sees the container start at once (probe at 13).
      cluster: {
        nodes: 4,
        plegRelistPeriod: 0,
        deployment: { replicas: 4 },
        pod: { startup: constant(3) },
      },
      kubeProxy: { syncCost: free, watchDelay: constant(0.5) },
    });
    expect(s.proxy.staleNodes()).toBe(0);
    s.sim.run(10);
    s.cluster.replacePod(0); // leaves the ideal set at once; tables learn at 10.5
    expect(s.proxy.staleNodes()).toBe(4);
    expect(s.proxy.tableStaleness(0)).toEqual({ extra: 1, missing: 0 });
    s.sim.run(10.49);
    expect(s.proxy.staleNodes()).toBe(4);
    s.sim.run(10.51);
    expect(s.proxy.staleNodes()).toBe(0);
    // The replacement becomes Ready at 13 (probe at container start, app listening at once).
    s.sim.run(13.01);
    expect(s.proxy.staleNodes()).toBe(4);
    expect(s.proxy.staleEndpointTotals()).toEqual({ extra: 0, missing: 4 });
    s.sim.run(13.6);
    expect(s.proxy.staleNodes()).toBe(0);
    // A dead node's kube-proxy is gone and no longer counted.
    s.cluster.failNode(3);
    expect(s.proxy.table(3)).toBeUndefined();
    expect(s.proxy.staleNodes()).toBe(3); // its pod left the ideal set, the others' tables still have it
  });
});

describe('watch delays: common random numbers', () => {
  it('a pod transition reaches each node after the same delay in every run of a seed', () => {
    /** A run deleting the given pods; watch delay of each change at each node. */
    const run = (deletions: readonly [number, number][]) => {
      const s = proxyStack({
        seed: 42,
        cluster: {
          nodes: 3,
          deployment: { replicas: 4 },
          awaitDrain: true,
          pod: { preStopSleep: 3, startup: constant(1000) },
        },
        // Free syncs, 10 s between deletions and 3 s between a pod's two changes: the runner
        // (minSyncPeriod 1 s, burst 2) syncs at once, so programmed = delivered.
        kubeProxy: {
          syncCost: free,
          watchDelay: makeDistribution({ distribution: 'exponential', mean: 0.2 }),
        },
      });
      for (const [t, pod] of deletions) {
        s.sim.run(t);
        s.cluster.deletePod(pod);
      }
      s.sim.run(100);
      const delays = new Map<string, number>();
      for (const p of s.programmed) {
        const c = s.changes[p.id] as EndpointChange;
        delays.set(`${c.pod}:${c.change}@${p.node}`, p.at - c.writtenAt);
      }
      return delays;
    };
    const a = run([
      [10, 0],
      [30, 1],
    ]);
    // An extra deletion in between: more writes before pod 1's, which drew its delays from
    // later positions of per-node streams before keyed streams.
    const b = run([
      [10, 0],
      [20, 3],
      [30, 1],
    ]);
    const keys = [0, 1].flatMap((pod) =>
      ['terminating', 'remove'].flatMap((ch) => [0, 1, 2].map((n) => `${pod}:${ch}@${n}`)),
    );
    for (const k of keys) {
      expect(a.get(k), k).toBeGreaterThan(0);
      expect(b.get(k), k).toBeCloseTo(a.get(k) as number, 9);
    }
    // Nodes and transitions draw their own delays.
    expect(new Set(keys.map((k) => a.get(k))).size).toBe(keys.length);
  });
});

describe('sync cost models', () => {
  it('iptables full restore grows with all rules, partial with the changed Service and dispatch chains', () => {
    const c = resolveSyncCostOptions({ otherServices: 5000, endpointsPerOtherService: 10 });
    expect(iptablesRuleCount(c, 100)).toBe(5000 * (4 + 30) + 4 + 300);
    const full = syncDuration('iptables', c, { endpoints: 100, changes: 3, full: true });
    const partial = syncDuration('iptables', c, { endpoints: 100, changes: 3, full: false });
    // 170,304 rules x (11 + 12.5) us + 5 ms = 4.007 s; partial: 170,304 x 11 us +
    // (2 x 5001 + 304) x 12.5 us + 5 ms = 2.007 s.
    expect(full).toBeCloseTo(0.005 + 170304 * 23.5e-6, 9);
    expect(partial).toBeCloseTo(0.005 + 170304 * 11e-6 + (10002 + 304) * 12.5e-6, 9);
    // perRule (the scenario file's single knob) splits by tableShare: same totals for a full sync.
    const single = resolveSyncCostOptions({ otherServices: 5000, iptables: { perRule: 23.5e-6 } });
    expect(single.iptables.perRuleInTable).toBeCloseTo(11e-6, 12);
    expect(single.iptables.perRuleWritten).toBeCloseTo(12.5e-6, 12);
    const ipvs = (changes: number) =>
      syncDuration('ipvs', c, { endpoints: 100, changes, full: false });
    expect(ipvs(10) - ipvs(0)).toBeCloseTo(10 * 100e-6, 12);
    const nft = (changes: number) =>
      syncDuration('nftables', c, { endpoints: 100, changes, full: false });
    expect(nft(10) - nft(0)).toBeCloseTo(10 * 20e-6, 12);
  });
});

describe('KEP-3453 qualitative result', () => {
  function run(partialSync: boolean) {
    const churn: ChurnSpec[] = [{ type: 'crash', mtbf: 20, action: 'replace' }];
    const changes: EndpointChange[] = [];
    const s = proxyStack({
      seed: 11,
      cluster: { nodes: 20, deployment: { replicas: 40 } },
      churn,
      kubeProxy: {
        partialSync,
        watchDelay: makeDistribution({ distribution: 'exponential', mean: 0.05 }),
        syncCost: { otherServices: 5000, endpointsPerOtherService: 10 },
      },
    });
    s.sim.run(300);
    for (const c of s.changes) changes.push(c);
    const durations = (full: boolean) =>
      s.syncs.filter((x) => x.full === full).map((x) => x.end - x.start);
    const latencies = s.programmed
      .map((p) => p.at - (changes[p.id] as EndpointChange).happenedAt)
      .sort((a, b) => a - b);
    const p50 = latencies[Math.floor(latencies.length / 2)] as number;
    const mean = (a: number[]) => a.reduce((x, y) => x + y, 0) / a.length;
    return { full: durations(true), partial: durations(false), p50, mean, n: latencies.length };
  }

  it('with 5000 Services, full syncs take longer than partial ones and programming latency p50 falls', () => {
    const full = run(false);
    const partial = run(true);
    expect(full.partial.length).toBe(0);
    expect(partial.partial.length).toBeGreaterThan(100);
    const meanFull = full.mean(full.full);
    const meanPartial = partial.mean(partial.partial);
    // ~4.0 s vs ~2.0 s per sync (see the cost test): the ratio is set by the cost model.
    expect(meanFull).toBeGreaterThan(1.8 * meanPartial);
    // Under continuous churn each node syncs back to back, so latency is about 1.5 syncs: the
    // p50 falls roughly in proportion (KEP-3453: 27 s -> 13 s at 5000 nodes). A 30% margin
    // leaves room for queueing noise over ~2000 (change, node) pairs.
    expect(partial.p50).toBeLessThan(0.7 * full.p50);
    expect(partial.n).toBeGreaterThan(1000);
  });
});
