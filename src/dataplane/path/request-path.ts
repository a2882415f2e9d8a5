import type {
  DrainNotifier,
  GroundTruth,
  Ip,
  NodeId,
  PodId,
  PodLifecycleObserver,
} from '../../cluster/types.js';
import type { EventKind, KeyedStream, Rng, Simulation } from '../../engine/index.js';
import type { RequestRecorder } from '../../metrics/types.js';
import { DeadlineQueue } from '../deadline-queue.js';
import type { ExternalLb } from '../external-lb.js';
import type { RequestPathOptions } from '../path-options.js';
import { Accept, type PodServerHost, type PodServerOptions, PodServers } from '../pod-server.js';
import { ConnPool, Stage, TryPool, tag, tagGen, tagIndex } from '../pools.js';
import { ErrorCause, ErrorKind, type L4Balancer, statusKind } from '../types.js';
import { ClientPool, type ClientPoolHost, type ClientTable } from './client-pool.js';
import {
  type ClientResolver,
  Connections,
  type ConnectionsHost,
  type NodeTables,
} from './connections.js';
import type { HopHost, HopSpec, L7Hop } from './hop.js';
import { getHop } from './hops.js';
import { PathLedger } from './ledger.js';
import { Network } from './network.js';
import { checkConservation, newRequestInTransit, scanInFlight } from './record-scans.js';
import { RetryPolicy, retryRecord } from './retry-policy.js';

export type { ClientTable } from './client-pool.js';
export type { NodeTables } from './connections.js';

/** Told when a user request ends for good (closed-loop users send their next one). */
export interface RequestEndListener {
  requestEnded(user: number, client: number): void;
}

/** kube-proxy's hook into the data plane: `node` programmed a new table (read it from NodeTables). */
export interface TableSink {
  tableProgrammed(node: NodeId): void;
}

export interface RequestPathDeps {
  readonly sim: Simulation;
  readonly truth: GroundTruth;
  readonly recorder: RequestRecorder;
  readonly drain: DrainNotifier;
  readonly nodeCount: number;
  readonly clients: ClientTable;
  /** Named streams of the run (RandomSource.stream): hops use their own names. */
  readonly stream: (name: string) => Rng;
  /** Keyed streams of the run: uses `conn-lifetime`, `retries`, `external-lb`, and the hop's. */
  readonly keyedStream: (name: string) => KeyedStream;
  readonly options: RequestPathOptions;
  readonly pod: PodServerOptions;
  /** The L4 route: one balancer per node, picking from `tables`. Exactly one of `balancers` / `hop`. */
  readonly balancers?: readonly L4Balancer[];
  /** Each node's programmed table (kube-proxy); required with `balancers`. */
  readonly tables?: NodeTables;
  /** An L7 hop every client try goes through (./hops.ts names them). */
  readonly hop?: HopSpec;
  /** A headless Service on the L4 route: each new connection dials the pod IP DNS answers. */
  readonly dns?: ClientResolver;
  /** Closed-loop users: told when each user request ends. */
  readonly listener?: RequestEndListener;
}

/** Counts exposed for conservation checks and tests. */
export interface PathCounts {
  readonly arrivals: number;
  readonly completed: number;
  readonly failed: number;
  /** User requests not yet completed or failed, counted from the live records. */
  readonly inFlight: number;
  readonly attemptsFailed: number;
}

const HTTP_OK = 200;

/**
 * The coordinator of the request path: clients -> (their connection pool -> a node's L4
 * balancer, ./connections.ts) or (an L7 hop, ./hop.ts) -> ground truth -> pod servers ->
 * response or error, with client timeouts and retries. It owns the life of a try (start,
 * succeed, fail, backoff, client timeout, abandon) and routes what happens at the pods to the
 * part that sent the request. Implements the cluster's PodLifecycleObserver and kube-proxy's
 * TableSink. See docs/ARCHITECTURE.md (the route of a request) and docs/MODEL.md.
 *
 * A "try" record is one HTTP exchange (a client try, or one upstream try of a hop). The user
 * request's identity (arrival time, demand, client, user) is copied into a fresh record when a
 * client retries or a hop moves to the next upstream, so a record abandoned by its client (time
 * out) can stay with the pod that is still working on it: pods keep working after the client
 * gave up, as real servers do. Events carry `tag(record, generation)`; a generation bump
 * invalidates every event of a record's previous phase (lazy cancellation, no heap removals).
 */
export class RequestPath
  implements
    PodLifecycleObserver,
    PodServerHost,
    TableSink,
    ClientPoolHost,
    ConnectionsHost,
    HopHost
{
  readonly tries = new TryPool(1024);
  readonly conns = new ConnPool(256);
  readonly servers: PodServers;
  readonly ledger: PathLedger;
  readonly clients: ClientPool;
  readonly connections: Connections;
  readonly network: Network;
  readonly externalLb: ExternalLb | null;

  private readonly sim: Simulation;
  private readonly truth: GroundTruth;
  private readonly drainNotifier: DrainNotifier;
  private readonly o: RequestPathOptions;
  /** The run's L7 hop, or null on the L4 route (metrics and tests read its state). */
  readonly hop: L7Hop | null;
  private listener: RequestEndListener | undefined;
  private readonly retry: RetryPolicy;
  /** Deadline queue of the per-try client timeout (see DeadlineQueue for why not engine cancel). */
  private readonly timeoutQ: DeadlineQueue | null;

  private readonly kReqAtPod: EventKind;
  private readonly kResponse: EventKind;
  private readonly kFailing: EventKind;
  private readonly kRetry: EventKind;
  private readonly kDrain: EventKind;

  constructor(deps: RequestPathDeps) {
    const sim = deps.sim;
    this.sim = sim;
    this.truth = deps.truth;
    this.drainNotifier = deps.drain;
    this.o = deps.options;
    this.listener = deps.listener;
    if ((deps.balancers === undefined) === (deps.hop === undefined)) {
      throw new Error('RequestPath: give exactly one of `balancers` (kube-proxy) or `hop`');
    }
    if (deps.balancers && deps.balancers.length !== deps.nodeCount) {
      throw new RangeError(
        `RequestPath: expected one balancer per node (${deps.nodeCount}), got ${deps.balancers.length}`,
      );
    }
    if (deps.balancers && deps.tables === undefined) {
      throw new Error('RequestPath: `balancers` need `tables` (the nodes programmed tables)');
    }
    this.ledger = new PathLedger(deps.recorder);
    this.retry = new RetryPolicy(this.o.retries, deps.keyedStream('retries'));
    const o = this.o;
    this.network = new Network(o.network, deps.nodeCount, o.timeouts);

    this.servers = new PodServers(sim, this.tries, deps.pod, this);
    this.clients = new ClientPool(
      sim,
      deps.clients,
      deps.nodeCount,
      o.connections,
      this.tries,
      this.conns,
      this,
    );
    this.kReqAtPod = sim.register('try:at-pod', (a) => this.onReqAtPod(a));
    this.kResponse = sim.register('try:response', (a) => this.onResponse(a));
    this.kFailing = sim.register('try:error', (a) => this.onFailing(a));
    this.kRetry = sim.register('try:retry', (a) => this.onRetry(a));
    this.kDrain = sim.register('pod:drained', (p) => this.onDrain(p));
    this.timeoutQ =
      o.timeouts.request > 0
        ? new DeadlineQueue(
            sim,
            'client:timeout',
            o.timeouts.request,
            (r, stamp) => this.tries.cgen[r] === stamp && this.tries.clientHeld[r] === 1,
            (r) => this.onClientTimeout(r),
          )
        : null;
    this.connections = new Connections(
      sim,
      {
        truth: deps.truth,
        servers: this.servers,
        tries: this.tries,
        conns: this.conns,
        pool: this.clients,
        network: this.network,
        options: o,
        balancers: deps.balancers ?? [],
        tables: deps.tables ?? null,
        keyedStream: deps.keyedStream,
        dns: deps.dns ?? null,
      },
      this,
    );
    this.externalLb = this.connections.externalLb;
    this.hop = deps.hop
      ? getHop(deps.hop.name).create(
          {
            sim,
            truth: deps.truth,
            tries: this.tries,
            servers: this.servers,
            ledger: this.ledger,
            network: this.network,
            options: o,
            clientNode: this.clients.node,
            stream: deps.stream,
            keyedStream: deps.keyedStream,
            host: this,
          },
          deps.hop.config,
        )
      : null;
  }

  // ---------------------------------------------------------------- public API

  /**
   * A user request arrives now from `client` with service demand `demand` seconds (drawn by the
   * workload at arrival). `user` is the closed-loop user, or -1.
   */
  submit(client: number, demand: number, user = -1): void {
    const now = this.sim.now;
    const req = this.ledger.arrival(now);
    const t = this.tries;
    const r = t.alloc();
    t.arrivedAt[r] = now;
    t.demand[r] = demand;
    t.req[r] = req;
    t.client[r] = client;
    t.user[r] = user;
    t.tryNo[r] = 0;
    this.startTry(r);
  }

  /** Sets who hears about ended user requests (closed-loop users; the WorkloadDriver). */
  setListener(listener: RequestEndListener): void {
    this.listener = listener;
  }

  /** Whether the client can still send (its node has not failed). */
  isClientAlive(client: number): boolean {
    return this.clients.alive[client] === 1;
  }

  tableProgrammed(node: NodeId): void {
    this.connections.tableProgrammed(node);
  }

  /**
   * A node failed: its clients stop (their in-flight requests fail with reset/node_failure and
   * are not retried), connections through it die, and a hop running there fails. Its pods'
   * containers are reported dead by the cluster through containerKilled (silently: no RST).
   */
  nodeFailed(node: NodeId): void {
    this.network.nodeDown[node] = 1;
    const t = this.tries;
    const cl = this.clients;
    for (let c = 0; c < cl.count; c++) {
      if (cl.node[c] === node) cl.alive[c] = 0;
    }
    const hop = this.hop;
    for (let r = 0; r < t.extent; r++) {
      if (t.clientHeld[r] !== 1 || t.parent[r] !== -1) continue;
      const c = t.client[r] as number;
      // External clients whose connection entered through the failed node (simplified: the
      // request fails at once instead of hanging until a timeout).
      if (
        cl.alive[c] === 0 ||
        this.connections.entersThrough(r, node) ||
        hop?.diesWith(node, r) === true
      ) {
        this.abandon(r);
        this.failTry(r, ErrorKind.reset, ErrorCause.node_failure);
      }
    }
    this.connections.nodeFailed(node);
  }

  counts(): PathCounts {
    const l = this.ledger;
    return {
      arrivals: l.arrivals,
      completed: l.completed,
      failed: l.failed,
      inFlight: this.scanInFlight(),
      attemptsFailed: l.attemptsFailed,
    };
  }

  /** User requests in flight, counted from the records (./record-scans.ts). */
  scanInFlight(): number {
    return scanInFlight(this.tries);
  }

  /** Throws if the requests or a client's connection counters are not conserved (./record-scans.ts). */
  checkConservation(): void {
    checkConservation(this.sim.now, this.ledger, this.tries, this.clients);
  }

  /** The hop's ejected hosts now (timeseries.csv), 0 without a hop that ejects. */
  ejectedHosts(): number {
    return this.hop?.ejectedHosts?.() ?? 0;
  }

  /** The hop's EWMA spread now, seconds (timeseries.csv), 0 without an EWMA balancer. */
  ewmaSpread(): number {
    return this.hop?.ewmaSpread?.() ?? 0;
  }

  /** Open connections of a client (tests: pool sizes). */
  openConnections(client: number): number {
    return this.clients.conns[client] as number;
  }

  // ------------------------------------------------------ PodLifecycleObserver

  podCreated(pod: PodId, node: NodeId, ip: Ip): void {
    this.servers.podCreated(pod, node, ip);
    this.connections.podCreated(pod);
  }
  listenerOpened(pod: PodId): void {
    this.servers.listenerOpened(pod);
  }
  readyChanged(pod: PodId, ready: boolean, since?: number): void {
    this.servers.readyChanged(pod, ready, since);
  }
  listenerClosed(pod: PodId): void {
    this.servers.listenerClosed(pod);
    this.connections.serverClosing(pod);
    this.hop?.serverClosing?.(pod);
  }
  containerKilled(pod: PodId): void {
    this.killServer(pod, !this.truth.isReachable(pod));
  }
  /** The pod's node failed: same as a silent container death (isReachable is false now). */
  podUnreachable(pod: PodId): void {
    this.containerKilled(pod);
  }
  podDeleted(pod: PodId): void {
    // A graceful exit (drained, then the pod object deleted) reports no containerKilled: the
    // server is still marked alive. The process is gone and its kernel closed its sockets, so
    // a request still on its way (accepted SYN, or sent on a keep-alive connection the server
    // had already seen idle) is reset, never served by a pod that no longer exists.
    if (this.servers.isAlive(pod)) this.killServer(pod, false, true);
  }

  /**
   * Every queued and in-flight request is lost; `silent`: nobody tells the clients; `exited`:
   * a graceful exit (what it still loses is the termination race: cause terminating_pod).
   */
  private killServer(pod: PodId, silent: boolean, exited = false): void {
    this.servers.containerKilled(pod, silent, exited);
    if (silent) return; // nobody tells the clients: their connections hang (tcp_retries2)
    this.connections.serverReset(pod);
    this.hop?.serverReset?.(pod);
  }

  // ---------------------------------------------------------------- PodServerHost

  requestServed(r: number, _pod: PodId, status: number): void {
    this.respond(r, status);
  }

  requestLost(r: number, pod: PodId, silent: boolean): void {
    const t = this.tries;
    if (t.clientHeld[r] !== 1) {
      t.release(r);
      return;
    }
    if (silent) this.hang(r);
    else {
      const cause =
        this.servers.exited[pod] === 1 ? ErrorCause.terminating_pod : ErrorCause.pod_killed;
      this.failAfter(r, ErrorKind.reset, cause, t.delay[r] as number);
    }
  }

  podIdle(pod: PodId): void {
    // Reported through an event so the cluster is never re-entered from its own callback.
    this.sim.schedule(0, this.kDrain, pod);
  }

  private onDrain(pod: number): void {
    const s = this.servers;
    if (!s.isAlive(pod) || !s.isClosed(pod)) return;
    if (
      s.inService(pod) > 0 ||
      s.queued(pod) > 0 ||
      newRequestInTransit(this.tries, s, this.connections, pod)
    ) {
      // Not done: work arrived at this instant, or a request is on its way on a connection
      // the server accepted and will read. Its completion reports idle again.
      s.rearmIdle(pod);
      return;
    }
    this.drainNotifier.podDrained(pod);
  }

  // ---------------------------------------------------------------- delivery (hosts)

  /** ConnectionsHost: try `r` reaches its pod at `at`. */
  deliverToPodAt(r: number, at: number): void {
    this.sim.postAt(at, this.kReqAtPod, tag(r, this.tries.sgen[r] as number));
  }

  /** HopHost: upstream try `x` reaches its pod `delay` seconds from now. */
  deliverToPod(x: number, delay: number): void {
    this.sim.post(delay, this.kReqAtPod, tag(x, this.tries.sgen[x] as number));
  }

  /** HopHost: the hop answers client try `r`; the answer travels back to the client. */
  respondToClient(r: number, status: number, cause: ErrorCause, pod: number): void {
    const t = this.tries;
    t.status[r] = status;
    t.errCause[r] = cause;
    t.pod[r] = pod;
    t.stage[r] = Stage.responding;
    this.sim.post(t.delay[r] as number, this.kResponse, tag(r, t.cgen[r] as number));
  }

  /** ClientPoolHost. */
  dial(c: number, owner: number): void {
    this.connections.dial(c, owner);
  }
  sendOnConn(r: number, conn: number): void {
    this.connections.sendOnConn(r, conn);
  }
  closeConn(conn: number): void {
    this.connections.close(conn);
  }

  /** The request reaches the pod (on a client connection or a hop's upstream connection). */
  private onReqAtPod(arg: number): void {
    const r = tagIndex(arg);
    const t = this.tries;
    if (t.sgen[r] !== tagGen(arg)) return;
    const pod = t.pod[r] as number;
    const s = this.servers;
    if (s.gen[pod] !== t.podGen[r] || s.alive[pod] !== 1) {
      // The container died while the request was on its way.
      t.serverHeld[r] = 0;
      this.requestLost(r, pod, s.silent[pod] === 1);
      return;
    }
    if (t.parent[r] === -1) this.connections.requestSeen(r);
    if (s.accept(r, pod) === Accept.rejected) {
      t.serverHeld[r] = 0;
      t.errCause[r] = ErrorCause.overload;
      this.respond(r, 503);
    }
  }

  /** The pod answers `status`; the response travels back to the client or to the hop. */
  private respond(r: number, status: number): void {
    const t = this.tries;
    if (t.clientHeld[r] !== 1) {
      if (t.serverHeld[r] === 0) t.release(r);
      return;
    }
    t.status[r] = status;
    t.stage[r] = Stage.responding;
    if (t.parent[r] === -1) {
      this.sim.post(t.delay[r] as number, this.kResponse, tag(r, t.cgen[r] as number));
    } else (this.hop as L7Hop).upstreamResponded(r);
  }

  /** A response reaches the client. */
  private onResponse(arg: number): void {
    const r = tagIndex(arg);
    const t = this.tries;
    if (t.cgen[r] !== tagGen(arg)) return;
    const conn = t.conn[r] as number;
    const client = t.client[r] as number;
    if (conn >= 0) this.connections.responseDone(r);
    const status = t.status[r] as number;
    if (status === HTTP_OK) this.succeed(r);
    else this.failTry(r, statusKind(status), t.errCause[r] as ErrorCause);
    if (conn >= 0) this.clients.pump(client);
  }

  // ---------------------------------------------------------------- tries

  private startTry(r: number): void {
    const t = this.tries;
    t.clientHeld[r] = 1;
    t.errCause[r] = ErrorCause.slow_response;
    if (this.timeoutQ !== null) this.timeoutQ.push(r, t.cgen[r] as number);
    if (this.hop !== null) this.hop.accept(r);
    else this.clients.enqueue(r);
  }

  private onRetry(arg: number): void {
    const r = tagIndex(arg);
    if (this.tries.cgen[r] !== tagGen(arg)) return;
    if (this.clients.alive[this.tries.client[r] as number] === 0) {
      this.failTry(r, ErrorKind.reset, ErrorCause.node_failure);
      return;
    }
    this.startTry(r);
  }

  /** The try succeeded: the user request completes. */
  private succeed(r: number): void {
    const t = this.tries;
    this.ledger.complete(this.sim.now, t.arrivedAt[r] as number, t.pod[r] as number);
    const user = t.user[r] as number;
    const client = t.client[r] as number;
    this.releaseClient(r);
    if (user >= 0 && this.listener) this.listener.requestEnded(user, client);
  }

  /** The try failed: retry (a fresh record after a backoff) or fail the user request. */
  failTry(r: number, kind: ErrorKind, cause: ErrorCause): void {
    const t = this.tries;
    const now = this.sim.now;
    const client = t.client[r] as number;
    const tryNo = t.tryNo[r] as number;
    if (this.retry.retries(tryNo, kind) && this.clients.alive[client] === 1) {
      this.ledger.attemptFailed(now, kind, cause);
      const r2 = retryRecord(t, r);
      const wait = this.retry.backoff(tryNo, t.req[r] as number);
      this.releaseClient(r);
      this.sim.post(wait, this.kRetry, tag(r2, t.cgen[r2] as number));
      return;
    }
    this.ledger.fail(now, t.arrivedAt[r] as number, kind, cause);
    const user = t.user[r] as number;
    this.releaseClient(r);
    if (user >= 0 && this.listener) this.listener.requestEnded(user, client);
  }

  /** The client side lets go of a record; it is freed unless a pod still holds it. */
  releaseClient(r: number): void {
    const t = this.tries;
    t.clientHeld[r] = 0;
    t.cgen[r] = ((t.cgen[r] as number) + 1) | 0;
    t.stage[r] = Stage.orphan;
    if (t.serverHeld[r] === 0) t.release(r);
  }

  /** Deliver an error to the try's owner after `delay` (an RST or ICMP on its way). */
  failAfter(r: number, kind: ErrorKind, cause: ErrorCause, delay: number): void {
    const t = this.tries;
    t.errKind[r] = kind;
    t.errCause[r] = cause;
    t.stage[r] = Stage.failing;
    this.sim.post(delay, this.kFailing, tag(r, t.cgen[r] as number));
  }

  /** A request on a connection to a silently dead host: nothing comes back until tcp_retries2. */
  private hang(r: number): void {
    const t = this.tries;
    t.errKind[r] = ErrorKind.reset;
    t.errCause[r] = ErrorCause.node_failure;
    this.sim.post(this.o.timeouts.deadPeerTimeout, this.kFailing, tag(r, t.cgen[r] as number));
  }

  private onFailing(arg: number): void {
    const r = tagIndex(arg);
    const t = this.tries;
    if (t.cgen[r] !== tagGen(arg)) return;
    const kind = t.errKind[r] as ErrorKind;
    const cause = t.errCause[r] as ErrorCause;
    if (t.parent[r] !== -1) {
      (this.hop as L7Hop).upstreamFailed(r, kind, cause);
      return;
    }
    // A reset or a hang breaks the connection it was on.
    const conn = t.conn[r] as number;
    this.connections.broken(r);
    const client = t.client[r] as number;
    this.failTry(r, kind, cause);
    if (conn >= 0) this.clients.pump(client);
  }

  private onClientTimeout(r: number): void {
    const t = this.tries;
    const client = t.client[r] as number;
    const stall = this.clients.stall[client] as number;
    let cause = t.errCause[r] as ErrorCause;
    if (t.stage[r] === Stage.waiting && stall !== 0) {
      cause = (stall - 1) as ErrorCause;
    } else if (t.stage[r] === Stage.connecting) {
      const c = this.connections.connectCause(r);
      if (c >= 0) cause = c as ErrorCause;
    }
    this.abandon(r);
    this.failTry(r, ErrorKind.client_timeout, cause);
    if (this.hop === null) this.clients.pump(client);
  }

  /** The client gives up on try `r` wherever it is (timeout, dead client). */
  private abandon(r: number): void {
    switch (this.tries.stage[r]) {
      case Stage.waiting:
        this.clients.unlinkWait(r);
        break;
      case Stage.connecting:
        this.connections.abandonConnecting(r);
        break;
      case Stage.onConn:
      case Stage.responding:
      case Stage.failing:
        this.connections.abandonSent(r);
        break;
      case Stage.atProxy:
        (this.hop as L7Hop).abandon(r);
        break;
      default:
        break;
    }
  }
}
