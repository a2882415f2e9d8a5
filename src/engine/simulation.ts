import { EventQueue } from './queue.js';

/**
 * A handler runs when its event fires. It receives the integer (or float) payload given to
 * schedule(); the meaning of the payload (a request index, a pod index...) belongs to the model.
 *
 * Handlers are registered once (closures created at model construction, never per event), and
 * events carry only a small integer `kind` and a numeric `arg`: dispatch allocates nothing.
 */
export type Handler = (arg: number) => void;

/** Identifies a registered handler. */
export type EventKind = number;

/**
 * Identifies one scheduled event, for cancel(). Encodes (generation, slot), so a handle whose
 * event already fired (and whose slot was reused) can never cancel somebody else's event.
 */
export type EventHandle = number;

/** Returned by schedule functions when nothing was scheduled; cancel(NO_EVENT) is a no-op. */
export const NO_EVENT: EventHandle = -1;

const SLOT_BITS_SPACE = 2 ** 26; // at most 67 M events pending at once
const GEN_WRAP = 2 ** 27; // generations wrap; handle stays below 2^53

/** Options of a Simulation. */
export interface SimulationOptions {
  /**
   * Initial capacity of the event heap and payload pool; both grow by doubling.
   * @default 1024
   */
  initialCapacity?: number;
}

/**
 * The discrete-event engine: a simulated clock, a pending-event set ordered by
 * (time, insertion order), and a run loop. It knows nothing of the domain.
 *
 * Semantics:
 * - `schedule(delay, kind, arg)` fires `kind`'s handler at `now + delay`. Events at equal times
 *   fire in the order they were scheduled.
 * - `run(until)` fires every event with time < until, then sets the clock to `until` (as SimPy's
 *   run(until=...)). Events at exactly `until` stay pending for a later run.
 * - `cancel(handle)` is O(1): the event is marked dead and skipped when it reaches the top. Dead
 *   entries are purged in O(n) when they outnumber live ones, so memory stays bounded.
 * - A handler that throws stops the run; the error names the event's kind and time.
 */
export class Simulation {
  /** Current simulated time in seconds. Read it; never assign it from a model. */
  now = 0;

  private readonly queue: EventQueue;
  private readonly handlers: Handler[] = [];
  private readonly kindNames: string[] = [];

  // Payload pool, indexed by slot (struct of arrays, pooled: no allocation per event).
  private kindOf: Int32Array;
  private argOf: Float64Array;
  private genOf: Int32Array;
  /** 0 free, 1 pending, 2 cancelled (still in the heap). */
  private stateOf: Uint8Array;
  private freeSlots: Int32Array;
  private freeCount = 0;
  private slotHighWater = 0;

  private nextSeq = 0;
  private cancelledInHeap = 0;
  /**
   * True while the event being dispatched still occupies the heap's root: the next schedule()
   * replaces it in place (one sift instead of pop + push, the "fused pop-push").
   */
  private rootIsFree = false;
  private stopRequested = false;
  /** True while a handler runs (guards against re-entrant run()/step()). */
  private dispatching = false;
  private _eventsProcessed = 0;

  constructor(options: SimulationOptions = {}) {
    const cap = Math.max(16, options.initialCapacity ?? 1024);
    this.queue = new EventQueue(cap);
    this.kindOf = new Int32Array(cap);
    this.argOf = new Float64Array(cap);
    this.genOf = new Int32Array(cap);
    this.stateOf = new Uint8Array(cap);
    this.freeSlots = new Int32Array(cap);
  }

  /** Number of events fired so far (cancelled ones excluded). */
  get eventsProcessed(): number {
    return this._eventsProcessed;
  }

  /** Number of live (not cancelled) pending events. */
  get pending(): number {
    return this.queue.size - this.cancelledInHeap - (this.rootIsFree ? 1 : 0);
  }

  /** Time of the next live event, or +Infinity. */
  peek(): number {
    this.unfuse();
    this.skipDead();
    return this.queue.peekTime();
  }

  /** Registers a handler and returns its kind. `name` appears in error messages and traces. */
  register(name: string, handler: Handler): EventKind {
    this.handlers.push(handler);
    this.kindNames.push(name);
    return this.handlers.length - 1;
  }

  kindName(kind: EventKind): string {
    return this.kindNames[kind] ?? `#${kind}`;
  }

  /** Schedules `kind` with payload `arg` after `delay` seconds (>= 0, finite). */
  schedule(delay: number, kind: EventKind, arg = 0): EventHandle {
    // `!(delay >= 0)` also rejects NaN. The messages are built in a separate function so that
    // this one stays small enough for V8 to inline into the handlers that call it (a call that
    // is not inlined boxes its float arguments: an allocation per event).
    if (!(delay >= 0) || delay === Number.POSITIVE_INFINITY || !this.isKind(kind)) {
      throw this.scheduleError('schedule', kind, delay, 'delay');
    }
    return this.handleOf(this.insert(this.now + delay, kind, arg));
  }

  /** Schedules `kind` at absolute time `time` (>= now, finite). */
  scheduleAt(time: number, kind: EventKind, arg = 0): EventHandle {
    if (!(time >= this.now) || time === Number.POSITIVE_INFINITY || !this.isKind(kind)) {
      throw this.scheduleError('scheduleAt', kind, time, 'time');
    }
    return this.handleOf(this.insert(time, kind, arg));
  }

  /**
   * schedule() for an event that is never cancelled: the same checks, order and semantics,
   * without a handle. A handle above 2^31 (any slot's 33rd reuse) is a heap number, so a
   * schedule() call that V8 does not inline allocates 16 bytes to return it, used or not; the
   * request path, whose events are invalidated by generations instead of cancelled, posts.
   */
  post(delay: number, kind: EventKind, arg = 0): void {
    if (!(delay >= 0) || delay === Number.POSITIVE_INFINITY || !this.isKind(kind)) {
      throw this.scheduleError('schedule', kind, delay, 'delay');
    }
    this.insert(this.now + delay, kind, arg);
  }

  /** scheduleAt() without a handle (see post). */
  postAt(time: number, kind: EventKind, arg = 0): void {
    if (!(time >= this.now) || time === Number.POSITIVE_INFINITY || !this.isKind(kind)) {
      throw this.scheduleError('scheduleAt', kind, time, 'time');
    }
    this.insert(time, kind, arg);
  }

  /**
   * Cancels a pending event. Returns true if it was pending, false if it had already fired, was
   * already cancelled, or the handle is NO_EVENT.
   */
  cancel(handle: EventHandle): boolean {
    if (handle < 0) return false;
    const gen = Math.floor(handle / SLOT_BITS_SPACE);
    const slot = handle - gen * SLOT_BITS_SPACE;
    if (slot >= this.slotHighWater || this.genOf[slot] !== gen || this.stateOf[slot] !== 1) {
      return false;
    }
    this.stateOf[slot] = 2;
    this.cancelledInHeap++;
    if (this.cancelledInHeap > 4096 && this.cancelledInHeap * 2 > this.queue.size) this.purge();
    return true;
  }

  /** True while the event is scheduled and neither fired nor cancelled. */
  isPending(handle: EventHandle): boolean {
    if (handle < 0) return false;
    const gen = Math.floor(handle / SLOT_BITS_SPACE);
    const slot = handle - gen * SLOT_BITS_SPACE;
    return slot < this.slotHighWater && this.genOf[slot] === gen && this.stateOf[slot] === 1;
  }

  /** Asks the run loop to return after the current event. */
  stop(): void {
    this.stopRequested = true;
  }

  /** Fires the next live event. Returns false when there is none. Not callable from a handler. */
  step(): boolean {
    this.checkNotDispatching('step()');
    this.skipDead();
    if (this.queue.size === 0) return false;
    this.dispatchRoot();
    return true;
  }

  /**
   * Fires events in (time, seq) order while their time is < until, then sets the clock to
   * `until` (unless stop() was called, in which case the clock stays at the last event).
   * Returns the number of events fired.
   */
  run(until = Number.POSITIVE_INFINITY): number {
    if (Number.isNaN(until) || until < this.now) {
      throw new RangeError(`run(until): until must be >= now (${this.now}), got ${until}`);
    }
    this.checkNotDispatching('run()');
    this.stopRequested = false;
    const start = this._eventsProcessed;
    const queue = this.queue;
    const handlers = this.handlers;
    let kind = -1;
    let arg = 0;
    // The hot loop: dispatchRoot() inlined, and one try/catch around the whole loop rather than
    // one per event (measured ~5% more events/s on the hold benchmark at size 100). The catch
    // reads the event's time from `now`: a float variable live into the catch was boxed at every
    // handler call (16 bytes per event on model A, seen with the sampling heap profiler).
    this.dispatching = true;
    try {
      while (!this.stopRequested) {
        if (this.cancelledInHeap > 0) this.skipDead();
        if (queue.size === 0) break;
        const time = queue.peekTime();
        if (time >= until) break;
        const slot = queue.peekSlot();
        kind = this.kindOf[slot] as number;
        arg = this.argOf[slot] as number;
        this.releaseSlot(slot);
        this.now = time;
        this.rootIsFree = true;
        this._eventsProcessed++;
        (handlers[kind] as Handler)(arg);
        if (this.rootIsFree) {
          this.rootIsFree = false;
          queue.pop();
        }
      }
    } catch (err) {
      this.dispatching = false;
      throw this.handlerFailed(err, kind, arg, this.now);
    }
    this.dispatching = false;
    if (!this.stopRequested && until !== Number.POSITIVE_INFINITY) this.now = until;
    return this._eventsProcessed - start;
  }

  /** Kinds are stored in an Int32Array: reject what would be truncated or has no handler. */
  private isKind(kind: EventKind): boolean {
    return kind >= 0 && kind < this.handlers.length && (kind | 0) === kind;
  }

  /** The RangeError of a schedule()/scheduleAt() call with a bad kind, delay or time. */
  private scheduleError(fn: string, kind: EventKind, value: number, what: 'delay' | 'time'): Error {
    if (what === 'delay' && !(value >= 0 && value < Number.POSITIVE_INFINITY)) {
      return new RangeError(
        `${fn}(${this.kindName(kind)}): delay must be a finite number >= 0 seconds, got ${value}`,
      );
    }
    if (what === 'time' && !(value >= this.now && value < Number.POSITIVE_INFINITY)) {
      return new RangeError(
        `${fn}(${this.kindName(kind)}): time must be finite and >= now (${this.now}), got ${value}`,
      );
    }
    return new RangeError(
      `schedule: kind must be a value returned by register() (0..${this.handlers.length - 1}), got ${kind}`,
    );
  }

  private checkNotDispatching(what: string): void {
    if (this.dispatching) {
      throw new Error(`Simulation.${what} cannot be called from an event handler`);
    }
  }

  /** Inside a handler, gives up the fused pop-push: removes the dispatched event's root entry. */
  private unfuse(): void {
    if (this.rootIsFree) {
      this.rootIsFree = false;
      this.queue.pop();
    }
  }

  private dispatchRoot(): void {
    const queue = this.queue;
    const slot = queue.peekSlot();
    const time = queue.peekTime();
    const kind = this.kindOf[slot] as number;
    const arg = this.argOf[slot] as number;
    this.releaseSlot(slot);
    this.now = time;
    this.rootIsFree = true;
    this.dispatching = true;
    this._eventsProcessed++;
    try {
      (this.handlers[kind] as Handler)(arg);
    } catch (err) {
      this.dispatching = false;
      throw this.handlerFailed(err, kind, arg, time);
    }
    this.dispatching = false;
    if (this.rootIsFree) {
      this.rootIsFree = false;
      queue.pop();
    }
  }

  /**
   * Leaves the engine consistent after a handler threw (the failed event is gone, whatever it
   * scheduled before throwing stays) and wraps the error so that it names the event.
   */
  private handlerFailed(err: unknown, kind: EventKind, arg: number, time: number): Error {
    this.unfuse();
    const message = err instanceof Error ? err.message : String(err);
    return new Error(`event ${this.kindName(kind)}(${arg}) at t=${time}s failed: ${message}`, {
      cause: err,
    });
  }

  /** Pops cancelled entries off the root. */
  private skipDead(): void {
    const queue = this.queue;
    while (this.cancelledInHeap > 0 && queue.size > 0) {
      const slot = queue.peekSlot();
      if (this.stateOf[slot] !== 2) return;
      this.cancelledInHeap--;
      this.releaseSlot(slot);
      queue.pop();
    }
  }

  /** Queues the event; returns its slot (a small integer: returning it boxes nothing). */
  private insert(time: number, kind: EventKind, arg: number): number {
    const slot = this.allocSlot();
    this.kindOf[slot] = kind;
    this.argOf[slot] = arg;
    this.stateOf[slot] = 1;
    const seq = this.nextSeq++;
    if (this.rootIsFree) {
      this.rootIsFree = false;
      this.queue.replaceTop(time, seq, slot);
    } else {
      this.queue.push(time, seq, slot);
    }
    return slot;
  }

  private handleOf(slot: number): EventHandle {
    return (this.genOf[slot] as number) * SLOT_BITS_SPACE + slot;
  }

  private allocSlot(): number {
    if (this.freeCount > 0) return this.freeSlots[--this.freeCount] as number;
    if (this.slotHighWater === this.kindOf.length) this.growPool();
    return this.slotHighWater++;
  }

  private releaseSlot(slot: number): void {
    this.stateOf[slot] = 0;
    const g = (this.genOf[slot] as number) + 1;
    this.genOf[slot] = g === GEN_WRAP ? 0 : g;
    this.freeSlots[this.freeCount++] = slot;
  }

  private growPool(): void {
    const cap = this.kindOf.length * 2;
    if (cap > SLOT_BITS_SPACE) throw new Error(`more than ${SLOT_BITS_SPACE} events pending`);
    const k = new Int32Array(cap);
    k.set(this.kindOf);
    const a = new Float64Array(cap);
    a.set(this.argOf);
    const g = new Int32Array(cap);
    g.set(this.genOf);
    const s = new Uint8Array(cap);
    s.set(this.stateOf);
    const f = new Int32Array(cap);
    f.set(this.freeSlots);
    this.kindOf = k;
    this.argOf = a;
    this.genOf = g;
    this.stateOf = s;
    this.freeSlots = f;
  }

  private purge(): void {
    const stateOf = this.stateOf;
    const dead: number[] = [];
    // Inside a handler the root may still hold the dispatched (already released) event. It is
    // the minimum, so heapify would leave it at the root, but dropping it first means purge
    // never has to reason about the fused state.
    this.unfuse();
    this.queue.compact((slot) => {
      if (stateOf[slot] === 2) {
        dead.push(slot);
        return false;
      }
      return true;
    });
    for (const slot of dead) this.releaseSlot(slot);
    this.cancelledInHeap = 0;
  }
}
