/**
 * istiod's push debounce (pilot/pkg/xds/discovery.go `debounce`): config and endpoint events
 * (EDS debounce is on by default, PILOT_ENABLE_EDS_DEBOUNCE) are merged into one push.
 *
 * - The first event of a batch arms a timer of PILOT_DEBOUNCE_AFTER (100 ms) and records the
 *   batch start; later events only move `lastConfigUpdateTime` (the timer is *not* re-armed).
 * - When the timer fires (and no push is running): if the batch is older than
 *   PILOT_DEBOUNCE_MAX (10 s) or quiet for PILOT_DEBOUNCE_AFTER, one push carries every merged
 *   event; otherwise the timer is re-armed for the rest of the quiet period
 *   (`debounceAfter - quietTime`).
 * - While a push runs, a timer that fires does nothing; when the push ends the same check runs
 *   at once (a quiet batch collected meanwhile is pushed right away).
 * - Debounce off (PILOT_ENABLE_EDS_DEBOUNCE=false for endpoint events): every event is pushed.
 *
 * A pure state machine, driven by the caller's clock: `update` and `fire` return true when
 * the caller must push now; `timerAt` is when the caller must call `fire` (NaN: no timer).
 */
export interface PilotDebounceOptions {
  /** PILOT_DEBOUNCE_AFTER, seconds. @default 0.1 */
  readonly debounceAfter: number;
  /** PILOT_DEBOUNCE_MAX, seconds. @default 10 */
  readonly debounceMax: number;
  /** PILOT_ENABLE_EDS_DEBOUNCE. @default true */
  readonly enabled: boolean;
}

export const PILOT_DEBOUNCE_DEFAULTS: PilotDebounceOptions = {
  debounceAfter: 0.1,
  debounceMax: 10,
  enabled: true,
};

/** Clock slack: a re-armed timer lands exactly on the quiet boundary up to rounding. */
const EPS = 1e-9;

export class PilotDebounce {
  /** When the caller must call `fire` next; NaN when no timer is armed. */
  timerAt = Number.NaN;
  /** Pushes made so far, and events they carried (for metrics and tests). */
  pushes = 0;
  eventsPushed = 0;
  private events = 0;
  private startDebounce = 0;
  private lastUpdate = 0;
  private free = true;
  private carried = 0;

  constructor(readonly options: PilotDebounceOptions = PILOT_DEBOUNCE_DEFAULTS) {}

  /** An endpoint event reached istiod at `now`. True: push now (debounce disabled). */
  update(now: number): boolean {
    if (!this.options.enabled) {
      this.pushes++;
      this.eventsPushed++;
      return true;
    }
    this.lastUpdate = now;
    if (this.events === 0) {
      this.timerAt = now + this.options.debounceAfter;
      this.startDebounce = now;
    }
    this.events++;
    return false;
  }

  /** The timer armed for `timerAt` fired at `now`. True: push now. */
  fire(now: number): boolean {
    this.timerAt = Number.NaN;
    if (!this.free) return false;
    return this.worker(now);
  }

  /**
   * The push begun by the last `true` ended at `now` (a push occupies istiod until then; with
   * instantaneous pushes call it at the same instant). True: push again now.
   */
  pushDone(now: number): boolean {
    this.free = true;
    return this.worker(now);
  }

  /** Number of events the last push carried. */
  get lastPushEvents(): number {
    return this.carried;
  }

  /** pushWorker: push the batch if it is old or quiet enough, else re-arm the timer. */
  private worker(now: number): boolean {
    const o = this.options;
    const eventDelay = now - this.startDebounce;
    const quiet = now - this.lastUpdate;
    if (eventDelay >= o.debounceMax - EPS || quiet >= o.debounceAfter - EPS) {
      if (this.events === 0) return false;
      this.carried = this.events;
      this.eventsPushed += this.events;
      this.pushes++;
      this.events = 0;
      this.free = false;
      return true;
    }
    this.timerAt = now + o.debounceAfter - quiet;
    return false;
  }
}
