import type { Rng } from '../../../engine/index.js';
import { distinctPair } from '../choice.js';
import { carryOver } from '../endpoint-carry.js';

/** linkerd2-proxy's balancer constants (linkerd/app/outbound/src/lib.rs). */
export const LINKERD_EWMA_DEFAULT_RTT = 0.03;
export const LINKERD_EWMA_DECAY = 10;

/**
 * The balancer of a Linkerd proxy (linkerd2-proxy's HTTP balancer = tower's `p2c::Balance`
 * over `PeakEwma` endpoints; tower/src/load/peak_ewma.rs, tower/src/balance/p2c/service.rs),
 * one per client proxy and destination.
 *
 * Per endpoint: an RTT estimate (seconds) and the time it was last updated; `pending` counts
 * requests sent and not yet answered (tower's Handle: CompleteOnResponse, dropped when the
 * response headers arrive).
 * - A new endpoint starts at `defaultRtt` (30 ms), updated "now" (when discovery added it).
 * - `load(i, now)` = decayed estimate x (pending + 1). Reading the load decays and *stores*:
 *   an update with a zero sample, `rtt = rtt x exp(-(now - updated) / decay)`, updated = now.
 * - A response after `rtt` seconds: if the estimate is below the sample, the estimate jumps to
 *   it (the peak); otherwise `est x d + sample x (1 - d)` with d = exp(-(now - updated) /
 *   decay); updated = now.
 * - Pick: one endpoint -> it; otherwise two distinct endpoints by tower's `sample_floyd2`,
 *   loads read in order (a then b), a wins when `load(a) <= load(b)`.
 * Linkerd retries nothing by default (retries need a ServiceProfile or route annotations).
 * Allocation-free pick and update.
 */
export class LinkerdPeakEwma {
  size = 0;
  ips: Uint32Array = new Uint32Array(0);
  private rtt = new Float64Array(0);
  private updated = new Float64Array(0);
  private pendingCount = new Int32Array(0);
  private readonly pair = new Int32Array(2);

  constructor(
    ips: Uint32Array,
    now: number,
    readonly defaultRtt = LINKERD_EWMA_DEFAULT_RTT,
    readonly decay = LINKERD_EWMA_DECAY,
  ) {
    this.setEndpoints(ips, now);
  }

  /**
   * The destination controller's stream changed the endpoint set: endpoints that stay keep
   * their estimate and pending count (tower keeps the service), new ones start at defaultRtt.
   * Allocates (per update).
   */
  setEndpoints(ips: Uint32Array, now: number): void {
    const from = carryOver(this.ips, ips);
    const n = ips.length;
    const rtt = new Float64Array(n);
    const updated = new Float64Array(n);
    const pending = new Int32Array(n);
    for (let j = 0; j < n; j++) {
      const i = from[j] as number;
      if (i < 0) {
        rtt[j] = this.defaultRtt;
        updated[j] = now;
      } else {
        rtt[j] = this.rtt[i] as number;
        updated[j] = this.updated[i] as number;
        pending[j] = this.pendingCount[i] as number;
      }
    }
    this.ips = Uint32Array.from(ips);
    this.size = n;
    this.rtt = rtt;
    this.updated = updated;
    this.pendingCount = pending;
  }

  /** tower's `Load::load`: decays (and stores) the estimate, times pending + 1. */
  load(i: number, now: number): number {
    return this.update(i, now, 0) * ((this.pendingCount[i] as number) + 1);
  }

  /** RttEstimate::update with a sample of `sample` seconds received at `now`. */
  private update(i: number, now: number, sample: number): number {
    const est = this.rtt[i] as number;
    let next: number;
    if (est < sample) {
      next = sample;
    } else {
      const elapsed = now - (this.updated[i] as number);
      const d = Math.exp(-Math.max(elapsed, 0) / this.decay);
      next = est * d + sample * (1 - d);
    }
    this.rtt[i] = next;
    this.updated[i] = now;
    return next;
  }

  /** The endpoint for a request, or -1 with none. */
  pick(now: number, rng: Rng): number {
    const n = this.size;
    if (n <= 1) return n - 1;
    distinctPair(rng, n, this.pair);
    const a = this.pair[0] as number;
    const b = this.pair[1] as number;
    const la = this.load(a, now);
    const lb = this.load(b, now);
    return la <= lb ? a : b;
  }

  /** A request was sent to i (a Handle exists). */
  requestStarted(i: number): void {
    this.pendingCount[i] = (this.pendingCount[i] as number) + 1;
  }

  /** Its response (or failure) arrived at `now`, `rtt` seconds after it was sent. */
  requestEnded(i: number, now: number, rtt: number): void {
    const p = this.pendingCount[i] as number;
    if (p > 0) this.pendingCount[i] = p - 1;
    this.update(i, now, rtt);
  }

  /** The estimate of i decayed to `now`, without storing it (metrics; `load` stores). */
  peek(i: number, now: number): number {
    const elapsed = now - (this.updated[i] as number);
    return (this.rtt[i] as number) * Math.exp(-Math.max(elapsed, 0) / this.decay);
  }

  /** Metric: max - min of the endpoints' decayed estimates at `now` (seconds). */
  spread(now: number): number {
    if (this.size < 2) return 0;
    let lo = Number.POSITIVE_INFINITY;
    let hi = Number.NEGATIVE_INFINITY;
    for (let i = 0; i < this.size; i++) {
      const v = this.peek(i, now);
      if (v < lo) lo = v;
      if (v > hi) hi = v;
    }
    return hi - lo;
  }

  /** Current estimate of i without decaying it (metrics, tests). */
  estimate(i: number): number {
    return this.rtt[i] as number;
  }

  pending(i: number): number {
    return this.pendingCount[i] as number;
  }
}
