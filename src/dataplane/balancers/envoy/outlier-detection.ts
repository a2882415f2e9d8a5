import type { Rng } from '../../../engine/index.js';
import { carryOver } from '../endpoint-carry.js';

/**
 * Envoy's outlier detection, consecutive-5xx detector (source/common/upstream/
 * outlier_detection_impl.cc, api/envoy/config/cluster/v3/outlier_detection.proto), as Istio
 * configures it from a DestinationRule's `trafficPolicy.outlierDetection` (field names below
 * are Istio's; Istio enables outlier detection only when a DestinationRule asks for it).
 */
export interface OutlierDetectionOptions {
  /** consecutive_5xx: consecutive 5xx (or, unsplit, local connect failures/timeouts) that eject. @default 5 */
  readonly consecutive5xxErrors: number;
  /** interval: time between ejection sweeps (un-ejection is checked only then), seconds. @default 10 */
  readonly interval: number;
  /** base_ejection_time, seconds; an ejection lasts base x (its backoff count). @default 30 */
  readonly baseEjectionTime: number;
  /** max_ejection_time, seconds: cap on base x count (Envoy's default; Istio does not set it). @default 300 */
  readonly maxEjectionTime: number;
  /** max_ejection_percent: ejection refused if it would eject more than this % of hosts. @default 10 */
  readonly maxEjectionPercent: number;
  /** max_ejection_time_jitter, seconds: uniform whole-ms jitter added to each ejection. @default 0 */
  readonly maxEjectionTimeJitter: number;
}

export const OUTLIER_DETECTION_DEFAULTS: OutlierDetectionOptions = {
  consecutive5xxErrors: 5,
  interval: 10,
  baseEjectionTime: 30,
  maxEjectionTime: 300,
  maxEjectionPercent: 10,
  maxEjectionTimeJitter: 0,
};

const NEVER = Number.NEGATIVE_INFINITY;

/**
 * One Envoy's outlier detector for one cluster (it runs on the main thread; all worker
 * threads see its ejections). Hosts are indexed as in the endpoint list last given.
 *
 * Semantics (exact to the source):
 * - `putResult(i, failed)`: a 5xx response, or (split_external_local_origin_errors false, the
 *   default) a local-origin connect failure (mapped to 503) or timeout (504), counts
 *   `++consecutive_5xx`; any other response resets it to 0. When the count *equals*
 *   consecutive5xxErrors, the detector tries to eject the host (ignored if already ejected)
 *   and resets the count whether or not the ejection happened.
 * - Ejection happens only if `100 * (ejected + 1) / hosts <= maxEjectionPercent` (otherwise
 *   `ejections_overflow`). With the default 10% and fewer than 10 hosts, nothing is ever
 *   ejected. On ejection num_ejections++, last_ejection = now, a jitter in whole ms is drawn
 *   (`random() % (max_jitter_ms + 1)`), and eject_time_backoff++ while
 *   backoff x base < max + base.
 * - `onInterval(now)` (every `interval` from the detector's creation): an ejected host is
 *   returned if `min(base x backoff, max) + jitter <= now - last_ejection` (reset of its
 *   consecutive counters, last_unejection = now); then every non-ejected host whose last
 *   un-ejection is at least one interval ago has its backoff decremented (not below 0). So an
 *   ejection lasts base x backoff rounded up to the next sweep, and grows for a host ejected
 *   again soon after its return.
 * - Hosts removed from the cluster take their state with them; new hosts start clean.
 */
export class OutlierDetector {
  size = 0;
  ips: Uint32Array = new Uint32Array(0);
  /** Bumped on every ejection, un-ejection or host change: load balancers refresh on change. */
  version = 0;
  /** Hosts ejected now. */
  ejectedCount = 0;
  /** Ejections refused by maxEjectionPercent (Envoy's ejections_overflow). */
  overflows = 0;
  /** Ejections enforced (Envoy's ejections_enforced_total). */
  ejectionsTotal = 0;

  /** 1 while host i is ejected (FAILED_OUTLIER_CHECK). Read by the load balancers. */
  ejected = new Uint8Array(0);
  private consecutive = new Int32Array(0);
  private backoff = new Int32Array(0);
  private numEjections = new Int32Array(0);
  private lastEjection = new Float64Array(0);
  private lastUnejection = new Float64Array(0);
  private jitter = new Float64Array(0);

  constructor(
    ips: Uint32Array,
    readonly options: OutlierDetectionOptions = OUTLIER_DETECTION_DEFAULTS,
  ) {
    this.setEndpoints(ips);
  }

  /** EDS delivered a new host list: keep the monitors of hosts that stay. Allocates (per update). */
  setEndpoints(ips: Uint32Array): void {
    const from = carryOver(this.ips, ips);
    const n = ips.length;
    const ejected = new Uint8Array(n);
    const consecutive = new Int32Array(n);
    const backoff = new Int32Array(n);
    const numEjections = new Int32Array(n);
    const lastEjection = new Float64Array(n).fill(NEVER);
    const lastUnejection = new Float64Array(n).fill(NEVER);
    const jitter = new Float64Array(n);
    let count = 0;
    for (let j = 0; j < n; j++) {
      const i = from[j] as number;
      if (i < 0) continue;
      ejected[j] = this.ejected[i] as number;
      count += ejected[j] as number;
      consecutive[j] = this.consecutive[i] as number;
      backoff[j] = this.backoff[i] as number;
      numEjections[j] = this.numEjections[i] as number;
      lastEjection[j] = this.lastEjection[i] as number;
      lastUnejection[j] = this.lastUnejection[i] as number;
      jitter[j] = this.jitter[i] as number;
    }
    this.ips = Uint32Array.from(ips);
    this.size = n;
    this.ejected = ejected;
    this.consecutive = consecutive;
    this.backoff = backoff;
    this.numEjections = numEjections;
    this.lastEjection = lastEjection;
    this.lastUnejection = lastUnejection;
    this.jitter = jitter;
    this.ejectedCount = count;
    this.version++;
  }

  /**
   * The outcome of one request (or connect attempt) to host i: `failed` for a 5xx response or
   * a local-origin connect failure/timeout. Returns true if this result ejected the host.
   */
  putResult(i: number, failed: boolean, now: number, rng?: Rng): boolean {
    if (!failed) {
      this.consecutive[i] = 0;
      return false;
    }
    const c = (this.consecutive[i] as number) + 1;
    this.consecutive[i] = c;
    if (c !== this.options.consecutive5xxErrors) return false;
    // onConsecutiveErrorWorker: an already ejected host is left alone (counter kept).
    if (this.ejected[i] === 1) return false;
    const done = this.eject(i, now, rng);
    this.consecutive[i] = 0;
    return done;
  }

  private eject(i: number, now: number, rng?: Rng): boolean {
    const o = this.options;
    const percent = (100 * (this.ejectedCount + 1)) / this.size;
    if (percent > Math.min(100, o.maxEjectionPercent)) {
      this.overflows++;
      return false;
    }
    this.ejected[i] = 1;
    this.ejectedCount++;
    this.ejectionsTotal++;
    this.numEjections[i] = (this.numEjections[i] as number) + 1;
    this.lastEjection[i] = now;
    const jitterMs = Math.round(o.maxEjectionTimeJitter * 1000);
    this.jitter[i] =
      jitterMs > 0 && rng !== undefined ? ((rng.int32() >>> 0) % (jitterMs + 1)) / 1000 : 0;
    if ((this.backoff[i] as number) * o.baseEjectionTime < o.maxEjectionTime + o.baseEjectionTime) {
      this.backoff[i] = (this.backoff[i] as number) + 1;
    }
    this.version++;
    return true;
  }

  /** The interval timer fired: return hosts whose ejection time is over, age the backoffs. */
  onInterval(now: number): void {
    const o = this.options;
    for (let i = 0; i < this.size; i++) {
      if (this.ejected[i] !== 1) continue;
      const lasts = Math.min(o.baseEjectionTime * (this.backoff[i] as number), o.maxEjectionTime);
      if (lasts + (this.jitter[i] as number) <= now - (this.lastEjection[i] as number)) {
        this.ejected[i] = 0;
        this.ejectedCount--;
        this.consecutive[i] = 0;
        this.lastUnejection[i] = now;
        this.version++;
      }
    }
    for (let i = 0; i < this.size; i++) {
      if (this.ejected[i] === 1) continue;
      const lu = this.lastUnejection[i] as number;
      if (lu !== NEVER && now - lu >= o.interval && (this.backoff[i] as number) !== 0) {
        this.backoff[i] = (this.backoff[i] as number) - 1;
      }
    }
  }

  /** Diagnostics of host i (allocates: tests and metrics, not the hot path). */
  hostState(i: number): {
    ejected: boolean;
    consecutive5xx: number;
    ejectTimeBackoff: number;
    numEjections: number;
    lastEjection: number;
  } {
    return {
      ejected: this.ejected[i] === 1,
      consecutive5xx: this.consecutive[i] as number,
      ejectTimeBackoff: this.backoff[i] as number,
      numEjections: this.numEjections[i] as number,
      lastEjection: this.lastEjection[i] as number,
    };
  }
}
