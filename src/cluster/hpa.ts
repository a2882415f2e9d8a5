/**
 * The HorizontalPodAutoscaler's arithmetic (kube-controller-manager pkg/controller/podautoscaler),
 * as pure functions: the replica calculator for a CPU utilisation target
 * (replica_calculator.go GetResourceReplicas) and the autoscaling/v2 behavior
 * (horizontal.go normalizeDesiredReplicasWithBehaviors: stabilization windows, then the rate
 * policies). Mechanism only: not yet wired to a scenario key (see docs/MODEL.md).
 */

/** autoscaling/v2 HPAScalingPolicy. */
export interface ScalingPolicy {
  readonly type: 'Pods' | 'Percent';
  readonly value: number;
  readonly periodSeconds: number;
}

/** autoscaling/v2 HPAScalingRules. */
export interface ScalingRules {
  readonly stabilizationWindowSeconds: number;
  readonly selectPolicy: 'Max' | 'Min' | 'Disabled';
  readonly policies: readonly ScalingPolicy[];
}

/**
 * The defaults (autoscaling/v2 defaults.go GenerateHPAScaleUpRules / ScaleDownRules): scale up
 * by max(4 pods, 100%) per 15 s without stabilization; scale down by 100% per 15 s with a 300 s
 * stabilization window (--horizontal-pod-autoscaler-downscale-stabilization).
 */
export const DEFAULT_SCALE_UP: ScalingRules = {
  stabilizationWindowSeconds: 0,
  selectPolicy: 'Max',
  policies: [
    { type: 'Pods', value: 4, periodSeconds: 15 },
    { type: 'Percent', value: 100, periodSeconds: 15 },
  ],
};
export const DEFAULT_SCALE_DOWN: ScalingRules = {
  stabilizationWindowSeconds: 300,
  selectPolicy: 'Max',
  policies: [{ type: 'Percent', value: 100, periodSeconds: 15 }],
};
/** --horizontal-pod-autoscaler-tolerance. */
export const DEFAULT_TOLERANCE = 0.1;

/** One pod's CPU utilisation sample as the replica calculator sees it. */
export interface PodMetric {
  /** Utilisation in percent of the request (busy fraction x 100). */
  readonly utilization: number;
  /** Not yet ready for the CPU initialization period: ignored when scaling up. */
  readonly unready: boolean;
}

/**
 * GetResourceReplicas for a Utilization target: usageRatio = mean utilisation / target; within
 * the tolerance the count stays; else ceil(usageRatio x ready pods). With unready pods (scale
 * up: they count as 0%) or pods without metrics (`missing`: 0% when scaling up, 100% when
 * scaling down) the ratio is recomputed over all of them, and a recomputed ratio that flips the
 * direction or falls within the tolerance keeps the current count.
 */
export function desiredReplicasForUtilization(
  current: number,
  pods: readonly PodMetric[],
  missing: number,
  target: number,
  tolerance = DEFAULT_TOLERANCE,
): number {
  const ready = pods.filter((p) => !p.unready);
  if (ready.length === 0) return current;
  const mean = (ps: readonly number[]) => ps.reduce((s, x) => s + x, 0) / ps.length;
  const usageRatio = mean(ready.map((p) => p.utilization)) / target;
  const unready = pods.length - ready.length;
  const scaleUpWithUnready = unready > 0 && usageRatio > 1;
  if (!scaleUpWithUnready && missing === 0) {
    if (Math.abs(1 - usageRatio) <= tolerance) return current;
    return Math.ceil(usageRatio * ready.length);
  }
  const values = ready.map((p) => p.utilization);
  if (missing > 0) {
    for (let i = 0; i < missing; i++) values.push(usageRatio < 1 ? 100 : 0);
  }
  if (scaleUpWithUnready) for (let i = 0; i < unready; i++) values.push(0);
  const newRatio = mean(values) / target;
  if (Math.abs(1 - newRatio) <= tolerance || usageRatio < 1 !== newRatio < 1) return current;
  const next = Math.ceil(newRatio * values.length);
  // Never scale in the direction opposite to the first estimate.
  if ((newRatio < 1 && next > current) || (newRatio > 1 && next < current)) return current;
  return next;
}

/** One scaling event (horizontal.go timestampedScaleEvent). */
export interface ScaleEvent {
  readonly time: number;
  readonly change: number;
}

/** A recommendation kept for stabilization (timestampedRecommendation). */
export interface Recommendation {
  readonly time: number;
  readonly replicas: number;
}

/** getReplicasChangePerPeriod: the replicas changed by events within the last period. */
function changeInPeriod(now: number, period: number, events: readonly ScaleEvent[]): number {
  let n = 0;
  for (const e of events) if (e.time > now - period) n += e.change;
  return n;
}

/** calculateScaleUpLimitWithScalingRules. */
export function scaleUpLimit(
  current: number,
  now: number,
  events: readonly ScaleEvent[],
  rules: ScalingRules,
): number {
  if (rules.selectPolicy === 'Disabled') return current;
  let result = rules.selectPolicy === 'Max' ? 0 : Number.MAX_SAFE_INTEGER;
  for (const p of rules.policies) {
    const start = current - changeInPeriod(now, p.periodSeconds, events);
    const proposed = p.type === 'Pods' ? start + p.value : Math.ceil(start * (1 + p.value / 100));
    result = rules.selectPolicy === 'Max' ? Math.max(result, proposed) : Math.min(result, proposed);
  }
  return result;
}

/** calculateScaleDownLimitWithBehaviors (Percent truncates, as int32(float64(...))). */
export function scaleDownLimit(
  current: number,
  now: number,
  events: readonly ScaleEvent[],
  rules: ScalingRules,
): number {
  if (rules.selectPolicy === 'Disabled') return current;
  let result = rules.selectPolicy === 'Max' ? Number.MAX_SAFE_INTEGER : Number.MIN_SAFE_INTEGER;
  for (const p of rules.policies) {
    const start = current + changeInPeriod(now, p.periodSeconds, events);
    const proposed = p.type === 'Pods' ? start - p.value : Math.trunc(start * (1 - p.value / 100));
    result = rules.selectPolicy === 'Max' ? Math.min(result, proposed) : Math.max(result, proposed);
  }
  return result;
}

/**
 * normalizeDesiredReplicasWithBehaviors: stabilize (the lowest recommendation within the
 * scale-up window, the highest within the scale-down window, bounding the current count), then
 * limit the change by the rate policies and [minReplicas, maxReplicas]. `recommendations` are
 * the earlier ones (this one is added by the caller after).
 */
export function normalizeWithBehavior(a: {
  readonly now: number;
  readonly current: number;
  readonly desired: number;
  readonly minReplicas: number;
  readonly maxReplicas: number;
  readonly scaleUp: ScalingRules;
  readonly scaleDown: ScalingRules;
  readonly recommendations: readonly Recommendation[];
  readonly scaleUpEvents: readonly ScaleEvent[];
  readonly scaleDownEvents: readonly ScaleEvent[];
}): number {
  let up = a.desired;
  let down = a.desired;
  for (const r of a.recommendations) {
    if (r.time > a.now - a.scaleUp.stabilizationWindowSeconds) up = Math.min(up, r.replicas);
    if (r.time > a.now - a.scaleDown.stabilizationWindowSeconds) down = Math.max(down, r.replicas);
  }
  let rec = a.current;
  if (rec < up) rec = up;
  if (rec > down) rec = down;
  if (rec > a.current) {
    const limit = Math.max(a.current, scaleUpLimit(a.current, a.now, a.scaleUpEvents, a.scaleUp));
    return Math.min(rec, limit, a.maxReplicas);
  }
  if (rec < a.current) {
    const limit = Math.min(
      a.current,
      scaleDownLimit(a.current, a.now, a.scaleDownEvents, a.scaleDown),
    );
    return Math.max(rec, limit, a.minReplicas);
  }
  return Math.min(Math.max(rec, a.minReplicas), a.maxReplicas);
}
