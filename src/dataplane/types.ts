import type { Ip, NodeId } from '../cluster/types.js';
import type { Rng, Simulation } from '../engine/index.js';

/**
 * One node's programmed endpoint table for the Service: what kube-proxy last wrote into this
 * node's iptables/IPVS/nftables rules. Immutable once built; a sync replaces it with a new one.
 *
 * It holds only the *usable* endpoints in rule order: ready ones, or, when none is ready, the
 * serving-and-terminating ones (KEP-1669). Balancers choose only from here; they never see
 * ground truth.
 */
export interface EndpointTable {
  /** Per-node sync generation that produced this table (0 = initial programming). */
  readonly version: number;
  /** Number of usable endpoints. */
  readonly size: number;
  /** Endpoint IPs in rule order, length `size`. */
  readonly ips: Uint32Array;
  /** Node hosting each endpoint (topology: same-node hop vs cross-node hop), length `size`. */
  readonly nodes: Int32Array;
  /** True when the table fell back to terminating endpoints because none was ready. */
  readonly usingTerminating: boolean;
  /** Index of `ip` in the table, or -1. */
  indexOf(ip: Ip): number;
}

/** What a per-node balancer may use: the engine (for its own timers) and its own stream. */
export interface BalancerContext {
  readonly sim: Simulation;
  /** This node's stream, `balancer:<node>`: state and randomness are per node. */
  readonly rng: Rng;
  readonly node: NodeId;
}

/**
 * A kube-proxy data-plane policy on one node: iptables, nftables or an IPVS scheduler. One
 * instance per node, so state (IPVS rr pointer, connection counts, `recent` affinity entries) is
 * per node as in the kernel.
 */
export interface L4Balancer {
  /**
   * Chooses the endpoint for a new connection from this node's current table. Returns the
   * index into `table`, or -1 when the table is empty (iptables/nftables REJECT).
   * `clientIp` feeds source hashing and ClientIP affinity.
   */
  pick(table: EndpointTable, clientIp: Ip): number;
  /** kube-proxy on this node finished a sync: `table` is now programmed. */
  tableProgrammed(table: EndpointTable): void;
  /** A connection this node balanced to `ip` was established. */
  connectionOpened(ip: Ip): void;
  /** That connection closed (IPVS counts it inactive until its FIN/TIME_WAIT timeout). */
  connectionClosed(ip: Ip): void;
  /**
   * Optional: the SYN of a connection this node balanced to `ip` (picked, not yet opened) was
   * answered with RST: nothing listens there. IPVS moves the attempt's entry to CLOSE.
   */
  connectionRefused?(ip: Ip): void;
  /**
   * Optional: the client retransmitted the SYN of such a pending attempt to `ip` (no answer
   * yet). IPVS restarts the attempt entry's SYN_RECV timer.
   */
  synRetransmitted?(ip: Ip): void;
  /**
   * Optional: the run starts from a steady state (cluster.initialState `steady`) and the table
   * just programmed (kube-proxy's bootstrap) has been serving for long. A balancer with a
   * position (IPVS rr/wrr) puts it where a long history leaves it: anywhere in its cycle,
   * drawn, not at the list head (unless its `start` option is `fresh`: a Service just created).
   * Called once, after the first tableProgrammed.
   */
  settle?(): void;
}

/**
 * An Nginx worker's upstream peer selection (static list), with passive health state. One per
 * worker, or one shared by all workers when a `zone` is configured.
 */
export interface UpstreamPicker {
  /** Number of peers in the (static) upstream list. */
  readonly size: number;
  /** Peer IPs, as configured when Nginx loaded its configuration. */
  readonly ips: Uint32Array;
  /**
   * Chooses a peer for one try of a request, skipping peers in `triedMask` (bit i = peer i
   * already tried by this request; peers beyond 31 are tracked modulo, see implementation) and
   * peers marked down by max_fails/fail_timeout. Returns -1 when no live peer remains
   * ("no live upstreams": 502).
   */
  pick(now: number, triedMask: number): number;
  /** A try to `peer` failed with an error counted by max_fails (error/timeout). */
  reportFailure(peer: number, now: number): void;
  /** A try to `peer` got a response. */
  reportSuccess(peer: number, now: number): void;
  /** Connection accounting for least_conn. */
  connectionOpened(peer: number): void;
  connectionClosed(peer: number): void;
  /** Replaces the peer list (only via the optional reloadInterval cron workaround). */
  reload(ips: Uint32Array, now: number): void;
  /**
   * Optional log-phase hook (ingress-nginx's `after_balance`): once per client request, the
   * outcome and timings of its *first* upstream try, credited to that try's `peer`. Pickers
   * without it (nginx's own) learn only through reportSuccess / reportFailure. `result` is
   * reused by the hop: read it inside the call only.
   */
  afterBalance?(peer: number, result: import('./path/hop.js').UpstreamResult, now: number): void;
  /** Optional metric: max - min of the picker's latency scores at `now`, seconds (ewma). */
  spread?(now: number): number;
}

/** Failure kinds as the client sees them. Small integers: no strings on the hot path. */
export const ErrorKind = {
  refused: 0,
  connect_timeout: 1,
  host_unreachable: 2,
  reset: 3,
  no_endpoints: 4,
  http_502: 5,
  http_503: 6,
  http_504: 7,
  client_timeout: 8,
  /** The application answered 500 (an errors fault, or the template's `errors:`). */
  http_500: 9,
  /** The application answered another error status (4xx, 5xx other than 500/502/503/504). */
  http_error: 10,
} as const;
export type ErrorKind = (typeof ErrorKind)[keyof typeof ErrorKind];
export const ERROR_KIND_NAMES: readonly string[] = Object.keys(ErrorKind);

/** The ErrorKind of an HTTP error status as the client sees it. */
export function statusKind(status: number): ErrorKind {
  switch (status) {
    case 502:
      return ErrorKind.http_502;
    case 503:
      return ErrorKind.http_503;
    case 504:
      return ErrorKind.http_504;
    case 500:
      return ErrorKind.http_500;
    default:
      return ErrorKind.http_error;
  }
}

/** Why an error happened (the truth behind it, which the client does not see). */
export const ErrorCause = {
  /** The table pointed at an IP with no pod behind it. */
  stale_endpoint: 0,
  /** The pod exists but its app is not listening yet (starting or restarting). */
  not_listening: 1,
  /** The pod closed its listener after SIGTERM (the termination race). */
  terminating_pod: 2,
  /** The container died with the request in flight or queued. */
  pod_killed: 3,
  /** The pod's queue was full. */
  overload: 4,
  /** The node's table had no endpoint. */
  no_endpoints: 5,
  /** Nginx: every upstream marked down or already tried. */
  no_live_upstreams: 6,
  /** The client gave up waiting for a response. */
  slow_response: 7,
  /** The client's node (or the Nginx node) failed. */
  node_failure: 8,
  /** The pod's template answers errors (deployment.pod.errors or a rollout's template). */
  app_error: 9,
  /** An `errors` fault held the pod. */
  fault_errors: 10,
  /** A `slow` fault held the pod while it served the request. */
  fault_slow: 11,
  /** A `blackhole` fault held the pod: it accepted the request and never answered. */
  fault_blackhole: 12,
  /** A `refuse` fault closed the pod's listener (the application would otherwise accept). */
  fault_refuse: 13,
} as const;
export type ErrorCause = (typeof ErrorCause)[keyof typeof ErrorCause];
export const ERROR_CAUSE_NAMES: readonly string[] = Object.keys(ErrorCause);

/** Families of data planes lbsim compares. */
export type BalancerFamily =
  | 'iptables'
  | 'nftables'
  | 'ipvs'
  | 'nginx'
  | 'ingress-nginx'
  | 'grpc'
  | 'cilium'
  | 'envoy'
  | 'linkerd';

/** Families that run as an L7 hop with their own discovery path. */
export type L7Family = 'ingress-nginx' | 'envoy' | 'linkerd' | 'grpc';

/**
 * Registry entry of a kube-proxy mode / IPVS scheduler. `options` is a strict zod schema
 * (unknown keys rejected) whose output is the resolved option object, defaults filled in; loose
 * input (durations, percentages) is normalised by src/fields/fields.ts.
 */
export interface L4BalancerDescriptor<O = unknown> {
  readonly kind: 'l4';
  readonly name: string;
  readonly family: Exclude<BalancerFamily, 'nginx' | L7Family>;
  readonly description: string;
  readonly options: import('zod').ZodType<O>;
  create(ctx: BalancerContext, options: O): L4Balancer;
}

/** Registry entry of a proxy (Nginx) balancer: clients -> proxy node -> pod IPs directly. */
export interface ProxyBalancerDescriptor {
  readonly kind: 'proxy';
  readonly name: string;
  readonly family: 'nginx';
  readonly description: string;
  readonly options: import('zod').ZodType<NginxOptions>;
  /** One picker per worker, or one shared by all workers when `options.zone` is set. */
  createPicker(ips: Uint32Array, options: NginxOptions, rng: Rng): UpstreamPicker;
}

/** What an L7 balancer's hop is wired from, besides its options (src/scenario/build.ts). */
export interface L7Environment {
  readonly sim: Simulation;
  /** The Service's EndpointSlices as the API server serves them (the family's watch source). */
  readonly feed: import('../control-plane/endpoint-state.js').EndpointFeed;
  /** Informer watch delay (propagation.watchDelay, as kube-proxy's). */
  readonly watchDelay: import('../engine/distributions/index.js').Distribution;
  readonly stream: (name: string) => Rng;
  readonly keyedStream: (name: string) => import('../engine/index.js').KeyedStream;
  readonly nodeCount: number;
  /** The cluster's CoreDNS (scenario `cluster.dns`), for families that resolve a headless name. */
  readonly dns: import('./discovery/coredns-cache.js').ClusterDnsOptions;
}

/**
 * Registry entry of a balancer that runs as an L7 hop with its own discovery path
 * (ingress-nginx now; Envoy, Linkerd, gRPC next): `hop` names the hop kind
 * (src/dataplane/path/hops.ts) and builds its configuration from the resolved options.
 * `createPicker` is one worker's picker, for the per-family conformance promises.
 */
export interface L7BalancerDescriptor<O = unknown> {
  readonly kind: 'l7';
  readonly name: string;
  readonly family: L7Family;
  readonly description: string;
  readonly options: import('zod').ZodType<O>;
  createPicker(ips: Uint32Array, options: O, rng: Rng): UpstreamPicker;
  hop(options: O, env: L7Environment): import('./path/hop.js').HopSpec;
}

export type BalancerDescriptor =
  // biome-ignore lint/suspicious/noExplicitAny: registry holds descriptors of differing option types
  | L4BalancerDescriptor<any>
  | ProxyBalancerDescriptor
  // biome-ignore lint/suspicious/noExplicitAny: registry holds descriptors of differing option types
  | L7BalancerDescriptor<any>;

/**
 * Nginx (open source) with a static upstream list, resolved options. Names follow the
 * directives in camelCase; defaults are Nginx's (nginx.org ngx_http_upstream_module,
 * ngx_http_proxy_module), see CALIBRATION.md.
 */
export interface NginxOptions {
  /** `round_robin` (smooth weighted RR, all weights 1) or `least_conn`. */
  readonly balancing: 'round_robin' | 'least_conn';
  /** max_fails (0 disables accounting). Default 1. */
  readonly maxFails: number;
  /** fail_timeout in seconds. Default 10. */
  readonly failTimeout: number;
  /** proxy_next_upstream conditions. Default ['error', 'timeout']; ['off'] disables retries. */
  readonly nextUpstream: readonly (
    | 'error'
    | 'timeout'
    | 'http_502'
    | 'http_503'
    | 'http_504'
    | 'off'
  )[];
  /** proxy_next_upstream_tries; 0 = no limit beyond the number of servers. Default 0. */
  readonly nextUpstreamTries: number;
  /** proxy_next_upstream_timeout in seconds; 0 = no limit. Default 0. */
  readonly nextUpstreamTimeout: number;
  /** proxy_connect_timeout in seconds. Default 60. */
  readonly connectTimeout: number;
  /** proxy_read_timeout in seconds. Default 60. */
  readonly readTimeout: number;
  /** worker_processes. Default 1. */
  readonly workers: number;
  /** A shared `zone` for the upstream: passive health state shared by workers. Default false. */
  readonly zone: boolean;
  /** Node that runs Nginx (index). Default 0. */
  readonly node: number;
  /** When Nginx loads its configuration and snapshots the Service's pod IPs. Default 0. */
  readonly startAt: number;
  /** Re-read the endpoints and reload every this many seconds; 0 = never (static). Default 0. */
  readonly reloadInterval: number;
  /**
   * Each worker's round-robin state at the first load: `steady` (a Nginx that has served this
   * list for long: anywhere in its cycle, drawn per worker) or `fresh` (nginx's initial state,
   * current weights 0: every worker begins with the first server). Reloads are fresh (new
   * workers). Default 'steady'.
   */
  readonly start: 'steady' | 'fresh';
}
