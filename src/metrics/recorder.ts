import type { EventHandle, Simulation } from '../engine/index.js';
import { NO_EVENT } from '../engine/index.js';
import { LatencyHistogram } from './histogram.js';
import type { GaugeSource, RequestRecorder } from './types.js';

/** Options of a MetricsRecorder. Times in seconds of simulated time. */
export interface RecorderOptions {
  /**
   * Requests that arrive before this time are left out of the totals (summary, errors, pods);
   * the time series covers the whole run.
   * @default 0
   */
  warmup?: number;
  /**
   * Width of a time-series window.
   * @default 1
   */
  window?: number;
  /**
   * Number of error kinds (ErrorKind values are 0 .. errorKinds - 1).
   * @default 16
   */
  errorKinds?: number;
  /**
   * Number of error causes (ErrorCause values are 0 .. errorCauses - 1).
   * @default 16
   */
  errorCauses?: number;
}

export interface ResolvedRecorderOptions {
  readonly warmup: number;
  readonly window: number;
  readonly errorKinds: number;
  readonly errorCauses: number;
}

export const RECORDER_DEFAULTS: ResolvedRecorderOptions = {
  warmup: 0,
  window: 1,
  errorKinds: 16,
  errorCauses: 16,
};

/**
 * One closed time-series window [start, end). Counts are by the time the event happened:
 * `arrivals` by arrival, `completed`/`errors` by the response or the final failure. The object
 * handed to a WindowListener is reused: copy what you keep.
 */
export interface WindowStats {
  start: number;
  end: number;
  arrivals: number;
  completed: number;
  errors: number;
  /** Final errors by ErrorKind index. */
  readonly errorsByKind: Float64Array;
  /** Latency quantiles (seconds) of the requests completed in the window; NaN when none. */
  latencyP50: number;
  latencyP99: number;
  /** Gauges sampled at the window's end; NaN without a GaugeSource. */
  readyPods: number;
  staleNodes: number;
  /** Balancer state at the window's end (0 for balancers without it; NaN without a GaugeSource). */
  ejectedHosts: number;
  ewmaSpread: number;
}

export type WindowListener = (w: WindowStats) => void;

/** Totals over the measured interval [warmup, end]. Latencies in seconds. */
export interface RecorderSummary {
  readonly warmup: number;
  readonly end: number;
  /** Requests that arrived at or after warmup. */
  readonly arrivals: number;
  /** Of those, completed before the end. */
  readonly completed: number;
  /** Of those, failed for good before the end. */
  readonly failed: number;
  /** completed + failed. */
  readonly requests: number;
  /** Arrived after warmup, neither completed nor failed at the end (conservation). */
  readonly inFlight: number;
  /** Tries that failed and were retried, at or after warmup. */
  readonly attemptsFailed: number;
  /** failed / requests (NaN when there were none). */
  readonly errorRate: number;
  readonly latencyMean: number;
  readonly latencyP50: number;
  readonly latencyP90: number;
  readonly latencyP99: number;
  readonly latencyP999: number;
  readonly latencyMax: number;
  /** completed / (end - warmup), requests per second. */
  readonly throughput: number;
  /**
   * Time-average number of requests in the system (all requests, whatever their outcome) over
   * [warmup, end]. Little's law: meanInSystem ~ (requests / (end - warmup)) x mean sojourn.
   */
  readonly meanInSystem: number;
}

/**
 * The RequestRecorder every simulation uses: counters, latency histograms, error matrices and
 * per-pod counts in typed arrays; windows closed by one engine event per window boundary, so
 * memory and per-request cost do not depend on the number of requests.
 *
 * A request counts in the totals when it *arrived* at or after warmup (its latency is then not
 * biased by the empty start) and ended before the run's end.
 */
export class MetricsRecorder implements RequestRecorder {
  readonly options: ResolvedRecorderOptions;
  private readonly sim: Simulation;
  private readonly gauges: GaugeSource | null;
  private readonly listener: WindowListener | null;

  // Totals (arrived at or after warmup).
  private nArrivals = 0;
  private nCompleted = 0;
  private nFailed = 0;
  private nAttemptsFailed = 0;
  private readonly total = new LatencyHistogram();
  /** Completions in the current window of requests that arrived before warmup. */
  private readonly winExcluded = new LatencyHistogram();
  private latencySum = 0;
  private latencyMax = 0;
  private readonly finalErrors: Float64Array;
  private readonly attemptErrors: Float64Array;
  private served = new Float64Array(64);
  private podHighWater = 0;

  // Number in system and its time integral (Little's law).
  private inSystem = 0;
  private lastChange = 0;
  private area = 0;

  // Current window.
  private readonly win: WindowStats;
  private readonly winHist = new LatencyHistogram();
  private windowIndex = 0;
  private readonly origin: number;
  private readonly windowKind: number;
  private windowEvent: EventHandle = NO_EVENT;
  private finished = false;
  private endTime = 0;

  constructor(
    sim: Simulation,
    options: RecorderOptions = {},
    gauges: GaugeSource | null = null,
    listener: WindowListener | null = null,
  ) {
    const o: ResolvedRecorderOptions = { ...RECORDER_DEFAULTS, ...stripUndefined(options) };
    if (!(o.window > 0) || !Number.isFinite(o.window)) {
      throw new RangeError(`window: expected a duration > 0 s, got ${o.window}`);
    }
    if (!(o.warmup >= 0)) throw new RangeError(`warmup: expected >= 0 s, got ${o.warmup}`);
    this.options = o;
    this.sim = sim;
    this.gauges = gauges;
    this.listener = listener;
    this.finalErrors = new Float64Array(o.errorKinds * o.errorCauses);
    this.attemptErrors = new Float64Array(o.errorKinds * o.errorCauses);
    this.origin = sim.now;
    this.lastChange = sim.now;
    this.win = {
      start: sim.now,
      end: sim.now + o.window,
      arrivals: 0,
      completed: 0,
      errors: 0,
      errorsByKind: new Float64Array(o.errorKinds),
      latencyP50: Number.NaN,
      latencyP99: Number.NaN,
      readyPods: Number.NaN,
      staleNodes: Number.NaN,
      ejectedHosts: Number.NaN,
      ewmaSpread: Number.NaN,
    };
    // One event per window boundary: windows close on engine time without any per-request check.
    this.windowKind = sim.register('metrics:window', () => this.onBoundary());
    this.windowEvent = sim.scheduleAt(this.win.end, this.windowKind);
  }

  // --- RequestRecorder (hot path: no allocation) ---

  arrival(now: number): void {
    if (now >= this.win.end) this.rollWindow();
    this.advance(now);
    this.inSystem++;
    this.win.arrivals++;
    if (now >= this.options.warmup) this.nArrivals++;
  }

  completed(now: number, arrivedAt: number, pod: number): void {
    if (now >= this.win.end) this.rollWindow();
    this.advance(now);
    this.inSystem--;
    const latency = now - arrivedAt;
    this.win.completed++;
    this.winHist.record(latency);
    // Windows that start at or after warmup are merged into the total histogram when they close
    // (one histogram record per request instead of two). Only requests near the warmup instant
    // take a second record: in a window straddling warmup (recorded directly), or arrived
    // before warmup but completed in a merged window (subtracted again at the merge).
    if (arrivedAt >= this.options.warmup) {
      this.nCompleted++;
      this.latencySum += latency;
      if (latency > this.latencyMax) this.latencyMax = latency;
      if (this.win.start < this.options.warmup) this.total.record(latency);
      if (pod >= 0) {
        if (pod >= this.served.length) this.growServed(pod);
        this.served[pod] = (this.served[pod] as number) + 1;
        if (pod >= this.podHighWater) this.podHighWater = pod + 1;
      }
    } else if (this.win.start >= this.options.warmup) {
      this.winExcluded.record(latency);
    }
  }

  failed(now: number, arrivedAt: number, kind: number, cause: number): void {
    if (now >= this.win.end) this.rollWindow();
    this.advance(now);
    this.inSystem--;
    this.win.errors++;
    const byKind = this.win.errorsByKind;
    byKind[kind] = (byKind[kind] as number) + 1;
    if (arrivedAt >= this.options.warmup) {
      this.nFailed++;
      const i = kind * this.options.errorCauses + cause;
      this.finalErrors[i] = (this.finalErrors[i] as number) + 1;
    }
  }

  attemptFailed(now: number, kind: number, cause: number): void {
    if (now >= this.options.warmup) {
      this.nAttemptsFailed++;
      const i = kind * this.options.errorCauses + cause;
      this.attemptErrors[i] = (this.attemptErrors[i] as number) + 1;
    }
  }

  // --- results ---

  /**
   * Ends recording at the simulation's current time: closes the last (possibly partial) window
   * and cancels the pending window event. Call once, after the run.
   */
  finish(): void {
    if (this.finished) return;
    const now = this.sim.now;
    this.advance(now);
    this.sim.cancel(this.windowEvent);
    this.windowEvent = NO_EVENT;
    if (now > this.win.start) {
      this.win.end = now;
      this.emitWindow();
    }
    this.finished = true;
    this.endTime = now;
  }

  /** Requests arrived so far at or after warmup (the summary's `arrivals` once finished). */
  get arrivals(): number {
    return this.nArrivals;
  }

  summary(): RecorderSummary {
    if (!this.finished) throw new Error('MetricsRecorder.summary() called before finish()');
    const warmup = this.options.warmup;
    const measured = this.endTime - warmup;
    const requests = this.nCompleted + this.nFailed;
    const h = this.total;
    return {
      warmup,
      end: this.endTime,
      arrivals: this.nArrivals,
      completed: this.nCompleted,
      failed: this.nFailed,
      requests,
      inFlight: this.nArrivals - requests,
      attemptsFailed: this.nAttemptsFailed,
      errorRate: requests === 0 ? Number.NaN : this.nFailed / requests,
      latencyMean: this.nCompleted === 0 ? Number.NaN : this.latencySum / this.nCompleted,
      latencyP50: h.quantile(0.5),
      latencyP90: h.quantile(0.9),
      latencyP99: h.quantile(0.99),
      latencyP999: h.quantile(0.999),
      latencyMax: this.nCompleted === 0 ? Number.NaN : this.latencyMax,
      throughput: measured > 0 ? this.nCompleted / measured : Number.NaN,
      meanInSystem: measured > 0 ? this.area / measured : Number.NaN,
    };
  }

  /**
   * Latency histogram of the completed requests counted in the totals (its quantiles are the
   * summary's; its max may exceed theirs by a request that arrived before warmup).
   */
  get latencyHistogram(): LatencyHistogram {
    return this.total;
  }

  /** Final (user-visible) errors of this kind and cause, counted in the totals. */
  finalErrorCount(kind: number, cause: number): number {
    return this.finalErrors[kind * this.options.errorCauses + cause] ?? 0;
  }

  /** Failed tries hidden by a retry, of this kind and cause, at or after warmup. */
  attemptErrorCount(kind: number, cause: number): number {
    return this.attemptErrors[kind * this.options.errorCauses + cause] ?? 0;
  }

  /** Requests completed by `pod` (counted in the totals). */
  requestsServed(pod: number): number {
    return pod >= 0 && pod < this.served.length ? (this.served[pod] as number) : 0;
  }

  /** One more than the highest pod id that served a counted request. */
  get podCount(): number {
    return this.podHighWater;
  }

  /** Requests in the system right now. */
  get inSystemNow(): number {
    return this.inSystem;
  }

  // --- internals ---

  /** Integrates the number in system up to `now`, from warmup on. */
  private advance(now: number): void {
    const warmup = this.options.warmup;
    if (now > warmup) {
      const from = Math.max(this.lastChange, warmup);
      this.area += this.inSystem * (now - from);
    }
    this.lastChange = now;
  }

  /**
   * The boundary event. A request event at exactly the boundary time may fire before it (equal
   * times fire in scheduling order) and will then have rolled the window already: windows are
   * [start, end) whatever the order of simultaneous events.
   */
  private onBoundary(): void {
    if (this.sim.now >= this.win.end) this.rollWindow();
    this.windowEvent = this.sim.scheduleAt(this.win.end, this.windowKind);
  }

  private rollWindow(): void {
    this.emitWindow();
    this.windowIndex++;
    const w = this.win;
    // Boundaries from the index, not by repeated addition: no drift over many windows.
    w.start = this.origin + this.windowIndex * this.options.window;
    w.end = this.origin + (this.windowIndex + 1) * this.options.window;
  }

  private emitWindow(): void {
    const w = this.win;
    const h = this.winHist;
    w.latencyP50 = h.quantile(0.5);
    w.latencyP99 = h.quantile(0.99);
    if (this.gauges !== null) {
      w.readyPods = this.gauges.readyPods();
      w.staleNodes = this.gauges.staleNodes();
      w.ejectedHosts = this.gauges.ejectedHosts?.() ?? 0;
      w.ewmaSpread = this.gauges.ewmaSpread?.() ?? 0;
    }
    if (this.listener !== null) this.listener(w);
    if (w.start >= this.options.warmup) {
      this.total.merge(h);
      if (this.winExcluded.count > 0) {
        this.total.subtract(this.winExcluded);
        this.winExcluded.reset();
      }
    }
    h.reset();
    w.arrivals = 0;
    w.completed = 0;
    w.errors = 0;
    w.errorsByKind.fill(0);
  }

  private growServed(pod: number): void {
    let n = this.served.length * 2;
    while (n <= pod) n *= 2;
    const next = new Float64Array(n);
    next.set(this.served);
    this.served = next;
  }
}

function stripUndefined<T extends object>(o: T): Partial<T> {
  const out: Partial<T> = {};
  for (const [k, v] of Object.entries(o)) {
    if (v !== undefined) (out as Record<string, unknown>)[k] = v;
  }
  return out;
}
