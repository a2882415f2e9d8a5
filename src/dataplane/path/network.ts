import type { NodeId } from '../../cluster/types.js';
import type { NetworkOptions } from '../path-options.js';

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
