import type { Rng } from '../../../engine/index.js';
import type { L7BalancerDescriptor, L7Environment, UpstreamPicker } from '../../types.js';
import type { GrpcDeps } from './channel-hop.js';
import { type GrpcOptions, grpcOptions } from './options.js';
import { GrpcPickFirst } from './pick-first.js';
import { GrpcRoundRobin } from './round-robin.js';

/**
 * `grpc-pick-first` and `grpc-round-robin`: a grpc-go client channel per client over a headless
 * Service, wired as the gRPC hop (./channel-hop.ts, placement 3 of src/dataplane/path/hop.ts).
 * The pickers below are the policies with every subchannel READY, behind the picker protocol
 * the conformance suite drives; the hop itself drives the policies with real connectivity.
 */

/** round_robin with every subchannel READY: a cycle from a random start per rebuild. */
export class GrpcRoundRobinPicker implements UpstreamPicker {
  private readonly rr: GrpcRoundRobin;
  constructor(
    ips: Uint32Array,
    private readonly rng: Rng,
  ) {
    this.rr = new GrpcRoundRobin(new Uint32Array(0), rng);
    this.reload(ips, 0);
  }
  get size(): number {
    return this.rr.size;
  }
  get ips(): Uint32Array {
    return this.rr.addresses;
  }
  pick(_now: number, _triedMask: number): number {
    return this.rr.pick();
  }
  reportFailure(_peer: number, _now: number): void {}
  reportSuccess(_peer: number, _now: number): void {}
  connectionOpened(_peer: number): void {}
  connectionClosed(_peer: number): void {}
  reload(ips: Uint32Array, _now: number): void {
    this.rr.setAddresses(ips, this.rng);
    for (let i = 0; i < ips.length; i++) this.rr.setReady(i, true, this.rng);
  }
}

/** pick_first with every address reachable: every RPC on the first address. */
export class GrpcPickFirstPicker implements UpstreamPicker {
  private readonly pf = new GrpcPickFirst(new Uint32Array(0));
  constructor(ips: Uint32Array) {
    this.reload(ips, 0);
  }
  get size(): number {
    return this.pf.size;
  }
  get ips(): Uint32Array {
    return this.pf.addresses;
  }
  pick(_now: number, _triedMask: number): number {
    return this.pf.pick();
  }
  reportFailure(_peer: number, _now: number): void {}
  reportSuccess(_peer: number, _now: number): void {}
  connectionOpened(_peer: number): void {}
  connectionClosed(_peer: number): void {}
  reload(ips: Uint32Array, _now: number): void {
    this.pf.setAddresses(ips);
    this.pf.connectionLost();
    if (this.pf.startConnecting() >= 0) this.pf.connected();
  }
}

function grpcHopSpec(
  policy: GrpcDeps['policy'],
  o: GrpcOptions,
  env: L7Environment,
): { name: string; config: GrpcDeps } {
  return {
    name: 'grpc',
    config: { policy, options: o, feed: env.feed, watchDelay: env.watchDelay, dns: env.dns },
  };
}

const BASICS =
  'a channel per client over headless DNS, re-resolved on connection loss >= 30 s apart';

export const grpcPickFirst: L7BalancerDescriptor<GrpcOptions> = {
  kind: 'l7',
  name: 'grpc-pick-first',
  family: 'grpc',
  description: `gRPC pick_first (grpc-go default policy: every RPC on the first address that connects), ${BASICS}`,
  options: grpcOptions,
  createPicker: (ips) => new GrpcPickFirstPicker(ips),
  hop: (o, env) => grpcHopSpec('pick_first', o, env),
};

export const grpcRoundRobin: L7BalancerDescriptor<GrpcOptions> = {
  kind: 'l7',
  name: 'grpc-round-robin',
  family: 'grpc',
  description: `gRPC round_robin (RPCs round robin over READY subchannels, one per address), ${BASICS}`,
  options: grpcOptions,
  createPicker: (ips, _o, rng) => new GrpcRoundRobinPicker(ips, rng),
  hop: (o, env) => grpcHopSpec('round_robin', o, env),
};
