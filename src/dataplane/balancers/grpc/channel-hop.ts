import type { PodId } from '../../../cluster/types.js';
import type { EndpointFeed } from '../../../control-plane/endpoint-state.js';
import type { Distribution } from '../../../engine/distributions/index.js';
import type { EventKind, KeyedStream, Simulation } from '../../../engine/index.js';
import type { ClusterDnsOptions } from '../../discovery/coredns-cache.js';
import { GrpcResolvers, HeadlessDns } from '../../discovery/headless-dns.js';
import type { HopContext, HopDescriptor, HopHost, L7Hop } from '../../path/hop.js';
import { Stage, type TryPool, tag, tagGen, tagIndex } from '../../pools.js';
import { ErrorCause, ErrorKind } from '../../types.js';
import { carryOver } from '../endpoint-carry.js';
import type { GrpcOptions } from './options.js';
import { GrpcPickFirst, PickFirstState } from './pick-first.js';
import { GrpcRoundRobin } from './round-robin.js';
import { RpcQueue } from './rpc-queue.js';
import { type DialerHost, SubchannelDialer } from './subchannel-dialer.js';
import { SubchannelPool, SubState } from './subchannels.js';

/** What the gRPC hop is built from (the registry's `hop(options, env)`). */
export interface GrpcDeps {
  readonly policy: 'pick_first' | 'round_robin';
  readonly options: GrpcOptions;
  /** The Service's EndpointSlices (CoreDNS's informers watch them). */
  readonly feed: EndpointFeed;
  readonly watchDelay: Distribution;
  readonly dns: ClusterDnsOptions;
}

const HTTP_OK = 200;
/** keepalive.ServerParameters: "a random jitter of +/-10% will be added to MaxConnectionAge". */
const AGE_JITTER = 0.1;

/**
 * A gRPC client library that balances itself (placement 3 in src/dataplane/path/hop.ts): one
 * grpc-go channel per client over a headless Service. The channel's DNS resolver
 * (GrpcResolvers: first lookup at start, then only after ResolveNow, never sooner than
 * MinResolutionInterval after the last) feeds its LB policy, `pick_first` or `round_robin`; each
 * subchannel is one long-lived HTTP/2 connection that carries every RPC the policy sends it
 * (no per-request connection cost). Connection attempts follow grpc's connection-backoff.md:
 * a deadline of max(MinConnectTimeout, current backoff) bounded by the kernel's SYN give-up, a
 * failure sends ResolveNow and the subchannel to TRANSIENT_FAILURE, the next attempt after
 * the backoff (1 s x 1.6^n +-20 %, at most 120 s); a READY connection resets the backoff.
 * Any connection loss (reset, GOAWAY) sends ResolveNow and the subchannel to IDLE (grpc-go
 * clientconn.go, addrConn's onClose: "Refresh the name resolver on any connection loss");
 * round_robin reconnects an IDLE subchannel at once, pick_first waits for the next RPC and
 * walks its current list from the start. RPCs wait (queued) while the channel is CONNECTING or
 * IDLE and fail UNAVAILABLE in TRANSIENT_FAILURE (sticky: a subchannel that failed stays so until
 * READY), unless `waitForReady`. No retry policy (grpc-go's default service config has none):
 * the workload's retries are the application's. Servers with `maxConnectionAge` send GOAWAY
 * (+-10 % jitter): the connection drains (RPCs on it finish, or are closed after
 * `maxConnectionAgeGrace`) while the subchannel reconnects. A pod's graceful shutdown sends
 * GOAWAY on its connections; its death resets them. See docs/MODEL.md, gRPC (wired).
 */
export class GrpcChannelHop implements L7Hop, DialerHost {
  private readonly sim: Simulation;
  private readonly tries: TryPool;
  private readonly host: HopHost;
  private readonly deps: GrpcDeps;
  private readonly go: GrpcOptions;
  private readonly clientNode: Int32Array;
  private readonly keyedStream: (name: string) => KeyedStream;
  private readonly rr: boolean;
  private readonly subs = new SubchannelPool(64);
  private resolvers: GrpcResolvers | null = null;

  /** Per client: its LB policy (one of the two arrays is used). */
  private readonly rrs: GrpcRoundRobin[] = [];
  private readonly pfs: GrpcPickFirst[] = [];
  /** Per client: the subchannel of each address index of its policy's list (-1 none). */
  private readonly cur: Int32Array[] = [];
  /** Per client: 1 once its resolver produced addresses; 1 while its first lookup failed. */
  private readonly resolved: Uint8Array;
  private readonly resolverFailed: Uint8Array;
  /** pick_first: a walk failed and no connection was READY since (sticky TRANSIENT_FAILURE). */
  private readonly pfSticky: Uint8Array;
  /** pick_first: backoff index of the walks, and the walk timer's generation. */
  private readonly pfBackoff: Int32Array;
  private readonly pfGen: Int32Array;
  /** Last connection error of each client (what an RPC failing UNAVAILABLE reports). */
  private readonly lastKind: Uint8Array;
  private readonly lastCause: Uint8Array;
  /** DNS answers (addresses) each channel's policy holds, for the metrics. */
  readonly answers: Int32Array;
  /** Picker rebuild draws, keyed (client, rebuild ordinal). */
  private readonly pickerRng: KeyedStream;
  private readonly pickerOrdinal: Float64Array;
  /** Connection-age jitter, keyed (client, connection ordinal). */
  private readonly ageRng: KeyedStream;
  private readonly queue: RpcQueue;
  private readonly dialer: SubchannelDialer;
  private readonly ageOrdinal: Float64Array;
  private readonly kStart: EventKind;
  private readonly kReconnect: EventKind;
  private readonly kGoaway: EventKind;
  private readonly kGraceEnd: EventKind;
  private readonly kPfWalk: EventKind;

  constructor(ctx: HopContext, deps: GrpcDeps) {
    const sim = ctx.sim;
    this.sim = sim;
    this.tries = ctx.tries;
    this.host = ctx.host;
    this.deps = deps;
    this.go = deps.options;
    this.clientNode = ctx.clientNode;
    this.keyedStream = ctx.keyedStream;
    this.rr = deps.policy === 'round_robin';
    const n = ctx.clientNode.length;
    if (ctx.clientNode.some((node) => node < 0)) {
      throw new RangeError(
        'workload.clients.location: the gRPC balancers resolve a headless Service in cluster DNS: expected `internal` clients, got `external`',
      );
    }
    this.resolved = new Uint8Array(n);
    this.resolverFailed = new Uint8Array(n);
    this.pfSticky = new Uint8Array(n);
    this.pfBackoff = new Int32Array(n);
    this.pfGen = new Int32Array(n);
    this.lastKind = new Uint8Array(n).fill(ErrorKind.no_endpoints);
    this.lastCause = new Uint8Array(n).fill(ErrorCause.no_endpoints);
    this.answers = new Int32Array(n);
    this.pickerRng = ctx.keyedStream('grpc:picker');
    this.pickerOrdinal = new Float64Array(n);
    this.ageRng = ctx.keyedStream('grpc:connection-age');
    this.queue = new RpcQueue(ctx.tries, n);
    this.dialer = new SubchannelDialer(
      sim,
      this.subs,
      {
        truth: ctx.truth,
        servers: ctx.servers,
        network: ctx.network,
        path: ctx.options,
        grpc: deps.options,
        clientNode: ctx.clientNode,
        keyedStream: ctx.keyedStream,
      },
      this,
    );
    this.ageOrdinal = new Float64Array(n);
    const empty = new Uint32Array(0);
    for (let c = 0; c < n; c++) {
      this.cur.push(new Int32Array(0));
      if (this.rr) this.rrs.push(new GrpcRoundRobin(empty, this.pickerRngFor(c)));
      else this.pfs.push(new GrpcPickFirst(empty));
    }
    this.kStart = sim.register('grpc:start', () => this.start());
    this.kReconnect = sim.register('grpc:reconnect', (a) => this.onReconnect(a));
    this.kGoaway = sim.register('grpc:goaway', (a) => this.onGoaway(a));
    this.kGraceEnd = sim.register('grpc:grace-end', (a) => this.onGraceEnd(a));
    this.kPfWalk = sim.register('grpc:pick-first-walk', (a) => this.onPfWalk(a));
    // The channels are built when the run starts, after the controller's initial write (the
    // hop exists before it): CoreDNS's informers and the first lookups start then.
    sim.scheduleAt(sim.now, this.kStart, 0);
  }

  private start(): void {
    if (this.resolvers !== null) return;
    const d = this.deps;
    const dns = new HeadlessDns(
      d.feed,
      d.dns.replicas,
      { ttl: d.dns.ttl, cache: d.dns.cache, minTtl: d.dns.minTtl },
      d.watchDelay,
      this.keyedStream('coredns:watch'),
    );
    this.resolvers = new GrpcResolvers(
      this.sim,
      dns,
      this.clientNode.length,
      this.keyedStream('grpc:dns'),
      (c, addrs, ok) => this.resolverUpdate(c, addrs, ok),
      0,
      this.go.minResolutionInterval,
    );
  }

  // ---------------------------------------------------------------- metrics

  /** READY subchannels of client c's channel. */
  readySubchannels(c: number): number {
    if (this.rr) return (this.rrs[c] as GrpcRoundRobin).readyCount;
    return (this.pfs[c] as GrpcPickFirst).state === PickFirstState.ready ? 1 : 0;
  }

  /** Number of clients (channels). */
  get channels(): number {
    return this.clientNode.length;
  }

  /** DNS lookups client c's resolver ran so far. */
  lookups(c: number): number {
    return this.resolvers?.resolvers[c]?.lookups ?? 0;
  }

  // ---------------------------------------------------------------- L7Hop

  accept(r: number): void {
    const t = this.tries;
    t.stage[r] = Stage.atProxy;
    t.child[r] = -1;
    t.conn[r] = -1;
    t.delay[r] = 0;
    if (this.resolvers === null) this.start();
    this.route(r, t.client[r] as number);
  }

  upstreamResponded(x: number): void {
    const t = this.tries;
    const r = t.parent[x] as number;
    this.rpcDone(x);
    const status = t.status[x] as number;
    t.delay[r] = t.delay[x] as number;
    const pod = t.pod[x] as number;
    const cause = status === HTTP_OK ? ErrorCause.slow_response : (t.errCause[x] as ErrorCause);
    this.detach(x);
    this.host.respondToClient(r, status, cause, pod);
  }

  upstreamFailed(x: number, kind: ErrorKind, cause: ErrorCause): void {
    const t = this.tries;
    const r = t.parent[x] as number;
    const s = this.rpcDone(x);
    // The RPC's connection is broken (reset, or dead after the peer timeout).
    if (s >= 0) this.connectionLost(s, kind, cause);
    this.detach(x);
    this.host.failAfter(r, kind, cause, 0);
  }

  abandon(r: number): void {
    const t = this.tries;
    if (this.queue.has(r)) {
      this.queue.remove(r);
      return;
    }
    const x = t.child[r] as number;
    if (x < 0) return;
    // RST_STREAM: the connection stays; the pod keeps working on the request.
    this.rpcDone(x);
    this.detach(x);
  }

  diesWith(): boolean {
    // The library runs in the client: its node's failure already ends the client.
    return false;
  }

  serverClosing(pod: PodId): void {
    const k = this.subs;
    for (let s = 0; s < k.extent; s++) {
      if (k.state[s] === SubState.ready && k.pod[s] === pod) this.goaway(s);
    }
  }

  serverReset(pod: PodId): void {
    const k = this.subs;
    for (let s = 0; s < k.extent; s++) {
      const st = k.state[s];
      if ((st === SubState.ready || st === SubState.draining) && k.pod[s] === pod) {
        this.connectionLost(s, ErrorKind.reset, ErrorCause.pod_killed);
      }
    }
  }

  // ---------------------------------------------------------------- RPCs

  /** Sends RPC `r` of client c on a READY subchannel, queues it, or fails it UNAVAILABLE. */
  private route(r: number, c: number): void {
    const i = this.pick(c);
    if (i >= 0) {
      this.send(r, (this.cur[c] as Int32Array)[i] as number);
      return;
    }
    if (this.inTransientFailure(c) && !this.go.waitForReady) {
      this.host.failAfter(r, this.lastKind[c] as ErrorKind, this.lastCause[c] as ErrorCause, 0);
      return;
    }
    // pick_first IDLE: the pick asks the policy to exit idle (a new walk from the start).
    if (!this.rr && (this.pfs[c] as GrpcPickFirst).state === PickFirstState.idle)
      this.pfStartWalk(c);
    this.queue.push(r, c);
  }

  private pick(c: number): number {
    return this.rr ? (this.rrs[c] as GrpcRoundRobin).pick() : (this.pfs[c] as GrpcPickFirst).pick();
  }

  /**
   * The channel's aggregate state is TRANSIENT_FAILURE: no READY subchannel and none connecting
   * for the first time since it was created or last READY (sticky TF), or a resolver that
   * never produced an address.
   */
  private inTransientFailure(c: number): boolean {
    if (this.resolved[c] === 0) return this.resolverFailed[c] === 1;
    if (!this.rr) {
      const pf = this.pfs[c] as GrpcPickFirst;
      return pf.state === PickFirstState.transientFailure || this.pfSticky[c] === 1;
    }
    const subs = this.cur[c] as Int32Array;
    if (subs.length === 0) return true;
    const k = this.subs;
    for (let i = 0; i < subs.length; i++) {
      const s = subs[i] as number;
      if (s >= 0 && k.sticky[s] === 0) return false;
    }
    return true;
  }

  private send(r: number, s: number): void {
    const t = this.tries;
    const k = this.subs;
    const x = t.alloc();
    t.parent[x] = r;
    t.child[r] = x;
    t.client[x] = t.client[r] as number;
    t.arrivedAt[x] = t.arrivedAt[r] as number;
    t.demand[x] = t.demand[r] as number;
    t.req[x] = t.req[r] as number;
    t.tryNo[x] = t.tryNo[r] as number;
    t.peer[x] = s;
    t.cfg[x] = k.gen[s] as number;
    t.conn[x] = -1;
    t.ip[x] = k.ip[s] as number;
    t.pod[x] = k.pod[s] as number;
    t.podGen[x] = k.podGen[s] as number;
    const d = k.delay[s] as number;
    t.delay[x] = d;
    t.clientHeld[x] = 1;
    t.serverHeld[x] = 1;
    t.stage[x] = Stage.upWaiting;
    t.errCause[x] = ErrorCause.slow_response;
    k.active[s] = (k.active[s] as number) + 1;
    this.host.deliverToPod(x, d);
  }

  /** RPC x is no longer on its connection: the subchannel it was on (-1 if that one is gone). */
  private rpcDone(x: number): number {
    const t = this.tries;
    const k = this.subs;
    const s = t.peer[x] as number;
    if (s < 0 || k.gen[s] !== t.cfg[x]) return -1;
    t.peer[x] = -1;
    const active = (k.active[s] as number) - 1;
    k.active[s] = active;
    if (active === 0 && k.state[s] === SubState.draining) this.free(s);
    return s;
  }

  private detach(x: number): void {
    const t = this.tries;
    const r = t.parent[x] as number;
    if (r >= 0 && t.child[r] === x) t.child[r] = -1;
    t.parent[x] = -1;
    this.host.releaseClient(x);
  }

  /** The channel's state changed: send what can be sent, fail what TRANSIENT_FAILURE fails. */
  private pump(c: number): void {
    for (;;) {
      const r = this.queue.first(c);
      if (r === -1) return;
      const i = this.pick(c);
      if (i >= 0) {
        this.queue.remove(r);
        this.send(r, (this.cur[c] as Int32Array)[i] as number);
        continue;
      }
      if (!this.inTransientFailure(c) || this.go.waitForReady) return;
      this.queue.remove(r);
      this.host.failAfter(r, this.lastKind[c] as ErrorKind, this.lastCause[c] as ErrorCause, 0);
    }
  }

  // ---------------------------------------------------------------- resolver

  private resolverUpdate(c: number, addrs: Uint32Array, ok: boolean): void {
    if (!ok) {
      // An empty answer is rejected (ErrBadResolverState): the policy keeps what it has; a
      // channel that never had addresses is in TRANSIENT_FAILURE.
      if (this.resolved[c] === 0) {
        this.resolverFailed[c] = 1;
        this.lastKind[c] = ErrorKind.no_endpoints;
        this.lastCause[c] = ErrorCause.no_endpoints;
        this.pump(c);
      }
      return;
    }
    const first = this.resolved[c] === 0;
    this.resolved[c] = 1;
    this.resolverFailed[c] = 0;
    this.answers[c] = addrs.length;
    if (this.rr) this.rrUpdate(c, addrs);
    else this.pfUpdate(c, addrs, first);
    this.pump(c);
  }

  /** round_robin: keep the subchannels of addresses that stay, connect new ones, drop the rest. */
  private rrUpdate(c: number, addrs: Uint32Array): void {
    const rr = this.rrs[c] as GrpcRoundRobin;
    const old = this.cur[c] as Int32Array;
    const from = carryOver(rr.addresses, addrs);
    const next = new Int32Array(addrs.length).fill(-1);
    const kept = new Uint8Array(old.length);
    for (let j = 0; j < addrs.length; j++) {
      const i = from[j] as number;
      const sub = i >= 0 ? (old[i] as number) : -1;
      if (sub >= 0) {
        next[j] = sub;
        this.subs.index[sub] = j;
        kept[i] = 1;
      }
    }
    for (let i = 0; i < old.length; i++) if (kept[i] === 0) this.shutdown(old[i] as number);
    this.cur[c] = next;
    rr.setAddresses(addrs, this.pickerRngFor(c));
    for (let j = 0; j < addrs.length; j++) {
      if ((next[j] as number) < 0) next[j] = this.newSubchannel(c, j, addrs[j] as number);
    }
  }

  /** pick_first: keep a READY address that stays; otherwise walk the new list. */
  private pfUpdate(c: number, addrs: Uint32Array, first: boolean): void {
    const pf = this.pfs[c] as GrpcPickFirst;
    const old = this.cur[c] as Int32Array;
    const restart = pf.setAddresses(addrs);
    const next = new Int32Array(addrs.length).fill(-1);
    if (!restart && pf.state === PickFirstState.ready) {
      // The READY subchannel stays, at its address's new index.
      const keep = old.find((s) => s >= 0 && this.subs.state[s] === SubState.ready) ?? -1;
      next[pf.current] = keep;
      if (keep >= 0) this.subs.index[keep] = pf.current;
      for (const s of old) if (s >= 0 && s !== keep) this.shutdown(s);
      this.cur[c] = next;
      return;
    }
    for (const s of old) if (s >= 0) this.shutdown(s);
    this.cur[c] = next;
    // A new list while connecting or in TRANSIENT_FAILURE starts a walk; so does the first one.
    if (restart || first) this.pfStartWalk(c);
  }

  /** pick_first exits IDLE: connect to the first address of the current list. */
  private pfStartWalk(c: number): void {
    const pf = this.pfs[c] as GrpcPickFirst;
    this.pfGen[c] = ((this.pfGen[c] as number) + 1) | 0;
    const i = pf.startConnecting();
    if (i < 0) {
      this.pfSticky[c] = 1;
      return;
    }
    const cur = this.cur[c] as Int32Array;
    for (let j = 0; j < cur.length; j++) {
      const s = cur[j] as number;
      if (s >= 0) this.shutdown(s);
      cur[j] = -1;
    }
    cur[i] = this.newSubchannel(c, i, pf.addresses[i] as number);
  }

  private onPfWalk(arg: number): void {
    const c = tagIndex(arg);
    if (this.pfGen[c] !== tagGen(arg)) return;
    const pf = this.pfs[c] as GrpcPickFirst;
    if (pf.state === PickFirstState.transientFailure) this.pfStartWalk(c);
  }

  // ---------------------------------------------------------------- subchannels

  private newSubchannel(c: number, index: number, ip: number): number {
    const k = this.subs;
    const s = k.alloc();
    k.client[s] = c;
    k.index[s] = index;
    k.ip[s] = ip;
    this.dialer.connect(s);
    return s;
  }

  /** DialerHost: subchannel s is READY. */
  subchannelReady(s: number): void {
    const k = this.subs;
    const c = k.client[s] as number;
    const now = this.sim.now;
    if (Number.isFinite(this.go.maxConnectionAge)) {
      const o = this.ageOrdinal[c] as number;
      this.ageOrdinal[c] = o + 1;
      const u = this.ageRng.rngFor(c, o).next();
      // The server's age timer starts at its accept (one delay ago); its GOAWAY travels back.
      const age = this.go.maxConnectionAge * (1 + AGE_JITTER * (2 * u - 1));
      this.sim.scheduleAt(now + age, this.kGoaway, tag(s, k.gen[s] as number));
    }
    if (this.rr) {
      (this.rrs[c] as GrpcRoundRobin).setReady(k.index[s] as number, true, this.pickerRngFor(c));
    } else {
      (this.pfs[c] as GrpcPickFirst).connected();
      this.pfSticky[c] = 0;
      this.pfBackoff[c] = 0;
    }
    this.pump(c);
  }

  /** DialerHost: the attempt failed (RST, or no answer by the deadline): TRANSIENT_FAILURE, backoff. */
  subchannelFailed(s: number): void {
    const k = this.subs;
    const c = k.client[s] as number;
    this.lastKind[c] = k.kind[s] as number;
    this.lastCause[c] = k.cause[s] as number;
    this.resolveNow(c);
    if (this.rr) {
      k.state[s] = SubState.transientFailure;
      k.sticky[s] = 1;
      const wait = k.backoffFor[s] as number;
      k.backoffIdx[s] = (k.backoffIdx[s] as number) + 1;
      this.sim.schedule(wait, this.kReconnect, tag(s, k.gen[s] as number));
    } else {
      const pf = this.pfs[c] as GrpcPickFirst;
      const cur = this.cur[c] as Int32Array;
      cur[k.index[s] as number] = -1;
      this.free(s);
      const i = pf.connectFailed();
      if (i >= 0) {
        cur[i] = this.newSubchannel(c, i, pf.addresses[i] as number);
      } else {
        this.pfSticky[c] = 1;
        const idx = this.pfBackoff[c] as number;
        this.pfBackoff[c] = idx + 1;
        const gen = ((this.pfGen[c] as number) + 1) | 0;
        this.pfGen[c] = gen;
        this.sim.schedule(this.dialer.backoffDelay(c, idx), this.kPfWalk, tag(c, gen));
      }
    }
    this.pump(c);
  }

  private onReconnect(arg: number): void {
    const s = tagIndex(arg);
    const k = this.subs;
    if (k.gen[s] !== tagGen(arg) || k.state[s] !== SubState.transientFailure) return;
    k.gen[s] = ((k.gen[s] as number) + 1) | 0;
    this.dialer.connect(s);
  }

  /** ResolveNow from client c's channel (a connection lost or an attempt failed). */
  private resolveNow(c: number): void {
    this.resolvers?.resolveNow(c);
  }

  /**
   * Subchannel s's connection is gone (reset, closed, or dead): ResolveNow; the subchannel
   * goes IDLE: round_robin reconnects at once (a fresh attempt, backoff reset by the READY
   * before), pick_first waits for the next RPC. RPCs still on it fail on their own.
   */
  private connectionLost(s: number, kind: ErrorKind, cause: ErrorCause): void {
    const k = this.subs;
    const c = k.client[s] as number;
    this.lastKind[c] = kind;
    this.lastCause[c] = cause;
    const current = this.isCurrent(s);
    const wasReady = k.state[s] === SubState.ready;
    this.resolveNow(c);
    if (!current) {
      this.free(s);
      return;
    }
    if (this.rr) {
      if (wasReady) {
        (this.rrs[c] as GrpcRoundRobin).setReady(k.index[s] as number, false, this.pickerRngFor(c));
      }
      k.gen[s] = ((k.gen[s] as number) + 1) | 0;
      k.active[s] = 0;
      this.dialer.connect(s);
    } else {
      (this.cur[c] as Int32Array)[k.index[s] as number] = -1;
      this.free(s);
      (this.pfs[c] as GrpcPickFirst).connectionLost();
      // RPCs waiting (none while READY) start the walk again.
      if (this.queue.first(c) !== -1) this.pfStartWalk(c);
    }
    this.pump(c);
  }

  /**
   * GOAWAY on subchannel s's connection (the server's MaxConnectionAge, or its graceful
   * shutdown): no new RPC on it; it closes when its RPCs are done (or at the grace's end); the
   * subchannel goes IDLE and ResolveNow is sent, as for any connection loss.
   */
  private goaway(s: number): void {
    const k = this.subs;
    const c = k.client[s] as number;
    const current = this.isCurrent(s);
    const i = k.index[s] as number;
    k.state[s] = SubState.draining;
    if ((k.active[s] as number) === 0) this.free(s);
    else if (Number.isFinite(this.go.maxConnectionAgeGrace)) {
      this.sim.schedule(this.go.maxConnectionAgeGrace, this.kGraceEnd, tag(s, k.gen[s] as number));
    }
    this.resolveNow(c);
    if (!current) return;
    const cur = this.cur[c] as Int32Array;
    cur[i] = -1;
    if (this.rr) {
      const rr = this.rrs[c] as GrpcRoundRobin;
      rr.setReady(i, false, this.pickerRngFor(c));
      cur[i] = this.newSubchannel(c, i, rr.addresses[i] as number);
    } else {
      (this.pfs[c] as GrpcPickFirst).connectionLost();
      if (this.queue.first(c) !== -1) this.pfStartWalk(c);
    }
    this.pump(c);
  }

  private onGoaway(arg: number): void {
    const s = tagIndex(arg);
    const k = this.subs;
    if (k.gen[s] !== tagGen(arg) || k.state[s] !== SubState.ready) return;
    this.goaway(s);
  }

  /** MaxConnectionAgeGrace is over: the server closes the connection; its RPCs fail. */
  private onGraceEnd(arg: number): void {
    const s = tagIndex(arg);
    const k = this.subs;
    if (k.gen[s] !== tagGen(arg) || k.state[s] !== SubState.draining) return;
    const t = this.tries;
    const gen = k.gen[s] as number;
    for (let x = 0; x < t.extent; x++) {
      if (t.peer[x] !== s || t.cfg[x] !== gen || (t.parent[x] as number) < 0) continue;
      if (t.clientHeld[x] !== 1) continue;
      const r = t.parent[x] as number;
      this.rpcDone(x);
      this.detach(x);
      this.host.failAfter(r, ErrorKind.reset, ErrorCause.slow_response, 0);
    }
    if (k.state[s] === SubState.draining) this.free(s);
  }

  /** Whether s is the subchannel its client's policy holds for its address index. */
  private isCurrent(s: number): boolean {
    const k = this.subs;
    const st = k.state[s];
    if (st === SubState.free || st === SubState.draining) return false;
    const cur = this.cur[k.client[s] as number] as Int32Array;
    return cur[k.index[s] as number] === s;
  }

  /** Subchannel s is removed from its policy: drain its connection (RPCs finish) or free it. */
  private shutdown(s: number): void {
    const k = this.subs;
    if (k.state[s] === SubState.ready && (k.active[s] as number) > 0) {
      k.state[s] = SubState.draining;
      return;
    }
    this.free(s);
  }

  private free(s: number): void {
    this.subs.release(s);
  }

  private pickerRngFor(c: number) {
    const o = this.pickerOrdinal[c] as number;
    this.pickerOrdinal[c] = o + 1;
    return this.pickerRng.rngFor(c, o);
  }
}

/** Registry entry (src/dataplane/path/hops.ts): config is GrpcDeps. */
export const grpcHop: HopDescriptor<GrpcDeps> = {
  name: 'grpc',
  create: (ctx: HopContext, deps: GrpcDeps) => new GrpcChannelHop(ctx, deps),
};
