import type {
  EndpointFeed,
  EndpointSnapshot,
} from '../../../../src/control-plane/endpoint-state.js';
import type { Distribution } from '../../../../src/engine/distributions/index.js';
import type { KeyedStream, Rng, Simulation } from '../../../../src/engine/index.js';

/** A test EndpointFeed: `write(ips)` at the current time; watches deliver after their delay, FIFO. */
export class FakeFeed implements EndpointFeed {
  private readonly snaps: EndpointSnapshot[] = [];
  private readonly watchers: {
    delay: Distribution;
    rng: Rng;
    onEvent: (rv: number) => void;
    last: number;
  }[] = [];
  private readonly kDeliver: number;
  private readonly pending: { w: number; rv: number }[] = [];

  constructor(
    private readonly sim: Simulation,
    initial: Uint32Array,
    private readonly terminatingOnly = false,
  ) {
    this.snaps.push(snapshot(1, 0, initial, false));
    this.kDeliver = sim.register('fake-feed:deliver', (i) => {
      const p = this.pending[i] as { w: number; rv: number };
      this.watchers[p.w]?.onEvent(p.rv);
    });
  }

  get resourceVersion(): number {
    return this.snaps.length;
  }

  get changeCount(): number {
    return this.snaps.length - 1;
  }

  /** Writes a new endpoint set now (resourceVersion + 1). */
  write(ips: Uint32Array, usingTerminating = this.terminatingOnly): void {
    const rv = this.snaps.length + 1;
    this.snaps.push(snapshot(rv, this.snaps.length, ips, usingTerminating));
    this.watchers.forEach((w, i) => {
      const at = Math.max(w.last, this.sim.now + w.delay.sample(w.rng));
      w.last = at;
      this.pending.push({ w: i, rv });
      this.sim.scheduleAt(at, this.kDeliver, this.pending.length - 1);
    });
  }

  snapshotAt(rv: number): EndpointSnapshot {
    return this.snaps[Math.min(rv, this.snaps.length) - 1] as EndpointSnapshot;
  }

  firstChangeAfter(rv: number): number {
    return rv;
  }

  changeResourceVersion(id: number): number {
    return id + 2;
  }

  watch(delay: Distribution, rng: Rng | KeyedStream, onEvent: (rv: number) => void): number {
    const r = 'rngFor' in rng ? rng.rngFor(this.watchers.length) : rng;
    this.watchers.push({ delay, rng: r, onEvent, last: this.sim.now });
    return this.watchers.length - 1;
  }

  stopWatch(): void {}
}

function snapshot(
  rv: number,
  id: number,
  ips: Uint32Array,
  usingTerminating: boolean,
): EndpointSnapshot {
  const list = Uint32Array.from(ips);
  return {
    resourceVersion: rv,
    id,
    ips: list,
    nodes: new Int32Array(list.length),
    usingTerminating,
    totalEndpoints: list.length,
    indexOf: (ip) => list.indexOf(ip),
    local: () => ({ ips: list, nodes: new Int32Array(list.length), usingTerminating }),
  };
}
