/**
 * Struct-of-arrays pools for the request path's hot records: tries (one HTTP exchange) and TCP
 * connections. Each record is an index into parallel typed arrays, recycled through a free list,
 * and the arrays grow by doubling: the path allocates nothing per request once warm, and the
 * engine's numeric payload carries the index.
 *
 * Readers must not cache a field array across a call that may allocate (growth replaces the
 * arrays); read `pool.field[i]` afresh.
 */

/** Events carry `gen * SLOT_SPACE + index`: a stale event (its record moved on) is ignored. */
export const SLOT_SPACE = 2 ** 24;

/** Encodes an event payload from a record index and its generation stamp. */
export function tag(index: number, gen: number): number {
  return gen * SLOT_SPACE + index;
}
/** Record index of an event payload. */
export function tagIndex(arg: number): number {
  return arg % SLOT_SPACE;
}
/** Generation stamp of an event payload. */
export function tagGen(arg: number): number {
  return Math.floor(arg / SLOT_SPACE);
}

/** Client-side stage of a try. */
export const Stage = {
  free: 0,
  /** In the client's queue, waiting for a pooled connection. */
  waiting: 1,
  /** per-request mode: waiting for the connection dialed for this try. */
  connecting: 10,
  /** Sent on a connection (to the pod, served, or the response on its way back). */
  onConn: 2,
  /** An error is on its way back to the client (RST, ICMP). */
  failing: 3,
  /** Waiting for the retry backoff. */
  backoff: 4,
  /** Nginx: the client's request is at the proxy (its current upstream try is `child`). */
  atProxy: 5,
  /** Nginx upstream try: connecting to the peer. */
  upConnecting: 6,
  /** Nginx upstream try: request sent, waiting for the response (proxy_read_timeout runs). */
  upWaiting: 7,
  /** Response on its way (to Nginx or to the client). */
  responding: 8,
  /** Client side over; only the server still holds the record. */
  orphan: 9,
} as const;

export class TryPool {
  capacity: number;
  /** Arrival time of the user request (kept across retries). */
  arrivedAt: Float64Array;
  /** Service demand in seconds, drawn at arrival (kept across retries). */
  demand: Float64Array;
  /** Client index. */
  client: Int32Array;
  /** Closed-loop user, or -1. */
  user: Int32Array;
  /** Client try number, 0 for the first. */
  tryNo: Int32Array;
  /** Generation of client-side validity (bumped when the client side moves on). */
  cgen: Int32Array;
  /** Generation of server-side validity (bumped when the pod drops the request). */
  sgen: Int32Array;
  clientHeld: Uint8Array;
  serverHeld: Uint8Array;
  stage: Uint8Array;
  conn: Int32Array;
  connGen: Int32Array;
  pod: Int32Array;
  podGen: Int32Array;
  /** Nginx upstream try: the peer's IP. */
  ip: Uint32Array;
  /** One-way delay between the sender (client, or Nginx) and the pod, seconds. */
  delay: Float64Array;
  /** Intrusive doubly-linked list (client wait queue, or a pod's queue / in-service list). */
  next: Int32Array;
  prev: Int32Array;
  /** Pending error (kind, cause) to deliver by a `failing` event or a timeout. */
  errKind: Uint8Array;
  errCause: Uint8Array;
  /** HTTP status of the response in flight: 200 or 503 (or 502/504 from Nginx). */
  status: Int32Array;
  /** Time service started (busy-time accounting). */
  serviceStart: Float64Array;
  /** Nginx: anchor (client try) of an upstream try, -1 otherwise; an anchor's current child. */
  parent: Int32Array;
  child: Int32Array;
  /** Nginx: worker, peer index, tried-peers mask, upstream tries so far, first try time. */
  worker: Int32Array;
  peer: Int32Array;
  mask: Int32Array;
  upTries: Int32Array;
  upStart: Float64Array;
  /** Nginx: time the current upstream connect started. */
  connStart: Float64Array;
  /** Nginx: configuration generation (reload count) the try's peer index belongs to. */
  cfg: Int32Array;

  private free: Int32Array;
  private freeCount = 0;
  private highWater = 0;
  /** Records in use. */
  live = 0;

  constructor(capacity = 1024) {
    this.capacity = capacity;
    this.arrivedAt = new Float64Array(capacity);
    this.demand = new Float64Array(capacity);
    this.client = new Int32Array(capacity);
    this.user = new Int32Array(capacity);
    this.tryNo = new Int32Array(capacity);
    this.cgen = new Int32Array(capacity);
    this.sgen = new Int32Array(capacity);
    this.clientHeld = new Uint8Array(capacity);
    this.serverHeld = new Uint8Array(capacity);
    this.stage = new Uint8Array(capacity);
    this.conn = new Int32Array(capacity);
    this.connGen = new Int32Array(capacity);
    this.pod = new Int32Array(capacity);
    this.podGen = new Int32Array(capacity);
    this.ip = new Uint32Array(capacity);
    this.delay = new Float64Array(capacity);
    this.next = new Int32Array(capacity);
    this.prev = new Int32Array(capacity);
    this.errKind = new Uint8Array(capacity);
    this.errCause = new Uint8Array(capacity);
    this.status = new Int32Array(capacity);
    this.serviceStart = new Float64Array(capacity);
    this.parent = new Int32Array(capacity);
    this.child = new Int32Array(capacity);
    this.worker = new Int32Array(capacity);
    this.peer = new Int32Array(capacity);
    this.mask = new Int32Array(capacity);
    this.upTries = new Int32Array(capacity);
    this.upStart = new Float64Array(capacity);
    this.connStart = new Float64Array(capacity);
    this.cfg = new Int32Array(capacity);
    this.free = new Int32Array(capacity);
  }

  alloc(): number {
    let i: number;
    if (this.freeCount > 0) i = this.free[--this.freeCount] as number;
    else {
      if (this.highWater === this.capacity) this.grow();
      i = this.highWater++;
    }
    this.live++;
    this.clientHeld[i] = 0;
    this.serverHeld[i] = 0;
    this.stage[i] = Stage.free;
    this.conn[i] = -1;
    this.pod[i] = -1;
    this.next[i] = -1;
    this.prev[i] = -1;
    this.parent[i] = -1;
    this.child[i] = -1;
    this.user[i] = -1;
    return i;
  }

  release(i: number): void {
    // Bump both generations so any event still pending for the old record is ignored.
    this.cgen[i] = ((this.cgen[i] as number) + 1) | 0;
    this.sgen[i] = ((this.sgen[i] as number) + 1) | 0;
    this.stage[i] = Stage.free;
    this.free[this.freeCount++] = i;
    this.live--;
  }

  /** Indices ever allocated (for rare full scans: node failure, invariant checks). */
  get extent(): number {
    return this.highWater;
  }

  private grow(): void {
    const n = this.capacity * 2;
    if (n > SLOT_SPACE) throw new Error(`more than ${SLOT_SPACE} requests in flight`);
    const f64 = (a: Float64Array) => {
      const b = new Float64Array(n);
      b.set(a);
      return b;
    };
    const i32 = (a: Int32Array) => {
      const b = new Int32Array(n);
      b.set(a);
      return b;
    };
    const u8 = (a: Uint8Array) => {
      const b = new Uint8Array(n);
      b.set(a);
      return b;
    };
    this.arrivedAt = f64(this.arrivedAt);
    this.demand = f64(this.demand);
    this.client = i32(this.client);
    this.user = i32(this.user);
    this.tryNo = i32(this.tryNo);
    this.cgen = i32(this.cgen);
    this.sgen = i32(this.sgen);
    this.clientHeld = u8(this.clientHeld);
    this.serverHeld = u8(this.serverHeld);
    this.stage = u8(this.stage);
    this.conn = i32(this.conn);
    this.connGen = i32(this.connGen);
    this.pod = i32(this.pod);
    this.podGen = i32(this.podGen);
    const ip = new Uint32Array(n);
    ip.set(this.ip);
    this.ip = ip;
    this.delay = f64(this.delay);
    this.next = i32(this.next);
    this.prev = i32(this.prev);
    this.errKind = u8(this.errKind);
    this.errCause = u8(this.errCause);
    this.status = i32(this.status);
    this.serviceStart = f64(this.serviceStart);
    this.parent = i32(this.parent);
    this.child = i32(this.child);
    this.worker = i32(this.worker);
    this.peer = i32(this.peer);
    this.mask = i32(this.mask);
    this.upTries = i32(this.upTries);
    this.upStart = f64(this.upStart);
    this.connStart = f64(this.connStart);
    this.cfg = i32(this.cfg);
    this.free = i32(this.free);
    this.capacity = n;
  }
}

/** TCP connection states. */
export const ConnState = { free: 0, connecting: 1, established: 2 } as const;

export class ConnPool {
  capacity: number;
  client: Int32Array;
  /** Endpoint IP the connection is DNAT'ed (pinned) to. */
  ip: Uint32Array;
  pod: Int32Array;
  /** Node whose balancer chose the endpoint (connectionOpened/Closed go there). */
  lbNode: Int32Array;
  state: Uint8Array;
  /** Requests on it now (HTTP/1.1: 0 or 1; HTTP/2: streams). */
  active: Int32Array;
  served: Int32Array;
  openedAt: Float64Array;
  /** When the client retires it (maxLifetime, jittered; Infinity without a lifetime). */
  retireAt: Float64Array;
  /** When the client learns the handshake completed (SYN-ACK back). */
  readyAt: Float64Array;
  lastUsed: Float64Array;
  gen: Int32Array;
  /** The server asked to close it (SIGTERM: Connection: close / GOAWAY). */
  draining: Uint8Array;
  /** connectionOpened() was reported to the balancer. */
  counted: Uint8Array;
  /** A request reached the server on it (no longer a new, never-read connection). */
  reqSeen: Uint8Array;
  /** One-way delay client <-> pod, seconds. */
  delay: Float64Array;
  synStart: Float64Array;
  synTry: Uint8Array;
  /** Cause recorded when the SYN met nobody (for the error, or a client timeout meanwhile). */
  cause: Uint8Array;
  /** per-request mode: the try this connection was dialed for, else -1. */
  owner: Int32Array;
  /** Intrusive lists: the client's available list, the pod's connection list. */
  avNext: Int32Array;
  avPrev: Int32Array;
  inAvail: Uint8Array;
  podNext: Int32Array;
  podPrev: Int32Array;

  private free: Int32Array;
  private freeCount = 0;
  private highWater = 0;
  live = 0;

  constructor(capacity = 256) {
    this.capacity = capacity;
    this.client = new Int32Array(capacity);
    this.ip = new Uint32Array(capacity);
    this.pod = new Int32Array(capacity);
    this.lbNode = new Int32Array(capacity);
    this.state = new Uint8Array(capacity);
    this.active = new Int32Array(capacity);
    this.served = new Int32Array(capacity);
    this.openedAt = new Float64Array(capacity);
    this.retireAt = new Float64Array(capacity);
    this.readyAt = new Float64Array(capacity);
    this.lastUsed = new Float64Array(capacity);
    this.gen = new Int32Array(capacity);
    this.draining = new Uint8Array(capacity);
    this.counted = new Uint8Array(capacity);
    this.reqSeen = new Uint8Array(capacity);
    this.delay = new Float64Array(capacity);
    this.synStart = new Float64Array(capacity);
    this.synTry = new Uint8Array(capacity);
    this.cause = new Uint8Array(capacity);
    this.owner = new Int32Array(capacity);
    this.avNext = new Int32Array(capacity);
    this.avPrev = new Int32Array(capacity);
    this.inAvail = new Uint8Array(capacity);
    this.podNext = new Int32Array(capacity);
    this.podPrev = new Int32Array(capacity);
    this.free = new Int32Array(capacity);
  }

  alloc(): number {
    let i: number;
    if (this.freeCount > 0) i = this.free[--this.freeCount] as number;
    else {
      if (this.highWater === this.capacity) this.grow();
      i = this.highWater++;
    }
    this.live++;
    this.pod[i] = -1;
    this.active[i] = 0;
    this.served[i] = 0;
    this.retireAt[i] = Number.POSITIVE_INFINITY;
    this.draining[i] = 0;
    this.counted[i] = 0;
    this.reqSeen[i] = 0;
    this.synTry[i] = 0;
    this.cause[i] = 0;
    this.inAvail[i] = 0;
    this.owner[i] = -1;
    this.avNext[i] = -1;
    this.avPrev[i] = -1;
    this.podNext[i] = -1;
    this.podPrev[i] = -1;
    return i;
  }

  release(i: number): void {
    this.gen[i] = ((this.gen[i] as number) + 1) | 0;
    this.state[i] = ConnState.free;
    this.free[this.freeCount++] = i;
    this.live--;
  }

  get extent(): number {
    return this.highWater;
  }

  private grow(): void {
    const n = this.capacity * 2;
    if (n > SLOT_SPACE) throw new Error(`more than ${SLOT_SPACE} connections open`);
    const grow = <T extends Float64Array | Int32Array | Uint32Array | Uint8Array>(a: T): T => {
      const b = new (a.constructor as new (n: number) => T)(n);
      b.set(a);
      return b;
    };
    this.client = grow(this.client);
    this.ip = grow(this.ip);
    this.pod = grow(this.pod);
    this.lbNode = grow(this.lbNode);
    this.state = grow(this.state);
    this.active = grow(this.active);
    this.served = grow(this.served);
    this.openedAt = grow(this.openedAt);
    this.retireAt = grow(this.retireAt);
    this.readyAt = grow(this.readyAt);
    this.lastUsed = grow(this.lastUsed);
    this.gen = grow(this.gen);
    this.draining = grow(this.draining);
    this.counted = grow(this.counted);
    this.reqSeen = grow(this.reqSeen);
    this.delay = grow(this.delay);
    this.synStart = grow(this.synStart);
    this.synTry = grow(this.synTry);
    this.cause = grow(this.cause);
    this.owner = grow(this.owner);
    this.avNext = grow(this.avNext);
    this.avPrev = grow(this.avPrev);
    this.inAvail = grow(this.inAvail);
    this.podNext = grow(this.podNext);
    this.podPrev = grow(this.podPrev);
    this.free = grow(this.free);
    this.capacity = n;
  }
}
