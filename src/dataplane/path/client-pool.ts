import type { Simulation } from '../../engine/index.js';
import type { ConnectionOptions } from '../path-options.js';
import { type ConnPool, ConnState, Stage, type TryPool } from '../pools.js';

/** Client identities: where each client runs and its source IP. */
export interface ClientTable {
  readonly count: number;
  /** Node of each client; -1 for an external client (enters through the external LB). */
  readonly node: Int32Array;
  /** Source IP of each client (feeds IPVS sh and ClientIP affinity). */
  readonly ip: Uint32Array;
}

/** What the client pool calls back through (the connections, via the coordinator). */
export interface ClientPoolHost {
  /** Open a connection for client `c`; `owner` >= 0: pinned to that try (per-request mode). */
  dial(c: number, owner: number): void;
  /** Send try `r` on established (or establishing) connection `conn`. */
  sendOnConn(r: number, conn: number): void;
  /** Close connection `conn` now. */
  closeConn(conn: number): void;
}

/**
 * Each client's HTTP connection pool: its wait queue of tries, its available connections
 * (LIFO, as Go's idle pool), its counters (open, draining, connecting), and the pool policy of
 * the connection mode: a connection per request (curl, DisableKeepAlives), a keep-alive pool of
 * `poolSize` connections (Go MaxIdleConnsPerHost), or HTTP/2 (one connection, up to
 * maxConcurrentStreams streams, a new one dialled at once when it gets GOAWAY). It owns no
 * events: connections report back through the coordinator, which calls `pump`.
 */
export class ClientPool {
  readonly count: number;
  /** Node of each client (-1: external). */
  readonly node: Int32Array;
  /** Source IP of each client. */
  readonly ip: Uint32Array;
  /** 0 once the client's node failed. */
  readonly alive: Uint8Array;
  readonly waitHead: Int32Array;
  readonly waitTail: Int32Array;
  readonly waiting: Int32Array;
  /** Open connections (connecting or established). */
  readonly conns: Int32Array;
  /** Open connections of the client that take no new requests (GOAWAY / Connection: close). */
  readonly draining: Int32Array;
  readonly connecting: Int32Array;
  /** Head of the available-connection list, -1 if none. */
  readonly avail: Int32Array;
  /** 1 + cause of a connect that is stalling (SYN unanswered), 0 if none: a timeout's cause. */
  readonly stall: Uint8Array;

  /** per-request: a new connection per try, pinned to it. */
  readonly perRequest: boolean;
  /** Concurrent requests a connection takes (HTTP/2 streams; 1 for HTTP/1.1). */
  readonly streamCap: number;
  /** Connections a client may hold open. */
  readonly poolLimit: number;

  constructor(
    private readonly sim: Simulation,
    clients: ClientTable,
    nodeCount: number,
    options: ConnectionOptions,
    private readonly tries: TryPool,
    private readonly k: ConnPool,
    private readonly host: ClientPoolHost,
  ) {
    const nc = clients.count;
    this.count = nc;
    this.node = Int32Array.from(clients.node);
    this.ip = Uint32Array.from(clients.ip);
    for (let c = 0; c < nc; c++) {
      const n = this.node[c] as number;
      if (!(n >= -1 && n < nodeCount)) throw new RangeError(`client ${c}: node ${n} out of range`);
    }
    this.alive = new Uint8Array(nc).fill(1);
    this.waitHead = new Int32Array(nc).fill(-1);
    this.waitTail = new Int32Array(nc).fill(-1);
    this.waiting = new Int32Array(nc);
    this.conns = new Int32Array(nc);
    this.draining = new Int32Array(nc);
    this.connecting = new Int32Array(nc);
    this.avail = new Int32Array(nc).fill(-1);
    this.stall = new Uint8Array(nc);
    const mode = options.mode;
    this.perRequest = mode === 'per-request';
    this.streamCap = mode === 'http2' ? options.maxConcurrentStreams : 1;
    this.poolLimit =
      mode === 'per-request' ? Number.POSITIVE_INFINITY : mode === 'http2' ? 1 : options.poolSize;
  }

  /** Try `r` wants a connection of its client. */
  enqueue(r: number): void {
    const t = this.tries;
    const c = t.client[r] as number;
    if (this.perRequest) {
      // A new connection for this request alone (curl, or DisableKeepAlives): it is pinned to
      // the try it was dialed for, never handed to another request.
      t.stage[r] = Stage.connecting;
      this.host.dial(c, r);
      return;
    }
    if (this.waiting[c] === 0) {
      const conn = this.takeAvailable(c);
      if (conn >= 0) {
        this.host.sendOnConn(r, conn);
        return;
      }
    }
    t.stage[r] = Stage.waiting;
    const tail = this.waitTail[c] as number;
    t.next[r] = -1;
    t.prev[r] = tail;
    if (tail === -1) this.waitHead[c] = r;
    else t.next[tail] = r;
    this.waitTail[c] = r;
    this.waiting[c] = (this.waiting[c] as number) + 1;
    this.pump(c);
  }

  /** Takes try `r` out of its client's wait queue. */
  unlinkWait(r: number): void {
    const t = this.tries;
    const c = t.client[r] as number;
    const p = t.prev[r] as number;
    const n = t.next[r] as number;
    if (p === -1) this.waitHead[c] = n;
    else t.next[p] = n;
    if (n === -1) this.waitTail[c] = p;
    else t.prev[n] = p;
    t.next[r] = -1;
    t.prev[r] = -1;
    this.waiting[c] = (this.waiting[c] as number) - 1;
  }

  /** Takes the head of client `c`'s wait queue out and returns it (-1 if empty). */
  shiftWaiting(c: number): number {
    if ((this.waiting[c] as number) === 0) return -1;
    const r = this.waitHead[c] as number;
    this.unlinkWait(r);
    return r;
  }

  /**
   * Serves the client's waiting requests with available connections, dialing new ones while
   * the pool has room and the dials under way would not cover the queue.
   */
  pump(c: number): void {
    while (this.waiting[c] as number) {
      const conn = this.takeAvailable(c);
      if (conn >= 0) {
        const r = this.waitHead[c] as number;
        this.unlinkWait(r);
        this.host.sendOnConn(r, conn);
        continue;
      }
      if ((this.connecting[c] as number) * this.streamCap >= (this.waiting[c] as number)) return;
      // HTTP/2: a connection that got GOAWAY (or was retired) takes no new streams and does
      // not count: the client dials a new one at once (golang.org/x/net/http2 ClientConnPool
      // skips a ClientConn that cannot take new requests). HTTP/1.1 pools are a hard cap on
      // open connections, draining or not.
      const open =
        this.streamCap > 1
          ? (this.conns[c] as number) - (this.draining[c] as number)
          : (this.conns[c] as number);
      if (open >= this.poolLimit) return;
      if (this.alive[c] === 0) return;
      this.host.dial(c, -1);
    }
  }

  private takeAvailable(c: number): number {
    const k = this.k;
    for (;;) {
      const conn = this.avail[c] as number;
      if (conn === -1) return -1;
      if (k.active[conn] === 0 && this.sim.now >= (k.retireAt[conn] as number)) {
        this.host.closeConn(conn);
        continue;
      }
      return conn;
    }
  }

  makeAvailable(conn: number): void {
    const k = this.k;
    if (k.inAvail[conn] === 1 || k.draining[conn] === 1) return;
    const c = k.client[conn] as number;
    // LIFO, as Go's idle pool hands out the most recently used connection.
    const head = this.avail[c] as number;
    k.avPrev[conn] = -1;
    k.avNext[conn] = head;
    if (head !== -1) k.avPrev[head] = conn;
    this.avail[c] = conn;
    k.inAvail[conn] = 1;
  }

  removeAvail(conn: number): void {
    const k = this.k;
    if (k.inAvail[conn] !== 1) return;
    const c = k.client[conn] as number;
    const p = k.avPrev[conn] as number;
    const n = k.avNext[conn] as number;
    if (p === -1) this.avail[c] = n;
    else k.avNext[p] = n;
    if (n !== -1) k.avPrev[n] = p;
    k.inAvail[conn] = 0;
  }

  /** The connection takes no new requests from now on (it closes when its last one ends). */
  markDraining(conn: number): void {
    const k = this.k;
    if (k.draining[conn] === 1) return;
    k.draining[conn] = 1;
    const c = k.client[conn] as number;
    this.draining[c] = (this.draining[c] as number) + 1;
  }

  /** Recounts each client's connections and wait queue from the records (tests, end of run). */
  checkCounters(): void {
    const k = this.k;
    const nc = this.count;
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
      for (let r = this.waitHead[c] as number; r !== -1; r = this.tries.next[r] as number)
        waiting++;
      if (
        open[c] !== this.conns[c] ||
        draining[c] !== this.draining[c] ||
        connecting[c] !== this.connecting[c] ||
        waiting !== this.waiting[c]
      ) {
        throw new Error(
          `client ${c} counters drifted at t=${this.sim.now}: open ${this.conns[c]} (records ${open[c]}), draining ${this.draining[c]} (${draining[c]}), connecting ${this.connecting[c]} (${connecting[c]}), waiting ${this.waiting[c]} (queue ${waiting})`,
        );
      }
    }
  }
}
