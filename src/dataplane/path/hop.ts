/**
 * The generic L7 hop: a process on the request's way that picks an upstream from its own view
 * of the endpoints, and the contract between it and the request path's coordinator.
 *
 * Where a hop sits. The coordinator hands every client try either to the client's connection
 * pool (the L4 route: a TCP connection through the entry node's kube-proxy table, DNAT to a pod)
 * or, when the run has a hop, to `hop.accept(r)`. What the hop is in the cluster is its own
 * business; three placements fit the one interface:
 *
 * 1. A proxy in front of the Service (nginx-static now; ingress-nginx, an Envoy gateway next).
 *    One process (or a few) on a node: `accept` charges the client -> proxy hop, the proxy's
 *    workers hold the state (a picker per worker or one shared zone), the endpoint view comes
 *    from a static list read at start (nginx), a watch with a debounce (ingress-nginx's Lua
 *    balancer fed by its controller, Envoy's EDS), or DNS. `diesWith(node, r)` is true for the
 *    proxy's node.
 * 2. A sidecar beside each client (Envoy/Istio, Linkerd). `accept` costs loopback time only; the
 *    state scope is per client (one picker, one endpoint view, one upstream pool per sidecar,
 *    keyed by `tries.client[r]`); the view is fed by xDS / the destination service with its own
 *    delay; the sidecar runs on the client's node, whose failure already ends the client.
 * 3. A client library that balances itself (gRPC pick_first / round_robin over a headless
 *    Service's DNS answers). No extra network hop at all: `accept` picks a subchannel from the
 *    client's own resolver state (DNS with TTL and re-resolution on connection loss), per
 *    client; the library's retry policy is the hop's.
 *
 * Cilium's socket-LB is not an L7 hop: it is an L4 choice made once per connect() on the
 * client's node, so it is that node's L4Balancer (src/dataplane/types.ts) with its own table,
 * on the pool route; nothing here changes for it.
 *
 * What a hop does with a client try `r`: it creates upstream tries (records of the same
 * TryPool, `parent[x] = r`, `child[r] = x`), dials its upstream (the hop's own connect timing
 * and outcome rules), and once connected hands each upstream try to the pod with
 * `host.deliverToPod(x, delay)`. The coordinator routes what happens at the pod back to the
 * hop: `upstreamResponded(x)` for a response (the status the application gave is in
 * `tries.status[x]`: 200, 503 from an overloaded pod, a 5xx a faulty pod returns), and
 * `upstreamFailed(x, kind, cause)` for a reset or a lost request. The hop decides per its own
 * retry policy whether to try another upstream (counting the failed try with
 * `ledger.attemptFailed`) or to answer the client with `host.respondToClient(r, ...)`, and
 * reports every outcome to its picker (see UpstreamOutcome: pickers that eject on consecutive
 * 5xx or weigh by EWMA latency need the kind and the timings, not only success/failure).
 *
 * Rules of the house: a hop is a concrete class (hot calls stay monomorphic), registers its
 * event kinds once in its constructor, allocates nothing per request (its per-try state lives
 * in TryPool columns or its own typed arrays), and draws only from streams named after it
 * (`ctx.stream`, `ctx.keyedStream`). Add one as a new file and one line in ./hops.ts.
 */
import type { GroundTruth, NodeId, PodId } from '../../cluster/types.js';
import type { KeyedStream, Rng, Simulation } from '../../engine/index.js';
import type { RequestPathOptions } from '../path-options.js';
import type { PodServers } from '../pod-server.js';
import type { TryPool } from '../pools.js';
import type { ErrorCause, ErrorKind } from '../types.js';
import type { PathLedger } from './ledger.js';
import type { Network } from './network.js';

/** How one upstream exchange ended, as a hop reports it to its picker. */
export const UpstreamOutcome = {
  /** A response with a status the hop counts as success (2xx, or one not configured as failure). */
  ok: 0,
  /** The application answered with an HTTP error status (5xx): see `status`. */
  httpError: 1,
  /** Connection refused (RST to the SYN: nothing listening). */
  refused: 2,
  /** No answer to the SYN within the hop's connect timeout. */
  connectTimeout: 3,
  /** EHOSTUNREACH / ICMP unreachable while connecting. */
  unreachable: 4,
  /** The connection was reset with the request on it (the pod died, or exited). */
  reset: 5,
  /** Connected and sent, but no response within the hop's read / per-try timeout. */
  upstreamTimeout: 6,
} as const;
export type UpstreamOutcome = (typeof UpstreamOutcome)[keyof typeof UpstreamOutcome];

/**
 * One upstream exchange's result with its timings, for pickers that learn from them (outlier
 * detection on consecutive 5xx, EWMA of response time, connect-time based scoring). A hop
 * reuses one instance (no allocation per event): read it inside the call only.
 */
export interface UpstreamResult {
  outcome: UpstreamOutcome;
  /** HTTP status for ok / httpError; 0 otherwise. */
  status: number;
  /** Seconds from the hop's connect attempt to the connection (NaN if it never connected). */
  connectTime: number;
  /** Seconds from sending the request to the response or failure (NaN before sending). */
  responseTime: number;
}

/** What a hop calls back into the coordinator through. */
export interface HopHost {
  /** Upstream try `x` (connected, `tries.pod[x]` set) reaches its pod `delay` seconds from now. */
  deliverToPod(x: number, delay: number): void;
  /** Client try `r` gets `status` (with `cause` for an error, `pod` the serving pod or -1). */
  respondToClient(r: number, status: number, cause: ErrorCause, pod: number): void;
  /** Client try `r` gets an error after `delay` (an RST or ICMP on its way). */
  failAfter(r: number, kind: ErrorKind, cause: ErrorCause, delay: number): void;
  /** The hop is done with upstream try `x` (freed unless its pod still holds it). */
  releaseClient(x: number): void;
}

/** Everything a hop is built from: the run's shared parts and its own configuration. */
export interface HopContext {
  readonly sim: Simulation;
  readonly truth: GroundTruth;
  readonly tries: TryPool;
  readonly servers: PodServers;
  readonly ledger: PathLedger;
  readonly network: Network;
  readonly options: RequestPathOptions;
  /** Node of each client (-1: external). */
  readonly clientNode: Int32Array;
  /** Named streams of the run; a hop uses names of its own. */
  readonly stream: (name: string) => Rng;
  readonly keyedStream: (name: string) => KeyedStream;
  readonly host: HopHost;
}

/** An L7 hop (see the file comment). */
export interface L7Hop {
  /** Client try `r` enters the hop (its client-side record, `tries.clientHeld[r] === 1`). */
  accept(r: number): void;
  /** The pod's response to upstream try `x` leaves the pod now (status in `tries.status[x]`). */
  upstreamResponded(x: number): void;
  /** Upstream try `x` ended in an error the coordinator saw (reset, lost request). */
  upstreamFailed(x: number, kind: ErrorKind, cause: ErrorCause): void;
  /** The client gave up on try `r` while the hop held it (timeout, client died). */
  abandon(r: number): void;
  /** Whether client try `r`, held by the hop, is lost with node `node` (the hop ran there). */
  diesWith(node: NodeId, r: number): boolean;
  /**
   * Optional, for hops that keep long-lived upstream connections (a gRPC channel's
   * subchannels): pod `pod`'s server stopped accepting (graceful shutdown: it sends GOAWAY on
   * its connections and finishes the requests it has).
   */
  serverClosing?(pod: PodId): void;
  /** Optional, as serverClosing: pod `pod`'s process died and its kernel reset its connections. */
  serverReset?(pod: PodId): void;
  /** Metric (timeseries.csv `ejected_hosts`): hosts the hop's balancers eject now. */
  ejectedHosts?(): number;
  /** Metric (timeseries.csv `ewma_spread_ms`): spread of its EWMA estimates now, seconds. */
  ewmaSpread?(): number;
}

/** A kind of hop: a name (what scenarios and tests refer to) and how to build one. */
export interface HopDescriptor<C = unknown> {
  readonly name: string;
  create(ctx: HopContext, config: C): L7Hop;
}

/** Which hop a run uses, and its configuration (the descriptor's `C`). */
export interface HopSpec {
  readonly name: string;
  readonly config: unknown;
}
