import type { DistributionSpec } from '../../engine/distributions/index.js';
import type { Rng } from '../../engine/index.js';
import type { UpstreamResult } from './hop.js';
import type { MeshHop } from './mesh-hop.js';

/*
 * The contract of the mesh hop (./mesh-hop.ts) with the families that build it
 * (../balancers/envoy, ../balancers/linkerd): the proxy's balancer, its router's retry policy,
 * the statuses it answers with, and what the hop is built from.
 */

/**
 * One mesh proxy's load balancer for the Service (an Envoy cluster with its worker threads, a
 * Linkerd balancer): what the mesh hop drives. Hosts are indices into `ips`, the proxy's current
 * endpoint view. Allocation-free except in `setEndpoints`.
 */
export interface MeshBalancer {
  readonly size: number;
  readonly ips: Uint32Array;
  /** A host for one try on `worker`, avoiding hosts in `tried` where the policy does; -1: none. */
  pick(worker: number, tried: number, now: number): number;
  /** A request was dispatched to host h (Envoy rq_active, Linkerd pending). */
  requestStarted(h: number): void;
  /** The exchange with h ended with `result` (reused by the hop: read it inside the call). */
  requestEnded(h: number, result: UpstreamResult, now: number): void;
  /** The downstream gave up on h's request `elapsed` seconds after it was sent (NaN: not sent). */
  requestCancelled(h: number, now: number, elapsed: number): void;
  /** The control plane delivered a new endpoint set: hosts that stay keep their state. */
  setEndpoints(ips: Uint32Array, now: number): void;
  /** The proxy's periodic timer (Envoy's outlier detection interval). */
  onInterval(now: number): void;
  /** Metric: hosts ejected now (0 without outlier detection). */
  ejectedHosts(): number;
  /** Metric: max - min of the hosts' latency estimates at `now`, seconds (0 without). */
  ewmaSpread(now: number): number;
}

/** The retry policy of a mesh proxy's router (Istio's VirtualService retries; Linkerd: none). */
export interface MeshRetry {
  /** Retries after the first try (num_retries). 0: none. */
  readonly attempts: number;
  /** Retry connect failures (refused, connect timeout, unreachable). */
  readonly connectFailure: boolean;
  /** Retry a reset after the request was sent. */
  readonly reset: boolean;
  /** Retried HTTP statuses. */
  readonly statuses: readonly number[];
  /** Back-off before retry n (1-based) is uniform in [0, min((2^n - 1) x base, max)). */
  readonly baseInterval: number;
  readonly maxInterval: number;
}

/** What the client gets when the proxy answers for a failed upstream. */
export interface MeshStatuses {
  readonly noEndpoints: number;
  readonly refused: number;
  readonly connectTimeout: number;
  readonly reset: number;
}

/** What a mesh hop is built from (the family's descriptor fills it: ../balancers/envoy, linkerd). */
export interface MeshDeps {
  /** Prefix of the hop's event kinds and streams (`envoy`, `linkerd`). */
  readonly name: string;
  /** `sidecar`: one proxy beside each client (on its node); `gateway`: one proxy on `node`. */
  readonly placement: 'sidecar' | 'gateway';
  readonly node: number;
  /** Worker threads per proxy; a downstream connection is served by one. */
  readonly workers: number;
  /**
   * HTTP/2 between the proxy and the pods' proxies: one connection per host, shared by every
   * request (streams); otherwise HTTP/1.1 keep-alive: a pool of idle connections per worker
   * and host, a new connection when none is idle.
   */
  readonly multiplexed: boolean;
  /** Upstream connect timeout, seconds (bounded by the kernel's SYN give-up). */
  readonly connectTimeout: number;
  /** Latency a sidecar adds per traversal (the client-side proxy, and the pod's own). */
  readonly traversal: DistributionSpec;
  /** The pods run a sidecar too (a request traverses two proxies). */
  readonly serverSidecar: boolean;
  readonly retry: MeshRetry;
  readonly statuses: MeshStatuses;
  /** Period of `MeshBalancer.onInterval`, seconds; 0: none. */
  readonly interval: number;
  /** Proxy `proxy`'s balancer over `ips` (its own stream `rng`). */
  createBalancer(proxy: number, ips: Uint32Array, rng: Rng): MeshBalancer;
  /** The Service's endpoints when the proxies start. */
  upstreamIps(): Uint32Array;
  /** The proxies started (`count` of them): start the control plane's stream (updateProxy). */
  onLoad?(hop: MeshHop, count: number): void;
}
