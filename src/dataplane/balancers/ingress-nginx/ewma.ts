import type { Rng } from '../../../engine/index.js';
import { shuffledPair } from '../choice.js';
import { carryOver, sameIps } from '../endpoint-carry.js';

/** balancer/ewma.lua DECAY_TIME, seconds. */
export const INGRESS_NGINX_EWMA_DECAY_TIME = 10;

/** "Never touched": ewma.lua's `last_touched_at or 0` is the Unix epoch, ages before ngx.now(). */
const NEVER = Number.NEGATIVE_INFINITY;

/**
 * ingress-nginx's `ewma` balancer (rootfs/etc/nginx/lua/balancer/ewma.lua, after Finagle's
 * PeakEwma but without the peak), one instance per nginx worker: `self.ewma` and
 * `self.ewma_last_touched_at` are plain Lua tables of the balancer instance, so each worker
 * keeps its own scores (older releases used a shared dict; the current source does not).
 *
 * - Score of a peer at time t: its stored EWMA decayed towards 0 since it was last touched,
 *   `ewma * exp(-(t - touched) / DECAY_TIME)` (`score` calls get_or_update_ewma with rtt 0 and
 *   does not store). A peer never measured scores 0.
 * - `balance()`: with one peer, that peer; otherwise a partial Fisher-Yates shuffle picks
 *   PICK_SET_SIZE = 2 distinct peers and the lower score wins (the first on a tie).
 * - `after_balance()` (log phase, once per request): rtt = the *first* values of
 *   $upstream_connect_time + $upstream_response_time, credited to the *first* entry of
 *   $upstream_addr: with retries, only the first try's peer and times count. Update:
 *   w = exp(-(t - touched) / DECAY_TIME), ewma = ewma * w + rtt * (1 - w), touched = t. A first
 *   sample (never touched) sets ewma = rtt.
 * - `sync()` when the endpoint list changed: measured peers that stay keep ewma and touched;
 *   new (or never measured) peers get the plain average of the stored, undecayed ewma of the
 *   previous peers (0 for an unmeasured one), touched = now.
 * Allocation-free pick and update.
 */
export class IngressNginxEwma {
  size = 0;
  ips: Uint32Array = new Uint32Array(0);
  private ewma = new Float64Array(0);
  private touched = new Float64Array(0);
  private readonly decayTime: number;
  private readonly pair = new Int32Array(2);

  constructor(ips: Uint32Array, decayTime = INGRESS_NGINX_EWMA_DECAY_TIME) {
    this.decayTime = decayTime;
    // new(): empty tables, every peer unmeasured.
    this.ips = Uint32Array.from(ips);
    this.size = ips.length;
    this.ewma = new Float64Array(this.size);
    this.touched = new Float64Array(this.size).fill(NEVER);
  }

  /** The score `balance()` compares: the stored EWMA decayed to `now`. */
  score(i: number, now: number): number {
    const td = now - (this.touched[i] as number);
    const w = Math.exp(-Math.max(td, 0) / this.decayTime);
    return (this.ewma[i] as number) * w;
  }

  /** The peer for one try, or -1 with no endpoints. */
  pick(now: number, rng: Rng): number {
    const n = this.size;
    if (n <= 1) return n - 1;
    shuffledPair(rng, n, this.pair);
    const a = this.pair[0] as number;
    const b = this.pair[1] as number;
    return this.score(b, now) < this.score(a, now) ? b : a;
  }

  /** after_balance: the request's first try went to `i` and took `rtt` seconds (connect + response). */
  afterBalance(i: number, now: number, rtt: number): void {
    const td = now - (this.touched[i] as number);
    const w = Math.exp(-Math.max(td, 0) / this.decayTime);
    this.ewma[i] = (this.ewma[i] as number) * w + rtt * (1 - w);
    this.touched[i] = now;
  }

  /** sync(): a new endpoint list from the controller (allocates: once per sync, not per request). */
  setEndpoints(ips: Uint32Array, now: number): void {
    if (sameIps(this.ips, ips)) return;
    let avg = 0;
    for (let i = 0; i < this.size; i++) avg += this.ewma[i] as number;
    avg = this.size >= 1 ? avg / this.size : 0;
    const from = carryOver(this.ips, ips);
    const n = ips.length;
    const ewma = new Float64Array(n);
    const touched = new Float64Array(n);
    for (let j = 0; j < n; j++) {
      const i = from[j] as number;
      // A peer of the old list that was never measured has no `self.ewma` entry: it counts as
      // new (seeded with the average) like a peer that just appeared.
      if (i >= 0 && this.touched[i] !== NEVER) {
        ewma[j] = this.ewma[i] as number;
        touched[j] = this.touched[i] as number;
      } else {
        ewma[j] = avg;
        touched[j] = now;
      }
    }
    this.ips = Uint32Array.from(ips);
    this.size = n;
    this.ewma = ewma;
    this.touched = touched;
  }

  /**
   * Metric: max - min of the peers' scores at `now` (seconds), 0 with fewer than two peers.
   * How far apart the balancer believes its peers are (timeseries `ewma_spread_ms`).
   */
  spread(now: number): number {
    if (this.size < 2) return 0;
    let lo = Number.POSITIVE_INFINITY;
    let hi = Number.NEGATIVE_INFINITY;
    for (let i = 0; i < this.size; i++) {
      const v = this.score(i, now);
      if (v < lo) lo = v;
      if (v > hi) hi = v;
    }
    return hi - lo;
  }

  /** Stored (undecayed) EWMA of peer i, for metrics and tests. */
  stored(i: number): number {
    return this.ewma[i] as number;
  }
}
