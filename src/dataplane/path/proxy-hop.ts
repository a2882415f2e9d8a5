import { type GroundTruth, NO_POD } from '../../cluster/types.js';
import type { EventKind, KeyedStream, Rng, Simulation } from '../../engine/index.js';
import { DeadlineQueue } from '../deadline-queue.js';
import { synGiveUp } from '../path-options.js';
import type { PodServers } from '../pod-server.js';
import { Stage, type TryPool, tag, tagGen, tagIndex } from '../pools.js';
import { ErrorCause, ErrorKind, type NginxOptions, type UpstreamPicker } from '../types.js';
import type { HopContext, HopDescriptor, HopHost, L7Hop } from './hop.js';
import type { PathLedger } from './ledger.js';
import type { Network } from './network.js';

const HTTP_OK = 200;

/** What the Nginx hop is built from: its options, its pickers, its endpoint source. */
export interface NginxDeps {
  readonly options: NginxOptions;
  /** One picker per worker, or one shared (zone): the registry's descriptor.createPicker. */
  createPicker(ips: Uint32Array, options: NginxOptions, rng: Rng): UpstreamPicker;
  /** The Service's ready endpoint IPs as the API server shows them at `now` (for the snapshot). */
  upstreamIps(now: number): Uint32Array;
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
  /** Reloads so far: peer indices of tries picked under an older configuration are stale. */
  private config = 0;
  private started = false;
  /** Worker serving each client's (single, long-lived) connection to Nginx. */
  private readonly clWorker: Int32Array;
  /** Nginx worker of a per-request connection, keyed by (user request, client try). */
  private readonly workerRng: KeyedStream;
  private readonly perRequest: boolean;
  /** Client-side connect give-up (connect timeout capped by the SYN retransmissions). */
  private readonly clientGiveUp: number;
  /** proxy_connect_timeout, bounded by the kernel's SYN give-up (tcp_syn_retries). */
  private readonly upstreamGiveUp: number;
  private readonly nextError: boolean;
  private readonly nextTimeout: boolean;
  private readonly next503: boolean;
  private readonly readQ: DeadlineQueue;

  private readonly kArrive: EventKind;
  private readonly kSyn: EventKind;
  private readonly kConnFail: EventKind;
  private readonly kResp: EventKind;

  constructor(ctx: HopContext, deps: NginxDeps) {
    const sim = ctx.sim;
    this.sim = sim;
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
    const synLimit = synGiveUp(o.timeouts.synRetries);
    this.clientGiveUp = Math.min(o.timeouts.connect, synLimit);
    this.upstreamGiveUp = Math.min(no.connectTimeout, synLimit);
    this.kArrive = sim.register('nginx:request', (a) => this.onArrive(a));
    this.kSyn = sim.register('nginx:syn', (a) => this.onSyn(a));
    this.kConnFail = sim.register('nginx:connect-failed', (a) => this.onConnFail(a));
    this.kResp = sim.register('nginx:upstream-response', (a) => this.onResp(a));

    const rng = ctx.stream('nginx');
    this.workerRng = ctx.keyedStream('nginx:connection-worker');
    this.nextError = no.nextUpstream.includes('error');
    this.nextTimeout = no.nextUpstream.includes('timeout');
    this.next503 = no.nextUpstream.includes('http_503');
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
      this.host.failAfter(r, ErrorKind.connect_timeout, ErrorCause.node_failure, this.clientGiveUp);
      return;
    }
    if (!this.started && this.sim.now >= no.startAt) this.load();
    if (!this.started) {
      this.host.failAfter(r, ErrorKind.refused, ErrorCause.not_listening, 2 * d);
      return;
    }
    t.stage[r] = Stage.atProxy;
    t.child[r] = -1;
    this.sim.schedule(this.perRequest ? 3 * d : d, this.kArrive, tag(r, t.cgen[r] as number));
  }

  upstreamResponded(x: number): void {
    const t = this.tries;
    this.sim.schedule(t.delay[x] as number, this.kResp, tag(x, t.cgen[x] as number));
  }

  upstreamFailed(x: number, kind: ErrorKind, cause: ErrorCause): void {
    this.upstreamTryFailed(x, kind, cause, 0);
  }

  abandon(r: number): void {
    const x = this.tries.child[r] as number;
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
    this.started = true;
  }

  private reload(): void {
    const ips = this.deps.upstreamIps(this.sim.now);
    for (const p of this.pickers) p.reload(ips, this.sim.now);
    this.config++;
  }

  private picker(worker: number): UpstreamPicker {
    return this.pickers[this.no.zone ? 0 : worker] as UpstreamPicker;
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
    t.cfg[a] = this.config;
    t.upTries[a] = 0;
    t.upStart[a] = this.sim.now;
    this.tryUpstream(a);
  }

  /** One upstream try: pick a peer (skipping tried and failed ones) and connect to it. */
  private tryUpstream(a: number): void {
    const t = this.tries;
    const now = this.sim.now;
    const picker = this.picker(t.worker[a] as number);
    if (t.cfg[a] !== this.config) {
      // A reload since this request's last try: its tried bits name peers of the old list.
      t.mask[a] = 0;
      t.cfg[a] = this.config;
    }
    const peer = picker.pick(now, t.mask[a] as number);
    if (peer < 0) {
      const tried = (t.upTries[a] as number) > 0;
      this.host.respondToClient(
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
    t.cfg[x] = this.config;
    t.clientHeld[x] = 1;
    t.stage[x] = Stage.upConnecting;
    const ip = picker.ips[peer] as number;
    t.ip[x] = ip;
    const pod = this.truth.podAt(ip);
    t.delay[x] =
      pod === NO_POD ? this.net.halfCross : this.net.oneWay(this.no.node, this.truth.nodeOf(pod));
    t.connStart[x] = now;
    this.sim.schedule(t.delay[x] as number, this.kSyn, tag(x, t.cgen[x] as number));
  }

  private onSyn(arg: number): void {
    const x = tagIndex(arg);
    const t = this.tries;
    if (t.cgen[x] !== tagGen(arg)) return;
    const pod = this.truth.podAt(t.ip[x] as number);
    if (pod === NO_POD || !this.truth.isReachable(pod)) {
      // No answer: proxy_connect_timeout (bounded by the kernel's SYN give-up).
      t.errKind[x] = ErrorKind.connect_timeout;
      t.errCause[x] = pod === NO_POD ? ErrorCause.stale_endpoint : ErrorCause.node_failure;
      const at = (t.connStart[x] as number) + this.upstreamGiveUp;
      this.sim.scheduleAt(Math.max(at, this.sim.now), this.kConnFail, arg);
      return;
    }
    if (!this.truth.isListening(pod)) {
      t.errKind[x] = ErrorKind.refused;
      t.errCause[x] = this.servers.isClosed(pod)
        ? ErrorCause.terminating_pod
        : ErrorCause.not_listening;
      this.sim.schedule(t.delay[x] as number, this.kConnFail, arg);
      return;
    }
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
    if (t.cfg[x] === this.config) picker.reportSuccess(peer, this.sim.now);
    const pod = t.pod[x] as number;
    this.finishChild(x, true);
    this.host.respondToClient(
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
    if (t.cfg[x] === this.config) picker.reportFailure(peer, now);
    this.finishChild(x, true);
    t.errKind[a] = kind;
    t.errCause[a] = cause;
    const no = this.no;
    const allowed = cond === 0 ? this.nextError : cond === 1 ? this.nextTimeout : this.next503;
    // u->peer.tries starts at the number of servers, capped by proxy_next_upstream_tries
    // (ngx_http_upstream_round_robin.c, ngx_http_upstream_next): once spent, the failure's own
    // status goes to the client (error 502, timeout 504, http_503 503).
    const servers = picker.size;
    const maxTries = no.nextUpstreamTries === 0 ? servers : Math.min(servers, no.nextUpstreamTries);
    const triesLeft = (t.upTries[a] as number) < maxTries;
    const timeLeft =
      no.nextUpstreamTimeout === 0 || now - (t.upStart[a] as number) < no.nextUpstreamTimeout;
    if (allowed && triesLeft && timeLeft) {
      this.ledger.attemptFailed(now, kind, cause);
      this.tryUpstream(a);
      return;
    }
    this.host.respondToClient(a, cond === 1 ? 504 : cond === 2 ? 503 : 502, cause, -1);
  }

  /** Nginx is done with upstream try `x`; the pod may still hold it. */
  private finishChild(x: number, closeUpstream: boolean): void {
    const t = this.tries;
    const a = t.parent[x] as number;
    if (closeUpstream && t.cfg[x] === this.config) {
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
