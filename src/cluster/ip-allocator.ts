import type { Rng } from '../engine/random.js';
import type { Ip } from './types.js';

/**
 * How a node's IPAM hands out pod IPs once some were released.
 * - `sequential`: the next free address after the last one allocated, wrapping around the range
 *   (the host-local CNI IPAM plugin's behaviour: it remembers the last reserved IP per range and
 *   scans forward from it; containernetworking/plugins plugins/ipam/host-local/backend/allocator).
 * - `random`: uniformly from the free pool.
 * - `lifo`: the most recently released address first (stresses reuse: a stale table entry soon
 *   points at a *different* pod).
 * - `never`: never reuse a released address (fails when the range is exhausted).
 */
export type IpReusePolicy = 'sequential' | 'random' | 'lifo' | 'never';

export const IP_REUSE_POLICIES: readonly IpReusePolicy[] = [
  'sequential',
  'random',
  'lifo',
  'never',
];

/**
 * Allocates pod IPs from one node's pod CIDR. The first usable address is base + 2 (base + 0 is
 * the network address, base + 1 the bridge/gateway, as host-local's default range start after
 * the gateway), the last is the broadcast address - 1.
 */
export class IpAllocator {
  readonly base: Ip;
  readonly size: number;
  private readonly policy: IpReusePolicy;
  private readonly rng: Rng | undefined;
  /** 1 = allocated. Index = offset from base. */
  private readonly used: Uint8Array;
  private readonly first: number;
  private readonly last: number;
  private lastAllocated: number;
  private nextNeverUsed: number;
  /** lifo: released offsets, most recent last. */
  private readonly releasedStack: number[] = [];
  private allocatedCount = 0;

  /**
   * @param base network address of the node's pod CIDR (as uint32)
   * @param prefixLength CIDR prefix length (24 gives 253 usable pod IPs)
   * @param rng needed by the `random` policy only
   */
  constructor(base: Ip, prefixLength: number, policy: IpReusePolicy, rng?: Rng) {
    if (!Number.isInteger(prefixLength) || prefixLength < 8 || prefixLength > 29) {
      throw new RangeError(
        `node pod CIDR prefix: expected an integer in [8, 29], got ${prefixLength}`,
      );
    }
    if (policy === 'random' && rng === undefined) {
      throw new Error('IpAllocator: the random policy needs an Rng');
    }
    this.base = base >>> 0;
    this.size = 2 ** (32 - prefixLength);
    this.policy = policy;
    this.rng = rng;
    this.used = new Uint8Array(this.size);
    this.first = 2;
    this.last = this.size - 2;
    this.lastAllocated = this.first - 1;
    this.nextNeverUsed = this.first;
  }

  /** Number of addresses currently allocated. */
  get allocated(): number {
    return this.allocatedCount;
  }

  /** Usable addresses in the range. */
  get capacity(): number {
    return this.last - this.first + 1;
  }

  /** Whether allocate() would succeed. */
  hasFree(): boolean {
    if (this.policy === 'never') return this.nextNeverUsed <= this.last;
    return this.allocatedCount < this.capacity;
  }

  contains(ip: Ip): boolean {
    const off = (ip >>> 0) - this.base;
    return off >= this.first && off <= this.last;
  }

  /** Allocates an address; throws when none is available under the policy. */
  allocate(): Ip {
    const off = this.pick();
    if (off < 0) {
      throw new Error(
        `pod CIDR ${this.base}/${32 - Math.log2(this.size)} exhausted (${this.allocatedCount} allocated, policy ${this.policy})`,
      );
    }
    this.used[off] = 1;
    this.allocatedCount++;
    this.lastAllocated = off;
    if (off >= this.nextNeverUsed) this.nextNeverUsed = off + 1;
    return (this.base + off) >>> 0;
  }

  /** Releases an address (it may be handed out again, depending on the policy). */
  release(ip: Ip): void {
    const off = (ip >>> 0) - this.base;
    if (off < this.first || off > this.last || this.used[off] !== 1) {
      throw new Error(`release of an address not allocated here: ${ip}`);
    }
    this.used[off] = 0;
    this.allocatedCount--;
    if (this.policy === 'lifo') this.releasedStack.push(off);
  }

  private pick(): number {
    switch (this.policy) {
      case 'sequential': {
        const span = this.last - this.first + 1;
        for (let k = 1; k <= span; k++) {
          const off = this.first + ((this.lastAllocated - this.first + k) % span);
          if (this.used[off] === 0) return off;
        }
        return -1;
      }
      case 'never':
        return this.nextNeverUsed <= this.last ? this.nextNeverUsed : -1;
      case 'lifo': {
        while (this.releasedStack.length > 0) {
          const off = this.releasedStack.pop() as number;
          if (this.used[off] === 0) return off;
        }
        if (this.nextNeverUsed <= this.last) return this.nextNeverUsed;
        return this.firstFree();
      }
      case 'random': {
        const free = this.capacity - this.allocatedCount;
        if (free <= 0) return -1;
        let k = Math.floor((this.rng as Rng).next() * free);
        for (let off = this.first; off <= this.last; off++) {
          if (this.used[off] === 0) {
            if (k === 0) return off;
            k--;
          }
        }
        return -1;
      }
      default: {
        const never: never = this.policy;
        throw new Error(`unknown IP reuse policy ${String(never)}`);
      }
    }
  }

  private firstFree(): number {
    for (let off = this.first; off <= this.last; off++) if (this.used[off] === 0) return off;
    return -1;
  }
}

/** Parses `a.b.c.d/len` into a base address and prefix length. */
export function parseCidr(cidr: string): { base: Ip; prefixLength: number } {
  const m = /^(\d+\.\d+\.\d+\.\d+)\/(\d+)$/.exec(cidr.trim());
  if (!m) throw new Error(`expected a CIDR such as 10.244.0.0/16, got \`${cidr}\``);
  const parts = (m[1] as string).split('.').map(Number);
  if (parts.some((p) => p > 255)) throw new Error(`not an IPv4 CIDR: ${cidr}`);
  const prefixLength = Number(m[2]);
  if (prefixLength > 32) throw new Error(`not an IPv4 CIDR: ${cidr}`);
  const ip =
    ((parts[0] as number) * 2 ** 24 +
      (parts[1] as number) * 65536 +
      (parts[2] as number) * 256 +
      (parts[3] as number)) >>>
    0;
  const mask = prefixLength === 0 ? 0 : (0xffffffff << (32 - prefixLength)) >>> 0;
  return { base: (ip & mask) >>> 0, prefixLength };
}
