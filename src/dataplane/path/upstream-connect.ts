import { type GroundTruth, NO_POD } from '../../cluster/types.js';
import type { EventKind, Simulation } from '../../engine/index.js';
import type { PodServers } from '../pod-server.js';
import type { TryPool } from '../pools.js';
import { ErrorCause, ErrorKind } from '../types.js';
import { type Network, refusalCause } from './network.js';

/** What a hop that dials pod IPs itself answers its SYNs with (built once per hop). */
export interface SynContext {
  readonly sim: Simulation;
  readonly truth: GroundTruth;
  readonly servers: PodServers;
  readonly net: Network;
}

/**
 * An L7 hop's SYN for upstream try `x` (to `tries.ip[x]`, started at `connStart[x]`, `synSent[x]`
 * sent before this one) arrives now. Returns the pod when it is there and listening; otherwise
 * -1, with the try's error set and the next event posted with payload `arg`: the network's rule
 * for every connection when nobody answers (SYN retransmissions that a pod taking the IP
 * meanwhile answers, on `kSyn`; then silence until `connectTimeout`, bounded by the kernel's SYN
 * give-up, or EHOSTUNREACH, on `kConnFail`), or RST one way back (`refused`, on `kConnFail`).
 * Shared by ./proxy-hop.ts and ./mesh-hop.ts.
 */
export function answerSyn(
  c: SynContext,
  t: TryPool,
  x: number,
  arg: number,
  connectTimeout: number,
  kSyn: EventKind,
  kConnFail: EventKind,
): number {
  const pod = c.truth.podAt(t.ip[x] as number);
  if (pod === NO_POD || !c.truth.isReachable(pod)) {
    t.errCause[x] = pod === NO_POD ? ErrorCause.stale_endpoint : ErrorCause.node_failure;
    const start = t.connStart[x] as number;
    const sent = (t.synSent[x] as number) + 1;
    t.synSent[x] = sent;
    const net = c.net;
    const retx = net.nextSyn(start, t.delay[x] as number, sent, connectTimeout);
    if (retx >= 0) {
      c.sim.postAt(retx, kSyn, arg);
      return -1;
    }
    t.errKind[x] = net.unansweredKind(connectTimeout);
    const at = start + net.unansweredGiveUp(connectTimeout);
    c.sim.postAt(Math.max(at, c.sim.now), kConnFail, arg);
    return -1;
  }
  if (!c.truth.isListening(pod)) {
    t.errKind[x] = ErrorKind.refused;
    t.errCause[x] = refusalCause(c.truth, c.servers, pod);
    c.sim.post(t.delay[x] as number, kConnFail, arg);
    return -1;
  }
  return pod;
}
