import { describe, expect, it } from 'vitest';
import { makeDistribution } from '../../src/engine/distributions/index.js';
import { buildStack } from '../cluster/stack.js';

const constant = (value: number) => makeDistribution({ distribution: 'constant', value });

describe('EndpointSlice controller', () => {
  it('packs endpoints into slices of at most maxEndpointsPerSlice', () => {
    const s = buildStack({
      withProxy: false,
      cluster: { nodes: 10, deployment: { replicas: 250 } },
    });
    const slices = s.controller.store.list();
    expect(slices.map((x) => x.endpoints.length)).toEqual([100, 100, 50]);
    expect(s.controller.sliceCount).toBe(3);
    // A new endpoint goes into the slice with room, not into a new slice.
    s.cluster.scale(251);
    s.sim.run(1);
    expect(s.controller.store.list().map((x) => x.endpoints.length)).toEqual([100, 100, 51]);
  });

  it('writes ready / serving / terminating conditions, and removes the endpoint when the pod is gone', () => {
    const s = buildStack({
      withProxy: false,
      cluster: {
        deployment: { replicas: 2 },
        awaitDrain: true,
        pod: { preStopSleep: 5, startup: constant(1) },
      },
    });
    s.sim.run(10);
    s.cluster.deletePod(0);
    s.sim.run(10.5);
    const ep = () =>
      s.controller.store
        .list()
        .flatMap((x) => x.endpoints)
        .find((e) => e.pod === 0);
    expect(ep()).toMatchObject({ ready: false, serving: true, terminating: true });
    expect(s.changes.map((c) => `${c.change}:${c.pod}`)).toEqual(['terminating:0', 'add:2']);
    expect(s.changes[0]?.happenedAt).toBe(10);
    s.sim.run(100);
    expect(ep()).toBeUndefined();
    const removal = s.changes.find((c) => c.change === 'remove');
    expect(removal?.pod).toBe(0);
    expect(removal?.happenedAt).toBe(40); // SIGKILL at the 30 s grace period
  });

  it('the controller delay and the batch period postpone and coalesce writes', () => {
    const s = buildStack({
      withProxy: false,
      cluster: { nodes: 2, deployment: { replicas: 4 }, pod: { startup: constant(100) } },
      controller: { batchPeriod: 1, controllerDelay: constant(0.25) },
    });
    s.sim.run(10);
    const rv0 = s.controller.resourceVersion;
    s.cluster.replacePod(0);
    s.sim.run(10.5);
    s.cluster.replacePod(1);
    s.sim.run(11.2);
    expect(s.controller.resourceVersion).toBe(rv0); // nothing written before 10 + 1 + 0.25
    s.sim.run(11.3);
    // One sync: both removals and both new (not ready) pods in the single slice: one write.
    expect(s.controller.resourceVersion).toBe(rv0 + 1);
    expect(s.changes.map((c) => c.change).sort()).toEqual(['add', 'add', 'remove', 'remove']);
    expect(s.changes.every((c) => c.writtenAt === 11.25)).toBe(true);
  });

  it('readyEndpointIps is the API server view (what Nginx reads)', () => {
    const s = buildStack({
      withProxy: false,
      cluster: { nodes: 2, deployment: { replicas: 3 }, pod: { startup: constant(100) } },
      controller: { controllerDelay: constant(2) },
    });
    const before = [...s.controller.readyEndpointIps()];
    expect(before.length).toBe(3);
    s.sim.run(5);
    s.cluster.replacePod(0);
    s.sim.run(6);
    expect([...s.controller.readyEndpointIps()]).toEqual(before); // not written yet
    s.sim.run(7.1);
    expect(s.controller.readyEndpointIps().length).toBe(2);
  });

  it('the usable set falls back to serving terminating endpoints only when none is ready (KEP-1669)', () => {
    const s = buildStack({
      withProxy: false,
      cluster: {
        nodes: 2,
        deployment: { replicas: 3 },
        awaitDrain: true,
        pod: { preStopSleep: 20 },
      },
    });
    const ips = [...s.controller.snapshotAt(s.controller.resourceVersion).ips].sort();
    s.sim.run(5);
    s.cluster.deletePod(0);
    s.sim.run(5.1);
    let snap = s.controller.snapshotAt(s.controller.resourceVersion);
    expect(snap.usingTerminating).toBe(false);
    expect(snap.ips.length).toBe(2);
    s.cluster.scale(0);
    s.sim.run(5.2);
    snap = s.controller.snapshotAt(s.controller.resourceVersion);
    expect(snap.usingTerminating).toBe(true);
    expect([...snap.ips].sort()).toEqual(ips);
    // Node-local subset: each node sees only its own terminating endpoints.
    const local0 = snap.local(0);
    expect(local0.usingTerminating).toBe(true);
    expect([...local0.nodes].every((n) => n === 0)).toBe(true);
    s.sim.run(60);
    snap = s.controller.snapshotAt(s.controller.resourceVersion);
    expect(snap.ips.length).toBe(0);
    expect(snap.usingTerminating).toBe(false);
  });

  it('draws the controller delay per pod transition: the same transition waits the same in every run', () => {
    /** A run that deletes the given pods at the given times; delay of each change's write. */
    const run = (deletions: readonly [number, number][]) => {
      const s = buildStack({
        withProxy: false,
        seed: 42,
        cluster: {
          nodes: 2,
          deployment: { replicas: 4 },
          awaitDrain: true,
          pod: { preStopSleep: 3, startup: constant(1000) },
        },
        controller: {
          controllerDelay: makeDistribution({ distribution: 'exponential', mean: 0.5 }),
        },
      });
      for (const [t, pod] of deletions) {
        s.sim.run(t);
        s.cluster.deletePod(pod);
      }
      s.sim.run(100);
      const waited = new Map<string, number>();
      for (const c of s.changes) waited.set(`${c.pod}:${c.change}`, c.writtenAt - c.happenedAt);
      return waited;
    };
    const a = run([
      [10, 0],
      [30, 1],
    ]);
    // Another run with an extra pod deletion (and replacement) in between: two more syncs.
    const b = run([
      [10, 0],
      [20, 3],
      [30, 1],
    ]);
    const original = ['0:terminating', '0:remove', '1:terminating', '1:remove'];
    for (const k of original) {
      expect(a.get(k), k).toBeGreaterThan(0);
      expect(b.get(k), k).toBeCloseTo(a.get(k) as number, 9);
    }
    // Each transition draws its own delay.
    expect(new Set(original.map((k) => a.get(k))).size).toBe(4);
    expect(b.get('3:terminating')).toBeGreaterThan(0);
  });
});
