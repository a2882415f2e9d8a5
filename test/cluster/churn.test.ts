import { describe, expect, it } from 'vitest';
import { makeDistribution } from '../../src/engine/distributions/index.js';
import { buildStack } from './stack.js';

function crashRun(seed: number, from = 0, until: number | null = null) {
  const events: { t: number; e: string; pod: number }[] = [];
  const s = buildStack({
    seed,
    withProxy: false,
    cluster: {
      nodes: 4,
      deployment: { replicas: 20 },
      pod: { startup: makeDistribution({ distribution: 'constant', value: 1 }) },
    },
    churn: [{ type: 'crash', mtbf: 100, action: 'replace', from, until }],
    clusterCallbacks: { onEvent: (t, e, pod) => events.push({ t, e, pod }) },
  });
  s.sim.run(1000);
  return { s, kills: events.filter((x) => x.e === 'pod-killed') };
}

describe('churn processes', () => {
  it('crash: Poisson failures per running pod at rate 1/mtbf', () => {
    // 20 pods x 1000 s / 100 s = 200 expected (each replacement is down ~1 s: -1%); Poisson
    // sd 14, so +-45 is over 3 sd.
    const { kills } = crashRun(5);
    expect(Math.abs(kills.length - 198)).toBeLessThan(45);
  });

  it('crash: only within [from, until)', () => {
    const { kills } = crashRun(5, 200, 400);
    expect(kills.length).toBeGreaterThan(10);
    expect(kills.every((k) => k.t >= 200 && k.t < 400)).toBe(true);
  });

  it('is deterministic for a seed and independent of other processes', () => {
    const a = crashRun(9).kills.map((k) => `${k.t}:${k.pod}`);
    const b = crashRun(9).kills.map((k) => `${k.t}:${k.pod}`);
    expect(a).toEqual(b);
    // Adding a kill event (own stream) leaves the crash times before it unchanged.
    const events: string[] = [];
    const s = buildStack({
      seed: 9,
      withProxy: false,
      cluster: {
        nodes: 4,
        deployment: { replicas: 20 },
        pod: { startup: makeDistribution({ distribution: 'constant', value: 1 }) },
      },
      churn: [
        { type: 'crash', mtbf: 100, action: 'replace' },
        { type: 'kill', at: 500, count: 3 },
      ],
      clusterCallbacks: {
        onEvent: (t, e, pod) => e === 'pod-killed' && events.push(`${t}:${pod}`),
      },
    });
    s.sim.run(1000);
    const before = (x: string) => Number(x.split(':')[0]) < 500;
    expect(events.filter(before)).toEqual(a.filter(before));
    expect(events.filter((x) => x.startsWith('500:')).length).toBe(3);
  });

  it('kill k pods: graceful deletion or SIGKILL, restart in place keeps the pod', () => {
    const s = buildStack({
      withProxy: false,
      cluster: { nodes: 2, deployment: { replicas: 6 }, awaitDrain: true },
      churn: [
        { type: 'kill', at: 10, count: 2, graceful: true },
        { type: 'kill', at: 20, count: 2, action: 'restart' },
      ],
    });
    s.sim.run(10.5);
    expect(s.cluster.pods.filter((p) => p.terminating).length).toBe(2);
    s.sim.run(20);
    const podsBefore = s.cluster.pods.length;
    s.sim.run(20.5);
    expect(s.cluster.pods.length).toBe(podsBefore); // restarts create no pod
    expect(s.cluster.pods.filter((p) => p.restarts === 1).length).toBe(2);
  });
});
