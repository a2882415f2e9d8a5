import { describe, expect, it } from 'vitest';
import type { ClusterOptions } from '../../src/cluster/options.js';
import type { PodLifecycleObserver } from '../../src/cluster/types.js';
import { makeDistribution } from '../../src/engine/distributions/index.js';
import { RandomSource, Simulation } from '../../src/engine/index.js';
import { buildStack } from './stack.js';

const constant = (value: number) => makeDistribution({ distribution: 'constant', value });

/** Records every observer call as `time call pod`. */
function recorder(getSim: () => Simulation) {
  const log: string[] = [];
  const rec =
    (name: string) =>
    (pod: number, ...rest: unknown[]) =>
      log.push(
        `${getSim().now} ${name} ${pod}${rest.length > 0 && typeof rest[0] === 'boolean' ? ` ${rest[0]}` : ''}`,
      );
  const observer: PodLifecycleObserver = {
    podCreated: rec('created'),
    listenerOpened: rec('listening'),
    readyChanged: rec('ready'),
    listenerClosed: rec('closed'),
    containerKilled: rec('killed'),
    podDeleted: rec('deleted'),
    podUnreachable: rec('unreachable'),
  };
  return { log, observer };
}

function stack(cluster: ClusterOptions, extra: Parameters<typeof buildStack>[0] = {}) {
  const sim = new Simulation();
  const r = recorder(() => sim);
  const events: string[] = [];
  const s = buildStack({
    withProxy: false,
    sim,
    ...extra,
    cluster,
    clusterCallbacks: {
      observer: r.observer,
      onEvent: (t, e, pod) => events.push(`${t} ${e} ${pod}`),
    },
  });
  return { ...s, log: r.log, events };
}

/**
 * When node `node`'s kubelet sees a container started at `t`: its next PLEG relist (period 1 s,
 * phase drawn per node from stream `kubelet:pleg` of the stack's seed 1, 3 nodes).
 */
function seenAt(node: number, t: number, nodes = 3): number {
  const rng = new RandomSource(1).stream('kubelet:pleg');
  const phases = Array.from({ length: nodes }, () => rng.next());
  const phase = phases[node] as number;
  return phase + Math.max(0, Math.ceil(t - phase));
}

describe('pod lifecycle', () => {
  it('Pending -> container start -> listening -> Ready at the first successful probe on the grid', () => {
    // The container starts at 2 (startup); the kubelet sees it at its node's next PLEG relist
    // (2 + the node's phase, < 3), whose pod sync triggers the readiness probe and restarts its
    // ticker: probes at seen, seen + 10 ... The app listens at 5: the probe at seen fails, the
    // one at seen + 10 succeeds (worker.go, prober_manager.go UpdatePodStatus).
    const s = stack({
      initialState: 'empty',
      deployment: { replicas: 1 },
      pod: { startup: constant(2), appStartDelay: constant(3) },
    });
    s.sim.run(30);
    const p = s.cluster.pod(0);
    const seen = seenAt(p.node, 2);
    expect(seen).toBeGreaterThan(2);
    expect(seen).toBeLessThan(3);
    expect(s.log).toEqual(['0 created 0', '5 listening 0', `${seen + 10} ready 0 true`]);
    expect(p.phase).toBe('Running');
    expect(p.readyChangedAt).toBe(seen + 10);
  });

  it('plegRelistPeriod 0: the container is seen as it starts, the grid runs from its start', () => {
    const s = stack({
      initialState: 'empty',
      plegRelistPeriod: 0,
      deployment: { replicas: 1 },
      pod: { startup: constant(2), appStartDelay: constant(3) },
    });
    s.sim.run(30);
    expect(s.log).toEqual(['0 created 0', '5 listening 0', '12 ready 0 true']);
  });

  it('a restarted container is a new one: its grid runs from the sync that saw the restart', () => {
    const s = stack({
      initialState: 'empty',
      deployment: { replicas: 1 },
      pod: { startup: constant(2), appStartDelay: constant(3) },
    });
    s.sim.run(20);
    const p = s.cluster.pod(0);
    const first = seenAt(p.node, 2) + 10;
    expect(p.readyChangedAt).toBe(first);
    // Crash at 20: not Ready at once; restarted at once (no back-off yet), listening at 23.
    s.cluster.restartContainer(0);
    expect(p.probeReady).toBe(false);
    s.sim.run(60);
    const again = seenAt(p.node, 20);
    // Probes at again (20.x: not listening yet) and again + 10 (Ready): not on the first grid.
    expect(p.readyChangedAt).toBe(again + 10);
    expect(again + 10).not.toBe(first + 20);
  });

  it('initialDelaySeconds and successThreshold delay readiness on the same grid', () => {
    const s = stack({
      initialState: 'empty',
      deployment: { replicas: 1 },
      pod: {
        startup: constant(2),
        appStartDelay: constant(3),
        readinessProbe: { initialDelaySeconds: 15, successThreshold: 2 },
      },
    });
    // Probes at seen (2.x) and seen + 10 return without a result (< 15 s after the container
    // started at 2); seen + 20 succeeds (1), seen + 30 succeeds (2).
    s.sim.run(40);
    const seen = seenAt(s.cluster.pod(0).node, 2);
    expect(s.log.at(-1)).toBe(`${seen + 30} ready 0 true`);
  });

  it('without a readiness probe the pod is Ready when its container runs, listening or not', () => {
    const s = stack({
      initialState: 'empty',
      deployment: { replicas: 1 },
      pod: { startup: constant(2), appStartDelay: constant(3), readinessProbe: { enabled: false } },
    });
    s.sim.run(10);
    // Ready at the pod sync that saw the container (its status: no worker -> ready).
    const seen = seenAt(s.cluster.pod(0).node, 2);
    expect(s.log).toEqual(['0 created 0', `${seen} ready 0 true`, '5 listening 0']);
  });

  it('steady state: every replica Running, listening and Ready at t = 0', () => {
    const s = stack({ nodes: 3, deployment: { replicas: 6 } });
    expect(s.cluster.readyPodCount()).toBe(6);
    expect(s.cluster.pods.every((p) => p.listening && p.probeReady)).toBe(true);
    // Spread evenly by the scheduler: 2 per node.
    expect([0, 1, 2].map((n) => s.cluster.podsOnNode(n).length)).toEqual([2, 2, 2]);
    expect(s.controller.readyEndpointIps().length).toBe(6);
  });

  it('graceful termination: not ready at once, preStop, SIGTERM, listener close, SIGKILL at the grace period', () => {
    const s = stack(
      {
        awaitDrain: true,
        deployment: { replicas: 1 },
        pod: { preStopSleep: 5, listenerCloseDelay: 2, terminationGracePeriodSeconds: 30 },
      },
      {},
    );
    s.log.length = 0;
    s.sim.run(100);
    s.cluster.deletePod(0);
    s.sim.run(200);
    const own = s.log.filter((l) => l.endsWith(' 0') || l.includes(' 0 '));
    expect(own).toEqual(['100 ready 0 false', '107 closed 0', '130 killed 0', '130 deleted 0']);
    expect(s.events).toContain('105 sigterm 0');
    expect(s.cluster.pod(0).deletedAt).toBe(130);
    // The replacement was created at the deletion instant (the ReplicaSet ignores terminating pods).
    expect(s.cluster.pod(1).createdAt).toBe(100);
  });

  it('a drained pod exits before SIGKILL, without a reset', () => {
    const s = stack({
      awaitDrain: true,
      deployment: { replicas: 1 },
      pod: { listenerCloseDelay: 1 },
    });
    s.sim.run(100);
    s.cluster.deletePod(0);
    s.sim.run(110);
    s.cluster.podDrained(0);
    s.sim.run(200);
    const own = s.log.filter((l) => / 0( |$)/.test(l) && Number(l.split(' ')[0]) >= 100);
    expect(own).toEqual(['100 ready 0 false', '101 closed 0', '110 deleted 0']);
  });

  it('preStop longer than the grace period: SIGTERM at the grace period, SIGKILL 2 s later', () => {
    const s = stack({ awaitDrain: true, deployment: { replicas: 1 }, pod: { preStopSleep: 40 } });
    s.sim.run(100);
    s.cluster.deletePod(0);
    s.sim.run(200);
    expect(s.events).toContain('130 sigterm 0');
    expect(s.cluster.pod(0).deletedAt).toBe(132);
  });

  it('readiness keeps being probed while terminating: serving goes false after failureThreshold failures', () => {
    // fail-on-sigterm: the readiness endpoint answers 503 from SIGTERM on. Probe grid phase is
    // random for steady pods; failures at the next 3 ticks after 100 -> not serving within
    // (20, 30] s after SIGTERM.
    const s = stack({
      awaitDrain: true,
      deployment: { replicas: 1 },
      pod: {
        appReadiness: 'fail-on-sigterm',
        listenerCloseDelay: 60,
        terminationGracePeriodSeconds: 60,
      },
    });
    s.sim.run(100);
    s.cluster.deletePod(0);
    s.sim.run(159);
    const p = s.cluster.pod(0);
    expect(p.probeReady).toBe(false);
    expect(p.readyChangedAt).toBeGreaterThan(120);
    expect(p.readyChangedAt).toBeLessThanOrEqual(130);
  });

  it('CrashLoopBackOff: first restart at once, then 10, 20, 40 s...; reset after 10 min of running', () => {
    const s = stack({ deployment: { replicas: 1 }, pod: { readinessProbe: { enabled: false } } });
    const restarts: number[] = [];
    const crashAt = (t: number) => {
      s.sim.run(t);
      s.cluster.restartContainer(0);
    };
    crashAt(100); // immediate restart at 100 (no back-off entry), entry = 10 s
    crashAt(101); // restart at 111, entry -> 20
    crashAt(112); // restart at 132, entry -> 40
    crashAt(133); // restart at 173, entry -> 80
    crashAt(174); // restart at 254
    s.sim.run(300);
    for (const e of s.events)
      if (e.includes('container-started')) restarts.push(Number(e.split(' ')[0]));
    expect(restarts).toEqual([100, 111, 132, 173, 254]);
    // Running from 254 for more than 2 x 300 s: the entry has expired, restart at once.
    crashAt(900);
    s.sim.run(901);
    expect(s.events.filter((e) => e.includes('container-started')).at(-1)).toBe(
      '900 container-started 0',
    );
    // Same pod, same IP throughout.
    expect(s.cluster.pods.length).toBe(1);
    expect(s.log.filter((l) => l.includes('killed')).length).toBe(6);
  });

  it('the back-off is capped at restartBackoff.max', () => {
    const s = stack({ deployment: { replicas: 1 }, pod: { readinessProbe: { enabled: false } } });
    const crashes: number[] = [];
    const starts = () =>
      s.events.filter((e) => e.includes('container-started')).map((e) => Number(e.split(' ')[0]));
    s.sim.run(10);
    for (let i = 0; i < 8; i++) {
      // Crash 1 s after the last start (well within the 10 min expiry).
      const last = starts().at(-1) ?? 10;
      s.sim.run(Math.max(s.sim.now, last + 1));
      crashes.push(s.sim.now);
      s.cluster.restartContainer(0);
      s.sim.run(s.sim.now + 301);
    }
    const st = starts();
    const gaps = st.map((x, i) => x - (crashes[i] as number));
    expect(gaps).toEqual([0, 10, 20, 40, 80, 160, 300, 300]);
  });

  it('replacement: the pod is deleted with a reset, a new pod gets a new IP', () => {
    const s = stack({ deployment: { replicas: 2 }, pod: { startup: constant(1) } });
    const oldIp = s.cluster.pod(0).ip;
    s.sim.run(50);
    s.cluster.replacePod(0);
    expect(s.log.slice(-3)).toEqual(['50 killed 0', '50 ready 0 false', '50 deleted 0']);
    s.sim.run(51);
    const fresh = s.cluster.pod(2);
    expect(fresh.createdAt).toBe(50);
    expect(fresh.ip).not.toBe(oldIp);
    expect(s.cluster.podAt(oldIp)).toBe(-1);
  });

  it('node failure: pods vanish, marked NotReady after the grace period, recreated after tolerationSeconds', () => {
    const failed: number[] = [];
    const s = stack(
      { nodes: 3, deployment: { replicas: 6 }, pod: { startup: constant(2) } },
      { churn: [{ type: 'node-failure', at: 50, node: 0, tolerationSeconds: 100 }] },
    );
    s.sim.run(51);
    const lost = s.cluster.podsOnNode(0);
    expect(lost.length).toBe(2);
    for (const id of lost) {
      expect(s.cluster.isReachable(id)).toBe(false);
      expect(s.cluster.isListening(id)).toBe(false);
      expect(s.cluster.pod(id).probeReady).toBe(true); // the API server does not know yet
      failed.push(id);
    }
    expect(s.log.filter((l) => l.includes('unreachable')).length).toBe(2);
    expect(s.cluster.isNodeAlive(0)).toBe(false);
    expect(s.cluster.readyPodCount()).toBe(4);
    s.sim.run(91); // 50 + nodeMonitorGracePeriod 40
    for (const id of failed) expect(s.cluster.pod(id).probeReady).toBe(false);
    expect(s.cluster.activePodCount()).toBe(6);
    s.sim.run(151); // eviction comes at NotReady (90) + tolerationSeconds (100) = 190
    expect(s.cluster.activePodCount()).toBe(6);
    s.sim.run(191);
    for (const id of failed) expect(s.cluster.pod(id).terminating).toBe(true);
    expect(s.cluster.activePodCount()).toBe(6);
    s.sim.run(250);
    expect(s.cluster.readyPodCount()).toBe(6);
    const nodes = s.cluster.pods.filter((p) => p.createdAt === 190).map((p) => p.node);
    expect(nodes.length).toBe(2);
    expect(nodes.every((n) => n !== 0)).toBe(true);
  });
});
