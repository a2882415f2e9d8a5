import type { EventKind, Simulation } from '../engine/index.js';
import { NO_EVENT } from '../engine/index.js';

/**
 * A FIFO of deadlines that all share one constant duration (a client timeout, Nginx's
 * proxy_read_timeout, an idle-connection timeout), driven by ONE pending engine event.
 *
 * Why not schedule + cancel an engine event per request: almost every timeout is disarmed
 * (the response comes first), so per-request events would cost a heap insert and a lazy
 * removal for nothing. Because the duration is constant and the clock only goes up, entries
 * arrive in deadline order: a ring buffer is already sorted. Disarming is lazy: each entry
 * carries the owner's generation stamp, and an entry whose stamp no longer matches is dropped
 * when it reaches the head. Only the head has an engine event, and since entries older than a
 * response time are almost all stale, the event fires about once per `duration`, not once per
 * request. Push is O(1); pops are amortised O(1).
 */
export class DeadlineQueue {
  readonly duration: number;
  private readonly sim: Simulation;
  private readonly kind: EventKind;
  private deadlines: Float64Array;
  private ids: Int32Array;
  private stamps: Float64Array;
  private head = 0;
  private count = 0;
  private armed = NO_EVENT;
  private armedAt = Number.POSITIVE_INFINITY;
  private firing = false;
  private readonly isLive: (id: number, stamp: number) => boolean;
  private readonly expire: (id: number) => void;

  /**
   * @param isLive whether entry (id, stamp) still stands (the owner's generation unchanged)
   * @param expire called, at the deadline, for each live entry
   */
  constructor(
    sim: Simulation,
    name: string,
    duration: number,
    isLive: (id: number, stamp: number) => boolean,
    expire: (id: number) => void,
    initialCapacity = 256,
  ) {
    if (!(duration > 0) || !Number.isFinite(duration)) {
      throw new RangeError(
        `${name}: duration must be a finite number > 0 seconds, got ${duration}`,
      );
    }
    this.sim = sim;
    this.duration = duration;
    this.isLive = isLive;
    this.expire = expire;
    this.deadlines = new Float64Array(initialCapacity);
    this.ids = new Int32Array(initialCapacity);
    this.stamps = new Float64Array(initialCapacity);
    this.kind = sim.register(name, () => this.fire());
  }

  /** Entries held (live or stale). */
  get size(): number {
    return this.count;
  }

  /** Arms a deadline at now + duration for (id, stamp). */
  push(id: number, stamp: number): void {
    if (this.count === this.deadlines.length) this.grow();
    const cap = this.deadlines.length;
    const at = (this.head + this.count) % cap;
    const deadline = this.sim.now + this.duration;
    this.deadlines[at] = deadline;
    this.ids[at] = id;
    this.stamps[at] = stamp;
    this.count++;
    if (this.armed === NO_EVENT && !this.firing) this.arm(deadline);
  }

  private arm(deadline: number): void {
    this.armedAt = deadline;
    this.armed = this.sim.scheduleAt(deadline, this.kind, 0);
  }

  private fire(): void {
    this.armed = NO_EVENT;
    this.armedAt = Number.POSITIVE_INFINITY;
    const now = this.sim.now;
    this.firing = true;
    // Expire every entry due now; then drop stale entries so the next event is for a live one.
    while (this.count > 0) {
      const h = this.head;
      const id = this.ids[h] as number;
      const stamp = this.stamps[h] as number;
      const live = this.isLive(id, stamp);
      const due = (this.deadlines[h] as number) <= now;
      if (live && !due) break;
      this.head = (h + 1) % this.deadlines.length;
      this.count--;
      // expire() may push (a retry arming a new timeout): push() does not arm while firing.
      if (live) this.expire(id);
    }
    this.firing = false;
    if (this.count > 0) {
      this.arm(Math.max(now, this.deadlines[this.head] as number));
    }
  }

  private grow(): void {
    const cap = this.deadlines.length;
    const n = cap * 2;
    const d = new Float64Array(n);
    const i = new Int32Array(n);
    const s = new Float64Array(n);
    for (let k = 0; k < this.count; k++) {
      const from = (this.head + k) % cap;
      d[k] = this.deadlines[from] as number;
      i[k] = this.ids[from] as number;
      s[k] = this.stamps[from] as number;
    }
    this.deadlines = d;
    this.ids = i;
    this.stamps = s;
    this.head = 0;
  }

  /** Time the engine event is armed for (for tests). */
  get nextFire(): number {
    return this.armedAt;
  }
}
