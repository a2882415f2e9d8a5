import type { Distribution } from '../engine/distributions/index.js';
import type { KeyedStream, Rng } from '../engine/random.js';
import type { EventKind, Simulation } from '../engine/simulation.js';

interface Watcher {
  readonly delay: Distribution;
  /** The watcher's own stream (draws in write order), or undefined when keyed. */
  readonly rng: Rng | undefined;
  /** Keyed delays: each write's delay from keyed.rngFor(watcherKey, write origin). */
  readonly keyed: KeyedStream | undefined;
  readonly watcherKey: number;
  readonly onEvent: (rv: number, key: string) => void;
  /** Time of the latest delivery queued: later ones never come earlier (watch FIFO). */
  lastDeliveryAt: number;
  open: boolean;
  /** Deliveries not yet made, in order: times (non-decreasing) and resourceVersions. */
  readonly times: number[];
  readonly rvs: number[];
  head: number;
  /** An engine event is pending for the head of the queue. */
  scheduled: boolean;
}

/**
 * A write's identity for keyed watch delays, independent of when or in which order writes
 * happen in a run: three safe integers (e.g. pod, change kind, ordinal of that change for the
 * pod). Writes with the same origin get the same delay at the same watcher in every run that
 * shares the master seed. (Always three, so that an origin never collides with the
 * (watcher, resourceVersion) key of a write without one.)
 */
export type WriteOrigin = readonly [number, number, number];

/**
 * The API server's store for one resource kind: objects by key, a monotonically increasing
 * resourceVersion (one per write, as etcd's revision), and watches.
 *
 * Each watcher receives every write after its own delay, drawn per event from its own
 * distribution, and either from its own stream in write order, or (keyed) from a keyed stream
 * re-keyed by (watcher key, the write's origin), so the same write gets the same delay however
 * the writes before it went (common random numbers across runs whose write sequences differ).
 * A write without an origin is keyed by (watcher key, resourceVersion). Deliveries to one
 * watcher are FIFO: delivery = max(previous delivery, write time + delay), so an event is
 * never delivered before the one written before it (an informer applies events in order, so a
 * watcher never goes back to an older version).
 *
 * Speed trick: each watcher keeps its own FIFO of pending deliveries and only its head is in
 * the engine's queue (one pending event per watcher, not one per write and watcher), so the
 * event heap stays as small as the number of watchers however many writes are in flight.
 */
export class ApiServer<T> {
  private readonly sim: Simulation;
  private rv = 0;
  private readonly objects = new Map<string, { readonly value: T; readonly rv: number }>();
  /** Key written at each resourceVersion (index rv - 1). */
  private readonly log: string[] = [];
  private readonly watchers: Watcher[] = [];
  private readonly kDeliver: EventKind;

  constructor(sim: Simulation, name = 'apiserver') {
    this.sim = sim;
    this.kDeliver = sim.register(`${name}:watch-event`, (arg) => this.deliver(arg));
  }

  /** resourceVersion of the latest write (0 before any). */
  get resourceVersion(): number {
    return this.rv;
  }

  get(key: string): T | undefined {
    return this.objects.get(key)?.value;
  }

  /** Objects in key order. */
  list(): T[] {
    return [...this.objects.keys()].sort().map((k) => (this.objects.get(k) as { value: T }).value);
  }

  /**
   * Creates or replaces an object; returns the write's resourceVersion. `origin` keys keyed
   * watchers' delays (see WriteOrigin).
   */
  put(key: string, value: T, origin?: WriteOrigin): number {
    const rv = ++this.rv;
    this.objects.set(key, { value, rv });
    this.log.push(key);
    this.fanOut(rv, origin);
    return rv;
  }

  /** Deletes an object; returns the write's resourceVersion. */
  remove(key: string, origin?: WriteOrigin): number {
    const rv = ++this.rv;
    this.objects.delete(key);
    this.log.push(key);
    this.fanOut(rv, origin);
    return rv;
  }

  /** Key written at `rv`. */
  keyAt(rv: number): string {
    const k = this.log[rv - 1];
    if (k === undefined) throw new RangeError(`no write at resourceVersion ${rv}`);
    return k;
  }

  /**
   * Opens a watch from the current resourceVersion on; returns its id. Delays are drawn from
   * `delay` with `rng`: an Rng (draws in write order) or a KeyedStream, re-keyed per write by
   * (`watcherKey`, the write's origin); give each watcher of one keyed stream its own key
   * (default: the watch id, which changes if the watcher re-watches).
   */
  watch(
    delay: Distribution,
    rng: Rng | KeyedStream,
    onEvent: (rv: number, key: string) => void,
    watcherKey: number = this.watchers.length,
  ): number {
    const keyed = isKeyedStream(rng) ? rng : undefined;
    this.watchers.push({
      delay,
      rng: keyed === undefined ? (rng as Rng) : undefined,
      keyed,
      watcherKey,
      onEvent,
      lastDeliveryAt: this.sim.now,
      open: true,
      times: [],
      rvs: [],
      head: 0,
      scheduled: false,
    });
    return this.watchers.length - 1;
  }

  stopWatch(id: number): void {
    const w = this.watchers[id];
    if (w === undefined) return;
    w.open = false;
    w.times.length = 0;
    w.rvs.length = 0;
    w.head = 0;
  }

  private fanOut(rv: number, origin: WriteOrigin | undefined): void {
    const now = this.sim.now;
    const watchers = this.watchers;
    for (let i = 0; i < watchers.length; i++) {
      const w = watchers[i] as Watcher;
      if (!w.open) continue;
      let rng = w.rng;
      if (rng === undefined) {
        const k = w.keyed as KeyedStream;
        rng =
          origin === undefined
            ? k.rngFor(w.watcherKey, rv)
            : k.rngFor(w.watcherKey, origin[0], origin[1], origin[2]);
      }
      let at = now + w.delay.sample(rng);
      if (at < w.lastDeliveryAt) at = w.lastDeliveryAt;
      w.lastDeliveryAt = at;
      w.times.push(at);
      w.rvs.push(rv);
      if (!w.scheduled) {
        w.scheduled = true;
        this.sim.scheduleAt(at, this.kDeliver, i);
      }
    }
  }

  private deliver(id: number): void {
    const w = this.watchers[id] as Watcher;
    w.scheduled = false;
    if (!w.open || w.head >= w.rvs.length) return;
    const rv = w.rvs[w.head] as number;
    w.head++;
    if (w.head < w.rvs.length) {
      w.scheduled = true;
      this.sim.scheduleAt(w.times[w.head] as number, this.kDeliver, id);
    } else {
      // Drained: reuse the arrays.
      w.times.length = 0;
      w.rvs.length = 0;
      w.head = 0;
    }
    if (w.head > 1024 && w.head * 2 > w.rvs.length) {
      // Never drained for long: drop the delivered prefix (amortised O(1) per delivery).
      w.times.splice(0, w.head);
      w.rvs.splice(0, w.head);
      w.head = 0;
    }
    w.onEvent(rv, this.log[rv - 1] as string);
  }
}

function isKeyedStream(r: Rng | KeyedStream): r is KeyedStream {
  return typeof (r as Partial<KeyedStream>).rngFor === 'function';
}
