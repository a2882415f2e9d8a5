/**
 * grpc-go's `pick_first` LB policy for one channel (the default policy;
 * balancer/pickfirst/pickfirstleaf): it connects to the resolved addresses in order and sends
 * every RPC on the first one that connects, until that connection is lost.
 *
 * State kept here (the connection attempts themselves are the hop's):
 * - `connecting(now)`: the address to try next, walking the list from the start; a failure
 *   moves to the next; when every address failed the channel is in TRANSIENT_FAILURE (the
 *   caller asks the resolver to re-resolve and backs off, then walks again from the start).
 * - READY on address i: all RPCs go there (`pick` returns i).
 * - The READY connection is lost (GOAWAY after maxConnectionAge, reset, pod gone): the channel
 *   goes IDLE and asks the resolver to re-resolve (ResolveNow); the next RPC starts a new walk
 *   from the first address of the *current* list.
 * - A resolver update while READY keeps the connection if its address is still in the list;
 *   otherwise the channel walks the new list from its start.
 * `shuffleAddressList` (off by default) is not modelled.
 */
export const PickFirstState = {
  idle: 0,
  connecting: 1,
  ready: 2,
  transientFailure: 3,
} as const;
export type PickFirstState = (typeof PickFirstState)[keyof typeof PickFirstState];

export class GrpcPickFirst {
  size = 0;
  addresses: Uint32Array = new Uint32Array(0);
  state: PickFirstState = PickFirstState.idle;
  /** Address being tried (connecting) or used (ready); -1 otherwise. */
  current = -1;

  constructor(addresses: Uint32Array) {
    this.setAddresses(addresses);
  }

  /** A resolver update. Returns true if the channel must (re)start connecting. */
  setAddresses(addresses: Uint32Array): boolean {
    const keep = this.current >= 0 ? (this.addresses[this.current] as number) : -1;
    this.addresses = Uint32Array.from(addresses);
    this.size = addresses.length;
    if (this.state === PickFirstState.ready && keep >= 0) {
      const j = this.addresses.indexOf(keep);
      if (j >= 0) {
        this.current = j;
        return false;
      }
    }
    this.current = -1;
    if (this.state === PickFirstState.idle) return false;
    this.state = PickFirstState.idle;
    return true;
  }

  /** Starts a walk (exitIdle): the first address to dial, or -1 with an empty list. */
  startConnecting(): number {
    if (this.size === 0) {
      this.state = PickFirstState.transientFailure;
      this.current = -1;
      return -1;
    }
    this.state = PickFirstState.connecting;
    this.current = 0;
    return 0;
  }

  /** The dial of `current` failed: the next address, or -1 (TRANSIENT_FAILURE: re-resolve). */
  connectFailed(): number {
    if (this.state !== PickFirstState.connecting) return -1;
    const next = this.current + 1;
    if (next >= this.size) {
      this.state = PickFirstState.transientFailure;
      this.current = -1;
      return -1;
    }
    this.current = next;
    return next;
  }

  /** The dial of `current` succeeded. */
  connected(): void {
    if (this.state === PickFirstState.connecting) this.state = PickFirstState.ready;
  }

  /** The READY connection was lost: IDLE (the caller calls ResolveNow). */
  connectionLost(): void {
    if (this.state !== PickFirstState.ready) return;
    this.state = PickFirstState.idle;
    this.current = -1;
  }

  /** The address index for an RPC, or -1 when not READY (the RPC waits or fails). */
  pick(): number {
    return this.state === PickFirstState.ready ? this.current : -1;
  }
}
