import {
  type DrainNotifier,
  type GroundTruth,
  type Ip,
  NO_POD,
  type NodeId,
  type PodId,
  type PodLifecycleObserver,
} from '../cluster/types.js';
import type { EventKind, KeyedStream, Rng, Simulation } from '../engine/index.js';
import type { RequestRecorder } from '../metrics/types.js';
import { DeadlineQueue } from './deadline-queue.js';
import { ProgrammedTable } from './endpoint-table.js';
import { ExternalLb } from './external-lb.js';
import { type RequestPathOptions, synGiveUp } from './path-options.js';
import { Accept, type PodServerHost, type PodServerOptions, PodServers } from './pod-server.js';
import { ConnPool, ConnState, Stage, TryPool, tag, tagGen, tagIndex } from './pools.js';
import {
  type EndpointTable,
  ERROR_CAUSE_NAMES,
  ERROR_KIND_NAMES,
  ErrorCause,
  ErrorKind,
  type L4Balancer,
  type NginxOptions,
  type UpstreamPicker,
} from './types.js';

/** Client identities: where each client runs and its source IP. */
export interface ClientTable {
  readonly count: number;
  /** Node of each client; -1 for an external client (enters through the external LB). */
  readonly node: Int32Array;
  /** Source IP of each client (feeds IPVS sh and ClientIP affinity). */
  readonly ip: Uint32Array;
}

/** Told when a user request ends for good (closed-loop users send their next one). */
export interface RequestEndListener {
  requestEnded(user: number, client: number): void;
}

/** What the request path needs to run Nginx as a proxy hop. */
export interface NginxDeps {
  readonly options: NginxOptions;
  /** One picker per worker, or one shared (zone): the registry's descriptor.createPicker. */
  createPicker(ips: Uint32Array, options: NginxOptions, rng: Rng): UpstreamPicker;
  /** The Service's ready endpoint IPs as the API server shows them at `now` (for the snapshot). */
  upstreamIps(now: number): Uint32Array;
}

/** kube-proxy's hook into the data plane: each node's sync result. */
export interface TableSink {
  /**
   * `local`: the node-local usable subset kube-proxy derived from the same state (local ready
   * endpoints, else local serving-terminating ones, KEP-1669), for trafficPolicy Local. Without
   * it the local part of `table` is used (no terminating fallback of its own).
   */
  tableProgrammed(node: NodeId, table: EndpointTable, local?: EndpointTable): void;
}

export interface RequestPathDeps {
  readonly sim: Simulation;
  readonly truth: GroundTruth;
  readonly recorder: RequestRecorder;
  readonly drain: DrainNotifier;
  readonly nodeCount: number;
  readonly clients: ClientTable;
  /** Named streams of the run (RandomSource.stream): uses `nginx` (workers of pooled clients). */
  readonly stream: (name: string) => Rng;
  /**
   * Keyed streams of the run (RandomSource.keyedStream): uses `conn-lifetime`, `retries`,
   * `external-lb`, `nginx:connection-worker`.
   */
  readonly keyedStream: (name: string) => KeyedStream;
  readonly options: RequestPathOptions;
  readonly pod: PodServerOptions;
  /** kube-proxy modes: one L4 balancer per node. Exactly one of `balancers` / `nginx`. */
  readonly balancers?: readonly L4Balancer[];
  readonly nginx?: NginxDeps;
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

const NK = ERROR_KIND_NAMES.length;
const NC = ERROR_CAUSE_NAMES.length;
const HTTP_OK = 200;

/**
 * The request path: clients -> (connection pool) -> a node's data plane (L4 balancer on its
 * programmed table, or Nginx as a proxy hop) -> ground truth -> pod servers -> response or
 * error, with client timeouts and retries. Implements the cluster's PodLifecycleObserver and
 * kube-proxy's TableSink. See docs/MODEL.md for the delays and failure rules.
 *
 * A "try" record is one HTTP exchange (a client try, or one Nginx upstream try). The user
 * request's identity (arrival time, demand, client, user) is copied into a fresh record when a
 * client retries or Nginx moves to the next upstream, so a record abandoned by its client (time
 * out) can stay with the pod that is still working on it: pods keep working after the client
 * gave up, as real servers do. Events carry `tag(record, generation)`; a generation bump
 * invalidates every event of a record's previous phase (lazy cancellation, no heap removals).
 */
export class RequestPath implements PodLifecycleObserver, PodServerHost, TableSink {
  readonly tries = new TryPool(1024);
  readonly conns = new ConnPool(256);
  readonly servers: PodServers;
  readonly externalLb: ExternalLb | null;

  private readonly sim: Simulation;
  private readonly truth: GroundTruth;
  private readonly recorder: RequestRecorder;
  private readonly drainNotifier: DrainNotifier;
  private readonly o: RequestPathOptions;
  private readonly balancers: readonly L4Balancer[];
  private listener: RequestEndListener | undefined;
  /** External LB's choice of node per connection, keyed by (client, dial ordinal). */
  private readonly lbRng: KeyedStream;
  /** Connections each client has dialled (the external LB key's ordinal). */
  private readonly clDials: Float64Array;
  /** Retry backoff jitter, keyed by (user request, retry number). */
  private readonly retryRng: KeyedStream;
  /** Lifetime jitter keyed by (client, ordinal of its connection): the same in every balancer's run. */
  private readonly lifetimeRng: KeyedStream;
  /** Connections each client has established so far (the lifetime key's ordinal). */
  private readonly connsEstablished: Float64Array;
  private readonly streamOf: (name: string) => Rng;

  // Tables per node: as programmed, and the node-local subset (traffic policy Local).
  private readonly tables: EndpointTable[];
  private readonly localTables: EndpointTable[];
  private readonly nodeDown: Uint8Array;

  // Per client.
  private readonly clNode: Int32Array;
  private readonly clIp: Uint32Array;
  private readonly clAlive: Uint8Array;
  private readonly clWaitHead: Int32Array;
  private readonly clWaitTail: Int32Array;
  private readonly clWaiting: Int32Array;
  private readonly clConns: Int32Array;
  /** Open connections of the client that take no new requests (GOAWAY / Connection: close). */
  private readonly clDraining: Int32Array;
  private readonly clConnecting: Int32Array;
  private readonly clAvail: Int32Array;
  private readonly clStall: Uint8Array;
  private readonly clWorker: Int32Array;

  // Connection policy, derived once.
  private readonly perRequest: boolean;
  private readonly streamCap: number;
  private readonly poolLimit: number;
  private readonly giveUp: number;
  private readonly retryMask: number;
  private readonly halfRtt: number;
  private readonly halfCross: number;
  private readonly halfExt: number;

  // Deadline queues (constant durations; see DeadlineQueue for why not engine cancel).
  private readonly timeoutQ: DeadlineQueue | null;
  private readonly idleQ: DeadlineQueue | null;
  private readonly readQ: DeadlineQueue | null;

  // Nginx.
  private readonly ngx: NginxDeps | undefined;
  private pickers: UpstreamPicker[] = [];
  /** Reloads so far: peer indices of tries picked under an older configuration are stale. */
  private ngxConfig = 0;
  private readonly ngxRng: Rng | null;
  /** Nginx worker of a per-request connection, keyed by (user request, client try). */
  private readonly ngxWorkerRng: KeyedStream | null;
  private ngxStarted = false;
  private readonly ngxNextError: boolean;
  private readonly ngxNextTimeout: boolean;
  private readonly ngxNext503: boolean;

  // Event kinds.
  private readonly kSyn: EventKind;
  private readonly kRefused: EventKind;
  private readonly kGiveUp: EventKind;
  private readonly kReqAtPod: EventKind;
  private readonly kResponse: EventKind;
  private readonly kFailing: EventKind;
  private readonly kRetry: EventKind;
  private readonly kDrain: EventKind;
  private readonly kNgxArrive: EventKind;
  private readonly kNgxSyn: EventKind;
  private readonly kNgxConnFail: EventKind;
  private readonly kNgxResp: EventKind;

  // Counters.
  arrivals = 0;
  completed = 0;
  failed = 0;
  attemptsFailed = 0;
  /** Final errors by kind x cause (index kind * causes + cause). */
  readonly finalErrors = new Float64Array(NK * NC);
  /** Tries that failed and were retried (client retries, Nginx next upstream). */
  readonly attemptErrors = new Float64Array(NK * NC);

  constructor(deps: RequestPathDeps) {
    const sim = deps.sim;
    this.sim = sim;
    this.truth = deps.truth;
    this.recorder = deps.recorder;
    this.drainNotifier = deps.drain;
    this.o = deps.options;
    this.listener = deps.listener;
    this.streamOf = deps.stream;
    if ((deps.balancers === undefined) === (deps.nginx === undefined)) {
      throw new Error('RequestPath: give exactly one of `balancers` (kube-proxy) or `nginx`');
    }
    this.balancers = deps.balancers ?? [];
    if (deps.balancers && deps.balancers.length !== deps.nodeCount) {
      throw new RangeError(
        `RequestPath: expected one balancer per node (${deps.nodeCount}), got ${deps.balancers.length}`,
      );
    }
    this.lbRng = deps.keyedStream('external-lb');
    this.retryRng = deps.keyedStream('retries');
    this.lifetimeRng = deps.keyedStream('conn-lifetime');
    this.connsEstablished = new Float64Array(deps.clients.count);
    const o = this.o;
    this.halfRtt = o.network.rtt / 2;
    this.halfCross = o.network.crossNodeRtt / 2;
    this.halfExt = o.network.externalRtt / 2;

    this.tables = [];
    this.localTables = [];
    for (let n = 0; n < deps.nodeCount; n++) {
      this.tables.push(ProgrammedTable.empty());
      this.localTables.push(ProgrammedTable.empty());
    }
    this.nodeDown = new Uint8Array(deps.nodeCount);

    const cl = deps.clients;
    const nc = cl.count;
    this.clNode = Int32Array.from(cl.node);
    this.clIp = Uint32Array.from(cl.ip);
    for (let c = 0; c < nc; c++) {
      const n = this.clNode[c] as number;
      if (!(n >= -1 && n < deps.nodeCount))
        throw new RangeError(`client ${c}: node ${n} out of range`);
    }
    this.clAlive = new Uint8Array(nc).fill(1);
    this.clWaitHead = new Int32Array(nc).fill(-1);
    this.clWaitTail = new Int32Array(nc).fill(-1);
    this.clWaiting = new Int32Array(nc);
    this.clConns = new Int32Array(nc);
    this.clDraining = new Int32Array(nc);
    this.clConnecting = new Int32Array(nc);
    this.clAvail = new Int32Array(nc).fill(-1);
    this.clStall = new Uint8Array(nc);
    this.clWorker = new Int32Array(nc);
    this.clDials = new Float64Array(nc);

    const mode = o.connections.mode;
    this.perRequest = mode === 'per-request';
    this.streamCap = mode === 'http2' ? o.connections.maxConcurrentStreams : 1;
    this.poolLimit =
      mode === 'per-request'
        ? Number.POSITIVE_INFINITY
        : mode === 'http2'
          ? 1
          : o.connections.poolSize;
    const synLimit = synGiveUp(o.timeouts.synRetries);
    this.giveUp = Math.min(o.timeouts.connect, synLimit);
    let mask = 0;
    for (const k of o.retries.on) mask |= 1 << ErrorKind[k];
    this.retryMask = mask;

    this.servers = new PodServers(sim, this.tries, deps.pod, this);

    this.kSyn = sim.register('conn:syn', (a) => this.onSyn(a));
    this.kRefused = sim.register('conn:refused', (a) => this.onConnFailed(a, false));
    this.kGiveUp = sim.register('conn:give-up', (a) => this.onConnFailed(a, true));
    this.kReqAtPod = sim.register('try:at-pod', (a) => this.onReqAtPod(a));
    this.kResponse = sim.register('try:response', (a) => this.onResponse(a));
    this.kFailing = sim.register('try:error', (a) => this.onFailing(a));
    this.kRetry = sim.register('try:retry', (a) => this.onRetry(a));
    this.kDrain = sim.register('pod:drained', (p) => this.onDrain(p));
    this.kNgxArrive = sim.register('nginx:request', (a) => this.onNgxArrive(a));
    this.kNgxSyn = sim.register('nginx:syn', (a) => this.onNgxSyn(a));
    this.kNgxConnFail = sim.register('nginx:connect-failed', (a) => this.onNgxConnFail(a));
    this.kNgxResp = sim.register('nginx:upstream-response', (a) => this.onNgxResp(a));

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
    this.idleQ =
      mode !== 'per-request' && o.connections.idleTimeout > 0
        ? new DeadlineQueue(
            sim,
            'conn:idle-timeout',
            o.connections.idleTimeout,
            (c, stamp) =>
              this.conns.state[c] === ConnState.established &&
              this.conns.active[c] === 0 &&
              this.conns.lastUsed[c] === stamp,
            (c) => this.closeIdle(c),
          )
        : null;

    const external = nc > 0 && this.clNode.some((n) => n === -1);
    this.externalLb = external
      ? new ExternalLb(sim, deps.nodeCount, o.external, (n) => this.healthCheck(n))
      : null;

    // Nginx.
    this.ngx = deps.nginx;
    if (this.ngx) {
      const no = this.ngx.options;
      if (!(no.node >= 0 && no.node < deps.nodeCount)) {
        throw new RangeError(
          `nginx.node: expected a node index in [0, ${deps.nodeCount - 1}], got ${no.node}`,
        );
      }
      this.ngxRng = deps.stream('nginx');
      this.ngxWorkerRng = deps.keyedStream('nginx:connection-worker');
      this.ngxNextError = no.nextUpstream.includes('error');
      this.ngxNextTimeout = no.nextUpstream.includes('timeout');
      this.ngxNext503 = no.nextUpstream.includes('http_503');
      // Keep-alive and HTTP/2 clients hold one connection to Nginx, served by one worker.
      for (let c = 0; c < nc; c++) this.clWorker[c] = Math.floor(this.ngxRng.next() * no.workers);
      const kStart = sim.register('nginx:start', () => {
        if (!this.ngxStarted) this.ngxLoad();
      });
      const kReload = sim.register('nginx:reload', () => {
        this.ngxReload();
        sim.schedule(no.reloadInterval, kReload, 0);
      });
      // Nginx loads its configuration at startAt: by an event, or at the first request that
      // finds it due (so pods the cluster creates at t = startAt during setup are included).
      sim.scheduleAt(Math.max(no.startAt, sim.now), kStart, 0);
      if (no.reloadInterval > 0)
        sim.scheduleAt(Math.max(sim.now, no.startAt) + no.reloadInterval, kReload, 0);
      this.readQ = new DeadlineQueue(
        sim,
        'nginx:read-timeout',
        no.readTimeout,
        (x, stamp) => this.tries.cgen[x] === stamp && this.tries.stage[x] === Stage.upWaiting,
        (x) => this.onNgxReadTimeout(x),
      );
    } else {
      this.ngxRng = null;
      this.ngxWorkerRng = null;
      this.ngxNextError = false;
      this.ngxNextTimeout = false;
      this.ngxNext503 = false;
      this.readQ = null;
    }
  }

  // ---------------------------------------------------------------- public API

  /**
   * A user request arrives now from `client` with service demand `demand` seconds (drawn by the
   * workload at arrival). `user` is the closed-loop user, or -1.
   */
  submit(client: number, demand: number, user = -1): void {
    const now = this.sim.now;
    this.arrivals++;
    this.recorder.arrival(now);
    const t = this.tries;
    const r = t.alloc();
    t.arrivedAt[r] = now;
    t.demand[r] = demand;
    t.req[r] = this.arrivals - 1;
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
    return this.clAlive[client] === 1;
  }

  /** The table kube-proxy last programmed on `node`. */
  tableOf(node: NodeId): EndpointTable {
    return this.tables[node] as EndpointTable;
  }

  tableProgrammed(node: NodeId, table: EndpointTable, local?: EndpointTable): void {
    this.tables[node] = table;
    let used = table;
    if (this.o.trafficPolicy === 'Local') {
      // The Local chain (KUBE-EXT-/KUBE-SVL-) holds only this node's endpoints; kube-proxy
      // falls back to the local serving-terminating ones independently of the cluster-wide
      // set (pkg/proxy/topology.go CategorizeEndpoints), which `local` carries.
      if (local !== undefined) used = local;
      else {
        const eps: { ip: Ip; node: NodeId }[] = [];
        for (let i = 0; i < table.size; i++) {
          if (table.nodes[i] === node) eps.push({ ip: table.ips[i] as number, node });
        }
        used = new ProgrammedTable(table.version, eps, table.usingTerminating);
      }
      this.localTables[node] = used;
    }
    if (this.balancers.length > 0) (this.balancers[node] as L4Balancer).tableProgrammed(used);
  }

  /**
   * A node failed: its clients stop (their in-flight requests fail with reset/node_failure and
   * are not retried), connections through it die, and Nginx fails if it ran there. Its pods'
   * containers are reported dead by the cluster through containerKilled (silently: no RST).
   */
  nodeFailed(node: NodeId): void {
    this.nodeDown[node] = 1;
    const t = this.tries;
    for (let c = 0; c < this.clNode.length; c++) {
      if (this.clNode[c] === node) this.clAlive[c] = 0;
    }
    const ngxDown = this.ngx !== undefined && this.ngx.options.node === node;
    for (let r = 0; r < t.extent; r++) {
      if (t.clientHeld[r] !== 1 || t.parent[r] !== -1) continue;
      const c = t.client[r] as number;
      const conn = t.conn[r] as number;
      // External clients whose connection entered through the failed node (simplified: the
      // request fails at once instead of hanging until a timeout).
      const viaDeadNode =
        conn >= 0 &&
        this.conns.gen[conn] === t.connGen[r] &&
        this.conns.state[conn] === ConnState.established &&
        this.conns.lbNode[conn] === node;
      if (this.clAlive[c] === 0 || viaDeadNode || (ngxDown && t.stage[r] === Stage.atProxy)) {
        this.abandon(r);
        this.failTry(r, ErrorKind.reset, ErrorCause.node_failure);
      }
    }
    const k = this.conns;
    for (let i = 0; i < k.extent; i++) {
      if (k.state[i] === ConnState.free) continue;
      const cl = k.client[i] as number;
      if (this.clAlive[cl] === 0) this.closeConn(i);
      else if (k.state[i] === ConnState.established && k.lbNode[i] === node) {
        this.closeConn(i);
        this.pump(cl);
      }
    }
  }

  counts(): PathCounts {
    return {
      arrivals: this.arrivals,
      completed: this.completed,
      failed: this.failed,
      inFlight: this.scanInFlight(),
      attemptsFailed: this.attemptsFailed,
    };
  }

  /** User requests in flight, counted from the records (not derived from the counters). */
  scanInFlight(): number {
    const t = this.tries;
    let n = 0;
    for (let r = 0; r < t.extent; r++) {
      if (t.clientHeld[r] === 1 && t.parent[r] === -1) n++;
    }
    return n;
  }

  /**
   * Throws if arrivals != completed + failed + in flight, or if a client's connection counters
   * (open, draining, connecting, waiting) differ from its connection records and wait queue.
   */
  checkConservation(): void {
    const f = this.scanInFlight();
    if (this.arrivals !== this.completed + this.failed + f) {
      throw new Error(
        `conservation violated at t=${this.sim.now}: arrivals ${this.arrivals} != completed ${this.completed} + failed ${this.failed} + in flight ${f}`,
      );
    }
    this.checkClientCounters();
  }

  /** Recounts each client's connections and wait queue from the records (tests, end of run). */
  private checkClientCounters(): void {
    const k = this.conns;
    const nc = this.clConns.length;
    const open = new Int32Array(nc);
    const draining = new Int32Array(nc);
    const connecting = new Int32Array(nc);
    for (let i = 0; i < k.extent; i++) {
      if (k.state[i] === ConnState.free) continue;
      const c = k.client[i] as number;
      open[c] = (open[c] as number) + 1;
      if (k.draining[i] === 1) draining[c] = (draining[c] as number) + 1;
      if (k.state[i] === ConnState.connecting) connecting[c] = (connecting[c] as number) + 1;
    }
    for (let c = 0; c < nc; c++) {
      let waiting = 0;
      for (let r = this.clWaitHead[c] as number; r !== -1; r = this.tries.next[r] as number)
        waiting++;
      if (
        open[c] !== this.clConns[c] ||
        draining[c] !== this.clDraining[c] ||
        connecting[c] !== this.clConnecting[c] ||
        waiting !== this.clWaiting[c]
      ) {
        throw new Error(
          `client ${c} counters drifted at t=${this.sim.now}: open ${this.clConns[c]} (records ${open[c]}), draining ${this.clDraining[c]} (${draining[c]}), connecting ${this.clConnecting[c]} (${connecting[c]}), waiting ${this.clWaiting[c]} (queue ${waiting})`,
        );
      }
    }
  }

  finalErrorCount(kind: ErrorKind, cause?: ErrorCause): number {
    return sumErrors(this.finalErrors, kind, cause);
  }
  attemptErrorCount(kind: ErrorKind, cause?: ErrorCause): number {
    return sumErrors(this.attemptErrors, kind, cause);
  }

  /** Open connections of a client (tests: pool sizes). */
  openConnections(client: number): number {
    return this.clConns[client] as number;
  }

  // ------------------------------------------------------ PodLifecycleObserver

  podCreated(pod: PodId, node: NodeId, ip: Ip): void {
    this.servers.podCreated(pod, node, ip);
  }
  listenerOpened(pod: PodId): void {
    this.servers.listenerOpened(pod);
  }
  readyChanged(pod: PodId, ready: boolean, since?: number): void {
    this.servers.readyChanged(pod, ready, since);
  }
  listenerClosed(pod: PodId): void {
    this.servers.listenerClosed(pod);
    // The server stops reusing its connections (Connection: close / GOAWAY): idle ones close
    // now, busy ones after their current response.
    const k = this.conns;
    let c = this.servers.connHead[pod] as number;
    while (c !== -1) {
      const nx = k.podNext[c] as number;
      this.markDraining(c);
      this.removeAvail(c);
      if (k.active[c] === 0) {
        const cl = k.client[c] as number;
        this.closeConn(c);
        this.pump(cl);
      }
      c = nx;
    }
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
    const k = this.conns;
    let c = this.servers.connHead[pod] as number;
    while (c !== -1) {
      const nx = k.podNext[c] as number;
      const cl = k.client[c] as number;
      this.closeConn(c);
      this.pump(cl);
      c = nx;
    }
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
    if (s.inService(pod) > 0 || s.queued(pod) > 0 || this.newRequestInTransit(pod)) {
      // Not done: work arrived at this instant, or a request is on its way on a connection
      // the server accepted and will read. Its completion reports idle again.
      s.rearmIdle(pod);
      return;
    }
    this.drainNotifier.podDrained(pod);
  }

  /**
   * Whether a request is on its way to `pod` on a connection the server accepted but has not
   * read a request from yet. HTTP servers wait for those when they shut down (Go's
   * Server.Shutdown treats a StateNew connection as active for its first 5 s; Node's
   * server.close() waits for open connections), while a keep-alive connection that already
   * served a request and is idle is closed at once (its request in transit is then reset when
   * the process exits). Nginx opens a new upstream connection per try. Rare (once per drain
   * attempt): a scan of the records.
   */
  private newRequestInTransit(pod: number): boolean {
    const t = this.tries;
    const k = this.conns;
    const gen = this.servers.gen[pod] as number;
    for (let r = 0; r < t.extent; r++) {
      if (t.serverHeld[r] !== 1 || t.pod[r] !== pod || t.podGen[r] !== gen) continue;
      if (t.parent[r] !== -1) return true;
      const c = t.conn[r] as number;
      if (c >= 0 && k.gen[c] === t.connGen[r] && k.reqSeen[c] === 0) return true;
    }
    return false;
  }

  // ---------------------------------------------------------------- tries

  private startTry(r: number): void {
    const t = this.tries;
    t.clientHeld[r] = 1;
    t.errCause[r] = ErrorCause.slow_response;
    if (this.timeoutQ !== null) this.timeoutQ.push(r, t.cgen[r] as number);
    if (this.ngx !== undefined) this.proxyStart(r);
    else this.clientEnqueue(r);
  }

  private onRetry(arg: number): void {
    const r = tagIndex(arg);
    if (this.tries.cgen[r] !== tagGen(arg)) return;
    if (this.clAlive[this.tries.client[r] as number] === 0) {
      this.failTry(r, ErrorKind.reset, ErrorCause.node_failure);
      return;
    }
    this.startTry(r);
  }

  /** The try succeeded: the user request completes. */
  private succeed(r: number): void {
    const t = this.tries;
    const now = this.sim.now;
    this.completed++;
    this.recorder.completed(now, t.arrivedAt[r] as number, t.pod[r] as number);
    const user = t.user[r] as number;
    const client = t.client[r] as number;
    this.releaseClient(r);
    if (user >= 0 && this.listener) this.listener.requestEnded(user, client);
  }

  /** The try failed: retry (a fresh record after a backoff) or fail the user request. */
  private failTry(r: number, kind: ErrorKind, cause: ErrorCause): void {
    const t = this.tries;
    const now = this.sim.now;
    const client = t.client[r] as number;
    const tryNo = t.tryNo[r] as number;
    if (
      tryNo < this.o.retries.count &&
      ((this.retryMask >>> kind) & 1) === 1 &&
      this.clAlive[client] === 1
    ) {
      this.attemptsFailed++;
      bump(this.attemptErrors, kind * NC + cause);
      this.recorder.attemptFailed(now, kind, cause);
      const r2 = t.alloc();
      const req = t.req[r] as number;
      t.arrivedAt[r2] = t.arrivedAt[r] as number;
      t.demand[r2] = t.demand[r] as number;
      t.req[r2] = req;
      t.client[r2] = client;
      t.user[r2] = t.user[r] as number;
      t.tryNo[r2] = tryNo + 1;
      t.clientHeld[r2] = 1;
      t.stage[r2] = Stage.backoff;
      this.releaseClient(r);
      this.sim.schedule(this.backoff(tryNo, req), this.kRetry, tag(r2, t.cgen[r2] as number));
      return;
    }
    this.failed++;
    bump(this.finalErrors, kind * NC + cause);
    this.recorder.failed(now, t.arrivedAt[r] as number, kind, cause);
    const user = t.user[r] as number;
    this.releaseClient(r);
    if (user >= 0 && this.listener) this.listener.requestEnded(user, client);
  }

  /**
   * Backoff before retry k (0-based) of user request `req`: min(max, initial * multiplier^k),
   * partly jittered, the jitter keyed by (request, k) so that a request retried under two
   * balancers waits the same (common random numbers).
   */
  private backoff(k: number, req: number): number {
    const b = this.o.retries.backoff;
    const d = Math.min(b.max, b.initial * b.multiplier ** k);
    return b.jitter > 0 ? d * (1 - b.jitter + b.jitter * this.retryRng.rngFor(req, k).next()) : d;
  }

  /** The client side lets go of a record; it is freed unless a pod still holds it. */
  private releaseClient(r: number): void {
    const t = this.tries;
    t.clientHeld[r] = 0;
    t.cgen[r] = ((t.cgen[r] as number) + 1) | 0;
    t.stage[r] = Stage.orphan;
    if (t.serverHeld[r] === 0) t.release(r);
  }

  /** Deliver an error to the try's owner after `delay` (an RST or ICMP on its way). */
  private failAfter(r: number, kind: ErrorKind, cause: ErrorCause, delay: number): void {
    const t = this.tries;
    t.errKind[r] = kind;
    t.errCause[r] = cause;
    t.stage[r] = Stage.failing;
    this.sim.schedule(delay, this.kFailing, tag(r, t.cgen[r] as number));
  }

  /** A request on a connection to a silently dead host: nothing comes back until tcp_retries2. */
  private hang(r: number): void {
    const t = this.tries;
    t.errKind[r] = ErrorKind.reset;
    t.errCause[r] = ErrorCause.node_failure;
    this.sim.schedule(this.o.timeouts.deadPeerTimeout, this.kFailing, tag(r, t.cgen[r] as number));
  }

  private onFailing(arg: number): void {
    const r = tagIndex(arg);
    const t = this.tries;
    if (t.cgen[r] !== tagGen(arg)) return;
    const kind = t.errKind[r] as ErrorKind;
    const cause = t.errCause[r] as ErrorCause;
    if (t.parent[r] !== -1) {
      this.ngxUpstreamFailed(r, kind, cause, 0);
      return;
    }
    // A reset or a hang breaks the connection it was on.
    const conn = t.conn[r] as number;
    if (conn >= 0 && this.conns.gen[conn] === t.connGen[r]) {
      this.conns.active[conn] = (this.conns.active[conn] as number) - 1;
      this.closeConn(conn);
    }
    const client = t.client[r] as number;
    this.failTry(r, kind, cause);
    if (conn >= 0) this.pump(client);
  }

  private onClientTimeout(r: number): void {
    const t = this.tries;
    const client = t.client[r] as number;
    let cause = t.errCause[r] as ErrorCause;
    if (t.stage[r] === Stage.waiting && this.clStall[client] !== 0) {
      cause = ((this.clStall[client] as number) - 1) as ErrorCause;
    } else if (t.stage[r] === Stage.connecting) {
      const conn = t.conn[r] as number;
      if (conn >= 0 && this.conns.gen[conn] === t.connGen[r] && this.conns.synTry[conn] !== 0) {
        cause = this.conns.cause[conn] as ErrorCause;
      }
    }
    this.abandon(r);
    this.failTry(r, ErrorKind.client_timeout, cause);
    if (this.ngx === undefined) this.pump(client);
  }

  /** The client gives up on try `r` wherever it is (timeout, dead client). */
  private abandon(r: number): void {
    const t = this.tries;
    switch (t.stage[r]) {
      case Stage.waiting:
        this.unlinkWait(r);
        break;
      case Stage.connecting: {
        const conn = t.conn[r] as number;
        if (conn >= 0 && this.conns.gen[conn] === t.connGen[r]) this.closeConn(conn);
        break;
      }
      case Stage.onConn:
      case Stage.responding:
      case Stage.failing: {
        const conn = t.conn[r] as number;
        if (conn >= 0 && this.conns.gen[conn] === t.connGen[r]) {
          const k = this.conns;
          k.active[conn] = (k.active[conn] as number) - 1;
          // HTTP/1.1: the client closes the connection (the response would arrive on it).
          // HTTP/2: RST_STREAM, the connection stays.
          if (this.streamCap === 1 || k.draining[conn] === 1) this.closeConn(conn);
          else this.makeAvailable(conn);
        }
        break;
      }
      case Stage.atProxy: {
        const x = t.child[r] as number;
        if (x >= 0) this.finishChild(x, true);
        break;
      }
      default:
        break;
    }
  }

  // ---------------------------------------------------------------- client pools

  private clientEnqueue(r: number): void {
    const t = this.tries;
    const c = t.client[r] as number;
    if (this.perRequest) {
      // A new connection for this request alone (curl, or DisableKeepAlives): it is pinned to
      // the try it was dialed for, never handed to another request.
      t.stage[r] = Stage.connecting;
      this.dial(c, r);
      return;
    }
    if (this.clWaiting[c] === 0) {
      const conn = this.takeAvailable(c);
      if (conn >= 0) {
        this.sendOnConn(r, conn);
        return;
      }
    }
    t.stage[r] = Stage.waiting;
    const tail = this.clWaitTail[c] as number;
    t.next[r] = -1;
    t.prev[r] = tail;
    if (tail === -1) this.clWaitHead[c] = r;
    else t.next[tail] = r;
    this.clWaitTail[c] = r;
    this.clWaiting[c] = (this.clWaiting[c] as number) + 1;
    this.pump(c);
  }

  private unlinkWait(r: number): void {
    const t = this.tries;
    const c = t.client[r] as number;
    const p = t.prev[r] as number;
    const n = t.next[r] as number;
    if (p === -1) this.clWaitHead[c] = n;
    else t.next[p] = n;
    if (n === -1) this.clWaitTail[c] = p;
    else t.prev[n] = p;
    t.next[r] = -1;
    t.prev[r] = -1;
    this.clWaiting[c] = (this.clWaiting[c] as number) - 1;
  }

  /**
   * Serves the client's waiting requests with available connections, dialing new ones while
   * the pool has room and the dials under way would not cover the queue.
   */
  private pump(c: number): void {
    while (this.clWaiting[c] as number) {
      const conn = this.takeAvailable(c);
      if (conn >= 0) {
        const r = this.clWaitHead[c] as number;
        this.unlinkWait(r);
        this.sendOnConn(r, conn);
        continue;
      }
      if ((this.clConnecting[c] as number) * this.streamCap >= (this.clWaiting[c] as number))
        return;
      // HTTP/2: a connection that got GOAWAY (or was retired) takes no new streams and does
      // not count: the client dials a new one at once (golang.org/x/net/http2 ClientConnPool
      // skips a ClientConn that cannot take new requests). HTTP/1.1 pools are a hard cap on
      // open connections, draining or not.
      const open =
        this.streamCap > 1
          ? (this.clConns[c] as number) - (this.clDraining[c] as number)
          : (this.clConns[c] as number);
      if (open >= this.poolLimit) return;
      if (this.clAlive[c] === 0) return;
      this.dial(c);
    }
  }

  private takeAvailable(c: number): number {
    const k = this.conns;
    for (;;) {
      const conn = this.clAvail[c] as number;
      if (conn === -1) return -1;
      if (k.active[conn] === 0 && this.sim.now >= (k.retireAt[conn] as number)) {
        this.closeConn(conn);
        continue;
      }
      return conn;
    }
  }

  private makeAvailable(conn: number): void {
    const k = this.conns;
    if (k.inAvail[conn] === 1 || k.draining[conn] === 1) return;
    const c = k.client[conn] as number;
    // LIFO, as Go's idle pool hands out the most recently used connection.
    const head = this.clAvail[c] as number;
    k.avPrev[conn] = -1;
    k.avNext[conn] = head;
    if (head !== -1) k.avPrev[head] = conn;
    this.clAvail[c] = conn;
    k.inAvail[conn] = 1;
  }

  private removeAvail(conn: number): void {
    const k = this.conns;
    if (k.inAvail[conn] !== 1) return;
    const c = k.client[conn] as number;
    const p = k.avPrev[conn] as number;
    const n = k.avNext[conn] as number;
    if (p === -1) this.clAvail[c] = n;
    else k.avNext[p] = n;
    if (n !== -1) k.avPrev[n] = p;
    k.inAvail[conn] = 0;
  }

  /**
   * Opens a connection for client `c`: the entry node's balancer picks an endpoint from that
   * node's programmed table (DNAT, pinned by conntrack for the connection's life). If the table
   * REJECTs, the head waiting request fails at once (after the ICMP's trip for external clients).
   */
  private dial(c: number, owner = -1): void {
    const now = this.sim.now;
    let node = this.clNode[c] as number;
    let extDelay = 0;
    if (node === -1) {
      // Keyed by (client, its dial ordinal): the k-th connection of a client enters through the
      // same node under every balancer while the LB's healthy set is the same.
      const dials = this.clDials[c] as number;
      this.clDials[c] = dials + 1;
      node = (this.externalLb as ExternalLb).pick(this.lbRng.rngFor(c, dials));
      extDelay = this.halfExt;
    }
    if (this.nodeDown[node] === 1) {
      this.openStalled(c, ErrorCause.node_failure, extDelay, owner);
      return;
    }
    const local = this.o.trafficPolicy === 'Local';
    const table = (local ? this.localTables[node] : this.tables[node]) as EndpointTable;
    let idx = -1;
    if (table.size > 0)
      idx = (this.balancers[node] as L4Balancer).pick(table, this.clIp[c] as number);
    if (idx < 0) {
      if (local && (this.tables[node] as EndpointTable).size > 0) {
        // "has no local endpoints" -> KUBE-MARK-DROP: the SYN vanishes, connect times out.
        this.openStalled(c, ErrorCause.no_endpoints, extDelay, owner);
        return;
      }
      // REJECT (ICMP port unreachable): ECONNREFUSED at once.
      let r = owner;
      if (r === -1) {
        r = this.clWaitHead[c] as number;
        this.unlinkWait(r);
      }
      if (extDelay === 0) this.failTry(r, ErrorKind.no_endpoints, ErrorCause.no_endpoints);
      else this.failAfter(r, ErrorKind.no_endpoints, ErrorCause.no_endpoints, 2 * extDelay);
      return;
    }
    const k = this.conns;
    const conn = k.alloc();
    const ip = table.ips[idx] as number;
    k.client[conn] = c;
    k.ip[conn] = ip;
    k.lbNode[conn] = node;
    k.state[conn] = ConnState.connecting;
    k.delay[conn] = extDelay + this.oneWay(node, table.nodes[idx] as number);
    k.synStart[conn] = now;
    this.own(conn, owner);
    this.clConns[c] = (this.clConns[c] as number) + 1;
    this.clConnecting[c] = (this.clConnecting[c] as number) + 1;
    this.sim.schedule(k.delay[conn] as number, this.kSyn, tag(conn, k.gen[conn] as number));
  }

  private own(conn: number, owner: number): void {
    this.conns.owner[conn] = owner;
    if (owner >= 0) {
      this.tries.conn[owner] = conn;
      this.tries.connGen[owner] = this.conns.gen[conn] as number;
    }
  }

  /** A connection whose SYN goes nowhere (dropped, or sent to a dead node). */
  private openStalled(c: number, cause: ErrorCause, delay: number, owner: number): void {
    const k = this.conns;
    const conn = k.alloc();
    this.own(conn, owner);
    k.client[conn] = c;
    k.ip[conn] = 0;
    k.lbNode[conn] = -1;
    k.state[conn] = ConnState.connecting;
    k.delay[conn] = delay;
    k.synStart[conn] = this.sim.now;
    k.cause[conn] = cause;
    this.clStall[c] = cause + 1;
    this.clConns[c] = (this.clConns[c] as number) + 1;
    this.clConnecting[c] = (this.clConnecting[c] as number) + 1;
    // A dropped SYN never gets EHOSTUNREACH: it waits for the connect timeout.
    k.synTry[conn] = 255;
    this.sim.schedule(this.giveUp, this.kGiveUp, tag(conn, k.gen[conn] as number));
  }

  /** The SYN (or a retransmission) reaches the endpoint IP: ground truth decides. */
  private onSyn(arg: number): void {
    const conn = tagIndex(arg);
    const k = this.conns;
    if (k.gen[conn] !== tagGen(arg)) return;
    const c = k.client[conn] as number;
    const ip = k.ip[conn] as number;
    const pod = this.truth.podAt(ip);
    if (pod === NO_POD || !this.truth.isReachable(pod)) {
      // A retransmitted SYN restarts the IPVS entry's SYN_RECV timer on the balancing node.
      if (k.synTry[conn] !== 0)
        (this.balancers[k.lbNode[conn] as number] as L4Balancer).synRetransmitted?.(ip);
      const cause = pod === NO_POD ? ErrorCause.stale_endpoint : ErrorCause.node_failure;
      k.cause[conn] = cause;
      this.clStall[c] = cause + 1;
      const start = k.synStart[conn] as number;
      if (this.o.timeouts.unreachable === 'ehostunreach') {
        const at = start + Math.min(this.o.timeouts.connect, this.o.timeouts.hostUnreachableAfter);
        this.sim.scheduleAt(Math.max(at, this.sim.now), this.kGiveUp, arg);
        return;
      }
      // SYN retransmissions at 1, 3, 7, ... s (conntrack keeps them on the same endpoint): if a
      // pod appears at the IP meanwhile (IP reuse) it answers the next one.
      const n = (k.synTry[conn] as number) + 1;
      k.synTry[conn] = n;
      const giveUpAt = start + this.giveUp;
      const retx = start + (2 ** n - 1) + (k.delay[conn] as number);
      if (n <= this.o.timeouts.synRetries && retx < giveUpAt) {
        this.sim.scheduleAt(retx, this.kSyn, arg);
      } else {
        this.sim.scheduleAt(Math.max(giveUpAt, this.sim.now), this.kGiveUp, arg);
      }
      return;
    }
    if (!this.truth.isListening(pod)) {
      k.cause[conn] = this.servers.isClosed(pod)
        ? ErrorCause.terminating_pod
        : ErrorCause.not_listening;
      // The RST passes the balancing node (IPVS: SYN_RECV -> CLOSE).
      (this.balancers[k.lbNode[conn] as number] as L4Balancer).connectionRefused?.(ip);
      this.sim.schedule(k.delay[conn] as number, this.kRefused, arg);
      return;
    }
    // Established. The client learns it one delay later (SYN-ACK): requests sent before then
    // leave at readyAt (see sendOnConn), which is exact without an extra event.
    const now = this.sim.now;
    k.state[conn] = ConnState.established;
    k.pod[conn] = pod;
    k.readyAt[conn] = now + (k.delay[conn] as number);
    k.openedAt[conn] = now;
    k.retireAt[conn] = this.lifetimeEnd(now, k.client[conn] as number);
    k.lastUsed[conn] = now;
    k.counted[conn] = 1;
    (this.balancers[k.lbNode[conn] as number] as L4Balancer).connectionOpened(ip);
    const head = this.servers.connHead[pod] as number;
    k.podPrev[conn] = -1;
    k.podNext[conn] = head;
    if (head !== -1) k.podPrev[head] = conn;
    this.servers.connHead[pod] = conn;
    this.clConnecting[c] = (this.clConnecting[c] as number) - 1;
    this.clStall[c] = 0;
    const owner = k.owner[conn] as number;
    if (owner >= 0) {
      this.sendOnConn(owner, conn);
      return;
    }
    this.makeAvailable(conn);
    this.pump(c);
    if (k.state[conn] === ConnState.established && k.active[conn] === 0 && this.idleQ !== null) {
      this.idleQ.push(conn, k.lastUsed[conn] as number);
    }
  }

  /** RST (refused) or give-up (timeout / EHOSTUNREACH): the waiting head request fails. */
  private onConnFailed(arg: number, gaveUp: boolean): void {
    const conn = tagIndex(arg);
    const k = this.conns;
    if (k.gen[conn] !== tagGen(arg)) return;
    const c = k.client[conn] as number;
    const cause = k.cause[conn] as ErrorCause;
    let kind: ErrorKind = ErrorKind.refused;
    if (gaveUp) {
      kind =
        this.o.timeouts.unreachable === 'ehostunreach' && k.synTry[conn] !== 255
          ? ErrorKind.host_unreachable
          : ErrorKind.connect_timeout;
    }
    const owner = k.owner[conn] as number;
    this.closeConn(conn);
    if (this.clStall[c] === cause + 1) this.clStall[c] = 0;
    if (owner >= 0) {
      this.failTry(owner, kind, cause);
      return;
    }
    if ((this.clWaiting[c] as number) > 0) {
      const r = this.clWaitHead[c] as number;
      this.unlinkWait(r);
      this.failTry(r, kind, cause);
    }
    this.pump(c);
  }

  /**
   * When a connection of `client` established at `now` is retired: maxLifetime x (1 + u), u
   * uniform in [-jitter, +jitter) from keyed stream `conn-lifetime` at (client, how many
   * connections the client established before): the k-th connection of a client gets the same
   * jitter whichever balancer runs (common random numbers). Drawn only when both are set. Without the
   * jitter every client's connections opened at the same moment retire and redial in the same
   * instant again and again, and balancers whose choice depends on the order of dials (IPVS rr:
   * one pointer per node, the k-th dial of every node lands on the same pod) pile each wave's
   * k-th clients onto one pod (docs/MODEL.md, connection lifetime).
   */
  private lifetimeEnd(now: number, client: number): number {
    const c = this.o.connections;
    if (c.maxLifetime <= 0) return Number.POSITIVE_INFINITY;
    const j = c.maxLifetimeJitter;
    if (j <= 0) return now + c.maxLifetime;
    const ordinal = this.connsEstablished[client] as number;
    this.connsEstablished[client] = ordinal + 1;
    const u = this.lifetimeRng.rngFor(client, ordinal).next();
    return now + c.maxLifetime * (1 + j * (2 * u - 1));
  }

  /** The connection takes no new requests from now on (it closes when its last one ends). */
  private markDraining(conn: number): void {
    const k = this.conns;
    if (k.draining[conn] === 1) return;
    k.draining[conn] = 1;
    const c = k.client[conn] as number;
    this.clDraining[c] = (this.clDraining[c] as number) + 1;
  }

  private closeConn(conn: number): void {
    const k = this.conns;
    const state = k.state[conn];
    if (state === ConnState.free) return;
    if (k.draining[conn] === 1) {
      const cl = k.client[conn] as number;
      this.clDraining[cl] = (this.clDraining[cl] as number) - 1;
    }
    if (k.counted[conn] === 1) {
      (this.balancers[k.lbNode[conn] as number] as L4Balancer).connectionClosed(
        k.ip[conn] as number,
      );
    }
    this.removeAvail(conn);
    const pod = k.pod[conn] as number;
    if (state === ConnState.established && pod >= 0) {
      const p = k.podPrev[conn] as number;
      const n = k.podNext[conn] as number;
      if (p === -1) this.servers.connHead[pod] = n;
      else k.podNext[p] = n;
      if (n !== -1) k.podPrev[n] = p;
    }
    const c = k.client[conn] as number;
    this.clConns[c] = (this.clConns[c] as number) - 1;
    if (state === ConnState.connecting) this.clConnecting[c] = (this.clConnecting[c] as number) - 1;
    k.release(conn);
  }

  private closeIdle(conn: number): void {
    const c = this.conns.client[conn] as number;
    this.closeConn(conn);
    this.pump(c);
  }

  private sendOnConn(r: number, conn: number): void {
    const t = this.tries;
    const k = this.conns;
    const now = this.sim.now;
    const pod = k.pod[conn] as number;
    t.stage[r] = Stage.onConn;
    t.conn[r] = conn;
    t.connGen[r] = k.gen[conn] as number;
    t.pod[r] = pod;
    t.podGen[r] = this.servers.gen[pod] as number;
    t.delay[r] = k.delay[conn] as number;
    const active = (k.active[conn] as number) + 1;
    k.active[conn] = active;
    k.lastUsed[conn] = now;
    if (active >= this.streamCap) this.removeAvail(conn);
    t.serverHeld[r] = 1;
    const ready = k.readyAt[conn] as number;
    const at = Math.max(ready, now) + (k.delay[conn] as number);
    this.sim.scheduleAt(at, this.kReqAtPod, tag(r, t.sgen[r] as number));
  }

  /** The request reaches the pod (L4 connection or Nginx upstream connection). */
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
    const conn = t.conn[r] as number;
    if (conn >= 0 && t.parent[r] === -1 && this.conns.gen[conn] === t.connGen[r]) {
      this.conns.reqSeen[conn] = 1;
    }
    if (s.accept(r, pod) === Accept.rejected) {
      t.serverHeld[r] = 0;
      t.errCause[r] = ErrorCause.overload;
      this.respond(r, 503);
    }
  }

  /** The pod answers `status`; the response travels back to the client or to Nginx. */
  private respond(r: number, status: number): void {
    const t = this.tries;
    if (t.clientHeld[r] !== 1) {
      if (t.serverHeld[r] === 0) t.release(r);
      return;
    }
    t.status[r] = status;
    t.stage[r] = Stage.responding;
    const kind = t.parent[r] === -1 ? this.kResponse : this.kNgxResp;
    this.sim.schedule(t.delay[r] as number, kind, tag(r, t.cgen[r] as number));
  }

  /** A response reaches the client. */
  private onResponse(arg: number): void {
    const r = tagIndex(arg);
    const t = this.tries;
    if (t.cgen[r] !== tagGen(arg)) return;
    const conn = t.conn[r] as number;
    const client = t.client[r] as number;
    if (conn >= 0) this.connDone(r, conn);
    const status = t.status[r] as number;
    if (status === HTTP_OK) this.succeed(r);
    else this.failTry(r, statusKind(status), t.errCause[r] as ErrorCause);
    if (conn >= 0) this.pump(client);
  }

  /** A response arrived on `conn`: reuse, retire or close it. */
  private connDone(r: number, conn: number): void {
    const k = this.conns;
    if (k.gen[conn] !== this.tries.connGen[r]) return;
    const active = (k.active[conn] as number) - 1;
    k.active[conn] = active;
    const served = (k.served[conn] as number) + 1;
    k.served[conn] = served;
    const now = this.sim.now;
    k.lastUsed[conn] = now;
    const maxReq = this.o.connections.maxRequestsPerConnection;
    if (
      this.perRequest ||
      k.draining[conn] === 1 ||
      (maxReq > 0 && served >= maxReq) ||
      now >= (k.retireAt[conn] as number)
    ) {
      // Retire: no new requests; close once the last stream is done.
      this.markDraining(conn);
      this.removeAvail(conn);
      if (active === 0) this.closeConn(conn);
      return;
    }
    this.makeAvailable(conn);
    if (active === 0 && this.idleQ !== null) this.idleQ.push(conn, now);
  }

  // ---------------------------------------------------------------- Nginx

  private ngxLoad(): void {
    const ngx = this.ngx as NginxDeps;
    const no = ngx.options;
    const ips = ngx.upstreamIps(this.sim.now);
    const n = no.zone ? 1 : no.workers;
    this.pickers = [];
    for (let w = 0; w < n; w++) {
      const rng = this.streamOf(no.zone ? 'nginx:zone' : `nginx:worker-${w}`);
      this.pickers.push(ngx.createPicker(ips, no, rng));
    }
    this.ngxStarted = true;
  }

  private ngxReload(): void {
    const ngx = this.ngx as NginxDeps;
    const ips = ngx.upstreamIps(this.sim.now);
    for (const p of this.pickers) p.reload(ips, this.sim.now);
    this.ngxConfig++;
  }

  private picker(worker: number): UpstreamPicker {
    return this.pickers[(this.ngx as NginxDeps).options.zone ? 0 : worker] as UpstreamPicker;
  }

  /** Client -> Nginx: one hop (plus a handshake for per-request connections). */
  private proxyStart(r: number): void {
    const t = this.tries;
    const no = (this.ngx as NginxDeps).options;
    const c = t.client[r] as number;
    const cn = this.clNode[c] as number;
    const d = cn === -1 ? this.halfExt : this.oneWay(cn, no.node);
    t.delay[r] = d;
    t.conn[r] = -1;
    if (this.nodeDown[no.node] === 1) {
      this.failAfter(r, ErrorKind.connect_timeout, ErrorCause.node_failure, this.giveUp);
      return;
    }
    if (!this.ngxStarted && this.sim.now >= no.startAt) this.ngxLoad();
    if (!this.ngxStarted) {
      this.failAfter(r, ErrorKind.refused, ErrorCause.not_listening, 2 * d);
      return;
    }
    t.stage[r] = Stage.atProxy;
    t.child[r] = -1;
    this.sim.schedule(this.perRequest ? 3 * d : d, this.kNgxArrive, tag(r, t.cgen[r] as number));
  }

  private onNgxArrive(arg: number): void {
    const a = tagIndex(arg);
    const t = this.tries;
    if (t.cgen[a] !== tagGen(arg)) return;
    const no = (this.ngx as NginxDeps).options;
    // A connection is handled by one worker: per-request connections land on a random one.
    t.worker[a] = this.perRequest
      ? Math.floor(
          (this.ngxWorkerRng as KeyedStream)
            .rngFor(t.req[a] as number, t.tryNo[a] as number)
            .next() * no.workers,
        )
      : (this.clWorker[t.client[a] as number] as number);
    t.mask[a] = 0;
    t.cfg[a] = this.ngxConfig;
    t.upTries[a] = 0;
    t.upStart[a] = this.sim.now;
    this.ngxTry(a);
  }

  /** One upstream try: pick a peer (skipping tried and failed ones) and connect to it. */
  private ngxTry(a: number): void {
    const t = this.tries;
    const now = this.sim.now;
    const picker = this.picker(t.worker[a] as number);
    if (t.cfg[a] !== this.ngxConfig) {
      // A reload since this request's last try: its tried bits name peers of the old list.
      t.mask[a] = 0;
      t.cfg[a] = this.ngxConfig;
    }
    const peer = picker.pick(now, t.mask[a] as number);
    if (peer < 0) {
      const tried = (t.upTries[a] as number) > 0;
      this.ngxToClient(
        a,
        502,
        tried ? (t.errCause[a] as ErrorCause) : ErrorCause.no_live_upstreams,
        -1,
      );
      return;
    }
    t.mask[a] = (t.mask[a] as number) | (1 << (peer & 31));
    t.upTries[a] = (t.upTries[a] as number) + 1;
    picker.connectionOpened(peer);
    const x = t.alloc();
    t.parent[x] = a;
    t.child[a] = x;
    t.client[x] = t.client[a] as number;
    t.arrivedAt[x] = t.arrivedAt[a] as number;
    t.demand[x] = t.demand[a] as number;
    t.req[x] = t.req[a] as number;
    t.worker[x] = t.worker[a] as number;
    t.peer[x] = peer;
    t.cfg[x] = this.ngxConfig;
    t.clientHeld[x] = 1;
    t.stage[x] = Stage.upConnecting;
    const ip = picker.ips[peer] as number;
    t.ip[x] = ip;
    const pod = this.truth.podAt(ip);
    const ngxNode = (this.ngx as NginxDeps).options.node;
    t.delay[x] = pod === NO_POD ? this.halfCross : this.oneWay(ngxNode, this.truth.nodeOf(pod));
    t.connStart[x] = now;
    this.sim.schedule(t.delay[x] as number, this.kNgxSyn, tag(x, t.cgen[x] as number));
  }

  private onNgxSyn(arg: number): void {
    const x = tagIndex(arg);
    const t = this.tries;
    if (t.cgen[x] !== tagGen(arg)) return;
    const pod = this.truth.podAt(t.ip[x] as number);
    if (pod === NO_POD || !this.truth.isReachable(pod)) {
      // No answer: proxy_connect_timeout (bounded by the kernel's SYN give-up).
      t.errKind[x] = ErrorKind.connect_timeout;
      t.errCause[x] = pod === NO_POD ? ErrorCause.stale_endpoint : ErrorCause.node_failure;
      const no = (this.ngx as NginxDeps).options;
      const at =
        (t.connStart[x] as number) +
        Math.min(no.connectTimeout, synGiveUp(this.o.timeouts.synRetries));
      this.sim.scheduleAt(Math.max(at, this.sim.now), this.kNgxConnFail, arg);
      return;
    }
    if (!this.truth.isListening(pod)) {
      t.errKind[x] = ErrorKind.refused;
      t.errCause[x] = this.servers.isClosed(pod)
        ? ErrorCause.terminating_pod
        : ErrorCause.not_listening;
      this.sim.schedule(t.delay[x] as number, this.kNgxConnFail, arg);
      return;
    }
    t.pod[x] = pod;
    t.podGen[x] = this.servers.gen[pod] as number;
    t.serverHeld[x] = 1;
    t.stage[x] = Stage.upWaiting;
    t.errCause[x] = ErrorCause.slow_response;
    // SYN-ACK back to Nginx, then the request forward: two more one-way delays.
    this.sim.schedule(2 * (t.delay[x] as number), this.kReqAtPod, tag(x, t.sgen[x] as number));
    (this.readQ as DeadlineQueue).push(x, t.cgen[x] as number);
  }

  private onNgxConnFail(arg: number): void {
    const x = tagIndex(arg);
    const t = this.tries;
    if (t.cgen[x] !== tagGen(arg)) return;
    const kind = t.errKind[x] as ErrorKind;
    this.ngxUpstreamFailed(
      x,
      kind,
      t.errCause[x] as ErrorCause,
      kind === ErrorKind.connect_timeout ? 1 : 0,
    );
  }

  private onNgxReadTimeout(x: number): void {
    // proxy_read_timeout: Nginx gives up on this upstream; the pod keeps working on it.
    const t = this.tries;
    const cause = t.errCause[x] as ErrorCause;
    this.ngxUpstreamFailed(x, ErrorKind.http_504, cause, 1);
  }

  private onNgxResp(arg: number): void {
    const x = tagIndex(arg);
    const t = this.tries;
    if (t.cgen[x] !== tagGen(arg)) return;
    const a = t.parent[x] as number;
    const peer = t.peer[x] as number;
    const picker = this.picker(t.worker[x] as number);
    const status = t.status[x] as number;
    if (status === 503 && this.ngxNext503) {
      this.ngxUpstreamFailed(x, ErrorKind.http_503, ErrorCause.overload, 2);
      return;
    }
    if (t.cfg[x] === this.ngxConfig) picker.reportSuccess(peer, this.sim.now);
    const pod = t.pod[x] as number;
    this.finishChild(x, true);
    this.ngxToClient(
      a,
      status,
      status === HTTP_OK ? ErrorCause.slow_response : (t.errCause[x] as ErrorCause),
      pod,
    );
  }

  /**
   * An upstream try failed. `cond`: 0 error (refused, reset), 1 timeout (connect or read),
   * 2 http_503. error/timeout always count against max_fails; http_503 only when listed in
   * proxy_next_upstream (nginx.org ngx_http_proxy_module, proxy_next_upstream).
   */
  private ngxUpstreamFailed(x: number, kind: ErrorKind, cause: ErrorCause, cond: 0 | 1 | 2): void {
    const t = this.tries;
    const now = this.sim.now;
    const a = t.parent[x] as number;
    const peer = t.peer[x] as number;
    const picker = this.picker(t.worker[x] as number);
    // A try begun before a reload belongs to the old workers' state, which the reload
    // discarded (new workers start fresh): its peer index means nothing to the new list.
    if (t.cfg[x] === this.ngxConfig) picker.reportFailure(peer, now);
    this.finishChild(x, true);
    t.errKind[a] = kind;
    t.errCause[a] = cause;
    const no = (this.ngx as NginxDeps).options;
    const allowed =
      cond === 0 ? this.ngxNextError : cond === 1 ? this.ngxNextTimeout : this.ngxNext503;
    // u->peer.tries starts at the number of servers, capped by proxy_next_upstream_tries
    // (ngx_http_upstream_round_robin.c, ngx_http_upstream_next): once spent, the failure's own
    // status goes to the client (error 502, timeout 504, http_503 503).
    const servers = picker.size;
    const maxTries = no.nextUpstreamTries === 0 ? servers : Math.min(servers, no.nextUpstreamTries);
    const triesLeft = (t.upTries[a] as number) < maxTries;
    const timeLeft =
      no.nextUpstreamTimeout === 0 || now - (t.upStart[a] as number) < no.nextUpstreamTimeout;
    if (allowed && triesLeft && timeLeft) {
      this.attemptsFailed++;
      bump(this.attemptErrors, kind * NC + cause);
      this.recorder.attemptFailed(now, kind, cause);
      this.ngxTry(a);
      return;
    }
    this.ngxToClient(a, cond === 1 ? 504 : cond === 2 ? 503 : 502, cause, -1);
  }

  /** Nginx is done with upstream try `x`; the pod may still hold it. */
  private finishChild(x: number, closeUpstream: boolean): void {
    const t = this.tries;
    const a = t.parent[x] as number;
    if (closeUpstream && t.cfg[x] === this.ngxConfig) {
      this.picker(t.worker[x] as number).connectionClosed(t.peer[x] as number);
    }
    if (a >= 0 && t.child[a] === x) t.child[a] = -1;
    t.parent[x] = -1;
    this.releaseClient(x);
  }

  private ngxToClient(a: number, status: number, cause: ErrorCause, pod: number): void {
    const t = this.tries;
    t.status[a] = status;
    t.errCause[a] = cause;
    t.pod[a] = pod;
    t.stage[a] = Stage.responding;
    this.sim.schedule(t.delay[a] as number, this.kResponse, tag(a, t.cgen[a] as number));
  }

  // ---------------------------------------------------------------- helpers

  private oneWay(a: NodeId, b: NodeId): number {
    return a === b ? this.halfRtt : this.halfCross;
  }

  /** kube-proxy's healthCheckNodePort answer for the external LB. */
  private healthCheck(node: NodeId): boolean {
    if (this.nodeDown[node] === 1) return false;
    if (this.o.trafficPolicy !== 'Local') return true;
    // The health server counts local *ready* endpoints (EndpointsMap.LocalReadyEndpoints): a
    // node serving only through terminating pods reports unhealthy, so the LB drains it.
    const local = this.localTables[node] as EndpointTable;
    return local.size > 0 && !local.usingTerminating;
  }

  /** Names for reports: `kind/cause` -> count, final errors (tests, debugging). */
  errorSummary(level: 'final' | 'attempt' = 'final'): Record<string, number> {
    const a = level === 'final' ? this.finalErrors : this.attemptErrors;
    const out: Record<string, number> = {};
    for (let k = 0; k < NK; k++) {
      for (let c = 0; c < NC; c++) {
        const v = a[k * NC + c] as number;
        if (v > 0) out[`${ERROR_KIND_NAMES[k]}/${ERROR_CAUSE_NAMES[c]}`] = v;
      }
    }
    return out;
  }
}

function bump(a: Float64Array, i: number): void {
  a[i] = (a[i] as number) + 1;
}

function statusKind(status: number): ErrorKind {
  switch (status) {
    case 502:
      return ErrorKind.http_502;
    case 503:
      return ErrorKind.http_503;
    case 504:
      return ErrorKind.http_504;
    case 500:
      return ErrorKind.http_500;
    default:
      return ErrorKind.http_error;
  }
}

function sumErrors(a: Float64Array, kind: ErrorKind, cause?: ErrorCause): number {
  if (cause !== undefined) return a[kind * NC + cause] as number;
  let s = 0;
  for (let c = 0; c < NC; c++) s += a[kind * NC + c] as number;
  return s;
}
