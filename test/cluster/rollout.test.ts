import { describe, expect, it } from 'vitest';
import type { DeploymentOptions } from '../../src/cluster/options.js';
import {
  newReplicaSetReplicas,
  resolveFenceposts,
  scaleDownOldReplicaSets,
} from '../../src/cluster/rolling.js';
import { makeDistribution } from '../../src/engine/distributions/index.js';
import { buildStack } from './stack.js';

const pct = (value: number) => ({ kind: 'percent' as const, value });
const int = (value: number) => ({ kind: 'int' as const, value });

describe('rolling-update arithmetic (deployment controller)', () => {
  it('resolves fenceposts: surge rounds up, unavailable down; 0/0 becomes 0/1', () => {
    expect(resolveFenceposts(pct(25), pct(25), 10)).toEqual({ surge: 3, unavailable: 2 });
    expect(resolveFenceposts(pct(25), pct(25), 1)).toEqual({ surge: 1, unavailable: 0 });
    expect(resolveFenceposts(int(0), int(0), 5)).toEqual({ surge: 0, unavailable: 1 });
    expect(resolveFenceposts(int(2), int(9), 5)).toEqual({ surge: 2, unavailable: 5 });
  });

  it('scales the new ReplicaSet up to replicas + maxSurge in total', () => {
    expect(
      newReplicaSetReplicas(10, 3, { spec: 0, available: 0 }, [{ spec: 10, available: 10 }]),
    ).toBe(3);
    expect(
      newReplicaSetReplicas(10, 3, { spec: 3, available: 0 }, [{ spec: 8, available: 8 }]),
    ).toBe(5);
    expect(newReplicaSetReplicas(10, 3, { spec: 12, available: 0 }, [])).toBe(10);
  });

  it('scales old ReplicaSets down, unhealthy pods first, keeping replicas - maxUnavailable available', () => {
    const olds = [{ spec: 10, available: 10 }];
    // 13 pods in all, 8 must stay available, 3 new ones are unavailable: 13 - 8 - 3 = 2.
    expect(scaleDownOldReplicaSets(10, 2, { spec: 3, available: 0 }, olds)).toBe(2);
    expect(olds[0]?.spec).toBe(8);
    const unhealthy = [{ spec: 8, available: 5 }];
    // maxScaledDown = 11 - 8 - 0 = 3: the 3 unhealthy go first, then available 8 -> no more.
    expect(scaleDownOldReplicaSets(10, 2, { spec: 3, available: 3 }, unhealthy)).toBe(3);
    expect(unhealthy[0]?.spec).toBe(5);
  });
});

/** Runs a rollout event by event, asserting the Deployment's bounds at every instant. */
function rolloutInvariants(deployment: DeploymentOptions, seed: number) {
  const replicas = deployment.replicas as number;
  const s = buildStack({
    seed,
    withProxy: false,
    cluster: {
      nodes: 5,
      deployment,
      pod: {
        startup: makeDistribution({ distribution: 'lognormal', median: 2, p99: 8 }),
        appStartDelay: makeDistribution({ distribution: 'uniform', min: 0, max: 5 }),
        preStopSleep: 3,
      },
    },
    churn: [{ type: 'rollout', at: 10 }],
  });
  const { surge, unavailable } = resolveFenceposts(
    deployment.maxSurge ?? pct(25),
    deployment.maxUnavailable ?? pct(25),
    replicas,
  );
  let maxActive = 0;
  let minAvailable = Number.POSITIVE_INFINITY;
  let steps = 0;
  while (s.sim.step() && s.sim.now < 2000) {
    steps++;
    const active = s.cluster.activePodCount();
    const available = s.cluster.availablePodCount();
    maxActive = Math.max(maxActive, active);
    minAvailable = Math.min(minAvailable, available);
    if (s.sim.now > 10 && !s.cluster.rollingOut && active === replicas && available === replicas)
      break;
  }
  const current = s.cluster.pods.filter((p) => !p.gone && !p.terminating);
  return { s, steps, maxActive, minAvailable, surge, unavailable, current };
}

describe('rolling update in the cluster', () => {
  for (const [label, d] of [
    ['25%/25% of 20', { replicas: 20 }],
    [
      'maxSurge 0, maxUnavailable 1 of 7',
      { replicas: 7, maxSurge: int(0), maxUnavailable: int(1) },
    ],
    [
      'maxSurge 3, maxUnavailable 0 of 10, minReadySeconds 5',
      { replicas: 10, maxSurge: int(3), maxUnavailable: int(0), minReadySeconds: 5 },
    ],
  ] as const) {
    it(`never exceeds maxSurge nor maxUnavailable at any instant (${label})`, () => {
      for (const seed of [1, 2, 3]) {
        const r = rolloutInvariants(d, seed);
        const replicas = d.replicas;
        expect(r.maxActive).toBeLessThanOrEqual(replicas + r.surge);
        expect(r.minAvailable).toBeGreaterThanOrEqual(replicas - r.unavailable);
        // It did surge (the bound is reached, so the check is not vacuous) and completed.
        expect(r.maxActive).toBe(replicas + r.surge);
        expect(r.current.length).toBe(replicas);
        expect(r.current.every((p) => p.revision === 2)).toBe(true);
      }
    });
  }

  it('scale at t: the Deployment reaches the new replica count', () => {
    const s = buildStack({
      withProxy: false,
      cluster: { nodes: 3, deployment: { replicas: 4 } },
      churn: [
        { type: 'scale', at: 5, replicas: 9 },
        { type: 'scale', at: 100, replicas: 2 },
      ],
    });
    s.sim.run(60);
    expect(s.cluster.readyPodCount()).toBe(9);
    expect(s.cluster.activePodCount()).toBe(9);
    s.sim.run(101);
    expect(s.cluster.activePodCount()).toBe(2);
  });
});
