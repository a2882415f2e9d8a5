import type { EndpointFeed, EndpointSnapshot } from '../../control-plane/endpoint-state.js';
import type { Distribution } from '../../engine/distributions/index.js';
import type { KeyedStream, Rng, Simulation } from '../../engine/index.js';
import {
  INGRESS_NGINX_BACKENDS_SYNC_INTERVAL,
  IngressNginxSyncQueue,
  nextWorkerPoll,
} from './ingress-nginx-sync.js';

/** A worker's endpoint list changed: apply it to that worker's balancer. */
export type WorkerUpdate = (worker: number, snapshot: EndpointSnapshot) => void;

export interface IngressNginxControllerOptions {
  readonly workers: number;
  readonly syncRateLimit: number;
  /** The controller's informer watch delay (as kube-proxy's). */
  readonly watchDelay: Distribution;
  /** Worker poll period (balancer.lua BACKENDS_SYNC_INTERVAL). @default 1 */
  readonly pollInterval?: number;
}

/**
 * The whole discovery path of an ingress-nginx controller pod, on the engine: informer watch
 * -> rate-limited sync (IngressNginxSyncQueue) -> POST of the backends -> each worker's next
 * 1 s poll (nextWorkerPoll) -> that worker's balancer. Worker timers start at random phases in
 * [0, interval) (the workers started before the run). Only the next poll after a POST is an
 * event (a poll with nothing new changes nothing), so the cost is per update, not per second.
 * At construction every worker holds the snapshot current then (nginx was configured before).
 */
export class IngressNginxController {
  readonly queue: IngressNginxSyncQueue;
  /** The snapshot the controller last POSTed, and when. */
  posted: EndpointSnapshot;
  postedAt: number;
  private knownRv: number;
  private readonly phase: Float64Array;
  private readonly pollPending: Uint8Array;
  private readonly applied: Int32Array;
  private readonly views: EndpointSnapshot[];
  private readonly interval: number;
  private readonly kSync: number;
  private readonly kPoll: number;

  constructor(
    private readonly sim: Simulation,
    private readonly feed: EndpointFeed,
    options: IngressNginxControllerOptions,
    watchRng: Rng | KeyedStream,
    phaseRng: Rng,
    private readonly onWorkerUpdate: WorkerUpdate,
    watcherKey?: number,
  ) {
    this.queue = new IngressNginxSyncQueue(options.syncRateLimit);
    this.interval = options.pollInterval ?? INGRESS_NGINX_BACKENDS_SYNC_INTERVAL;
    this.knownRv = feed.resourceVersion;
    this.posted = feed.snapshotAt(this.knownRv);
    this.postedAt = sim.now;
    const n = options.workers;
    this.phase = new Float64Array(n);
    for (let w = 0; w < n; w++) this.phase[w] = sim.now - phaseRng.next() * this.interval;
    this.pollPending = new Uint8Array(n);
    this.applied = new Int32Array(n).fill(this.posted.id);
    this.views = new Array<EndpointSnapshot>(n).fill(this.posted);
    this.kSync = sim.register('ingress-nginx:sync', () => this.sync());
    this.kPoll = sim.register('ingress-nginx:poll', (w) => this.poll(w));
    feed.watch(options.watchDelay, watchRng, (rv) => this.onWatch(rv), watcherKey);
  }

  /** The snapshot worker w balances over now. */
  view(worker: number): EndpointSnapshot {
    return this.views[worker] as EndpointSnapshot;
  }

  private onWatch(rv: number): void {
    this.knownRv = rv;
    const at = this.queue.changed(this.sim.now);
    if (!Number.isNaN(at)) this.sim.scheduleAt(at, this.kSync);
  }

  private sync(): void {
    const now = this.sim.now;
    this.queue.run(now);
    const snap = this.feed.snapshotAt(this.knownRv);
    if (snap.id === this.posted.id) return; // nothing new to POST
    this.posted = snap;
    this.postedAt = now;
    for (let w = 0; w < this.phase.length; w++) {
      if (this.pollPending[w] === 1) continue; // that poll will read the latest POST
      this.pollPending[w] = 1;
      this.sim.scheduleAt(
        nextWorkerPoll(now, this.phase[w] as number, this.interval),
        this.kPoll,
        w,
      );
    }
  }

  private poll(w: number): void {
    this.pollPending[w] = 0;
    if (this.applied[w] === this.posted.id) return;
    this.applied[w] = this.posted.id;
    this.views[w] = this.posted;
    this.onWorkerUpdate(w, this.posted);
  }
}
