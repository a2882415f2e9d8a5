export { Churn, type ChurnSpec } from './churn.js';
export { Cluster, type ClusterCallbacks, type ClusterListener, Pod } from './cluster.js';
export { IP_REUSE_POLICIES, IpAllocator, type IpReusePolicy, parseCidr } from './ip-allocator.js';
export {
  type AppReadiness,
  CLUSTER_DEFAULTS,
  type ClusterOptions,
  type DeploymentOptions,
  type PodOptions,
  type ReadinessProbeOptions,
  type ResolvedClusterOptions,
  type ResolvedDeploymentOptions,
  type ResolvedPodOptions,
  type ResolvedReadinessProbeOptions,
  resolveClusterOptions,
  type UpdateStrategyOptions,
} from './options.js';
export { newReplicaSetReplicas, resolveFenceposts, scaleDownOldReplicaSets } from './rolling.js';
export * from './types.js';
export {
  type PodRequest,
  WORKLOAD_KINDS,
  type WorkloadController,
  type WorkloadHost,
  type WorkloadKind,
} from './workload.js';
