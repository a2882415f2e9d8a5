import type { Ip, NodeId, PodId } from '../cluster/types.js';
import type { Distribution } from '../engine/distributions/index.js';
import type { KeyedStream, Rng } from '../engine/random.js';

/**
 * The contract between the control plane (EndpointSlice controller + API server) and each
 * node's kube-proxy. Type-only, so the data plane depends on no control-plane code.
 *
 * Every watcher receives the same sequence of EndpointSlice events, in resourceVersion order (a
 * watch is FIFO). A node's knowledge of the Service is therefore fully described by the last
 * resourceVersion it applied, and the aggregated endpoint set at each resourceVersion is
 * computed once and shared by every node (a simulation shortcut with the same result as each
 * kube-proxy's EndpointSliceCache merging the slices itself).
 */

/** Kinds of endpoint change, as the EndpointSlice controller writes them. */
export type EndpointChangeKind =
  | 'add'
  | 'remove'
  | 'ready'
  | 'unready'
  | 'terminating'
  | 'serving'
  | 'not-serving';

/** One endpoint change written to the API server (a row of propagation.csv per node). */
export interface EndpointChange {
  /** Dense id, in write order. */
  readonly changeId: number;
  readonly change: EndpointChangeKind;
  readonly pod: PodId;
  readonly ip: Ip;
  /** Node hosting the endpoint. */
  readonly node: NodeId;
  /**
   * Ground-truth time of the pod transition that caused it (the SLI's trigger): creation,
   * Ready condition change, deletionTimestamp, deletion.
   */
  readonly happenedAt: number;
  /** When the controller wrote it. */
  readonly writtenAt: number;
  /** resourceVersion of the EndpointSlice write that carried it. */
  readonly resourceVersion: number;
}

/**
 * The Service's endpoints as written at one resourceVersion, reduced to what kube-proxy
 * programs. Immutable; shared by every node that synced at a resourceVersion where it was
 * current.
 */
export interface EndpointSnapshot {
  /** resourceVersion of the write that produced it. */
  readonly resourceVersion: number;
  /** Dense id of the snapshot (0 = initial), for tables' identity. */
  readonly id: number;
  /** Usable endpoints, rule order: the ready ones, or if none, the serving terminating ones (KEP-1669). */
  readonly ips: Uint32Array;
  readonly nodes: Int32Array;
  readonly usingTerminating: boolean;
  /** Endpoints in the slices (any condition), for rule-count cost models. */
  readonly totalEndpoints: number;
  /** Index of `ip` among the usable endpoints, or -1 (index built on first use). */
  indexOf(ip: Ip): number;
  /**
   * The node-local usable subset (externalTrafficPolicy/internalTrafficPolicy Local): local
   * ready endpoints, or if none, local serving terminating ones. Cached per node.
   */
  local(node: NodeId): {
    readonly ips: Uint32Array;
    readonly nodes: Int32Array;
    readonly usingTerminating: boolean;
  };
}

/** What a kube-proxy needs from the control plane. */
export interface EndpointFeed {
  /** resourceVersion of the latest write. */
  readonly resourceVersion: number;
  /** The snapshot current at `rv` (the latest one written at or before it). */
  snapshotAt(rv: number): EndpointSnapshot;
  /** Number of endpoint changes written so far. */
  readonly changeCount: number;
  /** Index of the first change written after `rv` (= changeCount when none). */
  firstChangeAfter(rv: number): number;
  /** resourceVersion of change `id`. */
  changeResourceVersion(id: number): number;
  /**
   * Opens a watch: `onEvent(rv)` is called for every later write, in order, each after a delay
   * drawn from `delay` (never earlier than the previous delivery: FIFO). With an Rng, delays are
   * drawn in write order; with a KeyedStream, each write's delay is drawn from
   * `rng.rngFor(watcherKey, <the write's endpoint change: pod, kind, ordinal>)`, so the same
   * pod transition gets the same delay on the same watcher in every run of a seed, whatever
   * else was written (common random numbers across balancers).
   */
  watch(
    delay: Distribution,
    rng: Rng | KeyedStream,
    onEvent: (rv: number) => void,
    watcherKey?: number,
  ): number;
  /** Closes a watch (deliveries still in flight are dropped). */
  stopWatch(id: number): void;
}
