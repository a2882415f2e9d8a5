import type { GroundTruth, NodeId, PodId } from '../../cluster/types.js';
import type { NetworkOptions } from '../path-options.js';
import type { PodServers } from '../pod-server.js';
import { ErrorCause } from '../types.js';

/**
 * Why a live pod that does not listen answered a SYN with RST (one rule for every connection:
 * clients' and proxies' upstream ones): a `refuse` fault closed the listener of an application
 * that would otherwise accept (`fault_refuse`), the application closed it after SIGTERM
 * (`terminating_pod`), or it is not listening yet (starting or restarting: `not_listening`).
 */
export function refusalCause(truth: GroundTruth, servers: PodServers, pod: PodId): ErrorCause {
  if (truth.isRefusing(pod)) return ErrorCause.fault_refuse;
  return servers.isClosed(pod) ? ErrorCause.terminating_pod : ErrorCause.not_listening;
}

/**
 * The network as every part of the request path sees it: one-way delays between nodes (and to
 * external clients), and which nodes have failed. One instance per run, shared by the client
 * pool, the connections and the L7 hops; the coordinator marks failed nodes.
 */
export class Network {
  /** One-way delay of a same-node hop, seconds. */
  readonly halfRtt: number;
  /** One-way delay of a cross-node hop, seconds. */
  readonly halfCross: number;
  /** One-way delay between an external client and a node (through the external LB), seconds. */
  readonly halfExt: number;
  /** 1 for a node that failed (it never comes back within a run). */
  readonly nodeDown: Uint8Array;

  constructor(options: NetworkOptions, nodeCount: number) {
    this.halfRtt = options.rtt / 2;
    this.halfCross = options.crossNodeRtt / 2;
    this.halfExt = options.externalRtt / 2;
    this.nodeDown = new Uint8Array(nodeCount);
  }

  get nodeCount(): number {
    return this.nodeDown.length;
  }

  /** One-way delay between nodes `a` and `b`. */
  oneWay(a: NodeId, b: NodeId): number {
    return a === b ? this.halfRtt : this.halfCross;
  }
}
