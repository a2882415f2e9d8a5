/**
 * The resolved scenario: what a scenario file means once validated, with every default filled
 * in, every duration in seconds, every distribution a DistributionSpec (the builder calls
 * makeDistribution), every percentage parsed. Plain, readonly, structured-clone-safe data: it
 * crosses the worker boundary and is written verbatim into run.json.
 *
 * Names are the file format's names (Kubernetes names where a concept exists). The builder
 * (src/scenario/build.ts) maps them onto each layer's option types. Every field's default and
 * its source are in docs/parts/scenario-format.md.
 */
import type { DistributionSpec } from '../engine/distributions.js';
import type { IntOrPercent } from '../schema/units.js';

export type { DistributionSpec } from '../engine/distributions.js';
export type { IntOrPercent } from '../schema/units.js';

/** How a node's IPAM reuses released pod IPs (host-local allocates sequentially, wrapping). */
export type IpReusePolicy = 'sequential' | 'random' | 'lifo' | 'never';

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
  /** Start with every replica Running and Ready and every table programmed, or with none. @default 'steady' */
  readonly initialState: 'steady' | 'empty';
}

export interface ResolvedNetwork {
  /** Round-trip time of a same-node hop, seconds. @default 0.0002 */
  readonly rtt: number;
  /** Round-trip time of a cross-node hop, seconds. @default = rtt */
  readonly crossNodeRtt: number;
  /** Round-trip time between an external client and a node, seconds. @default = rtt */
  readonly externalRtt: number;
}

export interface ResolvedReadinessProbe {
  /** false: no readiness probe: the kubelet reports the pod Ready as soon as its container runs (listening or not), as Kubernetes does. @default true */
  readonly enabled: boolean;
  /** @default 0 */
  readonly initialDelaySeconds: number;
  /** @default 10 */
  readonly periodSeconds: number;
  /** @default 1 */
  readonly timeoutSeconds: number;
  /** @default 1 */
  readonly successThreshold: number;
  /** @default 3 */
  readonly failureThreshold: number;
}

export interface ResolvedPod {
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

export interface ResolvedDeployment {
  /** @default 1 */
  readonly replicas: number;
  /** @default 25% */
  readonly maxSurge: IntOrPercent;
  /** @default 25% */
  readonly maxUnavailable: IntOrPercent;
  /** @default 0 */
  readonly minReadySeconds: number;
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
}

/** Arrival processes. Rates are requests per second, all clients together. */
export type ResolvedArrivals =
  | { readonly process: 'poisson'; readonly rate: number }
  | { readonly process: 'constant'; readonly rate: number }
  | {
      readonly process: 'on-off';
      /** Rate while on. */
      readonly rate: number;
      /** Rate while off. @default 0 */
      readonly offRate: number;
      readonly on: DistributionSpec;
      readonly off: DistributionSpec;
      /** Poisson or evenly spaced arrivals within a phase. @default 'poisson' */
      readonly within: 'poisson' | 'constant';
    }
  | {
      readonly process: 'diurnal';
      /** Non-homogeneous Poisson, rate(t) = min + (max - min) (1 - cos(2 pi (t / period + phase))) / 2. */
      readonly minRate: number;
      readonly maxRate: number;
      /** @default the scenario's duration */
      readonly period: number;
      /** Fraction of a period at t = 0. @default 0 */
      readonly phase: number;
    }
  | {
      readonly process: 'trace';
      /** Path of the CSV as resolved (absolute). */
      readonly file: string;
      /** Arrival times in seconds from the start of the run, ascending. */
      readonly times: readonly number[];
      /** Replay the trace again after its last arrival. @default false */
      readonly loop: boolean;
    }
  | {
      readonly process: 'closed-loop';
      /** Concurrent users, each with one request outstanding. */
      readonly users: number;
      /** Think time between a response and the next request. @default constant 0 */
      readonly thinkTime: DistributionSpec;
      /** Users start at a uniform offset in [0, rampUp) (0: all at once, as wrk). @default 0 */
      readonly rampUp: number;
    }
  | {
      readonly process: 'piecewise';
      /** Non-homogeneous Poisson with a piecewise-linear rate through these points (ascending `at`). */
      readonly points: readonly { readonly at: number; readonly rate: number }[];
    };

export interface ResolvedExternalClients {
  /** Nodes the external load balancer sends to; null = all nodes. @default null */
  readonly nodes: readonly number[] | null;
  /** External LB health-check interval on the healthCheckNodePort, seconds. @default 5 */
  readonly healthCheckInterval: number;
  /** @default 2 */
  readonly healthyThreshold: number;
  /** @default 2 */
  readonly unhealthyThreshold: number;
}

export interface ResolvedClients {
  /** Number of client identities (source IPs, each with its own connection pool). @default 10 */
  readonly count: number;
  /** In-cluster clients on nodes, or external ones entering through a NodePort. @default 'in-cluster' */
  readonly location: 'in-cluster' | 'external';
  /** Spread over nodes: evenly, or by weight per node (length = cluster.nodes). @default 'even' */
  readonly placement: 'even' | { readonly weights: readonly number[] };
  readonly external: ResolvedExternalClients;
}

export interface ResolvedConnections {
  /** @default 'per-request' */
  readonly mode: 'per-request' | 'keepalive' | 'http2';
  /** keepalive: connections per client pool (Go MaxIdleConnsPerHost). @default 2 */
  readonly poolSize: number;
  /** Requests per connection before it is closed; 0 = unlimited. @default 0 */
  readonly maxRequestsPerConnection: number;
  /** Connection lifetime, seconds; 0 = unlimited. @default 0 */
  readonly maxLifetime: number;
  /** Idle connections closed after this, seconds; 0 = never (Go IdleConnTimeout 90 s). @default 90 */
  readonly idleTimeout: number;
  /** http2: concurrent streams per connection (Go x/net/http2 server default 250). @default 250 */
  readonly maxConcurrentStreams: number;
}

export interface ResolvedTimeouts {
  /** Client connect timeout, seconds (Go net/http DefaultTransport dialer: 30 s). @default 30 */
  readonly connect: number;
  /** Per-try request timeout, seconds; 0 = none (Go http.Client default). @default 0 */
  readonly request: number;
  /** What a SYN to an IP with nobody behind it gets: silence until timeout, or EHOSTUNREACH. @default 'timeout' */
  readonly unreachable: 'timeout' | 'ehostunreach';
  /** When EHOSTUNREACH arrives after the SYN (neighbour resolution failing), seconds. @default 3 */
  readonly hostUnreachableAfter: number;
  /** net.ipv4.tcp_syn_retries. @default 6 */
  readonly synRetries: number;
  /** How long a request on an established connection to a silently dead host hangs (tcp_retries2 15). @default 924.6 */
  readonly deadPeerTimeout: number;
}

/** Error kinds a client may retry on (names of ErrorKind in src/dataplane/types.ts). */
export type RetryableErrorKind =
  | 'refused'
  | 'connect_timeout'
  | 'host_unreachable'
  | 'reset'
  | 'no_endpoints'
  | 'http_502'
  | 'http_503'
  | 'http_504'
  | 'client_timeout';

export interface ResolvedRetries {
  /** Retries after the first try; 0 = none. @default 0 */
  readonly count: number;
  /** Backoff before retry k (k from 0): min(max, initial * multiplier^k), with jitter. */
  readonly backoff: {
    /** @default 0.025 */
    readonly initial: number;
    /** @default 0.25 */
    readonly max: number;
    /** @default 2 */
    readonly multiplier: number;
    /** Fraction of the delay drawn uniformly at random (full jitter = 1). @default 0 */
    readonly jitter: number;
  };
  /** Which failures are retried. @default ['refused', 'connect_timeout', 'host_unreachable', 'no_endpoints'] */
  readonly on: readonly RetryableErrorKind[];
}

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
  | { readonly type: 'rollout'; readonly at: number }
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

/** Sync-time model of kube-proxy (src/dataplane/sync-cost.ts; derivation in docs/MODEL.md). */
export interface ResolvedSyncCost {
  readonly iptables: {
    /** Fixed cost of one iptables-restore, seconds. @default 0.005 */
    readonly base: number;
    /** Per rule written (generation + restore parsing), seconds. @default 12.5e-6 */
    readonly perRuleWritten: number;
    /** Per rule in the node's table (read + replace), paid by partial syncs too. @default 11e-6 */
    readonly perRuleInTable: number;
    /** Rules per Service (KUBE-SERVICES match, KUBE-SVC chain). @default 4 */
    readonly rulesPerService: number;
    /** Rules per endpoint (KUBE-SEP chain: masquerade mark + DNAT, plus the SVC jump). @default 3 */
    readonly rulesPerEndpoint: number;
    /** Rules per Service in the dispatch chains a partial sync still rewrites. @default 2 */
    readonly dispatchRulesPerService: number;
  };
  /** @default {base: 0.005, perService: 10e-6, perChange: 100e-6} (UNVERIFIED) */
  readonly ipvs: { readonly base: number; readonly perService: number; readonly perChange: number };
  /** @default {base: 0.005, perService: 2e-6, perChange: 20e-6} (UNVERIFIED) */
  readonly nftables: {
    readonly base: number;
    readonly perService: number;
    readonly perChange: number;
  };
}

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
  readonly propagation: ResolvedPropagation;
  readonly kubeProxy: ResolvedKubeProxy;
  /** @default [iptables] (kube-proxy's default mode on Linux) */
  readonly balancers: readonly ResolvedBalancer[];
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
}
