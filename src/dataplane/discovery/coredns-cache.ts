/**
 * One CoreDNS replica's answer for a headless Service name (A records = the ready endpoints'
 * IPs), as the default Corefile configures it (kubeadm and most distributions:
 * `kubernetes cluster.local ... { ttl 30 }` and `cache 30`):
 * - the kubernetes plugin answers from its informer's EndpointSlices with the record TTL `ttl`
 *   (plugin default 5 s; the default Corefile sets 30 s); an empty Service answers NXDOMAIN /
 *   NODATA with the same TTL in its SOA;
 * - the cache plugin keeps a positive or negative answer for min(max(TTL, MINTTL), `cache`)
 *   seconds (MINTTL 5 s, the `cache 30` maximum 30 s; coredns plugin/cache README), with no
 *   prefetch and no serve_stale by default, and serves it with a TTL counting down;
 * - clients resolve through the kube-dns Service, so each query reaches one replica; each
 *   replica has its own cache (the caller keeps one of these per replica).
 *
 * `query(now)` says whether this replica must ask the kubernetes plugin (cache miss or
 * expired): the caller then calls `store(now, ips)`; `ips` is the answer either way.
 */
export interface CoreDnsOptions {
  /** kubernetes plugin `ttl`, seconds. @default 30 (default Corefile; the plugin's own default is 5) */
  readonly ttl: number;
  /** cache plugin maximum TTL (`cache 30`), seconds. @default 30 */
  readonly cache: number;
  /** cache plugin minimum TTL for answers, seconds. @default 5 */
  readonly minTtl: number;
}

export const COREDNS_DEFAULTS: CoreDnsOptions = { ttl: 30, cache: 30, minTtl: 5 };

/** The cluster's DNS: CoreDNS options and its number of replicas (each with its own cache). */
export interface ClusterDnsOptions extends CoreDnsOptions {
  /** CoreDNS replicas (kubeadm's coredns Deployment: 2). @default 2 */
  readonly replicas: number;
}

export const CLUSTER_DNS_DEFAULTS: ClusterDnsOptions = { ...COREDNS_DEFAULTS, replicas: 2 };

export class CoreDnsCache {
  /** The cached answer (valid while `now < expiresAt`). */
  ips: Uint32Array = new Uint32Array(0);
  expiresAt = Number.NEGATIVE_INFINITY;
  storedAt = Number.NEGATIVE_INFINITY;
  hits = 0;
  misses = 0;

  constructor(readonly options: CoreDnsOptions = COREDNS_DEFAULTS) {}

  /** Seconds an answer stays cached. */
  get cacheTtl(): number {
    const o = this.options;
    return Math.min(Math.max(o.ttl, o.minTtl), o.cache);
  }

  /** A query at `now`: true when the caller must fetch a fresh answer and `store` it. */
  query(now: number): boolean {
    if (now < this.expiresAt) {
      this.hits++;
      return false;
    }
    this.misses++;
    return true;
  }

  /** The kubernetes plugin's answer at `now` (copied). */
  store(now: number, ips: Uint32Array): void {
    this.ips = Uint32Array.from(ips);
    this.storedAt = now;
    this.expiresAt = now + this.cacheTtl;
  }

  /** The TTL the client sees on the cached answer at `now`, whole seconds as in DNS. */
  remainingTtl(now: number): number {
    return Math.max(0, Math.floor(this.expiresAt - now));
  }
}
