import { z } from 'zod';
import { type Ip, ipToString } from '../../cluster/types.js';
import type { EventKind, Simulation } from '../../engine/index.js';
import { boolean, duration } from '../../fields/fields.js';
import type { BalancerContext, EndpointTable, L4Balancer, L4BalancerDescriptor } from '../types.js';
import { ClientAffinity, type SessionAffinityOptions, sessionAffinityFields } from './affinity.js';

/**
 * kube-proxy IPVS mode: one IPVS virtual service per node, with its own destination list,
 * scheduler state (rr pointer, wrr mark, sh/dh buckets) and connection counters, exactly as the
 * kernel keeps them per network namespace. Nothing is shared between nodes.
 *
 * Sources: Linux net/netfilter/ipvs/ (ip_vs_ctl.c, ip_vs_proto_tcp.c, ip_vs_{rr,wrr,lc,wlc,sed,
 * nq,sh,dh}.c) and kubernetes pkg/proxy/ipvs/ (proxier.go syncEndpoint, graceful_termination.go).
 *
 * What is modelled:
 * - Destination list order. `__ip_vs_update_dest` adds with `list_add_rcu` (at the head), and
 *   kube-proxy adds new endpoints in the sorted order of their "ip:port" strings
 *   (`newEndpoints.List()`), so the list is in reverse string order of each sync's additions.
 *   List order decides rr's cycle and lc's ties.
 * - Weights: kube-proxy sets every real server's weight to 1; 0 marks a quiesced one.
 * - Graceful termination (graceful_termination.go): an endpoint that leaves the table is deleted
 *   at once if it has no connections (active + inactive == 0); otherwise its weight becomes 0 (no
 *   new connections, existing ones continue) and a periodic check (rsCheckDeleteInterval, 1 min)
 *   deletes it once its connections are gone. An endpoint that comes back while quiesced is
 *   deleted and re-added (MoveRSOutofGracefulDeleteList); the kernel takes it back from its
 *   trash with its counters.
 * - Connection counters (ip_vs_proto_tcp.c set_tcp_state, ip_vs_conn.c ip_vs_bind_dest). The
 *   kernel creates a connection entry when it schedules the first SYN (ip_vs_schedule ->
 *   ip_vs_conn_new), so `pick` itself counts the attempt, in SYN_RECV. Since Linux 4.8 (commit
 *   be2cef49904b "ipvs: count pre-established TCP states as active") SYN_SENT, SYN_RECV and
 *   SYNACK count as active (`tcp_state_active_table`); before it, every state but ESTABLISHED
 *   counted as inactive. `synRecvActive` picks one (default: the 4.8+ kernel every Kubernetes
 *   node runs). The attempt then:
 *   - opens (connectionOpened): ESTABLISHED, active; its SYN_RECV expiry is cancelled;
 *   - is refused (connectionRefused: the pod answered RST, output RST in SYN_RECV -> CLOSE):
 *     inactive for `tcpCloseTimeout` (10 s);
 *   - gets no answer (dead IP): the entry expires `tcpSynRecvTimeout` (60 s) after the last SYN
 *     the client sent; each retransmission (synRetransmitted) restarts the timer, as every
 *     packet restarts `cp->timer` with the state's timeout (ip_vs_conn_put). With Linux's
 *     tcp_syn_retries 6 and Go's 30 s dial timeout the last retransmission is at 15 s, so a
 *     SYN to a dead pod counts for 75 s.
 *   An established connection that closes counts as inactive until its IPVS entry expires: the
 *   kernel's FIN_WAIT and TIME_WAIT timeouts are both 2 min (tcp_timeouts[]) and a normal close
 *   ends in TIME_WAIT, so `tcpFinTimeout` (default 120 s).
 *   Expiry is lazy: one FIFO ring of (expiry time, destination) per timeout (FIN, CLOSE,
 *   SYN_RECV), checked before each pick, sync and check. Each ring's timeout is constant and
 *   entries are pushed at the current time, so each ring stays sorted. No engine event per
 *   connection.
 *   SYN_RECV entries of one destination are interchangeable counts: an open, refusal or
 *   retransmission cancels the destination's oldest pending ring record (lazily, through a
 *   per-destination skip count) rather than the attempt's own. The count is exact; an expiry
 *   time is off only when attempts to one destination interleave out of order (by at most the
 *   gap between their retransmissions).
 *
 * Simplifications: a connection reset after it was established (pod killed) stays inactive
 * `tcpFinTimeout` like a closed one (the kernel: 10 s CLOSE); with `unreachable: ehostunreach`
 * clients the request path does not model the retransmission at 1 s before the ICMP error, so
 * the attempt expires 60 s after its first SYN (kernel: after that retransmission).
 */
export interface IpvsOptions extends SessionAffinityOptions {
  /**
   * Seconds a closed connection stays counted as inactive (IPVS FIN_WAIT/TIME_WAIT timeout).
   * 0 forgets closed connections at once. kube-proxy's `--ipvs-tcpfin-timeout` 0 keeps the
   * kernel's value. @default 120
   */
  readonly tcpFinTimeout: number;
  /**
   * Seconds a connection attempt that got no answer stays counted after the last SYN the
   * client sent (IPVS SYN_RECV timeout, `tcp_timeouts[IP_VS_TCP_S_SYN_RECV]` = 60 s; kube-proxy
   * sets no flag for it). 0 counts a connection only from connectionOpened. @default 60
   */
  readonly tcpSynRecvTimeout: number;
  /**
   * Seconds a refused attempt (RST from the pod) stays counted as inactive (IPVS CLOSE
   * timeout, `tcp_timeouts[IP_VS_TCP_S_CLOSE]` = 10 s). 0 forgets it at once. @default 10
   */
  readonly tcpCloseTimeout: number;
  /**
   * Whether an attempt in SYN_RECV counts as active (Linux >= 4.8, `tcp_state_active_table`)
   * or inactive (older kernels: only ESTABLISHED was active). @default true
   */
  readonly synRecvActive: boolean;
  /** Period of kube-proxy's graceful-termination check (rsCheckDeleteInterval). @default 60 */
  readonly rsCheckDeleteInterval: number;
  /**
   * The scheduler's position at a steady start (settle): `steady`, where a Service that has
   * served for long has it, anywhere in its cycle (drawn per node); `fresh`, the kernel's
   * initial state, a Service just created (rr/wrr at the list head: with every node's list in
   * the same order, the nodes rotate in lockstep). Schedulers without a position ignore it.
   * @default 'steady'
   */
  readonly start: 'steady' | 'fresh';
}

export const IPVS_DEFAULTS = {
  tcpFinTimeout: 120,
  tcpSynRecvTimeout: 60,
  tcpCloseTimeout: 10,
  synRecvActive: true,
  rsCheckDeleteInterval: 60,
  start: 'steady',
} as const;

export const ipvsOptionFields = {
  ...sessionAffinityFields,
  tcpFinTimeout: duration().default(IPVS_DEFAULTS.tcpFinTimeout),
  tcpSynRecvTimeout: duration().default(IPVS_DEFAULTS.tcpSynRecvTimeout),
  tcpCloseTimeout: duration().default(IPVS_DEFAULTS.tcpCloseTimeout),
  synRecvActive: boolean().default(IPVS_DEFAULTS.synRecvActive),
  rsCheckDeleteInterval: duration({ positive: true }).default(IPVS_DEFAULTS.rsCheckDeleteInterval),
  start: z.enum(['steady', 'fresh']).default(IPVS_DEFAULTS.start),
};

export const ipvsOptions: z.ZodType<IpvsOptions> = z.strictObject(ipvsOptionFields);

/** Sentinel slot 0 is the list head (`svc->destinations`); destinations use slots >= 1. */
export const HEAD = 0;

/**
 * The per-node IPVS service as a scheduler sees it (struct ip_vs_service): a doubly linked list
 * of destinations in slots, with their weights and connection counters. Read the arrays through
 * the service on every call: they are replaced when they grow.
 */
export interface IpvsService {
  readonly next: Int32Array;
  readonly prev: Int32Array;
  readonly weight: Int32Array;
  readonly activeConns: Int32Array;
  readonly inactiveConns: Int32Array;
}

/**
 * A scheduler module (struct ip_vs_scheduler): hooks called when the list changes, and
 * schedule(), which returns a destination slot or -1 ("no destination available": the kernel
 * answers ICMP port unreachable, the client sees its connection refused).
 */
export interface IpvsScheduler {
  /** A destination was linked at the head. */
  addDest(svc: IpvsService, slot: number): void;
  /** A destination was unlinked; `formerPrev` was its predecessor. */
  delDest(svc: IpvsService, slot: number, formerPrev: number): void;
  /** A destination's weight changed. */
  updDest(svc: IpvsService, slot: number): void;
  schedule(svc: IpvsService, clientIp: Ip): number;
  /**
   * Optional, for schedulers with a position: move it to where a long history leaves it, `u`
   * uniform in [0, 1) choosing among the positions (IpvsBalancer.settle).
   */
  settle?(svc: IpvsService, u: number): void;
}

/** A destination as `ipvsadm -Ln` shows it, for tests and diagnostics. */
export interface IpvsDestination {
  readonly ip: Ip;
  readonly weight: number;
  readonly activeConn: number;
  readonly inActConn: number;
}

/** Sort key of kube-proxy's "ip:port" strings (':' sorts after digits, so 10.0.0.10 < 10.0.0.1). */
function endpointKey(ip: Ip): string {
  return `${ipToString(ip)}:`;
}

function byEndpointKey(a: Ip, b: Ip): number {
  const ka = endpointKey(a);
  const kb = endpointKey(b);
  return ka < kb ? -1 : ka > kb ? 1 : 0;
}

/**
 * A FIFO of (expiry time, destination slot) for one constant timeout: entries are pushed at the
 * current time, so they come out in expiry order. A growable power-of-two ring, head/tail
 * counters: no allocation per connection (an Array.shift queue would copy on every pop).
 */
class ExpiryRing {
  private time = new Float64Array(1024);
  private slot = new Int32Array(1024);
  private head = 0;
  private tail = 0;

  push(time: number, slot: number): void {
    let cap = this.time.length;
    if (this.tail - this.head === cap) {
      // Grow: copy the ring in order into twice the space.
      const t = new Float64Array(cap * 2);
      const s = new Int32Array(cap * 2);
      for (let k = 0; k < cap; k++) {
        const j = (this.head + k) & (cap - 1);
        t[k] = this.time[j] as number;
        s[k] = this.slot[j] as number;
      }
      this.time = t;
      this.slot = s;
      this.tail -= this.head;
      this.head = 0;
      cap *= 2;
    }
    const j = this.tail & (cap - 1);
    this.time[j] = time;
    this.slot[j] = slot;
    this.tail++;
  }

  /** Removes the oldest entry if it has expired by `now` and returns its slot; else -1. */
  popDue(now: number): number {
    if (this.head === this.tail) return -1;
    const j = this.head & (this.time.length - 1);
    if ((this.time[j] as number) > now) return -1;
    this.head++;
    return this.slot[j] as number;
  }
}

/** kube-proxy IPVS mode on one node, with one kernel scheduler. */
export class IpvsBalancer implements L4Balancer, IpvsService {
  next: Int32Array;
  prev: Int32Array;
  weight: Int32Array;
  activeConns: Int32Array;
  inactiveConns: Int32Array;
  private ipOf: Float64Array;
  private quiesced: Uint8Array;
  /** Index of each slot's IP in the current table, -1 when not in it. */
  private indexOfSlot: Int32Array;
  private freeSlots: number[] = [];
  private highWater = 1;
  private readonly slotOf = new Map<Ip, number>();
  private quiescedCount = 0;

  /** Pending attempts (SYN_RECV entries) per slot, included in activeConns or inactiveConns. */
  private synRecv: Int32Array;
  /** Records in `synRing` for the slot that were cancelled (opened, refused or refreshed). */
  private synSkip: Int32Array;
  private readonly finRing = new ExpiryRing();
  private readonly closeRing = new ExpiryRing();
  private readonly synRing = new ExpiryRing();

  private readonly sim: Simulation;
  private readonly sched: IpvsScheduler;
  private readonly affinity: ClientAffinity | null;
  private readonly finTimeout: number;
  private readonly synRecvTimeout: number;
  private readonly closeTimeout: number;
  private readonly synRecvActive: boolean;
  private readonly checkPeriod: number;
  private readonly checkPhase: number;
  private readonly checkKind: EventKind;
  private checkPending = false;
  private table: EndpointTable | null = null;
  /** The draw that settles the scheduler's position (start: steady), -1 for `fresh`. */
  private readonly settleDraw: number;

  constructor(ctx: BalancerContext, options: IpvsOptions, scheduler: IpvsScheduler) {
    this.sim = ctx.sim;
    this.sched = scheduler;
    this.affinity =
      options.sessionAffinity === 'ClientIP'
        ? new ClientAffinity(options.sessionAffinityTimeout)
        : null;
    this.finTimeout = options.tcpFinTimeout;
    this.synRecvTimeout = options.tcpSynRecvTimeout;
    this.closeTimeout = options.tcpCloseTimeout;
    this.synRecvActive = options.synRecvActive;
    this.checkPeriod = options.rsCheckDeleteInterval;
    // kube-proxy's wait.Until ticker started with the process: its phase differs per node.
    this.checkPhase = ctx.rng.next() * this.checkPeriod;
    // The node stream's second draw (after the check phase): the same for every IPVS
    // scheduler of a comparison on this node (common random numbers).
    this.settleDraw = options.start === 'steady' ? ctx.rng.next() : -1;
    this.checkKind = ctx.sim.register(`ipvs-graceful-check:node-${ctx.node}`, () =>
      this.gracefulCheck(),
    );
    const cap = 16;
    this.next = new Int32Array(cap);
    this.prev = new Int32Array(cap);
    this.weight = new Int32Array(cap);
    this.activeConns = new Int32Array(cap);
    this.inactiveConns = new Int32Array(cap);
    this.synRecv = new Int32Array(cap);
    this.synSkip = new Int32Array(cap);
    this.ipOf = new Float64Array(cap);
    this.quiesced = new Uint8Array(cap);
    this.indexOfSlot = new Int32Array(cap).fill(-1);
    this.next[HEAD] = HEAD;
    this.prev[HEAD] = HEAD;
  }

  pick(table: EndpointTable, clientIp: Ip): number {
    if (table !== this.table) this.tableProgrammed(table);
    if (table.size === 0) return -1;
    const now = this.sim.now;
    this.expire(now);
    const affinity = this.affinity;
    if (affinity !== null) {
      // Persistence: a live template wins before the scheduler runs (ip_vs_sched_persist).
      const pinned = affinity.lookup(table, clientIp, now);
      if (pinned >= 0) {
        this.attemptStarted(this.slotOf.get(table.ips[pinned] as number) as number, now);
        return pinned;
      }
    }
    const slot = this.sched.schedule(this, clientIp);
    if (slot < 0) return -1;
    const index = this.indexOfSlot[slot] as number;
    if (index < 0) return -1;
    if (affinity !== null) affinity.record(clientIp, table.ips[index] as number, now);
    this.attemptStarted(slot, now);
    return index;
  }

  /** ip_vs_conn_new + the first SYN's set_tcp_state: a SYN_RECV entry bound to `slot`. */
  private attemptStarted(slot: number, now: number): void {
    if (this.synRecvTimeout <= 0) return;
    this.synRecv[slot] = (this.synRecv[slot] as number) + 1;
    if (this.synRecvActive) this.activeConns[slot] = (this.activeConns[slot] as number) + 1;
    else this.inactiveConns[slot] = (this.inactiveConns[slot] as number) + 1;
    this.synRing.push(now + this.synRecvTimeout, slot);
  }

  /** Ends one pending attempt of `slot` (its oldest ring record will be skipped). */
  private attemptEnded(slot: number): void {
    this.synRecv[slot] = (this.synRecv[slot] as number) - 1;
    this.synSkip[slot] = (this.synSkip[slot] as number) + 1;
  }

  tableProgrammed(table: EndpointTable): void {
    const now = this.sim.now;
    this.expire(now);
    this.table = table;
    // syncEndpoint: first add what is new (or quiesced and back), then remove what is gone.
    const toAdd: Ip[] = [];
    for (let i = 0; i < table.size; i++) {
      const ip = table.ips[i] as number;
      const slot = this.slotOf.get(ip);
      if (slot === undefined || this.quiesced[slot] === 1) toAdd.push(ip);
    }
    toAdd.sort(byEndpointKey);
    for (const ip of toAdd) {
      let slot = this.slotOf.get(ip);
      if (slot !== undefined) {
        this.quiesced[slot] = 0;
        this.quiescedCount--;
        this.unlink(slot);
      } else {
        slot = this.allocate(ip);
      }
      this.weight[slot] = 1;
      this.linkAtHead(slot);
      this.sched.addDest(this, slot);
    }
    const toRemove: Ip[] = [];
    for (let s = this.next[HEAD] as number; s !== HEAD; s = this.next[s] as number) {
      const ip = this.ipOf[s] as number;
      if (this.quiesced[s] === 0 && table.indexOf(ip) < 0) toRemove.push(ip);
    }
    toRemove.sort(byEndpointKey);
    for (const ip of toRemove) {
      const slot = this.slotOf.get(ip) as number;
      if ((this.activeConns[slot] as number) + (this.inactiveConns[slot] as number) === 0) {
        this.remove(slot);
      } else {
        this.weight[slot] = 0;
        this.quiesced[slot] = 1;
        this.quiescedCount++;
        this.sched.updDest(this, slot);
      }
    }
    if (this.quiescedCount > 0) this.ensureCheck();
    this.indexOfSlot.fill(-1);
    for (let i = 0; i < table.size; i++) {
      this.indexOfSlot[this.slotOf.get(table.ips[i] as number) as number] = i;
    }
    this.affinity?.retainOnly(table);
  }

  connectionOpened(ip: Ip): void {
    const slot = this.slotOf.get(ip);
    if (slot === undefined) return; // no destination for the IP (never picked here)
    // No expire() first: converting an attempt whose entry is due but not yet removed leaves
    // the same counts as removing it and counting the connection anew.
    if ((this.synRecv[slot] as number) > 0) {
      // SYN_RECV -> ESTABLISHED: already active since 4.8; before, inactive -> active.
      this.attemptEnded(slot);
      if (this.synRecvActive) return;
      this.inactiveConns[slot] = (this.inactiveConns[slot] as number) - 1;
    }
    // Without a pending attempt (its entry expired, or opened without a pick): counted now.
    this.activeConns[slot] = (this.activeConns[slot] as number) + 1;
  }

  connectionClosed(ip: Ip): void {
    const slot = this.slotOf.get(ip);
    if (slot === undefined) return;
    this.expire(this.sim.now);
    const active = this.activeConns[slot] as number;
    const pending = this.synRecvActive ? (this.synRecv[slot] as number) : 0;
    if (active - pending === 0) return; // unmatched close (e.g. opened before the IP was re-added)
    this.activeConns[slot] = active - 1;
    if (this.finTimeout > 0) {
      this.inactiveConns[slot] = (this.inactiveConns[slot] as number) + 1;
      this.finRing.push(this.sim.now + this.finTimeout, slot);
    }
  }

  /** The pod answered RST: output RST in SYN_RECV -> CLOSE (inactive, `tcpCloseTimeout`). */
  connectionRefused(ip: Ip): void {
    const slot = this.slotOf.get(ip);
    if (slot === undefined) return;
    this.expire(this.sim.now);
    if ((this.synRecv[slot] as number) === 0) return; // its entry already expired
    this.attemptEnded(slot);
    if (this.synRecvActive) {
      this.activeConns[slot] = (this.activeConns[slot] as number) - 1;
      this.inactiveConns[slot] = (this.inactiveConns[slot] as number) + 1;
    }
    if (this.closeTimeout > 0) this.closeRing.push(this.sim.now + this.closeTimeout, slot);
    else this.inactiveConns[slot] = (this.inactiveConns[slot] as number) - 1;
  }

  /** A retransmitted SYN (input SYN in SYN_RECV stays SYN_RECV) restarts the entry's timer. */
  synRetransmitted(ip: Ip): void {
    const slot = this.slotOf.get(ip);
    if (slot === undefined) return;
    const now = this.sim.now;
    this.expire(now);
    if ((this.synRecv[slot] as number) === 0) return; // its entry already expired
    this.synSkip[slot] = (this.synSkip[slot] as number) + 1;
    this.synRing.push(now + this.synRecvTimeout, slot);
  }

  settle(): void {
    if (this.settleDraw >= 0) this.sched.settle?.(this, this.settleDraw);
  }

  /** The destination list in kernel order, as `ipvsadm -Ln` prints it. Allocates: not hot. */
  destinations(): IpvsDestination[] {
    this.expire(this.sim.now);
    const out: IpvsDestination[] = [];
    for (let s = this.next[HEAD] as number; s !== HEAD; s = this.next[s] as number) {
      out.push({
        ip: this.ipOf[s] as number,
        weight: this.weight[s] as number,
        activeConn: this.activeConns[s] as number,
        inActConn: this.inactiveConns[s] as number,
      });
    }
    return out;
  }

  // --- destination list -------------------------------------------------------------------

  private allocate(ip: Ip): number {
    let slot = this.freeSlots.pop();
    if (slot === undefined) {
      slot = this.highWater++;
      if (slot === this.next.length) this.grow();
    }
    this.ipOf[slot] = ip;
    this.weight[slot] = 0;
    this.activeConns[slot] = 0;
    this.inactiveConns[slot] = 0;
    // synRecv is 0 on a free slot (a destination with pending attempts is never deleted);
    // synSkip is kept: it matches records of the slot's former destination still in synRing.
    this.quiesced[slot] = 0;
    this.indexOfSlot[slot] = -1;
    this.slotOf.set(ip, slot);
    return slot;
  }

  private grow(): void {
    const cap = this.next.length * 2;
    const int = (a: Int32Array) => {
      const b = new Int32Array(cap);
      b.set(a);
      return b;
    };
    this.next = int(this.next);
    this.prev = int(this.prev);
    this.weight = int(this.weight);
    this.activeConns = int(this.activeConns);
    this.inactiveConns = int(this.inactiveConns);
    this.synRecv = int(this.synRecv);
    this.synSkip = int(this.synSkip);
    const ips = new Float64Array(cap);
    ips.set(this.ipOf);
    this.ipOf = ips;
    const q = new Uint8Array(cap);
    q.set(this.quiesced);
    this.quiesced = q;
    const idx = new Int32Array(cap).fill(-1);
    idx.set(this.indexOfSlot);
    this.indexOfSlot = idx;
  }

  private linkAtHead(slot: number): void {
    const first = this.next[HEAD] as number;
    this.next[slot] = first;
    this.prev[slot] = HEAD;
    this.prev[first] = slot;
    this.next[HEAD] = slot;
  }

  private unlink(slot: number): void {
    const p = this.prev[slot] as number;
    const n = this.next[slot] as number;
    this.next[p] = n;
    this.prev[n] = p;
    this.sched.delDest(this, slot, p);
  }

  private remove(slot: number): void {
    this.unlink(slot);
    this.slotOf.delete(this.ipOf[slot] as number);
    this.indexOfSlot[slot] = -1;
    this.freeSlots.push(slot);
  }

  // --- inactive connections and graceful termination --------------------------------------

  private expire(now: number): void {
    const inactive = this.inactiveConns;
    let slot = this.finRing.popDue(now);
    for (; slot >= 0; slot = this.finRing.popDue(now)) {
      inactive[slot] = (inactive[slot] as number) - 1;
    }
    for (slot = this.closeRing.popDue(now); slot >= 0; slot = this.closeRing.popDue(now)) {
      inactive[slot] = (inactive[slot] as number) - 1;
    }
    for (slot = this.synRing.popDue(now); slot >= 0; slot = this.synRing.popDue(now)) {
      const skip = this.synSkip[slot] as number;
      if (skip > 0) {
        this.synSkip[slot] = skip - 1;
        continue;
      }
      // No answer within the SYN_RECV timeout: the kernel's timer frees the entry.
      this.synRecv[slot] = (this.synRecv[slot] as number) - 1;
      const counter = this.synRecvActive ? this.activeConns : inactive;
      counter[slot] = (counter[slot] as number) - 1;
    }
  }

  private ensureCheck(): void {
    if (this.checkPending) return;
    const now = this.sim.now;
    const period = this.checkPeriod;
    const phase = this.checkPhase;
    const at = phase + period * Math.max(0, Math.ceil((now - phase) / period));
    this.checkPending = true;
    this.sim.scheduleAt(Math.max(at, now), this.checkKind, 0);
  }

  /** graceful_termination.go tryDeleteRs: delete quiesced destinations without connections. */
  private gracefulCheck(): void {
    this.checkPending = false;
    this.expire(this.sim.now);
    let s = this.next[HEAD] as number;
    while (s !== HEAD) {
      const following = this.next[s] as number;
      if (
        this.quiesced[s] === 1 &&
        (this.activeConns[s] as number) + (this.inactiveConns[s] as number) === 0
      ) {
        this.quiesced[s] = 0;
        this.quiescedCount--;
        this.remove(s);
      }
      s = following;
    }
    if (this.quiescedCount > 0) {
      this.checkPending = true;
      this.sim.schedule(this.checkPeriod, this.checkKind, 0);
    }
  }
}

/**
 * Builds the registry entry of an IPVS scheduler: a new scheduler is one file calling this,
 * plus one registry line.
 */
export function defineIpvsBalancer<O extends IpvsOptions>(spec: {
  scheduler: string;
  description: string;
  options: z.ZodType<O>;
  makeScheduler: (options: O) => IpvsScheduler;
}): L4BalancerDescriptor<O> {
  return {
    kind: 'l4',
    name: `ipvs-${spec.scheduler}`,
    family: 'ipvs',
    description: spec.description,
    options: spec.options,
    create: (ctx, options) => new IpvsBalancer(ctx, options, spec.makeScheduler(options)),
  };
}
