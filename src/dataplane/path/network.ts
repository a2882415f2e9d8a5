import type { GroundTruth, NodeId, PodId } from '../../cluster/types.js';
import { type ClientTimeoutOptions, type NetworkOptions, synGiveUp } from '../path-options.js';
import type { PodServers } from '../pod-server.js';
import { ErrorCause, ErrorKind } from '../types.js';

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

/** What a SYN that nobody answers meets: workload.timeouts' network keys. */
export type UnansweredSynOptions = Pick<
  ClientTimeoutOptions,
  'unreachable' | 'hostUnreachableAfter' | 'synRetries'
>;

/**
 * The network as every part of the request path sees it: one-way delays between nodes (and to
 * external clients), which nodes have failed, and what a SYN to an address nobody answers for
 * meets (`workload.timeouts.unreachable`: one rule for every connection, a client's to a pod or
 * to a proxy and a proxy's to its upstreams). One instance per run, shared by the client pool,
 * the connections and the L7 hops; the coordinator marks failed nodes.
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

  /** `unreachable: ehostunreach`: an unanswered SYN ends with EHOSTUNREACH. */
  private readonly hostUnreachable: boolean;
  private readonly hostUnreachableAfter: number;
  private readonly synRetries: number;
  private readonly synLimit: number;

  constructor(options: NetworkOptions, nodeCount: number, syn: UnansweredSynOptions) {
    this.halfRtt = options.rtt / 2;
    this.halfCross = options.crossNodeRtt / 2;
    this.halfExt = options.externalRtt / 2;
    this.nodeDown = new Uint8Array(nodeCount);
    this.hostUnreachable = syn.unreachable === 'ehostunreach';
    this.hostUnreachableAfter = syn.hostUnreachableAfter;
    this.synRetries = syn.synRetries;
    this.synLimit = synGiveUp(syn.synRetries);
  }

  /**
   * Seconds after its first SYN at which a dialer whose own connect timeout is `connectTimeout`
   * gives up on silence: the timeout, capped by the kernel's SYN retransmissions
   * (tcp_syn_retries; a SYN dropped on its way never gets an ICMP answer).
   */
  silentGiveUp(connectTimeout: number): number {
    return Math.min(connectTimeout, this.synLimit);
  }

  /**
   * Seconds after its first SYN at which a dialer gives up on an address nobody answers for:
   * EHOSTUNREACH after hostUnreachableAfter (neighbour resolution failing), or silence until
   * silentGiveUp(); the connect timeout first either way.
   */
  unansweredGiveUp(connectTimeout: number): number {
    return this.hostUnreachable
      ? Math.min(connectTimeout, this.hostUnreachableAfter)
      : this.silentGiveUp(connectTimeout);
  }

  /**
   * What a dialer whose connect timeout is `connectTimeout` sees when nobody answers its SYN
   * (an IP no pod holds, a pod on a dead node, a dead proxy node): `host_unreachable` when
   * `unreachable: ehostunreach` and the ICMP error comes before the dialer gives up, else
   * `connect_timeout`.
   */
  unansweredKind(connectTimeout: number): ErrorKind {
    return this.hostUnreachable && this.hostUnreachableAfter < this.silentGiveUp(connectTimeout)
      ? ErrorKind.host_unreachable
      : ErrorKind.connect_timeout;
  }

  /**
   * When the next SYN of an unanswered connect reaches the address again, or -1 when the dialer
   * gives up first. The connect started at `start`, `sent` SYNs have gone (the first included),
   * each takes `delay` to arrive; retransmissions leave at 1, 3, 7 ... 2^n - 1 s after the
   * first (initial RTO 1 s, doubling; at most tcp_syn_retries). Conntrack keeps them on the
   * same endpoint, so a pod that takes the IP meanwhile (IP reuse) answers the next one. With
   * `ehostunreach` the ICMP error ends the connect instead: no retransmission reaches anyone.
   */
  nextSyn(start: number, delay: number, sent: number, connectTimeout: number): number {
    if (this.hostUnreachable || sent > this.synRetries) return -1;
    const at = start + (2 ** sent - 1) + delay;
    return at < start + this.silentGiveUp(connectTimeout) ? at : -1;
  }

  get nodeCount(): number {
    return this.nodeDown.length;
  }

  /** One-way delay between nodes `a` and `b`. */
  oneWay(a: NodeId, b: NodeId): number {
    return a === b ? this.halfRtt : this.halfCross;
  }
}
