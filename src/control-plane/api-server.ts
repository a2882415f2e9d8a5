import type { Distribution } from '../engine/distributions.js';
import type { Rng } from '../engine/random.js';
import type { EventKind, Simulation } from '../engine/simulation.js';

/** Watcher ids and resourceVersions share one float payload: rv * WATCHERS + watcher. */
const WATCHERS = 2 ** 20;

interface Watcher {
  readonly delay: Distribution;
  readonly rng: Rng;
  readonly onEvent: (rv: number, key: string) => void;
  /** Time of the latest delivery scheduled: later ones never come earlier (watch FIFO). */
  lastDeliveryAt: number;
  open: boolean;
}

/**
 * The API server's store for one resource kind: objects by key, a monotonically increasing
 * resourceVersion (one per write, as etcd's revision), and watches.
 *
 * Each watcher receives every write after its own delay, drawn per event from its own
 * distribution and stream; deliveries to one watcher are FIFO: an event is never delivered
 * before the one written before it (an informer applies events in order, so a watcher never
 * goes back to an older version). Each delivery is one engine event (payload-encoded, no
 * closure per event).
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

  /** Creates or replaces an object; returns the write's resourceVersion. */
  put(key: string, value: T): number {
    const rv = ++this.rv;
    this.objects.set(key, { value, rv });
    this.log.push(key);
    this.fanOut(rv);
    return rv;
  }

  /** Deletes an object; returns the write's resourceVersion. */
  remove(key: string): number {
    const rv = ++this.rv;
    this.objects.delete(key);
    this.log.push(key);
    this.fanOut(rv);
    return rv;
  }

  /** Key written at `rv`. */
  keyAt(rv: number): string {
    const k = this.log[rv - 1];
    if (k === undefined) throw new RangeError(`no write at resourceVersion ${rv}`);
    return k;
  }

  /** Opens a watch from the current resourceVersion on; returns its id. */
  watch(delay: Distribution, rng: Rng, onEvent: (rv: number, key: string) => void): number {
    if (this.watchers.length >= WATCHERS) throw new Error(`more than ${WATCHERS} watchers`);
    this.watchers.push({ delay, rng, onEvent, lastDeliveryAt: this.sim.now, open: true });
    return this.watchers.length - 1;
  }

  stopWatch(id: number): void {
    const w = this.watchers[id];
    if (w !== undefined) w.open = false;
  }

  private fanOut(rv: number): void {
    const now = this.sim.now;
    const watchers = this.watchers;
    for (let i = 0; i < watchers.length; i++) {
      const w = watchers[i] as Watcher;
      if (!w.open) continue;
      let at = now + w.delay.sample(w.rng);
      if (at < w.lastDeliveryAt) at = w.lastDeliveryAt;
      w.lastDeliveryAt = at;
      this.sim.scheduleAt(at, this.kDeliver, rv * WATCHERS + i);
    }
  }

  private deliver(arg: number): void {
    const rv = Math.floor(arg / WATCHERS);
    const w = this.watchers[arg - rv * WATCHERS] as Watcher;
    if (!w.open) return;
    w.onEvent(rv, this.log[rv - 1] as string);
  }
}
