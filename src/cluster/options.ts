import {
  type Distribution,
  type DistributionSpec,
  makeDistribution,
} from '../engine/distributions/index.js';
import type { IntOrPercent } from '../fields/units.js';
import type { IpReusePolicy } from './ip-allocator.js';
import type { WorkloadKind } from './workload.js';

/**
 * Options of the cluster model (ground truth). Public types are all-optional with `@default`;
 * `resolveClusterOptions` fills them from CLUSTER_DEFAULTS. Durations are seconds. Distribution
 * fields take Distribution objects (the scenario builder calls makeDistribution on the file's
 * specs). Defaults are Kubernetes' own (sources in docs/MODEL.md and /CALIBRATION.md).
 */

/** Readiness probe (core/v1 Probe). */
export interface ReadinessProbeOptions {
  /** false: no readiness probe; the kubelet reports the pod Ready as soon as its container runs. @default true */
  enabled?: boolean;
  /** @default 0 */
  initialDelaySeconds?: number;
  /** @default 10 */
  periodSeconds?: number;
  /** Kept for completeness: probes are answered at once (an app that hangs is not modelled). @default 1 */
  timeoutSeconds?: number;
  /** @default 1 */
  successThreshold?: number;
  /** @default 3 */
  failureThreshold?: number;
}

export type ResolvedReadinessProbeOptions = Readonly<Required<ReadinessProbeOptions>>;

/**
 * What the application's readiness endpoint answers.
 * - `listening`: 200 while the app listens (and `appReadyDelay` has passed since it started to).
 * - `fail-on-sigterm`: as `listening`, but 503 from SIGTERM on (graceful-shutdown libraries such
 *   as Spring Boot's readiness state do this).
 */
export type AppReadiness = 'listening' | 'fail-on-sigterm';

export interface PodOptions {
  /** Pending time: scheduling + sandbox + image pull + container start. @default lognormal median 1 s, p99 5 s (pod startup SLO p99 <= 5 s) */
  startup?: Distribution;
  /** From container start until the app listens. @default constant 0 */
  appStartDelay?: Distribution;
  /** From listening until the readiness endpoint answers 200 (warm-up). @default constant 0 */
  appReadyDelay?: Distribution;
  /** @default 'listening' */
  appReadiness?: AppReadiness;
  readinessProbe?: ReadinessProbeOptions;
  /** @default 30 */
  terminationGracePeriodSeconds?: number;
  /** lifecycle.preStop sleep, seconds; 0 = no hook. @default 0 */
  preStopSleep?: number;
  /** SIGTERM -> the app closes its listener. @default 0 */
  listenerCloseDelay?: number;
  /** On SIGTERM the app drains in-flight work (`drain`) or exits at once (`exit`). @default 'drain' */
  onSigterm?: 'drain' | 'exit';
  /** CrashLoopBackOff: first delay and cap, seconds (kubelet: 10 s, 300 s). @default {initial: 10, max: 300} */
  restartBackoff?: { initial?: number; max?: number };
}

export interface ResolvedPodOptions {
  readonly startup: Distribution;
  readonly appStartDelay: Distribution;
  readonly appReadyDelay: Distribution;
  readonly appReadiness: AppReadiness;
  readonly readinessProbe: ResolvedReadinessProbeOptions;
  readonly terminationGracePeriodSeconds: number;
  readonly preStopSleep: number;
  readonly listenerCloseDelay: number;
  readonly onSigterm: 'drain' | 'exit';
  readonly restartBackoff: { readonly initial: number; readonly max: number };
}

/**
 * A DaemonSet's or StatefulSet's spec.updateStrategy (apps/v1 DaemonSetUpdateStrategy,
 * StatefulSetUpdateStrategy).
 */
export interface UpdateStrategyOptions {
  /** `RollingUpdate`, or `OnDelete` (a pod takes the new revision only when it is recreated). @default 'RollingUpdate' */
  type?: 'RollingUpdate' | 'OnDelete';
  /** DaemonSet: nodes whose pod may be unavailable during the update (rounds up). @default 1 */
  maxUnavailable?: IntOrPercent;
  /** DaemonSet: nodes that may run a new pod beside the old one (rounds up). @default 0 */
  maxSurge?: IntOrPercent;
  /** StatefulSet: ordinals below it keep the current revision. @default 0 */
  partition?: number;
}

export interface DeploymentOptions {
  /** The workload's kind (its controller). @default 'Deployment' */
  kind?: WorkloadKind;
  /** metadata.name, prefix of pod names. @default 'app' */
  name?: string;
  /** Pod template labels = selector = the Service's selector. @default {app: 'app'} */
  labels?: Readonly<Record<string, string>>;
  /** @default 1 */
  replicas?: number;
  /** @default 25% */
  maxSurge?: IntOrPercent;
  /** @default 25% */
  maxUnavailable?: IntOrPercent;
  /** @default 0 */
  minReadySeconds?: number;
  /** StatefulSet: `OrderedReady` (one pod at a time, in ordinal order) or `Parallel`. @default 'OrderedReady' */
  podManagementPolicy?: 'OrderedReady' | 'Parallel';
  /** DaemonSet and StatefulSet: spec.updateStrategy. */
  updateStrategy?: UpdateStrategyOptions;
}

export type ResolvedDeploymentOptions = Readonly<
  Required<Omit<DeploymentOptions, 'updateStrategy'>> & {
    updateStrategy: Readonly<Required<UpdateStrategyOptions>>;
  }
>;

export interface ClusterOptions {
  /** Number of nodes. @default 3 */
  nodes?: number;
  /** Cluster pod CIDR (kube-controller-manager --cluster-cidr). @default '10.244.0.0/16' */
  podCidr?: string;
  /** Each node's pod CIDR prefix (--node-cidr-mask-size). @default 24 */
  nodeCidrMaskSize?: number;
  /** IP reuse policy of each node's IPAM. @default 'sequential' (host-local) */
  ipReuse?: IpReusePolicy;
  /** kubelet maxPods. @default 110 */
  maxPodsPerNode?: number;
  /**
   * A failed node is marked NotReady, and its pods' Ready condition set to False, this long
   * after it failed (kube-controller-manager --node-monitor-grace-period). @default 40
   */
  nodeMonitorGracePeriod?: number;
  /**
   * The kubelet's generic PLEG relist period: a container (re)start is seen, and the pod synced
   * (status written, readiness probe triggered), at the node's next relist, each node's relists
   * on a phase of its own (kubelet genericPlegRelistPeriod = 1 s). 0 = seen at once. @default 1
   */
  plegRelistPeriod?: number;
  /** Start with every replica Running and Ready (`steady`) or with none (`empty`). @default 'steady' */
  initialState?: 'steady' | 'empty';
  /**
   * After its listener closes, a terminating app waits for the data plane's podDrained() (true)
   * or exits at once (false: for runs without pod servers). @default true
   */
  awaitDrain?: boolean;
  deployment?: DeploymentOptions;
  pod?: PodOptions;
  /**
   * Pod templates of later revisions (rollouts with a `template`), template k >= 1 at index
   * k - 1; each field left out is the pod's (`pod`). @default []
   */
  templates?: readonly PodOptions[];
}

export interface ResolvedClusterOptions {
  readonly nodes: number;
  readonly podCidr: string;
  readonly nodeCidrMaskSize: number;
  readonly ipReuse: IpReusePolicy;
  readonly maxPodsPerNode: number;
  readonly nodeMonitorGracePeriod: number;
  readonly plegRelistPeriod: number;
  readonly initialState: 'steady' | 'empty';
  readonly awaitDrain: boolean;
  readonly deployment: ResolvedDeploymentOptions;
  readonly pod: ResolvedPodOptions;
  /** Every pod template: index 0 is `pod`, then the rollouts' templates. */
  readonly templates: readonly ResolvedPodOptions[];
}

/**
 * Defaults of the pod's delay distributions, as specs: the one source of both CLUSTER_DEFAULTS
 * (which builds Distributions from them) and the scenario format's defaults.
 */
export const POD_DISTRIBUTION_DEFAULTS: {
  /** Pod startup SLO: p99 <= 5 s for a stateless pod with its image present (sig-scalability). */
  readonly startup: DistributionSpec;
  /** No default exists (the app's own start time). */
  readonly appStartDelay: DistributionSpec;
  /** No default exists (the app's own warm-up). */
  readonly appReadyDelay: DistributionSpec;
} = {
  startup: { distribution: 'lognormal', median: 1, p99: 5 },
  appStartDelay: { distribution: 'constant', value: 0 },
  appReadyDelay: { distribution: 'constant', value: 0 },
};

const DEFAULTS_BUT_TEMPLATES: Omit<ResolvedClusterOptions, 'templates'> = {
  nodes: 3,
  podCidr: '10.244.0.0/16',
  nodeCidrMaskSize: 24,
  ipReuse: 'sequential',
  maxPodsPerNode: 110,
  nodeMonitorGracePeriod: 40,
  plegRelistPeriod: 1,
  initialState: 'steady',
  awaitDrain: true,
  deployment: {
    kind: 'Deployment',
    name: 'app',
    labels: { app: 'app' },
    replicas: 1,
    maxSurge: { kind: 'percent', value: 25 },
    maxUnavailable: { kind: 'percent', value: 25 },
    minReadySeconds: 0,
    podManagementPolicy: 'OrderedReady',
    updateStrategy: {
      type: 'RollingUpdate',
      maxUnavailable: { kind: 'int', value: 1 },
      maxSurge: { kind: 'int', value: 0 },
      partition: 0,
    },
  },
  pod: {
    startup: makeDistribution(POD_DISTRIBUTION_DEFAULTS.startup),
    appStartDelay: makeDistribution(POD_DISTRIBUTION_DEFAULTS.appStartDelay),
    appReadyDelay: makeDistribution(POD_DISTRIBUTION_DEFAULTS.appReadyDelay),
    appReadiness: 'listening',
    readinessProbe: {
      enabled: true,
      initialDelaySeconds: 0,
      periodSeconds: 10,
      timeoutSeconds: 1,
      successThreshold: 1,
      failureThreshold: 3,
    },
    terminationGracePeriodSeconds: 30,
    preStopSleep: 0,
    listenerCloseDelay: 0,
    onSigterm: 'drain',
    restartBackoff: { initial: 10, max: 300 },
  },
};

export const CLUSTER_DEFAULTS: ResolvedClusterOptions = {
  ...DEFAULTS_BUT_TEMPLATES,
  templates: [DEFAULTS_BUT_TEMPLATES.pod],
};

/** One pod template: every omitted field is `base`'s. */
function resolvePod(p: PodOptions, base: ResolvedPodOptions): ResolvedPodOptions {
  return {
    startup: p.startup ?? base.startup,
    appStartDelay: p.appStartDelay ?? base.appStartDelay,
    appReadyDelay: p.appReadyDelay ?? base.appReadyDelay,
    appReadiness: p.appReadiness ?? base.appReadiness,
    readinessProbe: { ...base.readinessProbe, ...(p.readinessProbe ?? {}) },
    terminationGracePeriodSeconds:
      p.terminationGracePeriodSeconds ?? base.terminationGracePeriodSeconds,
    preStopSleep: p.preStopSleep ?? base.preStopSleep,
    listenerCloseDelay: p.listenerCloseDelay ?? base.listenerCloseDelay,
    onSigterm: p.onSigterm ?? base.onSigterm,
    restartBackoff: { ...base.restartBackoff, ...(p.restartBackoff ?? {}) },
  };
}

/** Fills every omitted option from CLUSTER_DEFAULTS and checks ranges (errors name the field). */
export function resolveClusterOptions(o: ClusterOptions = {}): ResolvedClusterOptions {
  const d = CLUSTER_DEFAULTS;
  const p = o.pod ?? {};
  const pod = resolvePod(p, d.pod);
  const probe = pod.readinessProbe;
  const templates = [pod, ...(o.templates ?? []).map((t) => resolvePod(t, pod))];
  const r: ResolvedClusterOptions = {
    nodes: o.nodes ?? d.nodes,
    podCidr: o.podCidr ?? d.podCidr,
    nodeCidrMaskSize: o.nodeCidrMaskSize ?? d.nodeCidrMaskSize,
    ipReuse: o.ipReuse ?? d.ipReuse,
    maxPodsPerNode: o.maxPodsPerNode ?? d.maxPodsPerNode,
    nodeMonitorGracePeriod: o.nodeMonitorGracePeriod ?? d.nodeMonitorGracePeriod,
    plegRelistPeriod: o.plegRelistPeriod ?? d.plegRelistPeriod,
    initialState: o.initialState ?? d.initialState,
    awaitDrain: o.awaitDrain ?? d.awaitDrain,
    deployment: {
      ...d.deployment,
      ...(o.deployment ?? {}),
      updateStrategy: { ...d.deployment.updateStrategy, ...(o.deployment?.updateStrategy ?? {}) },
    },
    pod,
    templates,
  };
  const bad = (path: string, expected: string, got: unknown): never => {
    throw new RangeError(`${path}: expected ${expected}, got \`${String(got)}\``);
  };
  if (!Number.isInteger(r.nodes) || r.nodes < 1) bad('cluster.nodes', 'an integer >= 1', r.nodes);
  if (!Number.isInteger(r.deployment.replicas) || r.deployment.replicas < 0) {
    bad('deployment.replicas', 'an integer >= 0', r.deployment.replicas);
  }
  const partition = r.deployment.updateStrategy.partition;
  if (!Number.isInteger(partition) || partition < 0) {
    bad('deployment.updateStrategy.rollingUpdate.partition', 'an integer >= 0', partition);
  }
  if (!(probe.periodSeconds > 0))
    bad('readinessProbe.periodSeconds', 'a number > 0', probe.periodSeconds);
  if (!(probe.successThreshold >= 1))
    bad('readinessProbe.successThreshold', 'an integer >= 1', probe.successThreshold);
  if (!(probe.failureThreshold >= 1))
    bad('readinessProbe.failureThreshold', 'an integer >= 1', probe.failureThreshold);
  if (!(r.pod.terminationGracePeriodSeconds >= 0)) {
    bad('pod.terminationGracePeriodSeconds', 'a number >= 0', r.pod.terminationGracePeriodSeconds);
  }
  if (
    !(r.pod.restartBackoff.initial > 0 && r.pod.restartBackoff.max >= r.pod.restartBackoff.initial)
  ) {
    bad(
      'pod.restartBackoff',
      'initial > 0 and max >= initial',
      JSON.stringify(r.pod.restartBackoff),
    );
  }
  return r;
}
