import type { Ip, NodeId, PodId } from '../cluster/types.js';
import type { EventKind, Simulation } from '../engine/index.js';
import type { PodBehaviour } from './pod-behaviour.js';
import { type TryPool, tag, tagGen, tagIndex } from './pools.js';
import { ErrorCause } from './types.js';

/** What a pod's application does with requests (resolved). */
export interface PodServerOptions {
  /** Requests served at once (worker threads / goroutines doing the work). */
  readonly concurrency: number;
  /** Requests waiting beyond the workers before new ones get 503; Infinity = unlimited. */
  readonly queueLimit: number;
  /** Slow-start ramp after the pod becomes Ready, seconds; 0 = none. */
  readonly slowStart: number;
  /** Service-time multiplier at the instant the pod becomes Ready (decays linearly to 1). */
  readonly slowStartFactor: number;
}

/** Public form of PodServerOptions. */
export interface PodServerConfig {
  /** @default 1 */
  concurrency?: number;
  /** null / Infinity = unlimited. @default Infinity */
  queueLimit?: number | null;
  /** @default 0 */
  slowStart?: number;
  /** @default 3 */
  slowStartFactor?: number;
}

export const POD_SERVER_DEFAULTS: PodServerOptions = {
  concurrency: 1,
  queueLimit: Number.POSITIVE_INFINITY,
  slowStart: 0,
  slowStartFactor: 3,
};

export function resolvePodServerOptions(c: PodServerConfig = {}): PodServerOptions {
  const o: PodServerOptions = {
    concurrency: c.concurrency ?? POD_SERVER_DEFAULTS.concurrency,
    queueLimit: c.queueLimit ?? POD_SERVER_DEFAULTS.queueLimit,
    slowStart: c.slowStart ?? POD_SERVER_DEFAULTS.slowStart,
    slowStartFactor: c.slowStartFactor ?? POD_SERVER_DEFAULTS.slowStartFactor,
  };
  if (!Number.isInteger(o.concurrency) || o.concurrency < 1) {
    throw new RangeError(`pod.concurrency: expected an integer >= 1, got ${o.concurrency}`);
  }
  if (!(o.queueLimit >= 0)) {
    throw new RangeError(`pod.queueLimit: expected an integer >= 0 or null, got ${o.queueLimit}`);
  }
  if (!(o.slowStart >= 0))
    throw new RangeError(`pod.slowStart: expected >= 0 s, got ${o.slowStart}`);
  if (!(o.slowStartFactor >= 1)) {
    throw new RangeError(`pod.slowStartFactor: expected >= 1, got ${o.slowStartFactor}`);
  }
  return o;
}

/** Callbacks of the pod servers into the request path. */
export interface PodServerHost {
  /**
   * The pod finished serving try `r` (its response leaves the pod now) with HTTP `status`; for
   * a status other than 200 the pool's errCause[r] says why.
   */
  requestServed(r: number, pod: PodId, status: number): void;
  /** Try `r` was lost because the container died (`silent`: its node is down, no RST). */
  requestLost(r: number, pod: PodId, silent: boolean): void;
  /** A pod whose listener is closed has nothing queued or in service. */
  podIdle(pod: PodId): void;
}

export const Accept = { accepted: 0, rejected: 1 } as const;

/**
 * The application side of every pod: `concurrency` workers and a FIFO queue, in struct-of-arrays
 * indexed by PodId (dense, growing). Queued and in-service tries are threaded through the try
 * pool's intrusive next/prev links: no per-request allocation.
 *
 * Model:
 * - a try's service time is its demand (drawn at the user request's arrival, so every balancer
 *   sees the same work), times the slow-start multiplier at service start: after the pod
 *   becomes Ready it is `slowStartFactor` and falls linearly to 1 over `slowStart` seconds
 *   (a cold JIT/cache warming up). Readiness is reported by the cluster's probe model.
 * - queue full (queueLimit waiting) -> the request is rejected with 503 at once.
 * - container killed -> every queued and in-service try is lost (reset; silent when the node
 *   died). Work in progress is counted as busy time up to the kill.
 * - listener closed (SIGTERM) -> work continues (drain); when nothing is left the host's
 *   podIdle() is called once per close (the request path tells the cluster podDrained).
 */
export class PodServers {
  private readonly sim: Simulation;
  private readonly pool: TryPool;
  private readonly host: PodServerHost;
  readonly options: PodServerOptions;
  private readonly completeKind: EventKind;

  private cap = 0;
  nodeOf = new Int32Array(0);
  ipOf = new Uint32Array(0);
  /** Container running (between listenerOpened and containerKilled). */
  alive = new Uint8Array(0);
  /** Listener closed after SIGTERM (drain). */
  closed = new Uint8Array(0);
  /** Bumped at each container death: a try in transit to an older incarnation is lost. */
  gen = new Int32Array(0);
  /** The last container death was silent (node down: no RST reaches anybody). */
  silent = new Uint8Array(0);
  /** The last death was a graceful exit after draining (not a kill). */
  exited = new Uint8Array(0);
  private readyAt = new Float64Array(0);
  private busy = new Int32Array(0);
  private qHead = new Int32Array(0);
  private qTail = new Int32Array(0);
  private qLen = new Int32Array(0);
  private svcHead = new Int32Array(0);
  private servedCount = new Float64Array(0);
  private busyTime = new Float64Array(0);
  private idleNotified = new Uint8Array(0);
  /** Tries a blackholed pod accepted or finished and never answers (linked by pool.next). */
  private holdHead = new Int32Array(0);
  private holdLen = new Int32Array(0);
  /** Templates and faults (undefined: every pod is `options`, no fault). */
  private behaviour: PodBehaviour | undefined;
  /** Number of pods created so far (ids are 0..count-1). */
  count = 0;

  constructor(sim: Simulation, pool: TryPool, options: PodServerOptions, host: PodServerHost) {
    this.sim = sim;
    this.pool = pool;
    this.options = options;
    this.host = host;
    this.completeKind = sim.register('pod:served', (arg) => this.complete(arg));
    this.ensure(64);
  }

  private ensure(n: number): void {
    if (n <= this.cap) return;
    let c = Math.max(64, this.cap);
    while (c < n) c *= 2;
    const g = <T extends Float64Array | Int32Array | Uint32Array | Uint8Array>(
      a: T,
      fill = 0,
    ): T => {
      const b = new (a.constructor as new (n: number) => T)(c);
      b.fill(fill);
      b.set(a);
      return b;
    };
    this.nodeOf = g(this.nodeOf, -1);
    this.ipOf = g(this.ipOf);
    this.alive = g(this.alive);
    this.closed = g(this.closed);
    this.gen = g(this.gen);
    this.silent = g(this.silent);
    this.exited = g(this.exited);
    this.readyAt = g(this.readyAt, Number.NEGATIVE_INFINITY);
    this.busy = g(this.busy);
    this.qHead = g(this.qHead, -1);
    this.qTail = g(this.qTail, -1);
    this.qLen = g(this.qLen);
    this.svcHead = g(this.svcHead, -1);
    this.servedCount = g(this.servedCount);
    this.busyTime = g(this.busyTime);
    this.idleNotified = g(this.idleNotified);
    this.holdHead = g(this.holdHead, -1);
    this.holdLen = g(this.holdLen);
    this.cap = c;
  }

  /** Pod templates and faults (scenario/build.ts). Call before the first pod is created. */
  setBehaviour(b: PodBehaviour): void {
    this.behaviour = b;
  }

  // --- lifecycle (called by the request path's PodLifecycleObserver) ---

  podCreated(pod: PodId, node: NodeId, ip: Ip): void {
    if (!(pod >= 0) || !Number.isInteger(pod))
      throw new RangeError(`podCreated: bad pod id ${pod}`);
    this.ensure(pod + 1);
    if (pod >= this.count) this.count = pod + 1;
    this.nodeOf[pod] = node;
    this.ipOf[pod] = ip;
  }

  listenerOpened(pod: PodId): void {
    this.alive[pod] = 1;
    this.closed[pod] = 0;
    this.silent[pod] = 0;
    this.exited[pod] = 0;
    // readyAt is not reset here: without a readiness probe the pod is Ready at container
    // start, before it listens. containerKilled resets it for the next incarnation.
  }

  /** `since`: when the Ready condition became true (steady-state pods: long before the run). */
  readyChanged(pod: PodId, ready: boolean, since = this.sim.now): void {
    // Slow start counts from the first Ready of this container incarnation.
    if (ready && this.readyAt[pod] === Number.NEGATIVE_INFINITY) this.readyAt[pod] = since;
  }

  listenerClosed(pod: PodId): void {
    this.closed[pod] = 1;
    this.idleNotified[pod] = 0;
    this.checkIdle(pod);
  }

  /** The container died: every queued and in-service try is lost. */
  containerKilled(pod: PodId, silent: boolean, exited = false): void {
    const wasAlive = this.alive[pod] === 1;
    this.alive[pod] = 0;
    this.silent[pod] = silent ? 1 : 0;
    this.exited[pod] = exited ? 1 : 0;
    this.gen[pod] = ((this.gen[pod] as number) + 1) | 0;
    this.readyAt[pod] = Number.NEGATIVE_INFINITY;
    if (!wasAlive && this.busy[pod] === 0 && this.qLen[pod] === 0) return;
    const pool = this.pool;
    const now = this.sim.now;
    // Detach both lists first, then report: the host may free or reuse records meanwhile.
    let r = this.svcHead[pod] as number;
    this.svcHead[pod] = -1;
    while (r !== -1) {
      const nx = pool.next[r] as number;
      this.busyTime[pod] =
        (this.busyTime[pod] as number) + (now - (pool.serviceStart[r] as number));
      this.drop(r);
      this.host.requestLost(r, pod, silent);
      r = nx;
    }
    r = this.qHead[pod] as number;
    this.qHead[pod] = -1;
    this.qTail[pod] = -1;
    while (r !== -1) {
      const nx = pool.next[r] as number;
      this.drop(r);
      this.host.requestLost(r, pod, silent);
      r = nx;
    }
    r = this.holdHead[pod] as number;
    this.holdHead[pod] = -1;
    this.holdLen[pod] = 0;
    while (r !== -1) {
      const nx = pool.next[r] as number;
      this.drop(r);
      this.host.requestLost(r, pod, silent);
      r = nx;
    }
    this.busy[pod] = 0;
    this.qLen[pod] = 0;
  }

  /** A blackholed pod swallows try `r`: it stays held here, unanswered, until the pod dies. */
  private hold(r: number, pod: PodId): void {
    const pool = this.pool;
    pool.errCause[r] = ErrorCause.fault_blackhole;
    pool.prev[r] = -1;
    pool.next[r] = this.holdHead[pod] as number;
    this.holdHead[pod] = r;
    this.holdLen[pod] = (this.holdLen[pod] as number) + 1;
  }

  private drop(r: number): void {
    const pool = this.pool;
    pool.serverHeld[r] = 0;
    pool.sgen[r] = ((pool.sgen[r] as number) + 1) | 0;
    pool.next[r] = -1;
    pool.prev[r] = -1;
  }

  // --- requests ---

  /**
   * Try `r` (pool.pod[r] = pod, pool.demand[r] set) reaches a live pod. Starts it, queues it,
   * or rejects it (queue full: the caller answers 503). The pool's serverHeld flag is the
   * caller's: it is cleared here only when the pod is done with the try.
   */
  accept(r: number, pod: PodId): number {
    const pool = this.pool;
    const b = this.behaviour;
    let concurrency = this.options.concurrency;
    let queueLimit = this.options.queueLimit;
    if (b !== undefined) {
      if (b.blackholed(pod)) {
        this.hold(r, pod);
        return Accept.accepted;
      }
      const p = b.profileOf(pod);
      concurrency = p.concurrency;
      queueLimit = p.queueLimit;
      if (b.slowed(pod)) pool.errCause[r] = ErrorCause.fault_slow;
    }
    if ((this.busy[pod] as number) < concurrency) {
      this.start(r, pod);
      return Accept.accepted;
    }
    if ((this.qLen[pod] as number) >= queueLimit) return Accept.rejected;
    const tail = this.qTail[pod] as number;
    pool.next[r] = -1;
    pool.prev[r] = tail;
    if (tail === -1) this.qHead[pod] = r;
    else pool.next[tail] = r;
    this.qTail[pod] = r;
    this.qLen[pod] = (this.qLen[pod] as number) + 1;
    return Accept.accepted;
  }

  private start(r: number, pod: PodId): void {
    const pool = this.pool;
    const now = this.sim.now;
    this.busy[pod] = (this.busy[pod] as number) + 1;
    pool.serviceStart[r] = now;
    // In-service list (doubly linked, so a completion unlinks in O(1)).
    const head = this.svcHead[pod] as number;
    pool.prev[r] = -1;
    pool.next[r] = head;
    if (head !== -1) pool.prev[head] = r;
    this.svcHead[pod] = r;
    let d = pool.demand[r] as number;
    let ss = this.options.slowStart;
    let ssFactor = this.options.slowStartFactor;
    const b = this.behaviour;
    if (b !== undefined) {
      const p = b.profileOf(pod);
      ss = p.slowStart;
      ssFactor = p.slowStartFactor;
      d = b.serviceTime(pod, d, pool.req[r] as number, pool.tryNo[r] as number);
      // A client that gives up on a slowed pod gives up because of the fault.
      if (b.slowed(pod)) pool.errCause[r] = ErrorCause.fault_slow;
    }
    if (ss > 0) {
      const age = now - (this.readyAt[pod] as number);
      if (age < ss) d *= 1 + (ssFactor - 1) * (1 - age / ss);
    }
    this.sim.post(d, this.completeKind, tag(r, pool.sgen[r] as number));
  }

  private complete(arg: number): void {
    const r = tagIndex(arg);
    const pool = this.pool;
    if (pool.sgen[r] !== tagGen(arg)) return;
    const pod = pool.pod[r] as number;
    // Unlink from the in-service list.
    const p = pool.prev[r] as number;
    const n = pool.next[r] as number;
    if (p === -1) this.svcHead[pod] = n;
    else pool.next[p] = n;
    if (n !== -1) pool.prev[n] = p;
    pool.next[r] = -1;
    pool.prev[r] = -1;
    const now = this.sim.now;
    this.busy[pod] = (this.busy[pod] as number) - 1;
    this.servedCount[pod] = (this.servedCount[pod] as number) + 1;
    this.busyTime[pod] = (this.busyTime[pod] as number) + (now - (pool.serviceStart[r] as number));
    pool.serverHeld[r] = 0;
    // Next in FIFO order takes the freed worker.
    const q = this.qHead[pod] as number;
    if (q !== -1) {
      const qn = pool.next[q] as number;
      this.qHead[pod] = qn;
      if (qn === -1) this.qTail[pod] = -1;
      else pool.prev[qn] = -1;
      this.qLen[pod] = (this.qLen[pod] as number) - 1;
      this.start(q, pod);
    }
    const b = this.behaviour;
    if (b?.blackholed(pod)) {
      // The response never leaves: the try stays held, unanswered.
      pool.serverHeld[r] = 1;
      this.hold(r, pod);
    } else {
      let status = 200;
      if (b !== undefined) {
        status = b.status(pod, pool.req[r] as number, pool.tryNo[r] as number);
        if (status !== 200) pool.errCause[r] = b.lastCause;
      }
      this.host.requestServed(r, pod, status);
    }
    if (this.closed[pod] === 1) this.checkIdle(pod);
  }

  /**
   * The host found the pod not done after all (work arrived meanwhile, or a request is still on
   * its way to it): podIdle is reported again when its next request completes with nothing
   * left. No check now (it would report at once).
   */
  rearmIdle(pod: PodId): void {
    this.idleNotified[pod] = 0;
  }

  private checkIdle(pod: PodId): void {
    if (this.idleNotified[pod] === 1 || this.busy[pod] !== 0 || this.qLen[pod] !== 0) return;
    // Held (blackholed) tries keep the pod busy: it never drains while it swallows responses.
    if (this.holdLen[pod] !== 0) return;
    this.idleNotified[pod] = 1;
    this.host.podIdle(pod);
  }

  // --- observation ---

  /** Requests this pod finished serving (responses sent, including to clients that gave up). */
  served(pod: PodId): number {
    return this.servedCount[pod] ?? 0;
  }
  /** Worker-seconds spent serving (busy fraction = busySeconds / (concurrency x lifetime)). */
  busySeconds(pod: PodId): number {
    let b = this.busyTime[pod] ?? 0;
    // Work in progress counts up to now.
    const pool = this.pool;
    for (let r = this.svcHead[pod] ?? -1; r !== -1; r = pool.next[r] as number) {
      b += this.sim.now - (pool.serviceStart[r] as number);
    }
    return b;
  }
  inService(pod: PodId): number {
    return this.busy[pod] ?? 0;
  }
  queued(pod: PodId): number {
    return this.qLen[pod] ?? 0;
  }
  /** Tries a blackholed pod holds unanswered. */
  held(pod: PodId): number {
    return this.holdLen[pod] ?? 0;
  }
  /** Whether the current incarnation has closed its listener after SIGTERM. */
  isClosed(pod: PodId): boolean {
    return this.closed[pod] === 1;
  }
  isAlive(pod: PodId): boolean {
    return this.alive[pod] === 1;
  }
  /** Total tries held by all pods (queued + in service). */
  totalHeld(): number {
    let s = 0;
    for (let p = 0; p < this.count; p++) {
      s += (this.busy[p] as number) + (this.qLen[p] as number) + (this.holdLen[p] as number);
    }
    return s;
  }
}
