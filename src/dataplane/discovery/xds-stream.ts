import type { EndpointFeed, EndpointSnapshot } from '../../control-plane/endpoint-state.js';
import type { Distribution } from '../../engine/distributions/index.js';
import type { KeyedStream, Rng, Simulation } from '../../engine/index.js';
import { PilotDebounce, type PilotDebounceOptions } from './pilot-debounce.js';

/** Proxy p received a new endpoint set. */
export type ProxyUpdate = (proxy: number, snapshot: EndpointSnapshot) => void;

export interface XdsStreamOptions {
  /** Number of proxies subscribed (one per sidecar, or one gateway). */
  readonly proxies: number;
  /** The control plane's informer watch delay. */
  readonly watchDelay: Distribution;
  /** istiod's debounce (Istio); `enabled: false` pushes every event (Linkerd's destination). */
  readonly debounce: PilotDebounceOptions;
  /** Time from a push to a proxy applying it (network + proxy), per proxy and push. */
  readonly pushDelay: Distribution;
}

/**
 * A control plane streaming endpoint sets to proxies, on the engine: istiod's EDS (watch ->
 * PilotDebounce -> push to every proxy) or Linkerd's destination controller (watch -> every
 * event streamed, debounce off). Each push carries the whole endpoint set as of the control
 * plane's latest watch event; each proxy's stream is ordered (a later push never applies
 * before an earlier one: delivery = max(previous delivery, push + delay)). Pushes are
 * instantaneous at the control plane (istiod's push time is folded into `pushDelay`).
 * Delays are drawn from `keyed.rngFor(proxy, push number)` for common random numbers.
 */
export class XdsStream {
  readonly debounce: PilotDebounce;
  private knownRv: number;
  private readonly pushSnaps: EndpointSnapshot[] = [];
  private readonly applied: Int32Array;
  private readonly lastDelivery: Float64Array;
  private readonly views: EndpointSnapshot[];
  private timerScheduledAt = Number.NaN;
  private readonly kFire: number;
  private readonly kDeliver: number;
  private readonly proxies: number;

  constructor(
    private readonly sim: Simulation,
    private readonly feed: EndpointFeed,
    private readonly options: XdsStreamOptions,
    watchRng: Rng | KeyedStream,
    private readonly pushRng: KeyedStream,
    private readonly onProxyUpdate: ProxyUpdate,
    watcherKey?: number,
  ) {
    this.debounce = new PilotDebounce(options.debounce);
    this.proxies = options.proxies;
    this.knownRv = feed.resourceVersion;
    const initial = feed.snapshotAt(this.knownRv);
    this.applied = new Int32Array(this.proxies).fill(-1);
    this.lastDelivery = new Float64Array(this.proxies).fill(sim.now);
    this.views = new Array<EndpointSnapshot>(this.proxies).fill(initial);
    this.kFire = sim.register('xds:debounce', () => this.fire());
    this.kDeliver = sim.register('xds:deliver', (arg) => this.deliver(arg));
    feed.watch(options.watchDelay, watchRng, (rv) => this.onWatch(rv), watcherKey);
  }

  /** The endpoint set proxy p uses now. */
  view(proxy: number): EndpointSnapshot {
    return this.views[proxy] as EndpointSnapshot;
  }

  /** Pushes made so far. */
  get pushes(): number {
    return this.pushSnaps.length;
  }

  private onWatch(rv: number): void {
    this.knownRv = rv;
    if (this.debounce.update(this.sim.now)) this.push();
    this.armTimer();
  }

  private armTimer(): void {
    const at = this.debounce.timerAt;
    if (Number.isNaN(at) || at === this.timerScheduledAt) return;
    this.timerScheduledAt = at;
    this.sim.scheduleAt(at, this.kFire);
  }

  private fire(): void {
    if (this.sim.now !== this.timerScheduledAt) return; // superseded
    this.timerScheduledAt = Number.NaN;
    if (this.debounce.fire(this.sim.now)) {
      this.push();
      if (this.debounce.pushDone(this.sim.now)) this.push();
    }
    this.armTimer();
  }

  private push(): void {
    const now = this.sim.now;
    const k = this.pushSnaps.length;
    this.pushSnaps.push(this.feed.snapshotAt(this.knownRv));
    for (let p = 0; p < this.proxies; p++) {
      const d = this.options.pushDelay.sample(this.pushRng.rngFor(p, k));
      const at = Math.max(this.lastDelivery[p] as number, now + d);
      this.lastDelivery[p] = at;
      this.sim.scheduleAt(at, this.kDeliver, k * this.proxies + p);
    }
  }

  private deliver(arg: number): void {
    const p = arg % this.proxies;
    const k = (arg - p) / this.proxies;
    if (k <= (this.applied[p] as number)) return;
    this.applied[p] = k;
    const snap = this.pushSnaps[k] as EndpointSnapshot;
    if (snap.id === (this.views[p] as EndpointSnapshot).id) return;
    this.views[p] = snap;
    this.onProxyUpdate(p, snap);
  }
}

/** What a mesh family's control plane is started from (each proxy applying `update`). */
export interface ControlPlaneStart {
  readonly sim: Simulation;
  readonly feed: EndpointFeed;
  readonly watchDelay: Distribution;
  readonly keyedStream: (name: string) => KeyedStream;
}

/**
 * Starts a control plane streaming to `proxies` proxies: keyed streams `<name>:watch` (one
 * watcher, key 0) and `<name>:push`, so every run of a seed sees the same delays.
 */
export function startControlPlane(
  env: ControlPlaneStart,
  name: string,
  proxies: number,
  debounce: PilotDebounceOptions,
  pushDelay: Distribution,
  update: (proxy: number, ips: Uint32Array) => void,
): XdsStream {
  return new XdsStream(
    env.sim,
    env.feed,
    { proxies, watchDelay: env.watchDelay, debounce, pushDelay },
    env.keyedStream(`${name}:watch`),
    env.keyedStream(`${name}:push`),
    (p, snap) => update(p, snap.ips),
    0,
  );
}
