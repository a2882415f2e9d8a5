import { ErrorKind } from './types.js';

/**
 * Options of the request path (resolved: seconds, defaults filled in). Each group has a public
 * all-optional form with `@default`s, and resolveRequestPathOptions() fills and checks them.
 * Names are the scenario file's: src/scenario/types.ts aliases these types, and its defaults
 * are REQUEST_PATH_DEFAULTS (one source for both).
 */

export interface NetworkOptions {
  /** Round trip of a same-node hop (client -> pod on its node, Nginx -> local pod), seconds. @default 0.0002 */
  readonly rtt: number;
  /** Round trip of a cross-node hop, seconds. @default = rtt */
  readonly crossNodeRtt: number;
  /** Round trip between an external client and a node (through the external LB), seconds. @default = rtt */
  readonly externalRtt: number;
}

export type ConnectionMode = 'per-request' | 'keepalive' | 'http2';

export interface ConnectionOptions {
  /** @default 'per-request' */
  readonly mode: ConnectionMode;
  /** keepalive: connections per client pool (Go MaxIdleConnsPerHost); requests beyond wait in the client. @default 2 */
  readonly poolSize: number;
  /** Requests per connection before the client closes it; 0 = unlimited. @default 0 */
  readonly maxRequestsPerConnection: number;
  /** Connection lifetime, seconds; checked when the connection is next free; 0 = unlimited. @default 0 */
  readonly maxLifetime: number;
  /**
   * Each connection's lifetime is maxLifetime x (1 + u), u uniform in [-jitter, +jitter), drawn
   * when it opens, so connections opened together do not all retire (and redial) together
   * (gRPC MaxConnectionAge: "a random jitter of +/-10%"). 0 = every connection lives exactly
   * maxLifetime. @default 0.1
   */
  readonly maxLifetimeJitter: number;
  /** Idle connections closed after this, seconds; 0 = never (Go IdleConnTimeout 90 s). @default 90 */
  readonly idleTimeout: number;
  /** http2: concurrent streams per connection, more wait in the client (Go x/net/http2 server default 250). @default 250 */
  readonly maxConcurrentStreams: number;
}

export interface ClientTimeoutOptions {
  /** Client connect timeout, seconds, capped by the SYN retransmission give-up (Go net/http DefaultTransport dialer: 30 s). @default 30 */
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

/** Error kinds a client may retry on (names of ErrorKind in ./types.ts). */
export type RetryableErrorKind = keyof typeof ErrorKind;

export interface RetryOptions {
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
    /** Fraction of the delay drawn uniformly at random (1 = full jitter). @default 0 */
    readonly jitter: number;
  };
  /** Which failures are retried. @default ['refused', 'connect_timeout', 'host_unreachable', 'no_endpoints'] */
  readonly on: readonly RetryableErrorKind[];
}

export interface ExternalClientOptions {
  /** Nodes the external load balancer sends to; null = all nodes. @default null */
  readonly nodes: readonly number[] | null;
  /** External LB health-check interval on the healthCheckNodePort, seconds. @default 5 */
  readonly healthCheckInterval: number;
  /** @default 2 */
  readonly healthyThreshold: number;
  /** @default 2 */
  readonly unhealthyThreshold: number;
}

export interface RequestPathOptions {
  readonly network: NetworkOptions;
  readonly connections: ConnectionOptions;
  readonly timeouts: ClientTimeoutOptions;
  readonly retries: RetryOptions;
  /** Traffic policy applied to the clients' entry: internalTrafficPolicy for in-cluster
   * clients, externalTrafficPolicy for external ones. */
  readonly trafficPolicy: 'Cluster' | 'Local';
  readonly external: ExternalClientOptions;
}

type DeepPartial<T> = { -readonly [K in keyof T]?: T[K] extends object ? Partial<T[K]> : T[K] };
/** Public (all-optional) form of RequestPathOptions. */
export type RequestPathConfig = {
  /** @default {rtt: 0.0002, crossNodeRtt: rtt, externalRtt: rtt} */
  network?: Partial<NetworkOptions>;
  /** @default per-request; keepalive poolSize 2, maxConcurrentStreams 250, idleTimeout 90 */
  connections?: Partial<ConnectionOptions>;
  /** @default connect 30 s (Go DefaultTransport dialer), request 0 (none), SYN retries 6 */
  timeouts?: Partial<ClientTimeoutOptions>;
  /** @default no retries */
  retries?: DeepPartial<RetryOptions>;
  /** @default 'Cluster' */
  trafficPolicy?: 'Cluster' | 'Local';
  /** @default all nodes, health check every 5 s, 2/2 thresholds */
  external?: Partial<ExternalClientOptions>;
};

export const REQUEST_PATH_DEFAULTS: RequestPathOptions = {
  network: { rtt: 0.0002, crossNodeRtt: 0.0002, externalRtt: 0.0002 },
  connections: {
    mode: 'per-request',
    // Go net/http DefaultMaxIdleConnsPerHost = 2.
    poolSize: 2,
    maxRequestsPerConnection: 0,
    maxLifetime: 0,
    // grpc-go keepalive.ServerParameters.MaxConnectionAge: "A random jitter of +/-10% will be
    // added to MaxConnectionAge to spread out connection storms" (internal/transport/
    // http2_server.go getJitter: uniform in [-10%, +10%)).
    maxLifetimeJitter: 0.1,
    // Go net/http DefaultTransport IdleConnTimeout = 90 s.
    idleTimeout: 90,
    // golang.org/x/net/http2 server default MaxConcurrentStreams = 250.
    maxConcurrentStreams: 250,
  },
  timeouts: {
    // Go net/http DefaultTransport: net.Dialer{Timeout: 30 * time.Second}.
    connect: 30,
    request: 0,
    unreachable: 'timeout',
    hostUnreachableAfter: 3,
    // Linux net.ipv4.tcp_syn_retries default 6: retransmits at 1, 3, 7, 15, 31, 63 s, gives up
    // at 127 s (Documentation/networking/ip-sysctl.rst; RTO 1 s doubling, kernel < 6.5).
    synRetries: 6,
    // tcp_retries2 = 15: about 924.6 s with RTO_MIN 200 ms (ip-sysctl.rst).
    deadPeerTimeout: 924.6,
  },
  retries: {
    count: 0,
    // Envoy's retry back-off: base 25 ms, max 10 x base (envoy route.RetryPolicy).
    backoff: { initial: 0.025, max: 0.25, multiplier: 2, jitter: 0 },
    on: ['refused', 'connect_timeout', 'host_unreachable', 'no_endpoints'],
  },
  trafficPolicy: 'Cluster',
  external: { nodes: null, healthCheckInterval: 5, healthyThreshold: 2, unhealthyThreshold: 2 },
};

function check(ok: boolean, path: string, expected: string, got: unknown): void {
  if (!ok) throw new RangeError(`${path}: expected ${expected}, got ${String(got)}`);
}

function checkInteger(v: number, path: string, min: number): void {
  check(Number.isInteger(v) && v >= min, path, `an integer >= ${min}`, v);
}

export function resolveRequestPathOptions(c: RequestPathConfig = {}): RequestPathOptions {
  const D = REQUEST_PATH_DEFAULTS;
  const rtt = c.network?.rtt ?? D.network.rtt;
  const network: NetworkOptions = {
    rtt,
    crossNodeRtt: c.network?.crossNodeRtt ?? rtt,
    externalRtt: c.network?.externalRtt ?? rtt,
  };
  const connections: ConnectionOptions = { ...D.connections, ...c.connections };
  const timeouts: ClientTimeoutOptions = { ...D.timeouts, ...c.timeouts };
  const retries: RetryOptions = {
    count: c.retries?.count ?? D.retries.count,
    backoff: { ...D.retries.backoff, ...c.retries?.backoff },
    on: (c.retries?.on as readonly RetryableErrorKind[] | undefined) ?? D.retries.on,
  };
  const external: ExternalClientOptions = { ...D.external, ...c.external };
  for (const [k, v] of Object.entries(network))
    check(v >= 0 && v < Infinity, `network.${k}`, 'seconds >= 0', v);
  check(
    ['per-request', 'keepalive', 'http2'].includes(connections.mode),
    'connections.mode',
    'per-request, keepalive or http2',
    connections.mode,
  );
  checkInteger(connections.poolSize, 'connections.poolSize', 1);
  checkInteger(connections.maxConcurrentStreams, 'connections.maxConcurrentStreams', 1);
  check(
    connections.maxRequestsPerConnection >= 0,
    'connections.maxRequestsPerConnection',
    'an integer >= 0',
    connections.maxRequestsPerConnection,
  );
  check(
    connections.maxLifetime >= 0,
    'connections.maxLifetime',
    'seconds >= 0',
    connections.maxLifetime,
  );
  check(
    connections.maxLifetimeJitter >= 0 && connections.maxLifetimeJitter <= 1,
    'connections.maxLifetimeJitter',
    'a fraction in [0, 1]',
    connections.maxLifetimeJitter,
  );
  check(
    connections.idleTimeout >= 0,
    'connections.idleTimeout',
    'seconds >= 0',
    connections.idleTimeout,
  );
  check(timeouts.connect > 0, 'timeouts.connect', 'seconds > 0', timeouts.connect);
  check(timeouts.request >= 0, 'timeouts.request', 'seconds >= 0', timeouts.request);
  check(
    timeouts.hostUnreachableAfter > 0,
    'timeouts.hostUnreachableAfter',
    'seconds > 0',
    timeouts.hostUnreachableAfter,
  );
  check(
    Number.isInteger(timeouts.synRetries) && timeouts.synRetries >= 0 && timeouts.synRetries <= 20,
    'timeouts.synRetries',
    'an integer in [0, 20]',
    timeouts.synRetries,
  );
  check(
    timeouts.deadPeerTimeout > 0,
    'timeouts.deadPeerTimeout',
    'seconds > 0',
    timeouts.deadPeerTimeout,
  );
  checkInteger(retries.count, 'retries.count', 0);
  check(
    retries.backoff.initial >= 0 && retries.backoff.max >= 0 && retries.backoff.multiplier >= 1,
    'retries.backoff',
    'initial >= 0, max >= 0, multiplier >= 1',
    JSON.stringify(retries.backoff),
  );
  check(
    retries.backoff.jitter >= 0 && retries.backoff.jitter <= 1,
    'retries.backoff.jitter',
    'a fraction in [0, 1]',
    retries.backoff.jitter,
  );
  for (const k of retries.on)
    check(k in ErrorKind, 'retries.on', `one of ${Object.keys(ErrorKind).join(', ')}`, k);
  check(
    external.healthCheckInterval > 0,
    'external.healthCheckInterval',
    'seconds > 0',
    external.healthCheckInterval,
  );
  checkInteger(external.healthyThreshold, 'external.healthyThreshold', 1);
  checkInteger(external.unhealthyThreshold, 'external.unhealthyThreshold', 1);
  const trafficPolicy = c.trafficPolicy ?? D.trafficPolicy;
  check(
    trafficPolicy === 'Cluster' || trafficPolicy === 'Local',
    'trafficPolicy',
    'Cluster or Local',
    trafficPolicy,
  );
  return { network, connections, timeouts, retries, trafficPolicy, external };
}

/**
 * Time after the first SYN at which Linux gives up a connect: with tcp_syn_retries = n and an
 * initial RTO of 1 s doubling, retransmits go at 1, 3, 7, ... 2^n - 1 s and the attempt fails
 * at 2^(n+1) - 1 s (127 s for n = 6).
 */
export function synGiveUp(synRetries: number): number {
  return 2 ** (synRetries + 1) - 1;
}
