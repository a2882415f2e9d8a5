import type { Rng } from '../../../engine/index.js';
import { uniformIndex } from '../choice.js';
import { carryOver } from '../endpoint-carry.js';

/**
 * grpc-go's `round_robin` LB policy for one channel (balancer/roundrobin/roundrobin.go): one
 * subchannel (one long-lived HTTP/2 connection) per resolved address; RPCs go round robin over
 * the subchannels that are READY. Every change of the READY set builds a new picker that
 * starts at a random index ("as the same RR balancer rebuilds a new picker when SubConn states
 * change, and we don't want to apply excess load to the first server in the list"):
 * `next = rand.Intn(len)`, each pick `next += 1; subConns[next % len]`, so the first pick
 * after a rebuild is `(r + 1) % len`.
 *
 * A resolver update keeps the subchannels of addresses that stay (same address, same
 * subchannel) and drops the others; new ones start not READY (CONNECTING). With no READY
 * subchannel the RPC cannot be picked (`pick` returns -1): it waits while some subchannel is
 * connecting and fails UNAVAILABLE when all are in TRANSIENT_FAILURE (wait-for-ready off, the
 * default); the hop decides which.
 */
export class GrpcRoundRobin {
  size = 0;
  addresses: Uint32Array = new Uint32Array(0);
  /** 1 while the subchannel of address i is READY. */
  ready = new Uint8Array(0);
  private readyList = new Int32Array(0);
  readyCount = 0;
  private next = 0;

  constructor(addresses: Uint32Array, rng: Rng) {
    this.setAddresses(addresses, rng);
  }

  /** A resolver update (allocates: per update). */
  setAddresses(addresses: Uint32Array, rng: Rng): void {
    const from = carryOver(this.addresses, addresses);
    const n = addresses.length;
    const ready = new Uint8Array(n);
    for (let j = 0; j < n; j++) {
      const i = from[j] as number;
      if (i >= 0) ready[j] = this.ready[i] as number;
    }
    this.addresses = Uint32Array.from(addresses);
    this.size = n;
    this.ready = ready;
    this.readyList = new Int32Array(n);
    this.rebuild(rng);
  }

  /** Subchannel i changed connectivity state; rebuilds the picker if its READY flag changed. */
  setReady(i: number, isReady: boolean, rng: Rng): void {
    const v = isReady ? 1 : 0;
    if (this.ready[i] === v) return;
    this.ready[i] = v;
    this.rebuild(rng);
  }

  private rebuild(rng: Rng): void {
    let k = 0;
    for (let i = 0; i < this.size; i++) if (this.ready[i] === 1) this.readyList[k++] = i;
    this.readyCount = k;
    this.next = k > 0 ? uniformIndex(rng, k) : 0;
  }

  /** The address index for an RPC, or -1 with no READY subchannel. */
  pick(): number {
    const k = this.readyCount;
    if (k === 0) return -1;
    this.next = this.next + 1 === k ? 0 : this.next + 1;
    return this.readyList[this.next] as number;
  }
}
