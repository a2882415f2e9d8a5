import { describe, expect, it } from 'vitest';
import { build } from './helpers.js';

/**
 * Slow start: service time x slowStartFactor at the instant the pod becomes Ready, falling
 * linearly to x1 over slowStart seconds. Steady-state pods at the start of a run have been Ready
 * for an hour (initialState steady): no slow start. A pod that becomes Ready during the run
 * ramps, with or without a readiness probe (without one it is Ready at container start).
 */
function latencies(probe: boolean): Map<number, number> {
  // One pod, 10 ms constant work, one request every 0.1 s (never queued). The pod is killed
  // at 25 s; its replacement starts after 1 s (Ready at 26 s: with plegRelistPeriod 0 the
  // kubelet sees the container at once and probes it, or no probe at all).
  const { model } = build(`
duration: 40s
cluster: {nodes: 1, plegRelistPeriod: 0}
deployment:
  replicas: 1
  pod:
    concurrency: 100
    serviceTime: 10ms
    slowStart: 20s
    slowStartFactor: 3
    startup: 1s
    readinessProbe: {enabled: ${probe}}
workload:
  arrivals: {process: constant, rate: 10}
churn:
  - {type: kill, at: 25s}
balancers: [iptables]
`);
  const { sim, recorder } = model;
  const byArrival = new Map<number, number>();
  const completed = recorder.completed.bind(recorder);
  recorder.completed = (now: number, arrivedAt: number, pod: number) => {
    byArrival.set(Math.round(arrivedAt * 10) / 10, now - arrivedAt);
    completed(now, arrivedAt, pod);
  };
  sim.run(40);
  model.path.checkConservation();
  return byArrival;
}

// Latency = 4 x half rtt (0.1 ms each, per-request connection) + 10 ms x multiplier, where the
// multiplier at age a since Ready is 1 + 2 (1 - a / 20) while a < 20.
const rtt = 0.4e-3;
const expected = (age: number) => rtt + 0.01 * (age < 20 ? 1 + 2 * (1 - age / 20) : 1);

describe('slow start', () => {
  for (const probe of [true, false]) {
    it(`readinessProbe ${probe ? 'on' : 'off'}: steady pods are warm, a new pod ramps`, () => {
      const lat = latencies(probe);
      // Before the fix: 27.9 ms at 2.5 s (steady pods ramped from t = 0), and with the probe
      // off the replacement never ramped (10.4 ms at 28 s).
      expect(lat.get(2.5)).toBeCloseTo(expected(100), 6);
      expect(lat.get(10)).toBeCloseTo(expected(100), 6);
      expect(lat.get(28)).toBeCloseTo(expected(2), 6);
      expect(lat.get(36)).toBeCloseTo(expected(10), 6);
    });
  }
});
