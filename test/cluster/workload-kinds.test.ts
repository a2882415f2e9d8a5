import { describe, expect, it } from 'vitest';
import type { ChurnSpec } from '../../src/cluster/churn.js';
import type { Pod } from '../../src/cluster/cluster.js';
import { daemonSetBounds } from '../../src/cluster/daemonset-controller.js';
import {
  type DeploymentOptions,
  resolveClusterOptions,
  type UpdateStrategyOptions,
} from '../../src/cluster/options.js';
import { makeDistribution } from '../../src/engine/distributions/index.js';
import { buildStack } from './stack.js';

const int = (value: number) => ({ kind: 'int' as const, value });
const pct = (value: number) => ({ kind: 'percent' as const, value });

interface Ev {
  t: number;
  event: string;
  pod: number;
  node: number;
  detail: string;
}

/** A stack whose pods take a while to start and to stop, with every event recorded. */
function stack(
  deployment: DeploymentOptions,
  churn: ChurnSpec[],
  o: { nodes?: number; seed?: number; empty?: boolean } = {},
) {
  const events: Ev[] = [];
  const s = buildStack({
    seed: o.seed ?? 1,
    withProxy: false,
    cluster: {
      nodes: o.nodes ?? 5,
      initialState: o.empty ? 'empty' : 'steady',
      deployment,
      pod: {
        startup: makeDistribution({ distribution: 'lognormal', median: 2, p99: 8 }),
        appStartDelay: makeDistribution({ distribution: 'uniform', min: 0, max: 5 }),
        preStopSleep: 3,
      },
    },
    churn,
    clusterCallbacks: {
      onEvent: (t, event, pod, node, detail) => events.push({ t, event, pod, node, detail }),
    },
  });
  const live = () => s.cluster.pods.filter((p) => !p.gone);
  return { ...s, events, live };
}

const ds = (u: UpdateStrategyOptions = {}): DeploymentOptions => ({
  kind: 'DaemonSet',
  updateStrategy: u,
});

describe('DaemonSet bounds (pkg/controller/daemon/util)', () => {
  it('scales maxSurge and maxUnavailable against the nodes, rounding up; 0/0 becomes 0/1', () => {
    const d = (u: UpdateStrategyOptions) => resolveClusterOptions({ deployment: ds(u) }).deployment;
    expect(daemonSetBounds(d({}), 10)).toEqual({ surge: 0, unavailable: 1 });
    expect(daemonSetBounds(d({ maxUnavailable: pct(25) }), 10)).toEqual({
      surge: 0,
      unavailable: 3,
    });
    expect(daemonSetBounds(d({ maxSurge: pct(10), maxUnavailable: int(0) }), 15)).toEqual({
      surge: 2,
      unavailable: 0,
    });
    expect(daemonSetBounds(d({ maxSurge: int(0), maxUnavailable: int(0) }), 4)).toEqual({
      surge: 0,
      unavailable: 1,
    });
  });
});

/**
 * Runs to `until`, checking the DaemonSet's invariants after every event: without surge at most
 * one pod (of any phase) per node; with surge at most two, and at most maxSurge nodes running
 * two non-terminating pods; never more than maxUnavailable live nodes without an available pod
 * once the start-up is over.
 */
function runDaemonSet(s: ReturnType<typeof stack>, until: number, from = 0) {
  const d = s.cluster.options.deployment;
  const nodes = s.cluster.nodeCount;
  let maxUnavailableSeen = 0;
  let maxSurgedSeen = 0;
  let maxPerNode = 0;
  while (s.sim.step() && s.sim.now < until) {
    const alive = Array.from({ length: nodes }, (_, n) => s.cluster.isNodeAlive(n));
    const { surge, unavailable } = daemonSetBounds(d, alive.filter(Boolean).length);
    let unavailableNodes = 0;
    let surged = 0;
    for (let n = 0; n < nodes; n++) {
      const pods = s.cluster.podsOnNode(n).map((id) => s.cluster.pod(id));
      maxPerNode = Math.max(maxPerNode, pods.length);
      expect(pods.length).toBeLessThanOrEqual(surge === 0 ? 1 : 2);
      const running = pods.filter((p) => !p.terminating);
      if (running.length === 2) surged++;
      if (alive[n] && !running.some((p) => p.probeReady)) unavailableNodes++;
    }
    expect(surged).toBeLessThanOrEqual(surge);
    if (s.sim.now > from) expect(unavailableNodes).toBeLessThanOrEqual(unavailable);
    maxUnavailableSeen = Math.max(maxUnavailableSeen, unavailableNodes);
    maxSurgedSeen = Math.max(maxSurgedSeen, surged);
  }
  return { maxUnavailableSeen, maxSurgedSeen, maxPerNode };
}

/** Every live node runs exactly one Ready pod of `revision`, pinned to it. */
function expectOnePerNode(s: ReturnType<typeof stack>, revision: number) {
  for (let n = 0; n < s.cluster.nodeCount; n++) {
    if (!s.cluster.isNodeAlive(n)) continue;
    const pods = s.cluster.podsOnNode(n).map((id) => s.cluster.pod(id));
    expect(pods.map((p) => [p.revision, p.probeReady, p.terminating])).toEqual([
      [revision, true, false],
    ]);
  }
}

describe('DaemonSet controller', () => {
  it('starts one pod pinned to each node (steady and from empty)', () => {
    const steady = stack(ds(), [], { nodes: 4 });
    expect(steady.live().map((p) => p.node)).toEqual([0, 1, 2, 3]);
    expect(steady.cluster.desiredReplicas).toBe(4);
    const empty = stack(ds(), [], { nodes: 4, empty: true });
    runDaemonSet(empty, 60, 1e9);
    expectOnePerNode(empty, 1);
  });

  for (const [label, u, expectUnavailable, expectSurged] of [
    ['maxUnavailable 1 (default)', {}, 1, 0],
    ['maxUnavailable 2', { maxUnavailable: int(2) }, 2, 0],
    ['maxUnavailable 40% of 6 (rounds up to 3)', { maxUnavailable: pct(40) }, 3, 0],
    ['maxSurge 1, maxUnavailable 0', { maxSurge: int(1), maxUnavailable: int(0) }, 0, 1],
    ['maxSurge 2, maxUnavailable 0', { maxSurge: int(2), maxUnavailable: int(0) }, 0, 2],
  ] as const) {
    it(`rolls out within its bounds at every event and replaces every pod (${label})`, () => {
      for (const seed of [1, 2, 3]) {
        const s = stack(ds(u), [{ type: 'rollout', at: 10 }], { nodes: 6, seed });
        const r = runDaemonSet(s, 400);
        // The bound is reached (not vacuous) and never passed; the rollout completes.
        expect(r.maxUnavailableSeen).toBe(expectUnavailable);
        expect(r.maxSurgedSeen).toBe(expectSurged);
        expect(s.cluster.rollingOut).toBe(false);
        expectOnePerNode(s, 2);
        expect(s.events.filter((e) => e.event === 'rollout-complete')).toHaveLength(1);
      }
    });
  }

  it('without surge, the replacement on a node waits for the old pod to be gone', () => {
    const s = stack(ds(), [{ type: 'rollout', at: 10 }], { nodes: 3 });
    runDaemonSet(s, 400);
    for (let n = 0; n < 3; n++) {
      const [oldPod, newPod] = s.cluster.pods.filter((p) => p.node === n);
      expect(newPod?.createdAt).toBeGreaterThanOrEqual(oldPod?.deletedAt as number);
      // preStop sleep 3 s: the old pod was Terminating for a while before.
      expect((oldPod?.deletedAt as number) - (oldPod?.deletionAt as number)).toBeGreaterThan(2.9);
    }
  });

  it('a crashed pod (replace) and a deleted one come back on the same node', () => {
    const s = stack(ds(), [{ type: 'kill', at: 10, count: 2, graceful: true }], { nodes: 4 });
    s.sim.run(11);
    s.cluster.replacePod(s.live().find((p) => !p.terminating)?.id as number);
    runDaemonSet(s, 120, 1e9);
    expectOnePerNode(s, 1);
    expect(s.cluster.pods).toHaveLength(7);
    for (const p of s.cluster.pods.slice(4)) {
      const before = s.cluster.pods.find((q) => q.node === p.node && q.gone);
      expect(before).toBeDefined();
    }
  });

  it('a failed node keeps its pod (tolerated, never evicted) and gets no other', () => {
    const s = stack(ds(), [{ type: 'node-failure', at: 10, node: 2, tolerationSeconds: 30 }], {
      nodes: 4,
    });
    runDaemonSet(s, 1000, 1e9);
    expect(s.cluster.pods).toHaveLength(4);
    const lost = s.cluster.pod(2);
    expect([lost.node, lost.lost, lost.terminating, lost.probeReady]).toEqual([
      2,
      true,
      false,
      false,
    ]);
    expect(s.events.map((e) => e.event)).toContain('node-pods-evicted');
    expect(s.cluster.desiredReplicas).toBe(3);
  });

  it('a down node counts against maxUnavailable: the rollout stalls at 1 and completes at 2', () => {
    // update.go: the dead node's old pod is unavailable, so it is deleted at once; it stays
    // Terminating (no kubelet), and a node whose only pod is terminating counts as unavailable.
    const run = (maxUnavailable: number) => {
      const s = stack(
        ds({ maxUnavailable: int(maxUnavailable) }),
        [
          { type: 'node-failure', at: 5, node: 0 },
          { type: 'rollout', at: 60 },
        ],
        { nodes: 4 },
      );
      runDaemonSet(s, 600, 1e9);
      return s;
    };
    const stalled = run(1);
    expect(stalled.cluster.rollingOut).toBe(true);
    expect(stalled.cluster.pod(0).terminating).toBe(true);
    // The first sync deletes the dead node's pod (allowed: unavailable) and one candidate (the
    // dead node was not counted yet); from then on the dead node uses up maxUnavailable.
    expect(stalled.live().filter((p) => p.revision === 2)).toHaveLength(1);
    const done = run(2);
    expectOnePerNode(done, 2);
    // Complete: every live node runs the new revision (the dead node's pod stays Terminating).
    expect(done.cluster.rollingOut).toBe(false);
    expect(done.cluster.pod(0).terminating).toBe(true);
  });

  it('refuses scale', () => {
    const s = stack(ds(), [], { nodes: 2 });
    expect(() => s.cluster.scale(5)).toThrow(/one pod per node/);
  });
});

/**
 * Runs a StatefulSet to `until` checking at every event: live pods' ordinals are unique and each
 * is named <name>-<ordinal>; under OrderedReady, when pod k is created every ordinal below k is
 * Running and Ready.
 */
function runStatefulSet(s: ReturnType<typeof stack>, until: number) {
  const ordered = s.cluster.options.deployment.podManagementPolicy === 'OrderedReady';
  let seen = 0;
  while (s.sim.step() && s.sim.now < until) {
    const live = s.live();
    const ordinals = live.map((p) => p.ordinal);
    expect(new Set(ordinals).size).toBe(ordinals.length);
    for (const p of live) expect(p.name).toBe(`app-${p.ordinal}`);
    for (; seen < s.cluster.pods.length; seen++) {
      const p = s.cluster.pod(seen);
      if (!ordered || p.createdAt === 0) continue;
      for (let k = 0; k < p.ordinal; k++) {
        const q = live.find((x) => x.ordinal === k) as Pod;
        expect(q, `pod ${k} when ${p.name} was created`).toBeDefined();
        expect([q.running, q.probeReady, q.terminating]).toEqual([true, true, false]);
      }
    }
  }
}

const sts = (d: DeploymentOptions = {}): DeploymentOptions => ({
  kind: 'StatefulSet',
  replicas: 5,
  ...d,
});
const created = (s: ReturnType<typeof stack>) =>
  s.events.filter((e) => e.event === 'pod-created').map((e) => s.cluster.pod(e.pod));
const deleted = (s: ReturnType<typeof stack>) =>
  s.events.filter((e) => e.event === 'terminating').map((e) => s.cluster.pod(e.pod));

describe('StatefulSet controller', () => {
  it('OrderedReady: creates 0..N-1 in order, each once its predecessors are Running and Ready', () => {
    for (const seed of [1, 2, 3]) {
      const s = stack(sts(), [], { empty: true, seed });
      runStatefulSet(s, 300);
      expect(created(s).map((p) => p.name)).toEqual(['app-0', 'app-1', 'app-2', 'app-3', 'app-4']);
      const times = created(s).map((p) => p.createdAt);
      // Each waits for the previous one's start-up: strictly later.
      for (let i = 1; i < times.length; i++) {
        expect(times[i] as number).toBeGreaterThan(times[i - 1] as number);
      }
      expect(s.cluster.readyPodCount()).toBe(5);
    }
  });

  it('Parallel: creates every pod at once', () => {
    const s = stack(sts({ podManagementPolicy: 'Parallel' }), [], { empty: true });
    runStatefulSet(s, 300);
    expect(created(s).map((p) => p.createdAt)).toEqual([0, 0, 0, 0, 0]);
    expect(s.cluster.readyPodCount()).toBe(5);
  });

  for (const policy of ['OrderedReady', 'Parallel'] as const) {
    it(`rolling update: one pod at a time from the highest ordinal down to the partition (${policy})`, () => {
      const s = stack(sts({ podManagementPolicy: policy, updateStrategy: { partition: 2 } }), [
        { type: 'rollout', at: 10 },
      ]);
      let updatingAt = -1;
      while (s.sim.step() && s.sim.now < 400) {
        // At most one pod of the set is not Ready-and-current at any instant after the start.
        const live = s.live();
        const terminating = live.filter((p) => p.terminating);
        expect(terminating.length).toBeLessThanOrEqual(1);
        if (terminating.length === 1) {
          const k = (terminating[0] as Pod).ordinal;
          if (k !== updatingAt) {
            // Every higher ordinal is already updated and Ready.
            for (const p of live.filter((q) => q.ordinal > k)) {
              expect([p.revision, p.probeReady]).toEqual([2, true]);
            }
            updatingAt = k;
          }
        }
      }
      expect(deleted(s).map((p) => p.ordinal)).toEqual([4, 3, 2]);
      expect(s.live().map((p) => [p.name, p.revision])).toEqual([
        ['app-0', 1],
        ['app-1', 1],
        ['app-4', 2],
        ['app-3', 2],
        ['app-2', 2],
      ]);
      expect(s.cluster.rollingOut).toBe(false);
    });
  }

  it('a recreated pod keeps its name and ordinal and is a new pod (new id, new IP object)', () => {
    const s = stack(sts(), [], { nodes: 3 });
    s.sim.run(5);
    s.cluster.replacePod(2);
    runStatefulSet(s, 100);
    const twins = s.cluster.pods.filter((p) => p.name === 'app-2');
    expect(twins).toHaveLength(2);
    expect(twins[1]?.id).not.toBe(twins[0]?.id);
    expect(twins[1]?.ordinal).toBe(2);
    expect(twins[1]?.createdAt).toBeGreaterThanOrEqual(twins[0]?.deletedAt as number);
  });

  it('a pod being deleted is recreated under its name only once it is gone', () => {
    const s = stack(sts(), [{ type: 'kill', at: 10, count: 1, graceful: true }]);
    runStatefulSet(s, 200);
    const victim = deleted(s)[0] as Pod;
    const next = s.cluster.pods.find((p) => p.name === victim.name && p.id !== victim.id) as Pod;
    expect(next.createdAt).toBeGreaterThanOrEqual(victim.deletedAt);
    expect(victim.deletedAt - victim.deletionAt).toBeGreaterThan(2.9);
  });

  it('scales up in order and down from the highest ordinal, one at a time (OrderedReady)', () => {
    const s = stack(sts({ replicas: 3 }), [
      { type: 'scale', at: 10, replicas: 6 },
      { type: 'scale', at: 200, replicas: 1 },
    ]);
    runStatefulSet(s, 400);
    expect(created(s).map((p) => p.ordinal)).toEqual([3, 4, 5]);
    const gone = deleted(s);
    expect(gone.map((p) => p.ordinal)).toEqual([5, 4, 3, 2, 1]);
    // Each deletion starts after the previous pod is gone (preStop 3 s).
    for (let i = 1; i < gone.length; i++) {
      expect((gone[i] as Pod).deletionAt).toBeGreaterThanOrEqual((gone[i - 1] as Pod).deletedAt);
    }
    expect(s.live().map((p) => p.name)).toEqual(['app-0']);
  });

  it('a pod evicted from a failed node stays Terminating and its ordinal is not recreated', () => {
    const s = stack(sts({ replicas: 3 }), [
      { type: 'node-failure', at: 10, node: 0, tolerationSeconds: 30 },
    ]);
    const onNode = s.live().filter((p) => p.node === 0);
    expect(onNode.length).toBeGreaterThan(0);
    runStatefulSet(s, 1000);
    for (const p of onNode) expect([p.terminating, p.gone]).toEqual([true, false]);
    expect(s.cluster.pods).toHaveLength(3);
  });
});
