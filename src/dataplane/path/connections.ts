import { type GroundTruth, NO_POD, type NodeId, type PodId } from '../../cluster/types.js';
import type { EventKind, KeyedStream, Simulation } from '../../engine/index.js';
import { DeadlineQueue } from '../deadline-queue.js';
import { ProgrammedTable } from '../endpoint-table.js';
import { ExternalLb } from '../external-lb.js';
import type { RequestPathOptions } from '../path-options.js';
import type { PodServers } from '../pod-server.js';
import { type ConnPool, ConnState, Stage, type TryPool, tag, tagGen, tagIndex } from '../pools.js';
import { type EndpointTable, ErrorCause, ErrorKind, type L4Balancer } from '../types.js';
import type { ClientPool } from './client-pool.js';
import { type Network, refusalCause } from './network.js';

/**
 * Where each node's programmed table lives: kube-proxy (src/dataplane/kube-proxy.ts), the one
 * home of every table. The connections only read it, at each dial.
 */
export interface NodeTables {
  /** The node's programmed table; undefined before its first sync or once the node failed. */
  table(node: NodeId): EndpointTable | undefined;
  /**
   * Its node-local usable subset (local ready endpoints, else local serving-terminating ones,
   * KEP-1669; pkg/proxy/topology.go CategorizeEndpoints), for traffic policy Local.
   */
  localTable(node: NodeId): EndpointTable | undefined;
}

/**
 * A headless Service's name resolution for the pool route (src/dataplane/discovery/
 * headless-dns.ts HeadlessLookups): the pod IP a new connection of `client` goes to, or -1.
 */
export interface ClientResolver {
  firstAddress(client: number): number;
}

/** What the connections call back through (the coordinator). */
export interface ConnectionsHost {
  /** Try `r` failed now (no retry decided here). */
  failTry(r: number, kind: ErrorKind, cause: ErrorCause): void;
  /** Try `r` gets an error after `delay` (an RST or ICMP on its way). */
  failAfter(r: number, kind: ErrorKind, cause: ErrorCause, delay: number): void;
  /** Try `r`, sent on a connection, reaches its pod at time `at`. */
  deliverToPodAt(r: number, at: number): void;
}

const EMPTY: EndpointTable = ProgrammedTable.empty();

/**
 * The clients' TCP connections on the L4 route: dial through the entry node (the external LB's
 * choice for external clients), the node's L4 balancer picking from its programmed table
 * (DNAT, pinned by conntrack for the connection's life), the SYN and its retransmissions,
 * refusal / timeout / EHOSTUNREACH, established connections with their lifetime and idle
 * timeout, and the list of each pod's connections (closed when the pod's server stops).
 * See docs/MODEL.md, connections.
 */
export class Connections {
  readonly k: ConnPool;
  readonly externalLb: ExternalLb | null;
  /** Head of each pod's list of established connections (threaded through podNext/podPrev). */
  private podConns = new Int32Array(64).fill(-1);

  private readonly sim: Simulation;
  private readonly truth: GroundTruth;
  private readonly servers: PodServers;
  private readonly tries: TryPool;
  private readonly pool: ClientPool;
  private readonly net: Network;
  private readonly o: RequestPathOptions;
  private readonly balancers: readonly L4Balancer[];
  private readonly tables: NodeTables | null;
  /** Headless Service: connections go to the pod IP DNS answers, no node balancer. */
  private readonly dns: ClientResolver | null;
  private readonly host: ConnectionsHost;
  private readonly local: boolean;
  /** External LB's choice of node per connection, keyed by (client, dial ordinal). */
  private readonly lbRng: KeyedStream;
  /** Connections each client has dialled (the external LB key's ordinal). */
  private readonly dials: Float64Array;
  /** Lifetime jitter keyed by (client, ordinal of its connection): the same in every balancer's run. */
  private readonly lifetimeRng: KeyedStream;
  /** Connections each client has established so far (the lifetime key's ordinal). */
  private readonly established: Float64Array;
  private readonly giveUp: number;
  private readonly idleQ: DeadlineQueue | null;

  private readonly kSyn: EventKind;
  private readonly kRefused: EventKind;
  private readonly kGiveUp: EventKind;

  constructor(
    sim: Simulation,
    parts: {
      readonly truth: GroundTruth;
      readonly servers: PodServers;
      readonly tries: TryPool;
      readonly conns: ConnPool;
      readonly pool: ClientPool;
      readonly network: Network;
      readonly options: RequestPathOptions;
      readonly balancers: readonly L4Balancer[];
      readonly tables: NodeTables | null;
      readonly keyedStream: (name: string) => KeyedStream;
      /** A headless Service (`service.clusterIP: None`): clients dial DNS answers. */
      readonly dns?: ClientResolver | null;
    },
    host: ConnectionsHost,
  ) {
    this.sim = sim;
    this.truth = parts.truth;
    this.servers = parts.servers;
    this.tries = parts.tries;
    this.k = parts.conns;
    this.pool = parts.pool;
    this.net = parts.network;
    const o = parts.options;
    this.o = o;
    this.balancers = parts.balancers;
    this.tables = parts.tables;
    this.dns = parts.dns ?? null;
    this.host = host;
    this.local = o.trafficPolicy === 'Local';
    this.lbRng = parts.keyedStream('external-lb');
    this.lifetimeRng = parts.keyedStream('conn-lifetime');
    const nc = parts.pool.count;
    this.established = new Float64Array(nc);
    this.dials = new Float64Array(nc);
    this.giveUp = parts.network.silentGiveUp(o.timeouts.connect);
    this.kSyn = sim.register('conn:syn', (a) => this.onSyn(a));
    this.kRefused = sim.register('conn:refused', (a) => this.onConnFailed(a, false));
    this.kGiveUp = sim.register('conn:give-up', (a) => this.onConnFailed(a, true));
    this.idleQ =
      o.connections.mode !== 'per-request' && o.connections.idleTimeout > 0
        ? new DeadlineQueue(
            sim,
            'conn:idle-timeout',
            o.connections.idleTimeout,
            (c, stamp) =>
              this.k.state[c] === ConnState.established &&
              this.k.active[c] === 0 &&
              this.k.lastUsed[c] === stamp,
            (c) => this.closeIdle(c),
          )
        : null;
    const external = nc > 0 && parts.pool.node.some((n) => n === -1);
    this.externalLb = external
      ? new ExternalLb(sim, this.net.nodeCount, o.external, (n) => this.healthCheck(n))
      : null;
  }

  // ---------------------------------------------------------------- tables

  /** Kube-proxy programmed `node`: its L4 balancer learns the table it will pick from. */
  tableProgrammed(node: NodeId): void {
    if (this.balancers.length === 0) return;
    (this.balancers[node] as L4Balancer).tableProgrammed(this.usedTable(node));
  }

  /** The table dials through `node` pick from (its Local subset under traffic policy Local). */
  private usedTable(node: NodeId): EndpointTable {
    const s = this.tables as NodeTables;
    return (this.local ? s.localTable(node) : s.table(node)) ?? EMPTY;
  }

  /** kube-proxy's healthCheckNodePort answer for the external LB. */
  private healthCheck(node: NodeId): boolean {
    if (this.net.nodeDown[node] === 1) return false;
    if (!this.local) return true;
    // The health server counts local *ready* endpoints (EndpointsMap.LocalReadyEndpoints): a
    // node serving only through terminating pods reports unhealthy, so the LB drains it.
    const local = this.usedTable(node);
    return local.size > 0 && !local.usingTerminating;
  }

  // ---------------------------------------------------------------- dial

  /**
   * Opens a connection for client `c`: the entry node's balancer picks an endpoint from that
   * node's programmed table (DNAT, pinned by conntrack for the connection's life). If the table
   * REJECTs, the head waiting request fails at once (after the ICMP's trip for external clients).
   */
  dial(c: number, owner: number): void {
    const now = this.sim.now;
    const pool = this.pool;
    let node = pool.node[c] as number;
    let extDelay = 0;
    if (node === -1) {
      // Keyed by (client, its dial ordinal): the k-th connection of a client enters through the
      // same node under every balancer while the LB's healthy set is the same.
      const dials = this.dials[c] as number;
      this.dials[c] = dials + 1;
      node = (this.externalLb as ExternalLb).pick(this.lbRng.rngFor(c, dials));
      extDelay = this.net.halfExt;
    }
    if (this.net.nodeDown[node] === 1) {
      this.openStalled(c, ErrorCause.node_failure, extDelay, owner);
      return;
    }
    if (this.dns !== null) {
      this.dialDirect(c, node, owner);
      return;
    }
    const table = this.usedTable(node);
    let idx = -1;
    if (table.size > 0)
      idx = (this.balancers[node] as L4Balancer).pick(
        table,
        pool.ip[c] as number,
        pool.node[c] === -1,
      );
    if (idx < 0) {
      if (this.local && ((this.tables as NodeTables).table(node) ?? EMPTY).size > 0) {
        // "has no local endpoints" -> KUBE-MARK-DROP: the SYN vanishes, connect times out.
        this.openStalled(c, ErrorCause.no_endpoints, extDelay, owner);
        return;
      }
      // REJECT (ICMP port unreachable): ECONNREFUSED at once.
      let r = owner;
      if (r === -1) {
        r = pool.waitHead[c] as number;
        pool.unlinkWait(r);
      }
      if (extDelay === 0) this.host.failTry(r, ErrorKind.no_endpoints, ErrorCause.no_endpoints);
      else this.host.failAfter(r, ErrorKind.no_endpoints, ErrorCause.no_endpoints, 2 * extDelay);
      return;
    }
    const k = this.k;
    const conn = k.alloc();
    const ip = table.ips[idx] as number;
    k.client[conn] = c;
    k.ip[conn] = ip;
    k.lbNode[conn] = node;
    k.state[conn] = ConnState.connecting;
    k.delay[conn] = extDelay + this.net.oneWay(node, table.nodes[idx] as number);
    k.synStart[conn] = now;
    this.own(conn, owner);
    pool.conns[c] = (pool.conns[c] as number) + 1;
    pool.connecting[c] = (pool.connecting[c] as number) + 1;
    this.sim.post(k.delay[conn] as number, this.kSyn, tag(conn, k.gen[conn] as number));
  }

  /**
   * A headless Service: no ClusterIP, no DNAT. The client resolves the name and connects to
   * the pod IP itself (from node `node`); an empty answer (NXDOMAIN) fails the head request
   * with no_endpoints at once, as a REJECT would.
   */
  private dialDirect(c: number, node: NodeId, owner: number): void {
    const ip = (this.dns as ClientResolver).firstAddress(c);
    const pool = this.pool;
    if (ip < 0) {
      let r = owner;
      if (r === -1) {
        r = pool.waitHead[c] as number;
        pool.unlinkWait(r);
      }
      this.host.failTry(r, ErrorKind.no_endpoints, ErrorCause.no_endpoints);
      return;
    }
    const k = this.k;
    const conn = k.alloc();
    const pod = this.truth.podAt(ip);
    k.client[conn] = c;
    k.ip[conn] = ip;
    k.lbNode[conn] = -1;
    k.state[conn] = ConnState.connecting;
    k.delay[conn] =
      pod === NO_POD ? this.net.halfCross : this.net.oneWay(node, this.truth.nodeOf(pod));
    k.synStart[conn] = this.sim.now;
    this.own(conn, owner);
    pool.conns[c] = (pool.conns[c] as number) + 1;
    pool.connecting[c] = (pool.connecting[c] as number) + 1;
    this.sim.post(k.delay[conn] as number, this.kSyn, tag(conn, k.gen[conn] as number));
  }

  private own(conn: number, owner: number): void {
    this.k.owner[conn] = owner;
    if (owner >= 0) {
      this.tries.conn[owner] = conn;
      this.tries.connGen[owner] = this.k.gen[conn] as number;
    }
  }

  /** A connection whose SYN goes nowhere (dropped, or sent to a dead node). */
  private openStalled(c: number, cause: ErrorCause, delay: number, owner: number): void {
    const k = this.k;
    const pool = this.pool;
    const conn = k.alloc();
    this.own(conn, owner);
    k.client[conn] = c;
    k.ip[conn] = 0;
    k.lbNode[conn] = -1;
    k.state[conn] = ConnState.connecting;
    k.delay[conn] = delay;
    k.synStart[conn] = this.sim.now;
    k.cause[conn] = cause;
    pool.stall[c] = cause + 1;
    pool.conns[c] = (pool.conns[c] as number) + 1;
    pool.connecting[c] = (pool.connecting[c] as number) + 1;
    // A dropped SYN never gets EHOSTUNREACH: it waits for the connect timeout.
    k.synTry[conn] = 255;
    this.sim.post(this.giveUp, this.kGiveUp, tag(conn, k.gen[conn] as number));
  }

  /** The SYN (or a retransmission) reaches the endpoint IP: ground truth decides. */
  private onSyn(arg: number): void {
    const conn = tagIndex(arg);
    const k = this.k;
    if (k.gen[conn] !== tagGen(arg)) return;
    const pool = this.pool;
    const c = k.client[conn] as number;
    const ip = k.ip[conn] as number;
    const pod = this.truth.podAt(ip);
    const o = this.o;
    if (pod === NO_POD || !this.truth.isReachable(pod)) {
      // A retransmitted SYN restarts the IPVS entry's SYN_RECV timer on the balancing node.
      if (k.synTry[conn] !== 0 && (k.lbNode[conn] as number) >= 0)
        (this.balancers[k.lbNode[conn] as number] as L4Balancer).synRetransmitted?.(ip);
      const cause = pod === NO_POD ? ErrorCause.stale_endpoint : ErrorCause.node_failure;
      k.cause[conn] = cause;
      pool.stall[c] = cause + 1;
      // The network's rule for an unanswered SYN (retransmissions that a pod taking the IP
      // meanwhile answers, or the give-up: silence or EHOSTUNREACH).
      const start = k.synStart[conn] as number;
      const sent = (k.synTry[conn] as number) + 1;
      k.synTry[conn] = sent;
      const net = this.net;
      const retx = net.nextSyn(start, k.delay[conn] as number, sent, o.timeouts.connect);
      if (retx >= 0) {
        this.sim.postAt(retx, this.kSyn, arg);
      } else {
        const at = start + net.unansweredGiveUp(o.timeouts.connect);
        this.sim.postAt(Math.max(at, this.sim.now), this.kGiveUp, arg);
      }
      return;
    }
    if (!this.truth.isListening(pod)) {
      k.cause[conn] = refusalCause(this.truth, this.servers, pod);
      // The RST passes the balancing node (IPVS: SYN_RECV -> CLOSE).
      if ((k.lbNode[conn] as number) >= 0)
        (this.balancers[k.lbNode[conn] as number] as L4Balancer).connectionRefused?.(ip);
      this.sim.post(k.delay[conn] as number, this.kRefused, arg);
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
    if ((k.lbNode[conn] as number) >= 0) {
      k.counted[conn] = 1;
      (this.balancers[k.lbNode[conn] as number] as L4Balancer).connectionOpened(ip);
    }
    const head = this.podConns[pod] as number;
    k.podPrev[conn] = -1;
    k.podNext[conn] = head;
    if (head !== -1) k.podPrev[head] = conn;
    this.podConns[pod] = conn;
    pool.connecting[c] = (pool.connecting[c] as number) - 1;
    pool.stall[c] = 0;
    const owner = k.owner[conn] as number;
    if (owner >= 0) {
      this.sendOnConn(owner, conn);
      return;
    }
    pool.makeAvailable(conn);
    pool.pump(c);
    if (k.state[conn] === ConnState.established && k.active[conn] === 0 && this.idleQ !== null) {
      this.idleQ.push(conn, k.lastUsed[conn] as number);
    }
  }

  /** RST (refused) or give-up (timeout / EHOSTUNREACH): the waiting head request fails. */
  private onConnFailed(arg: number, gaveUp: boolean): void {
    const conn = tagIndex(arg);
    const k = this.k;
    if (k.gen[conn] !== tagGen(arg)) return;
    const pool = this.pool;
    const c = k.client[conn] as number;
    const cause = k.cause[conn] as ErrorCause;
    let kind: ErrorKind = ErrorKind.refused;
    // A dropped SYN (synTry 255) never gets EHOSTUNREACH; one that reached an address nobody
    // answers for gets the network's answer.
    if (gaveUp)
      kind =
        k.synTry[conn] !== 255
          ? this.net.unansweredKind(this.o.timeouts.connect)
          : ErrorKind.connect_timeout;
    const owner = k.owner[conn] as number;
    this.close(conn);
    if (pool.stall[c] === cause + 1) pool.stall[c] = 0;
    if (owner >= 0) {
      this.host.failTry(owner, kind, cause);
      return;
    }
    const r = pool.shiftWaiting(c);
    if (r >= 0) this.host.failTry(r, kind, cause);
    pool.pump(c);
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
    const ordinal = this.established[client] as number;
    this.established[client] = ordinal + 1;
    const u = this.lifetimeRng.rngFor(client, ordinal).next();
    return now + c.maxLifetime * (1 + j * (2 * u - 1));
  }

  // ---------------------------------------------------------------- use

  /** Sends try `r` on `conn` (it leaves when the connection is established). */
  sendOnConn(r: number, conn: number): void {
    const t = this.tries;
    const k = this.k;
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
    if (active >= this.pool.streamCap) this.pool.removeAvail(conn);
    t.serverHeld[r] = 1;
    const ready = k.readyAt[conn] as number;
    this.host.deliverToPodAt(r, Math.max(ready, now) + (k.delay[conn] as number));
  }

  /** Whether try `r` is still on the connection it was sent on (the record is current). */
  holds(r: number): boolean {
    const conn = this.tries.conn[r] as number;
    return conn >= 0 && this.k.gen[conn] === this.tries.connGen[r];
  }

  /** A request arrived on try `r`'s connection: the server has read from it (see drain). */
  requestSeen(r: number): void {
    if (this.holds(r)) this.k.reqSeen[this.tries.conn[r] as number] = 1;
  }

  /** Whether try `r` is on a connection the server accepted but has not read a request from. */
  unread(r: number): boolean {
    return this.holds(r) && this.k.reqSeen[this.tries.conn[r] as number] === 0;
  }

  /** Whether try `r`'s established connection entered the cluster through `node`. */
  entersThrough(r: number, node: NodeId): boolean {
    if (!this.holds(r)) return false;
    const conn = this.tries.conn[r] as number;
    return this.k.state[conn] === ConnState.established && this.k.lbNode[conn] === node;
  }

  /** Connect stall cause of try `r` waiting for its own dial, or -1 (client timeout cause). */
  connectCause(r: number): number {
    const conn = this.tries.conn[r] as number;
    if (conn >= 0 && this.k.gen[conn] === this.tries.connGen[r] && this.k.synTry[conn] !== 0) {
      return this.k.cause[conn] as number;
    }
    return -1;
  }

  /** A response to try `r` arrived on its connection: reuse, retire or close it. */
  responseDone(r: number): void {
    const conn = this.tries.conn[r] as number;
    const k = this.k;
    if (k.gen[conn] !== this.tries.connGen[r]) return;
    const pool = this.pool;
    const active = (k.active[conn] as number) - 1;
    k.active[conn] = active;
    const served = (k.served[conn] as number) + 1;
    k.served[conn] = served;
    const now = this.sim.now;
    k.lastUsed[conn] = now;
    const maxReq = this.o.connections.maxRequestsPerConnection;
    if (
      pool.perRequest ||
      k.draining[conn] === 1 ||
      (maxReq > 0 && served >= maxReq) ||
      now >= (k.retireAt[conn] as number)
    ) {
      // Retire: no new requests; close once the last stream is done.
      pool.markDraining(conn);
      pool.removeAvail(conn);
      if (active === 0) this.close(conn);
      return;
    }
    pool.makeAvailable(conn);
    if (active === 0 && this.idleQ !== null) this.idleQ.push(conn, now);
  }

  /** A reset or a hang on try `r`'s connection breaks it. */
  broken(r: number): void {
    if (!this.holds(r)) return;
    const conn = this.tries.conn[r] as number;
    this.k.active[conn] = (this.k.active[conn] as number) - 1;
    this.close(conn);
  }

  /** The client gives up on try `r` waiting for the connection dialed for it. */
  abandonConnecting(r: number): void {
    if (this.holds(r)) this.close(this.tries.conn[r] as number);
  }

  /**
   * The client gives up on try `r` sent on its connection. HTTP/1.1: the client closes the
   * connection (the response would arrive on it). HTTP/2: RST_STREAM, the connection stays.
   */
  abandonSent(r: number): void {
    if (!this.holds(r)) return;
    const conn = this.tries.conn[r] as number;
    const k = this.k;
    k.active[conn] = (k.active[conn] as number) - 1;
    if (this.pool.streamCap === 1 || k.draining[conn] === 1) this.close(conn);
    else this.pool.makeAvailable(conn);
  }

  // ---------------------------------------------------------------- close

  close(conn: number): void {
    const k = this.k;
    const pool = this.pool;
    const state = k.state[conn];
    if (state === ConnState.free) return;
    if (k.draining[conn] === 1) {
      const cl = k.client[conn] as number;
      pool.draining[cl] = (pool.draining[cl] as number) - 1;
    }
    if (k.counted[conn] === 1) {
      (this.balancers[k.lbNode[conn] as number] as L4Balancer).connectionClosed(
        k.ip[conn] as number,
      );
    }
    pool.removeAvail(conn);
    const pod = k.pod[conn] as number;
    if (state === ConnState.established && pod >= 0) {
      const p = k.podPrev[conn] as number;
      const n = k.podNext[conn] as number;
      if (p === -1) this.podConns[pod] = n;
      else k.podNext[p] = n;
      if (n !== -1) k.podPrev[n] = p;
    }
    const c = k.client[conn] as number;
    pool.conns[c] = (pool.conns[c] as number) - 1;
    if (state === ConnState.connecting) pool.connecting[c] = (pool.connecting[c] as number) - 1;
    k.release(conn);
  }

  private closeIdle(conn: number): void {
    const c = this.k.client[conn] as number;
    this.close(conn);
    this.pool.pump(c);
  }

  // ---------------------------------------------------------------- pods and nodes

  /** A pod exists: room for its connection list. */
  podCreated(pod: PodId): void {
    if (pod < this.podConns.length) return;
    let n = this.podConns.length;
    while (n <= pod) n *= 2;
    const b = new Int32Array(n).fill(-1);
    b.set(this.podConns);
    this.podConns = b;
  }

  /**
   * The pod's server stops reusing its connections (Connection: close / GOAWAY): idle ones
   * close now, busy ones after their current response.
   */
  serverClosing(pod: PodId): void {
    const k = this.k;
    let c = this.podConns[pod] as number;
    while (c !== -1) {
      const nx = k.podNext[c] as number;
      this.pool.markDraining(c);
      this.pool.removeAvail(c);
      if (k.active[c] === 0) {
        const cl = k.client[c] as number;
        this.close(c);
        this.pool.pump(cl);
      }
      c = nx;
    }
  }

  /** The pod's process died and its kernel reset its connections. */
  serverReset(pod: PodId): void {
    const k = this.k;
    let c = this.podConns[pod] as number;
    while (c !== -1) {
      const nx = k.podNext[c] as number;
      const cl = k.client[c] as number;
      this.close(c);
      this.pool.pump(cl);
      c = nx;
    }
  }

  /** Node `node` failed: connections of its clients and through it die. */
  nodeFailed(node: NodeId): void {
    const k = this.k;
    const pool = this.pool;
    for (let i = 0; i < k.extent; i++) {
      if (k.state[i] === ConnState.free) continue;
      const cl = k.client[i] as number;
      if (pool.alive[cl] === 0) this.close(i);
      else if (k.state[i] === ConnState.established && k.lbNode[i] === node) {
        this.close(i);
        pool.pump(cl);
      }
    }
  }
}
