import type { EndpointFeed, EndpointSnapshot } from '../../control-plane/endpoint-state.js';
import type { Distribution } from '../../engine/distributions/index.js';
import type { KeyedStream, Rng, Simulation } from '../../engine/index.js';
import { uniformIndex } from '../balancers/choice.js';
import { type ClusterDnsOptions, CoreDnsCache, type CoreDnsOptions } from './coredns-cache.js';
import { GRPC_MIN_RESOLUTION_INTERVAL, GrpcDnsResolver } from './grpc-dns-resolver.js';

const EMPTY = new Uint32Array(0);

/**
 * Cluster DNS for a headless Service (`clusterIP: None`): CoreDNS replicas, each with its own
 * informer (watch delay) and its own cache. A query goes to one replica (kube-proxy balances
 * the kube-dns Service: uniform, drawn by the caller). The answer holds the *ready* endpoints
 * only: CoreDNS publishes no terminating or unready addresses (publishNotReadyAddresses
 * false), so the KEP-1669 fallback to serving terminating endpoints is an empty answer here.
 */
export class HeadlessDns {
  readonly caches: CoreDnsCache[];
  private readonly knownRv: Int32Array;

  constructor(
    private readonly feed: EndpointFeed,
    replicas: number,
    options: CoreDnsOptions,
    watchDelay: Distribution,
    watchRng: Rng | KeyedStream,
    firstWatcherKey = 0,
  ) {
    this.caches = Array.from({ length: replicas }, () => new CoreDnsCache(options));
    this.knownRv = new Int32Array(replicas).fill(feed.resourceVersion);
    for (let r = 0; r < replicas; r++) {
      feed.watch(
        watchDelay,
        watchRng,
        (rv) => {
          this.knownRv[r] = rv;
        },
        firstWatcherKey + r,
      );
    }
  }

  /** Number of CoreDNS replicas. */
  get replicas(): number {
    return this.caches.length;
  }

  /** The A records replica r answers at `now` (from its cache, or fresh from its informer). */
  query(replica: number, now: number): Uint32Array {
    const c = this.caches[replica] as CoreDnsCache;
    if (c.query(now)) c.store(now, this.fresh(replica));
    return c.ips;
  }

  private fresh(replica: number): Uint32Array {
    const snap: EndpointSnapshot = this.feed.snapshotAt(this.knownRv[replica] as number);
    return snap.usingTerminating ? EMPTY : snap.ips;
  }
}

/**
 * The answer's A records in the order a client receives them: CoreDNS's `loadbalance` plugin
 * (in the default Corefile) shuffles every response, cached or not (it runs before `cache` in
 * plugin.cfg; plugin/loadbalance `roundRobinShuffle`, a Fisher-Yates swap per position). A
 * fresh array (per lookup, not per request).
 */
export function shuffled(ips: Uint32Array, rng: Rng): Uint32Array {
  const a = Uint32Array.from(ips);
  for (let j = 0; j < a.length - 1; j++) {
    const p = j + uniformIndex(rng, a.length - j);
    const v = a[j] as number;
    a[j] = a[p] as number;
    a[p] = v;
  }
  return a;
}

/**
 * getaddrinfo() of the pool route's clients when the Service is headless (`service.clusterIP:
 * None`): no kube-proxy rules, every new connection looks the name up (no client-side cache:
 * glibc without nscd, Go's resolver) at one CoreDNS replica (the kube-dns Service's choice,
 * uniform) and connects to the first A record of the shuffled answer, which is uniform over the
 * records (lbsim approximation: a client that falls back to the next record on failure is
 * not modelled; the workload's retries look the name up again). The lookup's round trip is not
 * charged. Draws come from `keyed.rngFor(client, lookup ordinal)`: the k-th lookup of a client
 * draws the same under every balancer. `start()` once the controller has written the initial
 * endpoints (build.ts): the replicas' informers start from that state.
 */
export class HeadlessLookups {
  private dns: HeadlessDns | null = null;
  private readonly ordinal: Float64Array;
  /** Lookups answered so far, and those answered with no address. */
  lookups = 0;
  empty = 0;

  constructor(
    private readonly sim: Simulation,
    private readonly feed: EndpointFeed,
    private readonly options: ClusterDnsOptions,
    private readonly watchDelay: Distribution,
    private readonly watchRng: KeyedStream,
    private readonly keyed: KeyedStream,
    clients: number,
  ) {
    this.ordinal = new Float64Array(clients);
  }

  start(): void {
    if (this.dns !== null) return;
    const o = this.options;
    this.dns = new HeadlessDns(
      this.feed,
      o.replicas,
      { ttl: o.ttl, cache: o.cache, minTtl: o.minTtl },
      this.watchDelay,
      this.watchRng,
    );
  }

  /** The address client c connects to now, or -1 (NXDOMAIN / no ready endpoint). */
  firstAddress(client: number): number {
    if (this.dns === null) this.start();
    const dns = this.dns as HeadlessDns;
    const k = this.ordinal[client] as number;
    this.ordinal[client] = k + 1;
    const rng = this.keyed.rngFor(client, k);
    const ips = dns.query(uniformIndex(rng, dns.replicas), this.sim.now);
    this.lookups++;
    if (ips.length === 0) {
      this.empty++;
      return -1;
    }
    return ips[uniformIndex(rng, ips.length)] as number;
  }
}

/** Client c's resolver produced addresses (`ok`), or failed (empty answer or error). */
export type ResolverUpdate = (client: number, addresses: Uint32Array, ok: boolean) => void;

/**
 * One grpc-go DNS resolver per client channel over HeadlessDns, on the engine: the first
 * lookup at construction, then only after `resolveNow(client)` (the channel lost a connection
 * or every address failed), never sooner than 30 s after the last lookup (GrpcDnsResolver). An
 * empty answer is an error for the channel (UpdateState with no addresses is rejected): the
 * resolver backs off. The replica of each lookup is drawn from `keyed.rngFor(client, lookup)`.
 */
export class GrpcResolvers {
  readonly resolvers: GrpcDnsResolver[];
  private readonly lookupsStarted: Int32Array;
  private readonly kLookup: number;

  constructor(
    private readonly sim: Simulation,
    private readonly dns: HeadlessDns,
    clients: number,
    private readonly keyed: KeyedStream,
    private readonly onUpdate: ResolverUpdate,
    /** DNS round trip, seconds. @default 0 */
    private readonly lookupTime = 0,
    /** The resolver's MinResolutionInterval, seconds. @default 30 */
    minResolutionInterval = GRPC_MIN_RESOLUTION_INTERVAL,
  ) {
    this.resolvers = Array.from(
      { length: clients },
      () => new GrpcDnsResolver(sim.now, minResolutionInterval),
    );
    this.lookupsStarted = new Int32Array(clients);
    this.kLookup = sim.register('grpc:dns-lookup', (c) => this.lookup(c));
    for (let c = 0; c < clients; c++) sim.scheduleAt(sim.now + lookupTime, this.kLookup, c);
  }

  /** The channel of client c asks for re-resolution now. */
  resolveNow(client: number): void {
    const at = (this.resolvers[client] as GrpcDnsResolver).resolveNow(this.sim.now);
    if (!Number.isNaN(at)) this.sim.scheduleAt(at + this.lookupTime, this.kLookup, client);
  }

  private lookup(c: number): void {
    const k = this.lookupsStarted[c] as number;
    this.lookupsStarted[c] = k + 1;
    const rng = this.keyed.rngFor(c, k);
    const replica = Math.floor(rng.next() * this.dns.caches.length);
    const addrs = shuffled(this.dns.query(replica, this.sim.now), rng);
    const ok = addrs.length > 0;
    const next = (this.resolvers[c] as GrpcDnsResolver).lookupDone(this.sim.now, ok, rng);
    this.onUpdate(c, addrs, ok);
    if (!Number.isNaN(next)) this.sim.scheduleAt(next + this.lookupTime, this.kLookup, c);
  }
}
