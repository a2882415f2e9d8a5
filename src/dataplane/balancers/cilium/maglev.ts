/**
 * Maglev consistent hashing (D. E. Eisenbud et al., "Maglev: A Fast and Reliable Software
 * Network Load Balancer", NSDI 2016, section 3.4 and its Pseudocode 1) as Cilium builds it for
 * its kube-proxy replacement (cilium pkg/maglev/maglev.go; `--bpf-lb-algorithm=maglev`).
 *
 * Each backend i gets a permutation of the M table slots, `offset_i + j x skip_i (mod M)`,
 * with `offset = h1 mod M`, `skip = h2 mod (M - 1) + 1` (M prime, so every skip visits every
 * slot). The table is filled in turns: backend 0, 1, ..., N-1, 0, ... each takes the next slot
 * of its own permutation not yet taken, until all M slots are full. A flow goes to
 * `table[hash(5-tuple) mod M]`.
 *
 * Cilium hashes the backend's string with murmur3 (128-bit, the cluster-wide
 * `--bpf-lb-maglev-hash-seed`) and sorts the backends by that string first, so every node
 * computes the same table from the same backend set. lbsim keeps both properties (same table
 * on every node, a seed shared by the cluster) with a cheaper hash of the backend IP: the
 * murmur3 32-bit finalizer (fmix32) of the IP mixed with the seed. The values differ from
 * Cilium's, not the distribution of offsets and skips.
 */

/** Cilium's supported table sizes (pkg/maglev), all prime; the default is 16381. */
export const CILIUM_MAGLEV_TABLE_SIZES: readonly number[] = [
  251, 509, 1021, 2039, 4093, 8191, 16381, 32749, 65521, 131071,
];
export const CILIUM_MAGLEV_DEFAULT_TABLE_SIZE = 16381;

/** murmur3's 32-bit finalizer: a bijection of uint32 with full avalanche. */
export function fmix32(h: number): number {
  let x = h >>> 0;
  x ^= x >>> 16;
  x = Math.imul(x, 0x85ebca6b);
  x ^= x >>> 13;
  x = Math.imul(x, 0xc2b2ae35);
  x ^= x >>> 16;
  return x >>> 0;
}

/** The (offset, skip) of a backend with address `ip` for table size m under `seed`. */
export function maglevOffsetSkip(ip: number, m: number, seed: number): [number, number] {
  const h1 = fmix32((ip ^ seed) >>> 0);
  const h2 = fmix32((h1 ^ 0x9e3779b9 ^ Math.imul(seed, 0x85ebca6b)) >>> 0);
  return [h1 % m, (h2 % (m - 1)) + 1];
}

/**
 * Pseudocode 1 of the paper: fills `entry` (length m) with backend indices 0..N-1 from their
 * offsets and skips. `next` is scratch of length >= N. With N = 0 every entry is -1.
 */
export function populateMaglev(
  offsets: ArrayLike<number>,
  skips: ArrayLike<number>,
  m: number,
  entry: Int32Array,
  next: Int32Array = new Int32Array(offsets.length),
): void {
  const n = offsets.length;
  entry.fill(-1, 0, m);
  if (n === 0) return;
  next.fill(0, 0, n);
  let filled = 0;
  for (;;) {
    for (let i = 0; i < n; i++) {
      const off = offsets[i] as number;
      const skip = skips[i] as number;
      let c = (off + (next[i] as number) * skip) % m;
      while ((entry[c] as number) >= 0) {
        next[i] = (next[i] as number) + 1;
        c = (off + (next[i] as number) * skip) % m;
      }
      entry[c] = i;
      next[i] = (next[i] as number) + 1;
      filled++;
      if (filled === m) return;
    }
  }
}

/**
 * A Maglev lookup table over a set of backend IPs. Backends are ordered by IP before filling
 * (Cilium sorts by its backend hash string), so the table depends only on the set and the
 * seed: identical on every node. Build cost O(M log M) expected; build once per backend set
 * and share it between nodes. Lookup is O(1) and allocation-free.
 */
export class MaglevTable {
  readonly m: number;
  /** Slot -> index into `ips` as given to `build` (not the sorted order). -1 when empty. */
  readonly entry: Int32Array;
  size = 0;
  private readonly seed: number;

  constructor(m: number = CILIUM_MAGLEV_DEFAULT_TABLE_SIZE, seed = 0) {
    if (!Number.isInteger(m) || m < 2 || !isPrime(m)) {
      throw new RangeError(`Maglev table size must be a prime >= 2, got ${m}`);
    }
    this.m = m;
    this.seed = seed >>> 0;
    this.entry = new Int32Array(m).fill(-1);
  }

  /** Rebuilds the table for `ips` (allocates: once per backend change). */
  build(ips: Uint32Array): void {
    const n = ips.length;
    this.size = n;
    const order = Array.from({ length: n }, (_, i) => i).sort(
      (a, b) => (ips[a] as number) - (ips[b] as number),
    );
    const offsets = new Uint32Array(n);
    const skips = new Uint32Array(n);
    order.forEach((idx, k) => {
      const [o, s] = maglevOffsetSkip(ips[idx] as number, this.m, this.seed);
      offsets[k] = o;
      skips[k] = s;
    });
    populateMaglev(offsets, skips, this.m, this.entry);
    for (let c = 0; c < this.m; c++) {
      const k = this.entry[c] as number;
      if (k >= 0) this.entry[c] = order[k] as number;
    }
  }

  /** The backend index for a flow hash (any uint32), or -1 with no backends. */
  lookup(flowHash: number): number {
    return this.entry[(flowHash >>> 0) % this.m] as number;
  }
}

function isPrime(m: number): boolean {
  if (m < 2) return false;
  for (let d = 2; d * d <= m; d++) if (m % d === 0) return false;
  return true;
}
