import { type GroundTruth, NO_POD } from '../../cluster/types.js';
import { type Distribution, makeDistribution } from '../../engine/distributions/index.js';
import type { EventKind, KeyedStream, Rng, Simulation } from '../../engine/index.js';
import { carryOver } from '../balancers/endpoint-carry.js';
import type { PodServers } from '../pod-server.js';
import { Stage, type TryPool, tag, tagGen, tagIndex } from '../pools.js';
import { ErrorCause, ErrorKind, statusKind } from '../types.js';
import {
  type HopContext,
  type HopDescriptor,
  type HopHost,
  type L7Hop,
  UpstreamOutcome,
  type UpstreamResult,
} from './hop.js';
import type { PathLedger } from './ledger.js';
import type { MeshBalancer, MeshDeps } from './mesh-contract.js';
import type { Network } from './network.js';
import { answerSyn, type SynContext } from './upstream-connect.js';

const HTTP_OK = 200;

/**
 * A mesh proxy as an L7 hop: placement 2 of ./hop.ts (a sidecar beside each client: state,
 * endpoint view and upstream pool per client, loopback to reach it) or placement 1 (one gateway
 * proxy in front, on a node). Per client try: the client's proxy (worker chosen by its
 * downstream connection) picks a host from its balancer, reuses an upstream connection or dials
 * one (connect timeout, refusal, unreachable), forwards the request (the pod's sidecar adds its
 * traversal), and on the outcome reports to the balancer (outlier detection, EWMA, active
 * requests), retries per its policy after a back-off (Envoy's previous_hosts through the
 * balancer's `tried` mask), or answers the client. See docs/MODEL.md, "The mesh hop".
 */
export class MeshHop implements L7Hop {
  private readonly sim: Simulation;
  private readonly truth: GroundTruth;
  private readonly tries: TryPool;
  private readonly servers: PodServers;
  private readonly ledger: PathLedger;
  private readonly net: Network;
  private readonly host: HopHost;
  private readonly deps: MeshDeps;
  private readonly clientNode: Int32Array;
  private readonly streamOf: (name: string) => Rng;
  private readonly sidecar: boolean;
  private readonly perRequest: boolean;
  private readonly clientUnanswered: ErrorKind;
  private readonly clientGiveUp: number;
  private readonly syn: SynContext;
  private readonly latency: Distribution;
  private readonly latencyRng: KeyedStream;
  private readonly backoffRng: KeyedStream;
  private readonly workerRng: KeyedStream;
  /** Worker serving each client's long-lived connection to its proxy. */
  private readonly clWorker: Int32Array;
  private readonly statusRetry: Set<number>;
  private readonly slots: number;
  private started = false;

  /** Per proxy: balancer, endpoint updates so far, node. */
  private bal: MeshBalancer[] = [];
  private cfg = new Int32Array(0);
  private readonly proxyNode: Int32Array;
  /**
   * Per proxy, per (slot, host) (slot = worker for HTTP/1.1, 0 for HTTP/2): idle connections
   * (HTTP/1.1) or 1 for an open shared connection (HTTP/2), and the pod and pod generation
   * they reach (a new pod behind the IP, or a restarted container, voids them).
   */
  private idle: Int32Array[] = [];
  private connPod: Int32Array[] = [];
  private connGen: Int32Array[] = [];
  private readonly result: UpstreamResult = {
    outcome: UpstreamOutcome.ok,
    status: 0,
    connectTime: Number.NaN,
    responseTime: Number.NaN,
  };

  private readonly kStart: EventKind;
  private readonly kArrive: EventKind;
  private readonly kSyn: EventKind;
  private readonly kConnFail: EventKind;
  private readonly kResp: EventKind;
  private readonly kRetry: EventKind;

  constructor(ctx: HopContext, deps: MeshDeps) {
    const sim = ctx.sim;
    this.sim = sim;
    this.truth = ctx.truth;
    this.tries = ctx.tries;
    this.servers = ctx.servers;
    this.ledger = ctx.ledger;
    this.net = ctx.network;
    this.host = ctx.host;
    this.deps = deps;
    this.clientNode = ctx.clientNode;
    this.streamOf = ctx.stream;
    this.sidecar = deps.placement === 'sidecar';
    const nc = ctx.clientNode.length;
    if (this.sidecar) {
      for (let c = 0; c < nc; c++) {
        if ((ctx.clientNode[c] as number) < 0) {
          throw new RangeError(
            'placement: `sidecar` needs clients in the cluster (workload.clients.location: in-cluster); external clients reach a mesh through `placement: gateway`',
          );
        }
      }
    } else if (!(deps.node >= 0 && deps.node < ctx.network.nodeCount)) {
      throw new RangeError(
        `node: expected a node index in [0, ${ctx.network.nodeCount - 1}], got ${deps.node}`,
      );
    }
    const proxies = this.sidecar ? nc : 1;
    this.proxyNode = new Int32Array(proxies);
    for (let p = 0; p < proxies; p++) {
      this.proxyNode[p] = this.sidecar ? (ctx.clientNode[p] as number) : deps.node;
    }
    const o = ctx.options;
    this.perRequest = o.connections.mode === 'per-request';
    this.clientGiveUp = ctx.network.unansweredGiveUp(o.timeouts.connect);
    this.clientUnanswered = ctx.network.unansweredKind(o.timeouts.connect);
    this.syn = { sim, truth: ctx.truth, servers: ctx.servers, net: ctx.network };
    this.latency = makeDistribution(deps.traversal, `${deps.name}.sidecarLatency`);
    // One stream for every mesh family: the same request pays the same traversal in each.
    this.latencyRng = ctx.keyedStream('mesh:latency');
    this.backoffRng = ctx.keyedStream(`${deps.name}:retry-backoff`);
    this.workerRng = ctx.keyedStream(`${deps.name}:connection-worker`);
    this.statusRetry = new Set(deps.retry.statuses);
    this.slots = deps.multiplexed ? 1 : deps.workers;
    const rng = ctx.stream(`${deps.name}:worker`);
    this.clWorker = new Int32Array(nc);
    for (let c = 0; c < nc; c++) this.clWorker[c] = Math.floor(rng.next() * deps.workers);

    const n = deps.name;
    this.kStart = sim.register(`${n}:start`, () => {
      if (!this.started) this.load();
    });
    this.kArrive = sim.register(`${n}:request`, (a) => this.onArrive(a));
    this.kSyn = sim.register(`${n}:syn`, (a) => this.onSyn(a));
    this.kConnFail = sim.register(`${n}:connect-failed`, (a) => this.onConnFail(a));
    this.kResp = sim.register(`${n}:upstream-response`, (a) => this.onResp(a));
    this.kRetry = sim.register(`${n}:retry`, (a) => this.onRetry(a));
    // The proxies hold the Service's endpoints from the start (the control plane ran before).
    sim.scheduleAt(sim.now, this.kStart, 0);
    if (deps.interval > 0) {
      const kInterval = sim.register(`${n}:interval`, () => {
        const now = this.sim.now;
        for (const b of this.bal) b.onInterval(now);
        sim.schedule(deps.interval, kInterval, 0);
      });
      sim.schedule(deps.interval, kInterval, 0);
    }
  }

  /** Number of proxies (one per client, or the gateway). */
  get proxies(): number {
    return this.proxyNode.length;
  }

  /** Proxy p's balancer (tests, metrics). */
  balancer(p: number): MeshBalancer {
    if (!this.started) this.load();
    return this.bal[p] as MeshBalancer;
  }

  // ---------------------------------------------------------------- L7Hop

  accept(r: number): void {
    const t = this.tries;
    if (!this.started) this.load();
    const c = t.client[r] as number;
    let d = 0;
    if (!this.sidecar) {
      const node = this.deps.node;
      const cn = this.clientNode[c] as number;
      d = cn === -1 ? this.net.halfExt : this.net.oneWay(cn, node);
      if (this.net.nodeDown[node] === 1) {
        t.delay[r] = d;
        this.host.failAfter(r, this.clientUnanswered, ErrorCause.node_failure, this.clientGiveUp);
        return;
      }
    }
    // The response goes back the same way (the sidecar's loopback: no network time).
    t.delay[r] = d;
    t.conn[r] = -1;
    t.stage[r] = Stage.atProxy;
    t.child[r] = -1;
    const through = this.latency.sample(
      this.latencyRng.rngFor(t.req[r] as number, t.tryNo[r] as number, 0),
    );
    const reach = this.perRequest && !this.sidecar ? 3 * d : d;
    this.sim.post(reach + through, this.kArrive, tag(r, t.cgen[r] as number));
  }

  upstreamResponded(x: number): void {
    const t = this.tries;
    this.sim.post(t.delay[x] as number, this.kResp, tag(x, t.cgen[x] as number));
  }

  upstreamFailed(x: number, kind: ErrorKind, cause: ErrorCause): void {
    // A reset with the request on the connection (the pod died or exited), or a request lost
    // on a connection to a silently dead pod: the connections to that pod are gone.
    const h = this.hostOf(x);
    if (h >= 0) {
      const p = this.proxyOf(x);
      const k = this.slotOf(x) * (this.bal[p] as MeshBalancer).size + h;
      (this.idle[p] as Int32Array)[k] = 0;
    }
    this.ended(x, h, UpstreamOutcome.reset, 0, true);
    this.tryFailed(x, kind, cause, this.deps.retry.reset, this.deps.statuses.reset);
  }

  abandon(r: number): void {
    const t = this.tries;
    const x = t.child[r] as number;
    if (x < 0) return;
    const h = this.hostOf(x);
    if (h >= 0) {
      const p = this.proxyOf(x);
      const sent = t.stage[x] === Stage.upWaiting || t.stage[x] === Stage.responding;
      (this.bal[p] as MeshBalancer).requestCancelled(
        h,
        this.sim.now,
        sent ? this.sim.now - (t.upStart[x] as number) : Number.NaN,
      );
    }
    // HTTP/1.1: cancelling a request closes its upstream connection (not returned to the pool).
    this.finishChild(x);
  }

  diesWith(node: number, r: number): boolean {
    return !this.sidecar && node === this.deps.node && this.tries.stage[r] === Stage.atProxy;
  }

  // ---------------------------------------------------------------- endpoints

  private load(): void {
    const ips = this.deps.upstreamIps();
    const n = this.proxies;
    this.bal = [];
    this.cfg = new Int32Array(n);
    for (let p = 0; p < n; p++) {
      this.bal.push(
        this.deps.createBalancer(p, ips, this.streamOf(`${this.deps.name}:proxy-${p}`)),
      );
      const size = this.slots * ips.length;
      this.idle.push(new Int32Array(size));
      this.connPod.push(new Int32Array(size).fill(-1));
      this.connGen.push(new Int32Array(size));
    }
    this.started = true;
    this.deps.onLoad?.(this, n);
  }

  /** Proxy p's control-plane stream delivered `ips` (EDS push, destination update). */
  updateProxy(p: number, ips: Uint32Array): void {
    const b = this.bal[p] as MeshBalancer;
    const prev = b.ips;
    const from = carryOver(prev, ips);
    const oldSize = b.size;
    b.setEndpoints(ips, this.sim.now);
    this.cfg[p] = (this.cfg[p] as number) + 1;
    const n = ips.length;
    const idle = new Int32Array(this.slots * n);
    const pod = new Int32Array(this.slots * n).fill(-1);
    const gen = new Int32Array(this.slots * n);
    const oi = this.idle[p] as Int32Array;
    const op = this.connPod[p] as Int32Array;
    const og = this.connGen[p] as Int32Array;
    for (let s = 0; s < this.slots; s++) {
      for (let j = 0; j < n; j++) {
        const i = from[j] as number;
        if (i < 0) continue;
        idle[s * n + j] = oi[s * oldSize + i] as number;
        pod[s * n + j] = op[s * oldSize + i] as number;
        gen[s * n + j] = og[s * oldSize + i] as number;
      }
    }
    this.idle[p] = idle;
    this.connPod[p] = pod;
    this.connGen[p] = gen;
  }

  // ---------------------------------------------------------------- gauges

  /** Mean over proxies of the hosts ejected now. */
  ejectedHosts(): number {
    if (!this.started || this.bal.length === 0) return 0;
    let s = 0;
    for (const b of this.bal) s += b.ejectedHosts();
    return s / this.bal.length;
  }

  /** Mean over proxies of the spread of their latency estimates, seconds. */
  ewmaSpread(): number {
    if (!this.started || this.bal.length === 0) return 0;
    const now = this.sim.now;
    let s = 0;
    for (const b of this.bal) s += b.ewmaSpread(now);
    return s / this.bal.length;
  }

  // ---------------------------------------------------------------- upstream tries

  private proxyOf(r: number): number {
    return this.sidecar ? (this.tries.client[r] as number) : 0;
  }

  private slotOf(x: number): number {
    return this.deps.multiplexed ? 0 : (this.tries.worker[x] as number);
  }

  /** Host index of upstream try x in its proxy's current list (-1: the host left it). */
  private hostOf(x: number): number {
    const t = this.tries;
    const p = this.proxyOf(x);
    if (t.cfg[x] === this.cfg[p]) return t.peer[x] as number;
    const b = this.bal[p] as MeshBalancer;
    const ip = t.ip[x] as number;
    for (let j = 0; j < b.size; j++) if (b.ips[j] === ip) return j;
    return -1;
  }

  private onArrive(arg: number): void {
    const a = tagIndex(arg);
    const t = this.tries;
    if (t.cgen[a] !== tagGen(arg)) return;
    const w = this.deps.workers;
    t.worker[a] = this.perRequest
      ? Math.floor(this.workerRng.rngFor(t.req[a] as number, t.tryNo[a] as number).next() * w)
      : (this.clWorker[t.client[a] as number] as number);
    t.mask[a] = 0;
    t.upTries[a] = 0;
    t.upStart[a] = this.sim.now;
    this.tryUpstream(a);
  }

  private onRetry(arg: number): void {
    const a = tagIndex(arg);
    if (this.tries.cgen[a] !== tagGen(arg)) return;
    this.tryUpstream(a);
  }

  private tryUpstream(a: number): void {
    const t = this.tries;
    const now = this.sim.now;
    const p = this.proxyOf(a);
    const b = this.bal[p] as MeshBalancer;
    const cfg = this.cfg[p] as number;
    if (t.cfg[a] !== cfg) {
      t.mask[a] = 0; // tried bits of an older list
      t.cfg[a] = cfg;
    }
    const h = b.pick(t.worker[a] as number, t.mask[a] as number, now);
    if (h < 0) {
      const tried = (t.upTries[a] as number) > 0;
      this.host.respondToClient(
        a,
        this.deps.statuses.noEndpoints,
        tried ? (t.errCause[a] as ErrorCause) : ErrorCause.no_endpoints,
        -1,
      );
      return;
    }
    t.mask[a] = (t.mask[a] as number) | (1 << (h & 31));
    t.upTries[a] = (t.upTries[a] as number) + 1;
    b.requestStarted(h);
    const x = t.forkUpstream(a);
    // The client try's number: the pods' keyed draws (errors, slow faults) see (request, try).
    t.tryNo[x] = t.tryNo[a] as number;
    t.peer[x] = h;
    t.cfg[x] = cfg;
    const ip = b.ips[h] as number;
    t.ip[x] = ip;
    const pod = this.truth.podAt(ip);
    const from = this.proxyNode[p] as number;
    t.delay[x] =
      pod === NO_POD ? this.net.halfCross : this.net.oneWay(from, this.truth.nodeOf(pod));
    t.connStart[x] = now;
    const k = this.slotOf(x) * b.size + h;
    const idle = this.idle[p] as Int32Array;
    if ((idle[k] as number) > 0) {
      if (
        pod !== NO_POD &&
        (this.connPod[p] as Int32Array)[k] === pod &&
        (this.connGen[p] as Int32Array)[k] === (this.servers.gen[pod] as number) &&
        this.servers.alive[pod] === 1 &&
        !this.servers.isClosed(pod)
      ) {
        // A pooled connection: the request goes at once (HTTP/2: a new stream).
        if (!this.deps.multiplexed) idle[k] = (idle[k] as number) - 1;
        this.connected(x, pod, 1);
        return;
      }
      idle[k] = 0; // another pod or container behind the IP, or it shut down: they were closed
    }
    t.stage[x] = Stage.upConnecting;
    t.synSent[x] = 0;
    this.sim.post(t.delay[x] as number, this.kSyn, tag(x, t.cgen[x] as number));
  }

  /** Upstream try x is on a connection to `pod`; the request reaches it after `legs` one-way delays. */
  private connected(x: number, pod: number, legs: number): void {
    const t = this.tries;
    t.pod[x] = pod;
    t.podGen[x] = this.servers.gen[pod] as number;
    t.serverHeld[x] = 1;
    t.stage[x] = Stage.upWaiting;
    t.errCause[x] = ErrorCause.slow_response;
    const d = t.delay[x] as number;
    t.upStart[x] = this.sim.now + (legs - 1) * d;
    const inbound = this.deps.serverSidecar
      ? this.latency.sample(
          this.latencyRng.rngFor(
            t.req[x] as number,
            t.tryNo[x] as number,
            t.upTries[t.parent[x] as number] as number,
          ),
        )
      : 0;
    this.host.deliverToPod(x, legs * d + inbound);
  }

  private onSyn(arg: number): void {
    const x = tagIndex(arg);
    const t = this.tries;
    if (t.cgen[x] !== tagGen(arg)) return;
    const pod = answerSyn(this.syn, t, x, arg, this.deps.connectTimeout, this.kSyn, this.kConnFail);
    if (pod < 0) return;
    // The new connection belongs to the pool of (proxy, slot, host) from now on.
    const h = this.hostOf(x);
    if (h >= 0) {
      const p = this.proxyOf(x);
      const k = this.slotOf(x) * (this.bal[p] as MeshBalancer).size + h;
      const gen = this.servers.gen[pod] as number;
      const cp = this.connPod[p] as Int32Array;
      const cg = this.connGen[p] as Int32Array;
      const idle = this.idle[p] as Int32Array;
      if (cp[k] !== pod || cg[k] !== gen) idle[k] = 0;
      cp[k] = pod;
      cg[k] = gen;
      if (this.deps.multiplexed) idle[k] = 1;
    }
    // SYN-ACK back to the proxy, then the request: two more one-way delays.
    this.connected(x, pod, 2);
  }

  private onConnFail(arg: number): void {
    const x = tagIndex(arg);
    const t = this.tries;
    if (t.cgen[x] !== tagGen(arg)) return;
    const kind = t.errKind[x] as ErrorKind;
    const timeout = kind === ErrorKind.connect_timeout;
    const h = this.hostOf(x);
    const outcome = timeout
      ? UpstreamOutcome.connectTimeout
      : kind === ErrorKind.host_unreachable
        ? UpstreamOutcome.unreachable
        : UpstreamOutcome.refused;
    this.ended(x, h, outcome, 0, false);
    const s = this.deps.statuses;
    this.tryFailed(
      x,
      kind,
      t.errCause[x] as ErrorCause,
      this.deps.retry.connectFailure,
      timeout ? s.connectTimeout : s.refused,
    );
  }

  private onResp(arg: number): void {
    const x = tagIndex(arg);
    const t = this.tries;
    if (t.cgen[x] !== tagGen(arg)) return;
    const status = t.status[x] as number;
    const h = this.hostOf(x);
    this.ended(x, h, status >= 500 ? UpstreamOutcome.httpError : UpstreamOutcome.ok, status, true);
    // HTTP/1.1: the connection goes back to its pool (idle) for the next request.
    if (h >= 0 && !this.deps.multiplexed) {
      const p = this.proxyOf(x);
      const k = this.slotOf(x) * (this.bal[p] as MeshBalancer).size + h;
      const pod = t.pod[x] as number;
      if (
        (this.connPod[p] as Int32Array)[k] === pod &&
        (this.connGen[p] as Int32Array)[k] === (t.podGen[x] as number)
      ) {
        const idle = this.idle[p] as Int32Array;
        idle[k] = (idle[k] as number) + 1;
      }
    }
    if (status !== HTTP_OK && this.statusRetry.has(status)) {
      this.tryFailed(x, statusKind(status), t.errCause[x] as ErrorCause, true, status);
      return;
    }
    const a = t.parent[x] as number;
    const pod = t.pod[x] as number;
    const cause = status === HTTP_OK ? ErrorCause.slow_response : (t.errCause[x] as ErrorCause);
    this.finishChild(x);
    this.host.respondToClient(a, status, cause, pod);
  }

  /** Reports how upstream try x ended to its proxy's balancer (h: its host, -1 gone). */
  private ended(
    x: number,
    h: number,
    outcome: UpstreamOutcome,
    status: number,
    sent: boolean,
  ): void {
    if (h < 0) return;
    const t = this.tries;
    const now = this.sim.now;
    const res = this.result;
    res.outcome = outcome;
    res.status = status;
    res.connectTime =
      (t.pod[x] as number) >= 0
        ? (t.upStart[x] as number) - (t.connStart[x] as number)
        : Number.NaN;
    res.responseTime = sent ? now - (t.upStart[x] as number) : Number.NaN;
    (this.bal[this.proxyOf(x)] as MeshBalancer).requestEnded(h, res, now);
  }

  /**
   * Upstream try x failed (`retriable` per the policy for this kind of failure): retry after the
   * back-off while retries are left, else answer the client with `status`.
   */
  private tryFailed(
    x: number,
    kind: ErrorKind,
    cause: ErrorCause,
    retriable: boolean,
    status: number,
  ): void {
    const t = this.tries;
    const now = this.sim.now;
    const a = t.parent[x] as number;
    this.finishChild(x);
    t.errKind[a] = kind;
    t.errCause[a] = cause;
    const retry = this.deps.retry;
    const done = (t.upTries[a] as number) - 1;
    if (retriable && done < retry.attempts) {
      this.ledger.attemptFailed(now, kind, cause);
      const n = done + 1;
      const ceiling = Math.min((2 ** n - 1) * retry.baseInterval, retry.maxInterval);
      const wait =
        ceiling > 0
          ? ceiling * this.backoffRng.rngFor(t.req[a] as number, t.tryNo[a] as number, n).next()
          : 0;
      this.sim.post(wait, this.kRetry, tag(a, t.cgen[a] as number));
      return;
    }
    this.host.respondToClient(a, status, cause, -1);
  }

  /** The proxy is done with upstream try x; the pod may still hold it. */
  private finishChild(x: number): void {
    const t = this.tries;
    const a = t.parent[x] as number;
    if (a >= 0 && t.child[a] === x) t.child[a] = -1;
    t.parent[x] = -1;
    this.host.releaseClient(x);
  }
}

/** Registry entry (./hops.ts): config is MeshDeps. */
export const meshHop: HopDescriptor<MeshDeps> = {
  name: 'mesh',
  create: (ctx, deps) => new MeshHop(ctx, deps),
};
