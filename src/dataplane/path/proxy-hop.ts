import { type GroundTruth, NO_POD } from '../../cluster/types.js';
import type { EventKind, KeyedStream, Rng, Simulation } from '../../engine/index.js';
import { DeadlineQueue } from '../deadline-queue.js';
import type { PodServers } from '../pod-server.js';
import { Stage, type TryPool, tag, tagGen, tagIndex } from '../pools.js';
import { ErrorCause, ErrorKind, type NginxOptions, type UpstreamPicker } from '../types.js';
import {
  type HopContext,
  type HopDescriptor,
  type HopHost,
  type L7Hop,
  UpstreamOutcome,
  type UpstreamResult,
} from './hop.js';
import type { PathLedger } from './ledger.js';
import type { Network } from './network.js';
import { answerSyn, type SynContext } from './upstream-connect.js';

const HTTP_OK = 200;

/** The picker's view of an upstream try's error, by ErrorKind index. */
const OUTCOME_OF_KIND: readonly UpstreamOutcome[] = [
  UpstreamOutcome.refused, // refused
  UpstreamOutcome.connectTimeout, // connect_timeout
  UpstreamOutcome.unreachable, // host_unreachable
  UpstreamOutcome.reset, // reset
  UpstreamOutcome.refused, // no_endpoints (not an upstream outcome)
  UpstreamOutcome.httpError, // http_502
  UpstreamOutcome.httpError, // http_503
  UpstreamOutcome.upstreamTimeout, // http_504: proxy_read_timeout
  UpstreamOutcome.upstreamTimeout, // client_timeout
];

/** What the Nginx hop is built from: its options, its pickers, its endpoint source. */
export interface NginxDeps {
  readonly options: NginxOptions;
  /** One picker per worker, or one shared (zone): the registry's descriptor.createPicker. */
  createPicker(ips: Uint32Array, options: NginxOptions, rng: Rng): UpstreamPicker;
  /** The Service's ready endpoint IPs as the API server shows them at `now` (for the snapshot). */
  upstreamIps(now: number): Uint32Array;
  /**
   * Called once when Nginx has loaded its configuration: a dynamic endpoint source (the
   * ingress-nginx controller) starts here and feeds each worker with `updateWorker`.
   */
  onLoad?(hop: NginxHop): void;
  /**
   * How many upstream tries a request may make. `servers` (nginx's own balancers):
   * min(number of servers, proxy_next_upstream_tries), 0 = servers. `tries` (a
   * balancer_by_lua upstream, as ingress-nginx: one placeholder server, and the Lua balancer
   * calls set_more_tries(1) before each try): proxy_next_upstream_tries alone, 0 = unlimited.
   * @default 'servers'
   */
  readonly triesBudget?: 'servers' | 'tries';
  /** Answer when the picker has no peer before any try. @default 502, no_live_upstreams */
  readonly noPeer?: { readonly status: number; readonly cause: ErrorCause };
}

/**
 * Nginx as a proxy in front of the Service (the first L7 hop, placement 1 in ./hop.ts): one
 * process on `options.node` with `workers` worker processes. Its endpoint view is a static
 * upstream list: the Service's ready pod IPs read when it loads its configuration (`startAt`)
 * and on each reload (`reloadInterval`); each worker (or the shared zone) has its own picker
 * with passive health checks (max_fails / fail_timeout). Per client try it opens a new
 * upstream connection per upstream try (proxy_connect_timeout, proxy_read_timeout) and moves
 * to the next upstream per proxy_next_upstream / _tries / _timeout. See docs/MODEL.md, Nginx.
 */
export class NginxHop implements L7Hop {
  private readonly syn: SynContext;
  private readonly sim: Simulation;
  private readonly truth: GroundTruth;
  private readonly tries: TryPool;
  private readonly servers: PodServers;
  private readonly ledger: PathLedger;
  private readonly net: Network;
  private readonly host: HopHost;
  private readonly deps: NginxDeps;
  private readonly no: NginxOptions;
  private readonly clientNode: Int32Array;
  private readonly streamOf: (name: string) => Rng;

  private pickers: UpstreamPicker[] = [];
  /**
   * Endpoint updates so far, per picker (all of them move together on a reload; one worker
   * at its own poll with updateWorker): peer indices picked under an older list are stale.
   */
  private readonly cfgs: Int32Array;
  private started = false;
  /** Worker serving each client's (single, long-lived) connection to Nginx. */
  private readonly clWorker: Int32Array;
  /** Nginx worker of a per-request connection, keyed by (user request, client try). */
  private readonly workerRng: KeyedStream;
  private readonly perRequest: boolean;
  /** A client's give-up on a dead proxy node (the network's rule, its connect timeout). */
  private readonly clientGiveUp: number;
  private readonly clientUnanswered: ErrorKind;
  private readonly nextError: boolean;
  private readonly nextTimeout: boolean;
  private readonly next503: boolean;
  private readonly readQ: DeadlineQueue;
  private readonly triesOnly: boolean;
  private readonly noPeerStatus: number;
  private readonly noPeerCause: ErrorCause;
  /** The pickers have an afterBalance hook: first tries are recorded for it. */
  private learns: boolean;
  private readonly result: UpstreamResult = {
    outcome: UpstreamOutcome.ok,
    status: 0,
    connectTime: Number.NaN,
    responseTime: Number.NaN,
  };
  /** First upstream try of each client try (for afterBalance): peer (-1 none), outcome, times. */
  private firstPeer = new Int32Array(0);
  private firstOutcome = new Int32Array(0);
  private firstStatus = new Int32Array(0);
  private firstConnect = new Float64Array(0);
  private firstResponse = new Float64Array(0);

  private readonly kArrive: EventKind;
  private readonly kSyn: EventKind;
  private readonly kConnFail: EventKind;
  private readonly kResp: EventKind;

  constructor(ctx: HopContext, deps: NginxDeps) {
    const sim = ctx.sim;
    this.sim = sim;
    this.syn = { sim, truth: ctx.truth, servers: ctx.servers, net: ctx.network };
    this.truth = ctx.truth;
    this.tries = ctx.tries;
    this.servers = ctx.servers;
    this.ledger = ctx.ledger;
    this.net = ctx.network;
    this.host = ctx.host;
    this.deps = deps;
    this.streamOf = ctx.stream;
    this.clientNode = ctx.clientNode;
    const no = deps.options;
    this.no = no;
    if (!(no.node >= 0 && no.node < ctx.network.nodeCount)) {
      throw new RangeError(
        `nginx.node: expected a node index in [0, ${ctx.network.nodeCount - 1}], got ${no.node}`,
      );
    }
    const o = ctx.options;
    this.perRequest = o.connections.mode === 'per-request';
    this.clientGiveUp = ctx.network.unansweredGiveUp(o.timeouts.connect);
    this.clientUnanswered = ctx.network.unansweredKind(o.timeouts.connect);
    this.kArrive = sim.register('nginx:request', (a) => this.onArrive(a));
    this.kSyn = sim.register('nginx:syn', (a) => this.onSyn(a));
    this.kConnFail = sim.register('nginx:connect-failed', (a) => this.onConnFail(a));
    this.kResp = sim.register('nginx:upstream-response', (a) => this.onResp(a));

    const rng = ctx.stream('nginx');
    this.workerRng = ctx.keyedStream('nginx:connection-worker');
    this.nextError = no.nextUpstream.includes('error');
    this.nextTimeout = no.nextUpstream.includes('timeout');
    this.next503 = no.nextUpstream.includes('http_503');
    this.cfgs = new Int32Array(no.zone ? 1 : no.workers);
    this.triesOnly = deps.triesBudget === 'tries';
    this.noPeerStatus = deps.noPeer?.status ?? 502;
    this.noPeerCause = deps.noPeer?.cause ?? ErrorCause.no_live_upstreams;
    this.learns = false;
    // Keep-alive and HTTP/2 clients hold one connection to Nginx, served by one worker.
    const nc = ctx.clientNode.length;
    this.clWorker = new Int32Array(nc);
    for (let c = 0; c < nc; c++) this.clWorker[c] = Math.floor(rng.next() * no.workers);
    const kStart = sim.register('nginx:start', () => {
      if (!this.started) this.load();
    });
    const kReload = sim.register('nginx:reload', () => {
      this.reload();
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
      (x) => this.onReadTimeout(x),
    );
  }

  // ---------------------------------------------------------------- L7Hop

  /** Client -> Nginx: one hop (plus a handshake for per-request connections). */
  accept(r: number): void {
    const t = this.tries;
    const no = this.no;
    const c = t.client[r] as number;
    const cn = this.clientNode[c] as number;
    const d = cn === -1 ? this.net.halfExt : this.net.oneWay(cn, no.node);
    t.delay[r] = d;
    t.conn[r] = -1;
    if (this.net.nodeDown[no.node] === 1) {
      // Nobody answers for the proxy's address: the network's rule, the client's connect timeout.
      this.host.failAfter(r, this.clientUnanswered, ErrorCause.node_failure, this.clientGiveUp);
      return;
    }
    if (!this.started && this.sim.now >= no.startAt) this.load();
    if (!this.started) {
      this.host.failAfter(r, ErrorKind.refused, ErrorCause.not_listening, 2 * d);
      return;
    }
    t.stage[r] = Stage.atProxy;
    t.child[r] = -1;
    this.sim.post(this.perRequest ? 3 * d : d, this.kArrive, tag(r, t.cgen[r] as number));
  }

  upstreamResponded(x: number): void {
    const t = this.tries;
    this.sim.post(t.delay[x] as number, this.kResp, tag(x, t.cgen[x] as number));
  }

  upstreamFailed(x: number, kind: ErrorKind, cause: ErrorCause): void {
    this.upstreamTryFailed(x, kind, cause, 0);
  }

  abandon(r: number): void {
    const x = this.tries.child[r] as number;
    if (this.learns && x >= 0 && (this.tries.upTries[r] as number) === 1) {
      this.recordFirst(x, UpstreamOutcome.upstreamTimeout, 0);
    }
    if (this.learns) this.afterBalance(r);
    if (x >= 0) this.finishChild(x, true);
  }

  diesWith(node: number, r: number): boolean {
    return node === this.no.node && this.tries.stage[r] === Stage.atProxy;
  }

  // ---------------------------------------------------------------- configuration

  private load(): void {
    const no = this.no;
    const ips = this.deps.upstreamIps(this.sim.now);
    const n = no.zone ? 1 : no.workers;
    this.pickers = [];
    for (let w = 0; w < n; w++) {
      const rng = this.streamOf(no.zone ? 'nginx:zone' : `nginx:worker-${w}`);
      this.pickers.push(this.deps.createPicker(ips, no, rng));
    }
    const learns = this.pickers[0]?.afterBalance !== undefined;
    this.learns = learns;
    if (learns) this.growFirst(this.tries.capacity);
    this.started = true;
    this.deps.onLoad?.(this);
  }

  private reload(): void {
    const ips = this.deps.upstreamIps(this.sim.now);
    for (const p of this.pickers) p.reload(ips, this.sim.now);
    for (let i = 0; i < this.cfgs.length; i++) this.cfgs[i] = (this.cfgs[i] as number) + 1;
  }

  /**
   * Worker `worker` takes a new endpoint list (an ingress-nginx worker at its own poll); the
   * other workers keep theirs, and their requests' tried masks stay valid.
   */
  updateWorker(worker: number, ips: Uint32Array): void {
    const slot = this.no.zone ? 0 : worker;
    (this.pickers[slot] as UpstreamPicker).reload(ips, this.sim.now);
    this.cfgs[slot] = (this.cfgs[slot] as number) + 1;
  }

  /** Metric: mean over the pickers of their EWMA spread (0 for pickers without scores). */
  ewmaSpread(): number {
    const ps = this.pickers;
    if (ps.length === 0 || ps[0]?.spread === undefined) return 0;
    const now = this.sim.now;
    let s = 0;
    for (const p of ps) s += (p.spread as (now: number) => number).call(p, now);
    return s / ps.length;
  }

  /** The picker of worker `w` (tests and metrics). */
  workerPicker(w: number): UpstreamPicker {
    return this.picker(w);
  }

  private picker(worker: number): UpstreamPicker {
    return this.pickers[this.no.zone ? 0 : worker] as UpstreamPicker;
  }

  private cfgOf(worker: number): number {
    return this.cfgs[this.no.zone ? 0 : worker] as number;
  }

  // ---------------------------------------------------------------- afterBalance

  private growFirst(n: number): void {
    if (this.firstPeer.length >= n) return;
    const grow = <T extends Int32Array | Float64Array>(a: T, b: T): T => {
      b.set(a);
      return b;
    };
    this.firstPeer = grow(this.firstPeer, new Int32Array(n));
    this.firstOutcome = grow(this.firstOutcome, new Int32Array(n));
    this.firstStatus = grow(this.firstStatus, new Int32Array(n));
    this.firstConnect = grow(this.firstConnect, new Float64Array(n));
    this.firstResponse = grow(this.firstResponse, new Float64Array(n));
  }

  /**
   * Upstream try `x`, its client try's first, ended now: keep nginx's $upstream_connect_time
   * (NaN if it never connected: "-") and $upstream_response_time (from the try's start, as
   * nginx's u->start_time: it includes the connect) for the log phase.
   */
  private recordFirst(x: number, outcome: UpstreamOutcome, status: number): void {
    const t = this.tries;
    const a = t.parent[x] as number;
    if (a < 0 || t.cfg[x] !== this.cfgOf(t.worker[x] as number)) return;
    this.firstPeer[a] = t.peer[x] as number;
    this.firstOutcome[a] = outcome;
    this.firstStatus[a] = status;
    this.firstConnect[a] = (t.pod[x] as number) >= 0 ? 2 * (t.delay[x] as number) : Number.NaN;
    this.firstResponse[a] = this.sim.now - (t.connStart[x] as number);
  }

  /** The log phase of client try `a`: its first try's outcome to that worker's picker. */
  private afterBalance(a: number): void {
    const t = this.tries;
    const peer = this.firstPeer[a] as number;
    if (peer < 0 || t.cfg[a] !== this.cfgOf(t.worker[a] as number)) return;
    this.firstPeer[a] = -1;
    const res = this.result;
    res.outcome = this.firstOutcome[a] as UpstreamOutcome;
    res.status = this.firstStatus[a] as number;
    res.connectTime = this.firstConnect[a] as number;
    res.responseTime = this.firstResponse[a] as number;
    this.picker(t.worker[a] as number).afterBalance?.(peer, res, this.sim.now);
  }

  /** Nginx answers client try `a` (after the log phase's afterBalance). */
  private answer(a: number, status: number, cause: ErrorCause, pod: number): void {
    if (this.learns) this.afterBalance(a);
    this.host.respondToClient(a, status, cause, pod);
  }

  // ---------------------------------------------------------------- upstream tries

  private onArrive(arg: number): void {
    const a = tagIndex(arg);
    const t = this.tries;
    if (t.cgen[a] !== tagGen(arg)) return;
    const no = this.no;
    // A connection is handled by one worker: per-request connections land on a random one.
    t.worker[a] = this.perRequest
      ? Math.floor(
          this.workerRng.rngFor(t.req[a] as number, t.tryNo[a] as number).next() * no.workers,
        )
      : (this.clWorker[t.client[a] as number] as number);
    t.mask[a] = 0;
    t.cfg[a] = this.cfgOf(t.worker[a] as number);
    t.upTries[a] = 0;
    if (this.learns) {
      this.growFirst(t.capacity);
      this.firstPeer[a] = -1;
    }
    t.upStart[a] = this.sim.now;
    this.tryUpstream(a);
  }

  /** One upstream try: pick a peer (skipping tried and failed ones) and connect to it. */
  private tryUpstream(a: number): void {
    const t = this.tries;
    const now = this.sim.now;
    const picker = this.picker(t.worker[a] as number);
    const cfg = this.cfgOf(t.worker[a] as number);
    if (t.cfg[a] !== cfg) {
      // A reload since this request's last try: its tried bits name peers of the old list.
      t.mask[a] = 0;
      t.cfg[a] = cfg;
      if (this.learns) this.firstPeer[a] = -1;
    }
    const peer = picker.pick(now, t.mask[a] as number);
    if (peer < 0) {
      const tried = (t.upTries[a] as number) > 0;
      this.answer(
        a,
        tried ? 502 : this.noPeerStatus,
        tried ? (t.errCause[a] as ErrorCause) : this.noPeerCause,
        -1,
      );
      return;
    }
    t.mask[a] = (t.mask[a] as number) | (1 << (peer & 31));
    t.upTries[a] = (t.upTries[a] as number) + 1;
    picker.connectionOpened(peer);
    const x = t.forkUpstream(a);
    t.peer[x] = peer;
    t.cfg[x] = cfg;
    t.stage[x] = Stage.upConnecting;
    const ip = picker.ips[peer] as number;
    t.ip[x] = ip;
    const pod = this.truth.podAt(ip);
    t.delay[x] =
      pod === NO_POD ? this.net.halfCross : this.net.oneWay(this.no.node, this.truth.nodeOf(pod));
    t.connStart[x] = now;
    t.synSent[x] = 0;
    this.sim.post(t.delay[x] as number, this.kSyn, tag(x, t.cgen[x] as number));
  }

  private onSyn(arg: number): void {
    const x = tagIndex(arg);
    const t = this.tries;
    if (t.cgen[x] !== tagGen(arg)) return;
    // No answer: SYN retransmissions, then proxy_connect_timeout (bounded by the kernel's SYN
    // give-up) or EHOSTUNREACH; RST: refused (./upstream-connect.ts).
    const pod = answerSyn(this.syn, t, x, arg, this.no.connectTimeout, this.kSyn, this.kConnFail);
    if (pod < 0) return;
    t.pod[x] = pod;
    t.podGen[x] = this.servers.gen[pod] as number;
    t.serverHeld[x] = 1;
    t.stage[x] = Stage.upWaiting;
    t.errCause[x] = ErrorCause.slow_response;
    // SYN-ACK back to Nginx, then the request forward: two more one-way delays.
    this.host.deliverToPod(x, 2 * (t.delay[x] as number));
    this.readQ.push(x, t.cgen[x] as number);
  }

  private onConnFail(arg: number): void {
    const x = tagIndex(arg);
    const t = this.tries;
    if (t.cgen[x] !== tagGen(arg)) return;
    const kind = t.errKind[x] as ErrorKind;
    this.upstreamTryFailed(
      x,
      kind,
      t.errCause[x] as ErrorCause,
      kind === ErrorKind.connect_timeout ? 1 : 0,
    );
  }

  private onReadTimeout(x: number): void {
    // proxy_read_timeout: Nginx gives up on this upstream; the pod keeps working on it.
    const cause = this.tries.errCause[x] as ErrorCause;
    this.upstreamTryFailed(x, ErrorKind.http_504, cause, 1);
  }

  private onResp(arg: number): void {
    const x = tagIndex(arg);
    const t = this.tries;
    if (t.cgen[x] !== tagGen(arg)) return;
    const a = t.parent[x] as number;
    const peer = t.peer[x] as number;
    const picker = this.picker(t.worker[x] as number);
    const status = t.status[x] as number;
    if (status === 503 && this.next503) {
      this.upstreamTryFailed(x, ErrorKind.http_503, ErrorCause.overload, 2);
      return;
    }
    if (t.cfg[x] === this.cfgOf(t.worker[x] as number)) picker.reportSuccess(peer, this.sim.now);
    if (this.learns && (t.upTries[a] as number) === 1) {
      this.recordFirst(x, status >= 500 ? UpstreamOutcome.httpError : UpstreamOutcome.ok, status);
    }
    const pod = t.pod[x] as number;
    this.finishChild(x, true);
    this.answer(
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
  private upstreamTryFailed(x: number, kind: ErrorKind, cause: ErrorCause, cond: 0 | 1 | 2): void {
    const t = this.tries;
    const now = this.sim.now;
    const a = t.parent[x] as number;
    const peer = t.peer[x] as number;
    const picker = this.picker(t.worker[x] as number);
    // A try begun before a reload belongs to the old workers' state, which the reload
    // discarded (new workers start fresh): its peer index means nothing to the new list.
    if (t.cfg[x] === this.cfgOf(t.worker[x] as number)) picker.reportFailure(peer, now);
    if (this.learns && (t.upTries[a] as number) === 1) {
      this.recordFirst(
        x,
        OUTCOME_OF_KIND[kind] as UpstreamOutcome,
        kind === ErrorKind.http_503 ? 503 : 0,
      );
    }
    this.finishChild(x, true);
    t.errKind[a] = kind;
    t.errCause[a] = cause;
    const no = this.no;
    const allowed = cond === 0 ? this.nextError : cond === 1 ? this.nextTimeout : this.next503;
    // u->peer.tries starts at the number of servers, capped by proxy_next_upstream_tries
    // (ngx_http_upstream_round_robin.c, ngx_http_upstream_next): once spent, the failure's own
    // status goes to the client (error 502, timeout 504, http_503 503).
    // A balancer_by_lua upstream (triesOnly) has one placeholder server and adds a try before
    // each balance() (ingress-nginx balancer.lua, set_more_tries): the directive alone limits.
    const servers = this.triesOnly ? Number.POSITIVE_INFINITY : picker.size;
    const maxTries = no.nextUpstreamTries === 0 ? servers : Math.min(servers, no.nextUpstreamTries);
    const triesLeft = (t.upTries[a] as number) < maxTries;
    const timeLeft =
      no.nextUpstreamTimeout === 0 || now - (t.upStart[a] as number) < no.nextUpstreamTimeout;
    if (allowed && triesLeft && timeLeft) {
      this.ledger.attemptFailed(now, kind, cause);
      this.tryUpstream(a);
      return;
    }
    this.answer(a, cond === 1 ? 504 : cond === 2 ? 503 : 502, cause, -1);
  }

  /** Nginx is done with upstream try `x`; the pod may still hold it. */
  private finishChild(x: number, closeUpstream: boolean): void {
    const t = this.tries;
    const a = t.parent[x] as number;
    if (closeUpstream && t.cfg[x] === this.cfgOf(t.worker[x] as number)) {
      this.picker(t.worker[x] as number).connectionClosed(t.peer[x] as number);
    }
    if (a >= 0 && t.child[a] === x) t.child[a] = -1;
    t.parent[x] = -1;
    this.host.releaseClient(x);
  }
}

/** Registry entry (./hops.ts): config is NginxDeps. */
export const nginxHop: HopDescriptor<NginxDeps> = {
  name: 'nginx',
  create: (ctx, deps) => new NginxHop(ctx, deps),
};
