import { type GroundTruth, NO_POD } from '../../../cluster/types.js';
import type { EventKind, KeyedStream, Simulation } from '../../../engine/index.js';
import { grpcBackoff } from '../../discovery/grpc-dns-resolver.js';
import { type Network, refusalCause } from '../../path/network.js';
import type { RequestPathOptions } from '../../path-options.js';
import type { PodServers } from '../../pod-server.js';
import { tag, tagGen, tagIndex } from '../../pools.js';
import { ErrorCause, ErrorKind } from '../../types.js';
import { backoffConfig, type GrpcOptions } from './options.js';
import { type SubchannelPool, SubState } from './subchannels.js';

/** What the dialer tells its channel hop. */
export interface DialerHost {
  /** Subchannel s's connection is up (READY). */
  subchannelReady(s: number): void;
  /** Subchannel s's attempt failed (its `kind` / `cause` say how); `backoffFor` is the wait. */
  subchannelFailed(s: number): void;
}

/**
 * The connection attempts of the gRPC channels' subchannels (grpc-go addrConn.resetTransport):
 * a SYN to the subchannel's address from the client's node; RST (nothing listening) fails at
 * once, no answer (no pod, or its node down) fails at the attempt's deadline, max(
 * MinConnectTimeout, this attempt's backoff) bounded by the kernel's SYN give-up (or
 * EHOSTUNREACH after `hostUnreachableAfter`); an answer is READY one delay later (SYN-ACK; the
 * HTTP/2 preface and SETTINGS are not charged). The backoff of attempt n is grpc's
 * connection-backoff.md (grpc-go internal/backoff), its jitter keyed by (client, attempt
 * ordinal) from `grpc:backoff`: the same attempt of a client waits the same in every run.
 */
export class SubchannelDialer {
  private readonly backoffRng: KeyedStream;
  private readonly backoffOrdinal: Float64Array;
  private readonly kSyn: EventKind;
  private readonly kConnected: EventKind;
  private readonly kConnFail: EventKind;

  constructor(
    private readonly sim: Simulation,
    private readonly subs: SubchannelPool,
    private readonly parts: {
      readonly truth: GroundTruth;
      readonly servers: PodServers;
      readonly network: Network;
      readonly path: RequestPathOptions;
      readonly grpc: GrpcOptions;
      readonly clientNode: Int32Array;
      readonly keyedStream: (name: string) => KeyedStream;
    },
    private readonly host: DialerHost,
  ) {
    this.backoffRng = parts.keyedStream('grpc:backoff');
    this.backoffOrdinal = new Float64Array(parts.clientNode.length);
    this.kSyn = sim.register('grpc:syn', (a) => this.onSyn(a));
    this.kConnected = sim.register('grpc:connected', (a) => this.onConnected(a));
    this.kConnFail = sim.register('grpc:connect-failed', (a) => this.onConnFail(a));
  }

  /** The backoff of client c's attempt with backoff index `idx` (one keyed draw). */
  backoffDelay(c: number, idx: number): number {
    const o = this.backoffOrdinal[c] as number;
    this.backoffOrdinal[c] = o + 1;
    return grpcBackoff(idx, this.backoffRng.rngFor(c, o), backoffConfig(this.parts.grpc));
  }

  /** A connection attempt of subchannel s (CONNECTING): the SYN to its address. */
  connect(s: number): void {
    const k = this.subs;
    const p = this.parts;
    const c = k.client[s] as number;
    k.state[s] = SubState.connecting;
    k.pod[s] = -1;
    k.connStart[s] = this.sim.now;
    k.backoffFor[s] = this.backoffDelay(c, k.backoffIdx[s] as number);
    const pod = p.truth.podAt(k.ip[s] as number);
    k.delay[s] =
      pod === NO_POD
        ? p.network.halfCross
        : p.network.oneWay(p.clientNode[c] as number, p.truth.nodeOf(pod));
    this.sim.schedule(k.delay[s] as number, this.kSyn, tag(s, k.gen[s] as number));
  }

  private onSyn(arg: number): void {
    const s = tagIndex(arg);
    const k = this.subs;
    const p = this.parts;
    if (k.gen[s] !== tagGen(arg)) return;
    const pod = p.truth.podAt(k.ip[s] as number);
    if (pod === NO_POD || !p.truth.isReachable(pod)) {
      // The network's rule for every connection (path/network.ts), the dial deadline as the
      // connect timeout.
      k.cause[s] = pod === NO_POD ? ErrorCause.stale_endpoint : ErrorCause.node_failure;
      const deadline = Math.max(p.grpc.minConnectTimeout, k.backoffFor[s] as number);
      const net = p.network;
      k.kind[s] = net.unansweredKind(deadline);
      const at = (k.connStart[s] as number) + net.unansweredGiveUp(deadline);
      this.sim.scheduleAt(Math.max(at, this.sim.now), this.kConnFail, arg);
      return;
    }
    if (!p.truth.isListening(pod)) {
      k.kind[s] = ErrorKind.refused;
      k.cause[s] = refusalCause(p.truth, p.servers, pod);
      this.sim.schedule(k.delay[s] as number, this.kConnFail, arg);
      return;
    }
    k.pod[s] = pod;
    k.podGen[s] = p.servers.gen[pod] as number;
    this.sim.schedule(k.delay[s] as number, this.kConnected, arg);
  }

  private onConnected(arg: number): void {
    const s = tagIndex(arg);
    const k = this.subs;
    if (k.gen[s] !== tagGen(arg)) return;
    k.state[s] = SubState.ready;
    k.sticky[s] = 0;
    k.backoffIdx[s] = 0;
    this.host.subchannelReady(s);
  }

  private onConnFail(arg: number): void {
    const s = tagIndex(arg);
    if (this.subs.gen[s] !== tagGen(arg)) return;
    this.host.subchannelFailed(s);
  }
}
