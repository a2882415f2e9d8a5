import { type GroundTruth, NO_POD } from '../../cluster/types.js';
import type { EventKind, Simulation } from '../../engine/index.js';
import type { PodServers } from '../pod-server.js';
import type { TryPool } from '../pools.js';
import { ErrorCause, ErrorKind } from '../types.js';
import { type Network, refusalCause } from './network.js';

/** What an L7 hop that dials pod IPs itself gives `upstreamSyn`: its engine and event kinds. */
export interface UpstreamDialer {
  readonly sim: Simulation;
  readonly truth: GroundTruth;
  readonly servers: PodServers;
  readonly net: Network;
  /** The hop's connect timeout (proxy_connect_timeout, Envoy's connect_timeout), seconds. */
  readonly connectTimeout: number;
  /** Its event for a (re)transmitted SYN reaching the IP; the same `arg` comes back. */
  readonly kSyn: EventKind;
  /** Its event for the connect attempt's failure (kind and cause in the try's columns). */
  readonly kConnFail: EventKind;
}

/**
 * What the SYN of upstream try `x` (to `tries.ip[x]`, sent `tries.connStart[x]`) meets now, by
 * the network's one rule for every connection (./network.ts): the pod, listening (returned); or
 * -1 with the next step posted: nobody answers (no pod behind the IP, or its node is gone) ->
 * the next SYN retransmission (a pod taking the IP meanwhile answers it), or the give-up
 * (silence until the hop's connect timeout bounded by the kernel's SYN give-up, or
 * EHOSTUNREACH); the pod's kernel answers RST (not listening yet, closed after SIGTERM, a
 * refuse fault) -> `refused` one delay later. Shared by ./proxy-hop.ts and ./mesh-hop.ts; the
 * hop sets `tries.synSent[x] = 0` when it dials.
 */
export function upstreamSyn(d: UpstreamDialer, t: TryPool, x: number, arg: number): number {
  const truth = d.truth;
  const pod = truth.podAt(t.ip[x] as number);
  const sim = d.sim;
  if (pod === NO_POD || !truth.isReachable(pod)) {
    t.errCause[x] = pod === NO_POD ? ErrorCause.stale_endpoint : ErrorCause.node_failure;
    const start = t.connStart[x] as number;
    const sent = (t.synSent[x] as number) + 1;
    t.synSent[x] = sent;
    const net = d.net;
    const retx = net.nextSyn(start, t.delay[x] as number, sent, d.connectTimeout);
    if (retx >= 0) {
      sim.postAt(retx, d.kSyn, arg);
      return -1;
    }
    t.errKind[x] = net.unansweredKind(d.connectTimeout);
    const at = start + net.unansweredGiveUp(d.connectTimeout);
    sim.postAt(Math.max(at, sim.now), d.kConnFail, arg);
    return -1;
  }
  if (!truth.isListening(pod)) {
    t.errKind[x] = ErrorKind.refused;
    t.errCause[x] = refusalCause(truth, d.servers, pod);
    sim.post(t.delay[x] as number, d.kConnFail, arg);
    return -1;
  }
  return pod;
}
