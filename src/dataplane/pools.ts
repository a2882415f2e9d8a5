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
/**
 * Record index of an event payload. Not `arg % SLOT_SPACE`: a payload above 2^31 is a double,
 * and V8 computes a double remainder by calling out to C (fmod); dividing by a power of two,
 * flooring, multiplying and subtracting are exact on these integers (< 2^53) and stay inline.
 * Also right for a negative generation (an Int32 stamp after 2^31 bumps), where `%` is not.
 */
export function tagIndex(arg: number): number {
  return arg - Math.floor(arg / SLOT_SPACE) * SLOT_SPACE;
}
/** Generation stamp of an event payload. */
export function tagGen(arg: number): number {
  return Math.floor(arg / SLOT_SPACE);
}

/** A typed array holding one field of every record. */
type Column = Float64Array | Int32Array | Uint32Array | Uint8Array;

/**
 * The mechanism both pools share: a record is an index into the subclass's typed-array fields
 * (its columns), handed out by `take()` from a free list or from the high-water mark, given back
 * by `give()`; when every index is in use, every column doubles. Subclasses declare their columns
 * as fields initialised to `new XArray(this.capacity)` and reset/bump their own fields in
 * `alloc()`/`release()`; column reads stay plain property loads (no indirection).
 */
export abstract class SlotPool {
  capacity: number;
  /** Records in use. */
  live = 0;
  private free: Int32Array;
  private freeCount = 0;
  private highWater = 0;
  /** What the records are, for the overflow error (`more than 2^24 <what>`). */
  private readonly what: string;

  constructor(capacity: number, what: string) {
    this.capacity = capacity;
    this.what = what;
    this.free = new Int32Array(capacity);
  }

  /** Indices ever allocated (for rare full scans: node failure, invariant checks). */
  get extent(): number {
    return this.highWater;
  }

  /** A free record index (its fields hold whatever its last user left). */
  protected take(): number {
    let i: number;
    if (this.freeCount > 0) i = this.free[--this.freeCount] as number;
    else {
      if (this.highWater === this.capacity) this.grow();
      i = this.highWater++;
    }
    this.live++;
    return i;
  }

  /** Returns record `i` to the free list (bump its generation first). */
  protected give(i: number): void {
    this.free[this.freeCount++] = i;
    this.live--;
  }

  private grow(): void {
    const n = this.capacity * 2;
    if (n > SLOT_SPACE) throw new Error(`more than ${SLOT_SPACE} ${this.what}`);
    // Every typed-array property is a column (the free list too): doubling them by reflection
    // means a field added to a pool cannot be forgotten here. Rare (log2 of the peak), so the
    // keyed loads and stores cost nothing that matters.
    const self = this as unknown as Record<string, unknown>;
    for (const key of Object.keys(self)) {
      const a = self[key];
      if (!ArrayBuffer.isView(a)) continue;
      const b = new (a.constructor as new (n: number) => Column)(n);
      b.set(a as Column);
      self[key] = b;
    }
    this.capacity = n;
  }
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

export class TryPool extends SlotPool {
  /** Arrival time of the user request (kept across retries). */
  arrivedAt = new Float64Array(this.capacity);
  /** Service demand in seconds, drawn at arrival (kept across retries). */
  demand = new Float64Array(this.capacity);
  /** Ordinal of the user request among the path's arrivals (kept across retries): a draw key. */
  req = new Float64Array(this.capacity);
  /** Client index. */
  client = new Int32Array(this.capacity);
  /** Closed-loop user, or -1. */
  user = new Int32Array(this.capacity);
  /** Client try number, 0 for the first. */
  tryNo = new Int32Array(this.capacity);
  /** Generation of client-side validity (bumped when the client side moves on). */
  cgen = new Int32Array(this.capacity);
  /** Generation of server-side validity (bumped when the pod drops the request). */
  sgen = new Int32Array(this.capacity);
  clientHeld = new Uint8Array(this.capacity);
  serverHeld = new Uint8Array(this.capacity);
  stage = new Uint8Array(this.capacity);
  conn = new Int32Array(this.capacity);
  connGen = new Int32Array(this.capacity);
  pod = new Int32Array(this.capacity);
  podGen = new Int32Array(this.capacity);
  /** Nginx upstream try: the peer's IP. */
  ip = new Uint32Array(this.capacity);
  /** One-way delay between the sender (client, or Nginx) and the pod, seconds. */
  delay = new Float64Array(this.capacity);
  /** Intrusive doubly-linked list (client wait queue, or a pod's queue / in-service list). */
  next = new Int32Array(this.capacity);
  prev = new Int32Array(this.capacity);
  /** Pending error (kind, cause) to deliver by a `failing` event or a timeout. */
  errKind = new Uint8Array(this.capacity);
  errCause = new Uint8Array(this.capacity);
  /** HTTP status of the response in flight: 200 or 503 (or 502/504 from Nginx). */
  status = new Int32Array(this.capacity);
  /** Time service started (busy-time accounting). */
  serviceStart = new Float64Array(this.capacity);
  /** Nginx: anchor (client try) of an upstream try, -1 otherwise; an anchor's current child. */
  parent = new Int32Array(this.capacity);
  child = new Int32Array(this.capacity);
  /** Nginx: worker, peer index, tried-peers mask, upstream tries so far, first try time. */
  worker = new Int32Array(this.capacity);
  peer = new Int32Array(this.capacity);
  mask = new Int32Array(this.capacity);
  upTries = new Int32Array(this.capacity);
  upStart = new Float64Array(this.capacity);
  /** Nginx: time the current upstream connect started. */
  connStart = new Float64Array(this.capacity);
  /** Nginx: SYNs sent for the current upstream connect (the first and its retransmissions). */
  synSent = new Uint8Array(this.capacity);
  /** Nginx: configuration generation (reload count) the try's peer index belongs to. */
  cfg = new Int32Array(this.capacity);

  constructor(capacity = 1024) {
    super(capacity, 'requests in flight');
  }

  alloc(): number {
    const i = this.take();
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

  /**
   * A new upstream try of client try `a` (an L7 hop's): the user request's identity and the
   * hop's worker copied, linked as `a`'s current child, held by the hop (clientHeld). `tryNo`
   * is the hop's to set (the Nginx hop leaves the recycled record's value).
   */
  forkUpstream(a: number): number {
    const x = this.alloc();
    this.parent[x] = a;
    this.child[a] = x;
    this.client[x] = this.client[a] as number;
    this.arrivedAt[x] = this.arrivedAt[a] as number;
    this.demand[x] = this.demand[a] as number;
    this.req[x] = this.req[a] as number;
    this.worker[x] = this.worker[a] as number;
    this.clientHeld[x] = 1;
    return x;
  }

  release(i: number): void {
    // Bump both generations so any event still pending for the old record is ignored.
    this.cgen[i] = ((this.cgen[i] as number) + 1) | 0;
    this.sgen[i] = ((this.sgen[i] as number) + 1) | 0;
    this.stage[i] = Stage.free;
    this.give(i);
  }
}

/** TCP connection states. */
export const ConnState = { free: 0, connecting: 1, established: 2 } as const;

export class ConnPool extends SlotPool {
  client = new Int32Array(this.capacity);
  /** Endpoint IP the connection is DNAT'ed (pinned) to. */
  ip = new Uint32Array(this.capacity);
  pod = new Int32Array(this.capacity);
  /** Node whose balancer chose the endpoint (connectionOpened/Closed go there). */
  lbNode = new Int32Array(this.capacity);
  state = new Uint8Array(this.capacity);
  /** Requests on it now (HTTP/1.1: 0 or 1; HTTP/2: streams). */
  active = new Int32Array(this.capacity);
  served = new Int32Array(this.capacity);
  openedAt = new Float64Array(this.capacity);
  /** When the client retires it (maxLifetime, jittered; Infinity without a lifetime). */
  retireAt = new Float64Array(this.capacity);
  /** When the client learns the handshake completed (SYN-ACK back). */
  readyAt = new Float64Array(this.capacity);
  lastUsed = new Float64Array(this.capacity);
  gen = new Int32Array(this.capacity);
  /** The server asked to close it (SIGTERM: Connection: close / GOAWAY). */
  draining = new Uint8Array(this.capacity);
  /** connectionOpened() was reported to the balancer. */
  counted = new Uint8Array(this.capacity);
  /** A request reached the server on it (no longer a new, never-read connection). */
  reqSeen = new Uint8Array(this.capacity);
  /** One-way delay client <-> pod, seconds. */
  delay = new Float64Array(this.capacity);
  synStart = new Float64Array(this.capacity);
  synTry = new Uint8Array(this.capacity);
  /** Cause recorded when the SYN met nobody (for the error, or a client timeout meanwhile). */
  cause = new Uint8Array(this.capacity);
  /** per-request mode: the try this connection was dialed for, else -1. */
  owner = new Int32Array(this.capacity);
  /** Intrusive lists: the client's available list, the pod's connection list. */
  avNext = new Int32Array(this.capacity);
  avPrev = new Int32Array(this.capacity);
  inAvail = new Uint8Array(this.capacity);
  podNext = new Int32Array(this.capacity);
  podPrev = new Int32Array(this.capacity);

  constructor(capacity = 256) {
    super(capacity, 'connections open');
  }

  alloc(): number {
    const i = this.take();
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
    this.give(i);
  }
}
