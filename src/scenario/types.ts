/**
 * The resolved scenario: what a scenario file means once validated, with every default filled
 * in, every duration in seconds, every distribution a DistributionSpec (the builder calls
 * makeDistribution), every percentage parsed. Plain, readonly, structured-clone-safe data: it
 * crosses the worker boundary and is written verbatim into run.json.
 *
 * Names are the file format's names (Kubernetes names where a concept exists). The builder
 * (src/scenario/build.ts) maps them onto each layer's option types. Every field's default and
 * its source are in docs/SCENARIO-FORMAT.md.
 */
import type { IpReusePolicy } from '../cluster/ip-allocator.js';
import type { ResolvedReadinessProbeOptions } from '../cluster/options.js';
import type {
  ClientTimeoutOptions,
  ConnectionOptions,
  ExternalClientOptions,
  NetworkOptions,
  RetryOptions,
} from '../dataplane/path-options.js';
import type { ResolvedSyncCostOptions } from '../dataplane/sync-cost.js';
import type { DistributionSpec } from '../engine/distributions/index.js';
import type { IntOrPercent } from '../fields/units.js';
import type { ArrivalSpec } from '../workload/arrivals.js';
import type { ClientPlacementOptions } from '../workload/clients.js';

/*
 * Where a section means exactly what a model layer's resolved options mean, its type here is
 * that type (field docs and `@default`s live there), so the file format and the model cannot
 * drift apart; the values of the defaults are one source too (schema/defaults.ts).
 */

export type { IpReusePolicy } from '../cluster/ip-allocator.js';
export type { RetryableErrorKind } from '../dataplane/path-options.js';
export type { DistributionSpec } from '../engine/distributions/index.js';
export type { IntOrPercent } from '../fields/units.js';

export interface ResolvedOutput {
  /** Width of a time-series window in seconds. @default 1 */
  readonly window: number;
}

export interface ResolvedCluster {
  /** Number of nodes. @default 3 */
  readonly nodes: number;
  /** Cluster pod CIDR, dotted quad with prefix. @default '10.244.0.0/16' */
  readonly podCidr: string;
  /** Prefix length of each node's pod range (kube-controller-manager --node-cidr-mask-size). @default 24 */
  readonly nodeCidrMaskSize: number;
  /** IP reuse policy of each node's IPAM. @default 'sequential' */
  readonly ipReuse: IpReusePolicy;
  /** Other Services in the cluster (rules every kube-proxy holds, for sync cost). @default 0 */
  readonly otherServices: number;
  /** Endpoints of each other Service. @default 10 */
  readonly endpointsPerOtherService: number;
  /** kubelet maxPods. @default 110 */
  readonly maxPodsPerNode: number;
  /** A failed node is marked NotReady (its pods not Ready) this long after it fails (--node-monitor-grace-period). @default 40 */
  readonly nodeMonitorGracePeriod: number;
  /** kubelet generic PLEG relist period: a container start is seen (pod synced, probe triggered) at the next relist. @default 1 */
  readonly plegRelistPeriod: number;
  /** Start with every replica Running and Ready and every table programmed, or with none. @default 'steady' */
  readonly initialState: 'steady' | 'empty';
  /** The cluster's CoreDNS (default Corefile: `ttl 30`, `cache 30`; 2 replicas). */
  readonly dns: import('../dataplane/discovery/coredns-cache.js').ClusterDnsOptions;
}

/** Round-trip times, seconds (the request path's NetworkOptions). */
export type ResolvedNetwork = NetworkOptions;

/** core/v1 Probe (the cluster model's readiness-probe options). */
export type ResolvedReadinessProbe = ResolvedReadinessProbeOptions;

export interface ResolvedPod {
  /** Application errors: a share of requests answered with `status` after their service time. @default {probability: 0, status: 500} */
  readonly errors: { readonly probability: number; readonly status: number };
  /** Requests served at once (workers). @default 1 */
  readonly concurrency: number;
  /** Queue length limit beyond the workers, then 503; null = unlimited. @default null */
  readonly queueLimit: number | null;
  /** Service time of one request. @default exponential mean 10 ms */
  readonly serviceTime: DistributionSpec;
  /** Slow-start ramp after becoming Ready, seconds; 0 = none. @default 0 */
  readonly slowStart: number;
  /** Service-time multiplier at the instant the pod becomes Ready, decaying linearly to 1. @default 3 */
  readonly slowStartFactor: number;
  /** Pending time: scheduling + image pull + container start. @default lognormal median 1 s, p99 5 s */
  readonly startup: DistributionSpec;
  /** From container start until the app listens. @default constant 0 */
  readonly appStartDelay: DistributionSpec;
  /** From listening until the app's readiness endpoint answers 200 (warm-up). @default constant 0 */
  readonly appReadyDelay: DistributionSpec;
  /** `listening`: ready while listening; `fail-on-sigterm`: also answers 503 from SIGTERM on. @default 'listening' */
  readonly appReadiness: 'listening' | 'fail-on-sigterm';
  readonly readinessProbe: ResolvedReadinessProbe;
  /** @default 30 */
  readonly terminationGracePeriodSeconds: number;
  /** lifecycle.preStop sleep action, seconds; 0 = no preStop hook. @default 0 */
  readonly preStopSleep: number;
  /** Delay between SIGTERM and the app closing its listener, seconds. @default 0 */
  readonly listenerCloseDelay: number;
  /** What the app does with in-flight and queued work on SIGTERM. @default 'drain' */
  readonly onSigterm: 'drain' | 'exit';
  /** CrashLoopBackOff: first restart delay and cap, seconds. @default {initial: 10, max: 300} */
  readonly restartBackoff: { readonly initial: number; readonly max: number };
}

/** A DaemonSet's or StatefulSet's spec.updateStrategy (the rolling update's bounds flattened in). */
export interface ResolvedUpdateStrategy {
  /** @default 'RollingUpdate' */
  readonly type: 'RollingUpdate' | 'OnDelete';
  readonly rollingUpdate: {
    /** DaemonSet: nodes whose pod may be unavailable at once; rounds up. @default 1 */
    readonly maxUnavailable: IntOrPercent;
    /** DaemonSet: nodes that may run a new pod beside the old one; rounds up. @default 0 */
    readonly maxSurge: IntOrPercent;
    /** StatefulSet: ordinals below it keep the current revision. @default 0 */
    readonly partition: number;
  };
}

export interface ResolvedDeployment {
  /** The workload's kind: `Deployment`, `DaemonSet` (one pod per node) or `StatefulSet`. @default 'Deployment' */
  readonly kind: 'Deployment' | 'DaemonSet' | 'StatefulSet';
  /** @default 1 (not for a DaemonSet: one pod per node) */
  readonly replicas: number;
  /** @default 25% */
  readonly maxSurge: IntOrPercent;
  /** @default 25% */
  readonly maxUnavailable: IntOrPercent;
  /** @default 0 */
  readonly minReadySeconds: number;
  /** StatefulSet: `OrderedReady` or `Parallel`. @default 'OrderedReady' */
  readonly podManagementPolicy: 'OrderedReady' | 'Parallel';
  /** DaemonSet and StatefulSet. */
  readonly updateStrategy: ResolvedUpdateStrategy;
  readonly pod: ResolvedPod;
}

export interface ResolvedService {
  /** @default 'None' */
  readonly sessionAffinity: 'None' | 'ClientIP';
  /** sessionAffinityConfig.clientIP.timeoutSeconds. @default 10800 */
  readonly sessionAffinityTimeoutSeconds: number;
  /** @default 'Cluster' */
  readonly externalTrafficPolicy: 'Cluster' | 'Local';
  /** @default 'Cluster' */
  readonly internalTrafficPolicy: 'Cluster' | 'Local';
  /** spec.clusterIP: `None` = headless (no kube-proxy rules; clients resolve pod IPs). @default '' */
  readonly clusterIP: string;
}

/**
 * Arrival processes (the workload layer's ArrivalSpec, with every default filled in). Rates are
 * requests per second, all clients together.
 */
export type ResolvedArrivals =
  | Exclude<ArrivalSpec, { readonly process: 'trace' | 'closed-loop' }>
  | (Extract<ArrivalSpec, { readonly process: 'trace' }> & {
      /** Path of the CSV as resolved (absolute). */
      readonly file: string;
    })
  | (Extract<ArrivalSpec, { readonly process: 'closed-loop' }> & {
      /** @default 0 */
      readonly rampUp: number;
      /** Requests per second per user at most; null = no cap. @default null */
      readonly rate: number | null;
    });

/** The external clients' load balancer (the request path's ExternalClientOptions). */
export type ResolvedExternalClients = ExternalClientOptions;

/** Where the clients are (the workload layer's ClientPlacementOptions) and how they enter. */
export type ResolvedClients = ClientPlacementOptions & {
  readonly external: ResolvedExternalClients;
};

/** Client connection handling (the request path's ConnectionOptions). */
export type ResolvedConnections = ConnectionOptions;

/** Client timeouts and TCP behaviour (the request path's ClientTimeoutOptions). */
export type ResolvedTimeouts = ClientTimeoutOptions;

/** Client retries (the request path's RetryOptions). */
export type ResolvedRetries = RetryOptions;

export interface ResolvedWorkload {
  readonly arrivals: ResolvedArrivals;
  readonly clients: ResolvedClients;
  readonly connections: ResolvedConnections;
  readonly timeouts: ResolvedTimeouts;
  readonly retries: ResolvedRetries;
}

/** Churn processes and events, in file order. Times are seconds from the start of the run. */
export type ResolvedChurn =
  | {
      readonly type: 'crash';
      /** Mean time between failures per pod (Poisson), seconds. */
      readonly mtbf: number;
      /** restart: container restarts in place (same IP); replace: new pod, new IP. @default 'restart' */
      readonly action: 'restart' | 'replace';
      /** Active from this time. @default 0 */
      readonly from: number;
      /** Until this time; null = end of run. @default null */
      readonly until: number | null;
    }
  | {
      readonly type: 'rollout';
      readonly at: number;
      /**
       * The new pod template (a bad release): the previous template with the keys given in
       * the file. Absent: the current template (kubectl rollout restart).
       */
      readonly template?: ResolvedPod;
    }
  | { readonly type: 'scale'; readonly at: number; readonly replicas: number }
  | {
      readonly type: 'kill';
      readonly at: number;
      /** @default 1 */
      readonly count: number;
      /** @default 'replace' */
      readonly action: 'restart' | 'replace';
      /** true: a graceful delete (preStop, SIGTERM, grace period); false: SIGKILL. @default false */
      readonly graceful: boolean;
    }
  | {
      readonly type: 'node-failure';
      readonly at: number;
      /** @default 0 */
      readonly node: number;
      /** Eviction delay of its pods (node.kubernetes.io/unreachable toleration). @default 300 */
      readonly tolerationSeconds: number;
    };

/** Which pods (or nodes) a fault hits: exactly one key (see cluster/faults.ts TargetSelector). */
export interface ResolvedTargetSelector {
  readonly count?: number;
  readonly fraction?: number;
  readonly ordinals?: readonly number[];
  readonly node?: number;
}

interface FaultWindow {
  readonly pods: ResolvedTargetSelector;
  /** Start, seconds. @default 0 */
  readonly at: number;
  /** Length, seconds; null = until the end of the run (or until the pod is gone). @default null */
  readonly for: number | null;
}

/** `faults:` entries, in file order. */
export type ResolvedFault =
  | (FaultWindow & {
      readonly type: 'slow';
      /** Replaces the service-time distribution (exactly one of serviceTime, factor). */
      readonly serviceTime: DistributionSpec | null;
      /** Multiplies each request's service time. */
      readonly factor: number | null;
    })
  | (FaultWindow & {
      readonly type: 'errors';
      /** Share of requests answered with `status` after their service time. */
      readonly probability: number;
      /** @default 500 */
      readonly status: number;
    })
  | (FaultWindow & { readonly type: 'blackhole' })
  | (FaultWindow & { readonly type: 'refuse' })
  | {
      readonly type: 'kube-proxy-restart';
      readonly nodes: ResolvedTargetSelector;
      /** @default 0 */
      readonly at: number;
      /** How long kube-proxy is down before it starts, seconds. @default 0 */
      readonly for: number;
      /** Rules torn down at start (kube-proxy < 1.14, kubernetes#75360). @default false */
      readonly flush: boolean;
    };

export interface ResolvedPropagation {
  /** Delay of a watch event to each watcher (each node's kube-proxy). @default exponential mean 50 ms */
  readonly watchDelay: DistributionSpec;
  /** Pod change -> EndpointSlice write by the controller. @default constant 0 */
  readonly controllerDelay: DistributionSpec;
  /** EndpointSlice controller batch period, seconds. @default 0 */
  readonly batchPeriod: number;
  /** @default 100 */
  readonly maxEndpointsPerSlice: number;
}

/**
 * Sync-time model of kube-proxy (src/dataplane/sync-cost.ts; derivation in docs/MODEL.md). The
 * cluster's other Services are `cluster.otherServices` / `cluster.endpointsPerOtherService`.
 */
export type ResolvedSyncCost = Omit<
  ResolvedSyncCostOptions,
  'otherServices' | 'endpointsPerOtherService'
>;

export interface ResolvedKubeProxy {
  /** @default 1 */
  readonly minSyncPeriod: number;
  /** @default 30 */
  readonly syncPeriod: number;
  /** Bounded-frequency runner burst. @default 2 */
  readonly burstSyncs: number;
  /** iptables partial sync (KEP-3453, GA 1.28). @default true */
  readonly partialSync: boolean;
  readonly syncCost: ResolvedSyncCost;
}

/** A balancer under comparison, options validated by its registry descriptor's schema. */
export interface ResolvedBalancer {
  /** Registry name (`iptables`, `ipvs-rr`, `nginx-static`...). */
  readonly name: string;
  /** Unique label in outputs. @default the name */
  readonly label: string;
  /** The descriptor's resolved options (its zod schema's output). */
  readonly options: Readonly<Record<string, unknown>>;
}

/** Everything one simulation needs (one variant of a scenario). */
export interface ScenarioConfig {
  readonly name: string;
  /** @default '' */
  readonly description: string;
  /** Simulated time, seconds. @default 60 */
  readonly duration: number;
  /** Excluded from statistics, seconds. @default 0 */
  readonly warmup: number;
  /** @default 1 */
  readonly seed: number;
  /** @default 1 */
  readonly replications: number;
  readonly output: ResolvedOutput;
  readonly cluster: ResolvedCluster;
  readonly network: ResolvedNetwork;
  readonly deployment: ResolvedDeployment;
  readonly service: ResolvedService;
  readonly workload: ResolvedWorkload;
  readonly churn: readonly ResolvedChurn[];
  /** @default [] */
  readonly faults: readonly ResolvedFault[];
  readonly propagation: ResolvedPropagation;
  readonly kubeProxy: ResolvedKubeProxy;
  /** @default [iptables] (kube-proxy's default mode on Linux) */
  readonly balancers: readonly ResolvedBalancer[];
  /**
   * Failure conditions on summary.csv columns (`latency_p99_ms > 200`), checked per (variant,
   * balancer) on the replication mean after `lbsim run` (exit 3 when one holds). @default []
   */
  readonly thresholds: readonly string[];
}

/** Swept parameter values of one variant: key path -> value as written in the file. */
export type VariantParams = Readonly<Record<string, unknown>>;

/** One point of the sweep's cartesian product. */
export interface Variant {
  /** 0-based, in expansion order (first sweep key varies slowest). */
  readonly index: number;
  /** `workload.arrivals.rate=500,deployment.replicas=4`, or `default` without a sweep. */
  readonly label: string;
  readonly params: VariantParams;
  readonly scenario: ScenarioConfig;
}

/** A loaded scenario: the base configuration plus its sweep expansion (at least one variant). */
export interface ResolvedScenario extends ScenarioConfig {
  /** Absolute path of the file it came from (undefined when built from an object). */
  readonly file: string | undefined;
  /** The `sweep:` as written (key path -> values); empty without a sweep. */
  readonly sweep: Readonly<Record<string, readonly unknown[]>>;
  readonly variants: readonly Variant[];
}

/** Label of the only variant of a scenario without a sweep. */
export const DEFAULT_VARIANT_LABEL = 'default';

/** Overrides the CLI passes to loadScenarioFile. */
export interface ScenarioOverrides {
  /** `path=value` assignments, values parsed as YAML scalars (`--set`). */
  readonly set?: readonly string[];
  /** Replaces `seed`. */
  readonly seed?: number;
  /** Replaces `replications`. */
  readonly replications?: number;
  /** Replaces `balancers:` (`--balancers`; see balancer-override.ts). */
  readonly balancers?: readonly string[];
}
