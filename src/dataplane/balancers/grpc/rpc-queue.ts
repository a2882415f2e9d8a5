import type { TryPool } from '../../pools.js';

/**
 * RPCs of each gRPC channel waiting for a READY subchannel (CONNECTING or IDLE, or any state
 * with WaitForReady): a FIFO per client threaded through the TryPool's next/prev columns (the
 * L4 route's wait queue uses them; a hop's client tries never are on it), O(1) unlink when
 * the client gives up.
 */
export class RpcQueue {
  private readonly head: Int32Array;
  private readonly tail: Int32Array;
  private queued = new Uint8Array(0);

  constructor(
    private readonly tries: TryPool,
    clients: number,
  ) {
    this.head = new Int32Array(clients).fill(-1);
    this.tail = new Int32Array(clients).fill(-1);
  }

  /** The first waiting RPC of client c, or -1. */
  first(c: number): number {
    return this.head[c] as number;
  }

  has(r: number): boolean {
    return r < this.queued.length && this.queued[r] === 1;
  }

  push(r: number, c: number): void {
    const t = this.tries;
    if (this.queued.length < t.capacity) {
      const b = new Uint8Array(t.capacity);
      b.set(this.queued);
      this.queued = b;
    }
    this.queued[r] = 1;
    t.next[r] = -1;
    const tail = this.tail[c] as number;
    t.prev[r] = tail;
    if (tail === -1) this.head[c] = r;
    else t.next[tail] = r;
    this.tail[c] = r;
  }

  remove(r: number): void {
    const t = this.tries;
    const c = t.client[r] as number;
    const p = t.prev[r] as number;
    const n = t.next[r] as number;
    if (p === -1) this.head[c] = n;
    else t.next[p] = n;
    if (n === -1) this.tail[c] = p;
    else t.prev[n] = p;
    this.queued[r] = 0;
  }
}
