import type { RequestEndListener } from '../dataplane/path/request-path.js';
import type { Distribution } from '../engine/distributions/index.js';
import type { EventKind, KeyedStream, RandomSource, Rng, Simulation } from '../engine/index.js';
import type { WorkloadArrivals } from './arrivals.js';

/** What the driver sends requests into (the RequestPath). */
export interface RequestTarget {
  submit(client: number, demand: number, user: number): void;
  isClientAlive(client: number): boolean;
}

/** The streams the workload draws from; each only from its own (common random numbers). */
export interface WorkloadStreams {
  /** Arrival times (and closed-loop ramp-up offsets). */
  readonly arrivals: Rng;
  /** Which client sends each open-loop request. */
  readonly clients: Rng;
  /** Service demand of each open-loop request. */
  readonly service: Rng;
  /**
   * Closed loop: service demand and think time of user u's n-th request, keyed by (u, n), so
   * they do not depend on the order in which users' requests end, which depends on the
   * balancer (common random numbers).
   */
  readonly userService: KeyedStream;
  readonly userThink: KeyedStream;
}

/**
 * The workload's streams of `random`, by their fixed names: the names seed the streams, so every
 * run (and every balancer of one) draws the same arrivals, clients and demands.
 */
export function workloadStreams(random: RandomSource): WorkloadStreams {
  return {
    arrivals: random.stream('arrivals'),
    clients: random.stream('clients'),
    service: random.stream('service'),
    userService: random.keyedStream('service:user'),
    userThink: random.keyedStream('think:user'),
  };
}

export interface WorkloadDriverOptions {
  readonly arrivals: WorkloadArrivals;
  /** Service demand distribution (seconds), drawn once per user request at its arrival. */
  readonly serviceTime: Distribution;
  readonly clientCount: number;
  /** Time of the first arrival process start. @default 0 */
  readonly start?: number;
}

/**
 * Generates user requests. Open loop: one engine event per arrival; at each arrival it draws
 * the client (uniform over client identities) and the demand, always, even when the chosen
 * client's node has failed (that arrival is then dropped: a failed node's clients stop), so
 * the streams stay aligned across balancers. Closed loop: `users` users; user u is client
 * u mod clientCount; each sends its next request `thinkTime` after its previous one ended.
 */
export class WorkloadDriver implements RequestEndListener {
  private readonly sim: Simulation;
  private readonly target: RequestTarget;
  private readonly o: WorkloadDriverOptions;
  private readonly s: WorkloadStreams;
  private readonly kArrival: EventKind;
  private readonly kUser: EventKind;
  /** Arrivals dropped because their client's node had failed. */
  dropped = 0;
  /** Requests sent. */
  sent = 0;
  /** Closed loop: requests each user has drawn so far (the keyed streams' ordinal). */
  private readonly userRequests: Float64Array;

  constructor(
    sim: Simulation,
    o: WorkloadDriverOptions,
    streams: WorkloadStreams,
    target: RequestTarget,
  ) {
    this.sim = sim;
    this.o = o;
    this.s = streams;
    this.target = target;
    if (!Number.isInteger(o.clientCount) || o.clientCount < 1) {
      throw new RangeError(`clientCount: expected an integer >= 1, got ${o.clientCount}`);
    }
    this.kArrival = sim.register('workload:arrival', () => this.onArrival());
    this.kUser = sim.register('workload:user', (u) => this.onUser(u));
    const start = o.start ?? 0;
    const a = o.arrivals;
    this.userRequests = new Float64Array(a.process === 'open' ? 0 : a.users);
    if (a.process === 'open') {
      const first = a.arrivals.next(start, streams.arrivals);
      if (first < Number.POSITIVE_INFINITY)
        sim.scheduleAt(Math.max(first, sim.now), this.kArrival, 0);
    } else {
      if (!Number.isInteger(a.users) || a.users < 1) {
        throw new RangeError(`arrivals.users: expected an integer >= 1, got ${a.users}`);
      }
      for (let u = 0; u < a.users; u++) {
        const off = a.rampUp > 0 ? a.rampUp * streams.arrivals.next() : 0;
        sim.scheduleAt(Math.max(start + off, sim.now), this.kUser, u);
      }
    }
  }

  private onArrival(): void {
    const a = this.o.arrivals;
    if (a.process !== 'open') return;
    const client = Math.floor(this.s.clients.next() * this.o.clientCount);
    const demand = this.o.serviceTime.sample(this.s.service);
    if (this.target.isClientAlive(client)) {
      this.sent++;
      this.target.submit(client, demand, -1);
    } else this.dropped++;
    const next = a.arrivals.next(this.sim.now, this.s.arrivals);
    if (next < Number.POSITIVE_INFINITY) this.sim.postAt(next, this.kArrival, 0);
  }

  private onUser(u: number): void {
    const client = u % this.o.clientCount;
    const n = this.userRequests[u] as number;
    this.userRequests[u] = n + 1;
    const demand = this.o.serviceTime.sample(this.s.userService.rngFor(u, n));
    if (!this.target.isClientAlive(client)) {
      this.dropped++;
      return; // the user's node failed: the user stops
    }
    this.sent++;
    this.target.submit(client, demand, u);
  }

  /** A closed-loop user's request ended: the next one follows after its think time. */
  requestEnded(user: number): void {
    const a = this.o.arrivals;
    if (a.process !== 'closed-loop') return;
    // The think time after the user's n-th request (the one that just ended).
    const n = (this.userRequests[user] as number) - 1;
    const think = a.thinkTime === null ? 0 : a.thinkTime.sample(this.s.userThink.rngFor(user, n));
    this.sim.post(think, this.kUser, user);
  }
}
