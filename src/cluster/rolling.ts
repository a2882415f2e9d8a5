import { type IntOrPercent, scaleIntOrPercent } from '../fields/units.js';

/**
 * The Deployment controller's rolling-update arithmetic, as pure functions over ReplicaSet
 * counts (kubernetes pkg/controller/deployment/rolling.go and util/deployment_util.go).
 * `spec` is a ReplicaSet's .spec.replicas (non-terminating pods it owns, created at once by the
 * ReplicaSet controller); `available` its .status.availableReplicas (Ready for minReadySeconds).
 */
export interface RsCounts {
  spec: number;
  readonly available: number;
}

/**
 * ResolveFenceposts: maxSurge rounds up, maxUnavailable rounds down (intstr
 * GetScaledValueFromIntOrPercent); both 0 would deadlock, so maxUnavailable becomes 1.
 */
export function resolveFenceposts(
  maxSurge: IntOrPercent,
  maxUnavailable: IntOrPercent,
  replicas: number,
): { surge: number; unavailable: number } {
  const surge = scaleIntOrPercent(maxSurge, replicas, true);
  let unavailable = scaleIntOrPercent(maxUnavailable, replicas, false);
  if (surge === 0 && unavailable === 0) unavailable = 1;
  // MaxUnavailable(): never more than the desired replicas.
  if (unavailable > replicas) unavailable = replicas;
  return { surge, unavailable };
}

/**
 * reconcileNewReplicaSet + NewRSNewReplicas: scale the new ReplicaSet up while the total of all
 * ReplicaSets' spec stays within replicas + maxSurge; scale it down if above replicas.
 * Returns the new ReplicaSet's new spec.
 */
export function newReplicaSetReplicas(
  replicas: number,
  surge: number,
  newRs: RsCounts,
  olds: readonly RsCounts[],
): number {
  if (newRs.spec === replicas) return replicas;
  if (newRs.spec > replicas) return replicas;
  let allSpec = newRs.spec;
  for (const rs of olds) allSpec += rs.spec;
  const maxTotal = replicas + surge;
  if (allSpec >= maxTotal) return newRs.spec;
  const up = Math.min(maxTotal - allSpec, replicas - newRs.spec);
  return newRs.spec + up;
}

/**
 * reconcileOldReplicaSets: first scale down unhealthy old pods (cleanupUnhealthyReplicas, bounded
 * by maxScaledDown), then scale down available old pods while the available total stays >=
 * replicas - maxUnavailable (scaleDownOldReplicaSetsForRollingUpdate). Old ReplicaSets are
 * given oldest first; their `spec` fields are updated in place. Returns the total scaled down.
 */
export function scaleDownOldReplicaSets(
  replicas: number,
  unavailable: number,
  newRs: RsCounts,
  olds: RsCounts[],
): number {
  let oldSpec = 0;
  for (const rs of olds) oldSpec += rs.spec;
  if (oldSpec === 0) return 0;
  const allSpec = oldSpec + newRs.spec;
  const minAvailable = replicas - unavailable;
  const newRsUnavailable = newRs.spec - newRs.available;
  const maxScaledDown = allSpec - minAvailable - newRsUnavailable;
  if (maxScaledDown <= 0) return 0;

  // cleanupUnhealthyReplicas: each old RS's unavailable pods, oldest RS first.
  let cleaned = 0;
  for (const rs of olds) {
    if (cleaned >= maxScaledDown) break;
    if (rs.spec === 0 || rs.spec === rs.available) continue;
    const n = Math.min(maxScaledDown - cleaned, rs.spec - rs.available);
    rs.spec -= n;
    cleaned += n;
  }

  // scaleDownOldReplicaSetsForRollingUpdate: availability of all RSs after the cleanup (the
  // cleaned pods were unavailable, so available counts are unchanged).
  let available = newRs.available;
  for (const rs of olds) available += Math.min(rs.available, rs.spec);
  let scaled = 0;
  if (available > minAvailable) {
    const total = available - minAvailable;
    for (const rs of olds) {
      if (scaled >= total) break;
      if (rs.spec === 0) continue;
      const n = Math.min(rs.spec, total - scaled);
      rs.spec -= n;
      scaled += n;
    }
  }
  return cleaned + scaled;
}
