import type { Rng } from '../../../engine/index.js';

/**
 * Envoy's ROUND_ROBIN with equal weights (source/extensions/load_balancing_policies/
 * round_robin/round_robin_lb.h, `unweightedHostPick`), one per worker thread: an index that
 * starts at the load balancer's random `seed_` (drawn once when the worker's LB is built, so
 * workers and proxies start at different hosts) and returns `hostsToUse[index++ % count]`.
 * The index is kept across host set updates (`rr_indexes_.insert` does not overwrite), so a
 * change of the list shifts which host comes next but not the counter.
 */
export class EnvoyRoundRobin {
  private index: number;

  constructor(rng: Rng) {
    // seed_ = random_.random(), a uint64; only its residue matters. 2^31 keeps it exact.
    this.index = Math.floor(rng.next() * 2147483648);
  }

  /** Index into `hostsToUse`, or -1 when it is empty. */
  pick(count: number): number {
    if (count === 0) return -1;
    const k = this.index % count;
    this.index++;
    return k;
  }
}
