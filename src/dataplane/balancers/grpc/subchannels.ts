import { SlotPool } from '../../pools.js';

/** Connectivity state of a subchannel's connection (grpc-go connectivity.State, plus draining). */
export const SubState = {
  free: 0,
  connecting: 1,
  ready: 2,
  /** The attempt failed; the next one starts after the backoff. */
  transientFailure: 3,
  /** GOAWAY received or the address was removed: no new RPC; closes when its RPCs are done. */
  draining: 4,
} as const;
export type SubState = (typeof SubState)[keyof typeof SubState];

/**
 * The gRPC channels' subchannel connections (one long-lived HTTP/2 connection each), as
 * struct-of-arrays records recycled through the pool's free list: allocated per resolver update
 * or reconnect, never per RPC. A reconnect of the same subchannel reuses its record with a new
 * generation; a draining connection keeps its record until its last RPC ends.
 */
export class SubchannelPool extends SlotPool {
  client = new Int32Array(this.capacity);
  /** Index of its address in the client's policy list. */
  index = new Int32Array(this.capacity);
  ip = new Uint32Array(this.capacity);
  state = new Uint8Array(this.capacity);
  gen = new Int32Array(this.capacity);
  /** The pod that accepted the connection (-1 while connecting) and its server generation. */
  pod = new Int32Array(this.capacity);
  podGen = new Int32Array(this.capacity);
  /** One-way delay client <-> pod, seconds. */
  delay = new Float64Array(this.capacity);
  /** RPCs in flight on the connection. */
  active = new Int32Array(this.capacity);
  /** grpc-go addrConn.backoffIdx, and this attempt's backoff (its deadline and the wait after). */
  backoffIdx = new Int32Array(this.capacity);
  backoffFor = new Float64Array(this.capacity);
  connStart = new Float64Array(this.capacity);
  /** 1 once an attempt failed since creation or the last READY (sticky TRANSIENT_FAILURE). */
  sticky = new Uint8Array(this.capacity);
  /** The failed attempt's error, as an RPC failing UNAVAILABLE reports it. */
  kind = new Uint8Array(this.capacity);
  cause = new Uint8Array(this.capacity);

  constructor(capacity = 64) {
    super(capacity, 'gRPC subchannels');
  }

  alloc(): number {
    const i = this.take();
    this.state[i] = SubState.connecting;
    this.pod[i] = -1;
    this.active[i] = 0;
    this.backoffIdx[i] = 0;
    this.sticky[i] = 0;
    return i;
  }

  release(i: number): void {
    this.gen[i] = ((this.gen[i] as number) + 1) | 0;
    this.state[i] = SubState.free;
    this.give(i);
  }
}
