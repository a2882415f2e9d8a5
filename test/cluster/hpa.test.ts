import { describe, expect, it } from 'vitest';
import {
  DEFAULT_SCALE_DOWN,
  DEFAULT_SCALE_UP,
  desiredReplicasForUtilization,
  normalizeWithBehavior,
  scaleDownLimit,
  scaleUpLimit,
} from '../../src/cluster/hpa.js';

const ready = (...u: number[]) => u.map((utilization) => ({ utilization, unready: false }));

describe('HPA replica calculator (replica_calculator.go GetResourceReplicas)', () => {
  it('ceil(current x usage / target), the current count within the tolerance', () => {
    // 4 pods at 90% for a 60% target: ratio 1.5 -> ceil(6) = 6.
    expect(desiredReplicasForUtilization(4, ready(90, 90, 90, 90), 0, 60)).toBe(6);
    // 3 pods averaging 70% for 60%: ratio 1.1667 -> ceil(3.5) = 4.
    expect(desiredReplicasForUtilization(3, ready(60, 70, 80), 0, 60)).toBe(4);
    // 65% for 60%: ratio 1.083, within 0.1: unchanged.
    expect(desiredReplicasForUtilization(5, ready(65, 65, 65, 65, 65), 0, 60)).toBe(5);
    // 10 pods at 12% for 60%: ratio 0.2 -> ceil(2) = 2.
    expect(desiredReplicasForUtilization(10, ready(...Array(10).fill(12)), 0, 60)).toBe(2);
  });

  it('not-yet-ready pods count as 0% on a scale-up, missing pods as 100% on a scale-down', () => {
    // 2 ready at 120%, 2 unready, target 60: ratio 2 -> with the unready at 0%: mean 60 ->
    // ratio 1.0 within tolerance: no scale-up (the new pods have not started to help yet).
    const pods = [
      ...ready(120, 120),
      { utilization: 0, unready: true },
      { utilization: 0, unready: true },
    ];
    expect(desiredReplicasForUtilization(4, pods, 0, 60)).toBe(4);
    // 2 ready at 150%, 1 unready: mean (150 + 150 + 0) / 3 = 100 -> ratio 1.667 -> ceil(5) = 5.
    const three = [...ready(150, 150), { utilization: 0, unready: true }];
    expect(desiredReplicasForUtilization(3, three, 0, 60)).toBe(5);
    // 2 ready at 30%, 2 missing, target 60: ratio 0.5; missing as 100%: mean 65 -> ratio 1.083:
    // the direction flips, keep 4.
    expect(desiredReplicasForUtilization(4, ready(30, 30), 2, 60)).toBe(4);
    // 3 ready at 10%, 1 missing: mean (30 + 100) / 4 = 32.5 -> ratio 0.5417 -> ceil(2.17) = 3.
    expect(desiredReplicasForUtilization(4, ready(10, 10, 10), 1, 60)).toBe(3);
  });
});

describe('HPA behavior (horizontal.go normalizeDesiredReplicasWithBehaviors)', () => {
  it('default scale-up: max(4 pods, 100%) per 15 s', () => {
    expect(scaleUpLimit(1, 0, [], DEFAULT_SCALE_UP)).toBe(5); // 1 + 4 > 2
    expect(scaleUpLimit(10, 0, [], DEFAULT_SCALE_UP)).toBe(20); // 2 x 10 > 14
    // 6 added 10 s ago (within the 15 s period): the period started at 4 -> max(8, 8) = 8.
    expect(scaleUpLimit(10, 10, [{ time: 0, change: 6 }], DEFAULT_SCALE_UP)).toBe(8);
    // 16 s later the event is out of the period: from 10 again.
    expect(scaleUpLimit(10, 16, [{ time: 0, change: 6 }], DEFAULT_SCALE_UP)).toBe(20);
  });

  it('default scale-down: 100% per 15 s; Pods and Percent policies; Min and Disabled', () => {
    expect(scaleDownLimit(10, 0, [], DEFAULT_SCALE_DOWN)).toBe(0);
    const rules = {
      stabilizationWindowSeconds: 0,
      selectPolicy: 'Max' as const,
      policies: [
        { type: 'Pods' as const, value: 2, periodSeconds: 60 },
        { type: 'Percent' as const, value: 30, periodSeconds: 60 },
      ],
    };
    // Max picks the bigger change: 10 - 2 = 8 vs trunc(10 x 0.7) = 7 -> 7.
    expect(scaleDownLimit(10, 0, [], rules)).toBe(7);
    expect(scaleDownLimit(10, 0, [], { ...rules, selectPolicy: 'Min' })).toBe(8);
    expect(scaleDownLimit(10, 0, [], { ...rules, selectPolicy: 'Disabled' })).toBe(10);
    // 3 removed 30 s ago: the period started at 13 -> Pods 11, Percent trunc(9.1) = 9 -> 9.
    expect(scaleDownLimit(10, 30, [{ time: 0, change: 3 }], rules)).toBe(9);
  });

  const base = {
    minReplicas: 1,
    maxReplicas: 20,
    scaleUp: DEFAULT_SCALE_UP,
    scaleDown: DEFAULT_SCALE_DOWN,
    scaleUpEvents: [],
    scaleDownEvents: [],
  };

  it('the scale-down stabilization window keeps the highest recommendation of the last 300 s', () => {
    const recommendations = [
      { time: 0, replicas: 8 },
      { time: 100, replicas: 6 },
      { time: 200, replicas: 3 },
    ];
    // At 250 s the desired 2 is held at max(8, 6, 3, 2) = 8 (current 8: no change).
    expect(
      normalizeWithBehavior({ ...base, now: 250, current: 8, desired: 2, recommendations }),
    ).toBe(8);
    // At 350 s the 8 of t = 0 left the window: max(6, 3, 2) = 6.
    expect(
      normalizeWithBehavior({ ...base, now: 350, current: 8, desired: 2, recommendations }),
    ).toBe(6);
  });

  it('a scale-up is capped by the rate policies and maxReplicas', () => {
    expect(
      normalizeWithBehavior({ ...base, now: 0, current: 2, desired: 50, recommendations: [] }),
    ).toBe(6);
    expect(
      normalizeWithBehavior({ ...base, now: 0, current: 15, desired: 50, recommendations: [] }),
    ).toBe(20);
    expect(
      normalizeWithBehavior({
        ...base,
        now: 0,
        current: 3,
        desired: 0,
        recommendations: [],
        scaleDown: { ...DEFAULT_SCALE_DOWN, stabilizationWindowSeconds: 0 },
      }),
    ).toBe(1);
  });
});
