import { z } from 'zod';
import { type Ip, ipToString } from '../../cluster/types.js';
import type { EventKind, Simulation } from '../../engine/index.js';
import { duration } from '../../schema/fields.js';
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
 * - Connection counters (ip_vs_proto_tcp.c set_tcp_state): a connection counts as active while
 *   ESTABLISHED; after its FIN it counts as inactive until its IPVS entry expires. The kernel's
 *   FIN_WAIT and TIME_WAIT timeouts are both 2 min (tcp_timeouts[]), and a normal close ends in
 *   TIME_WAIT, so a closed connection stays inactive for `tcpFinTimeout` (default 120 s).
 *   Expiry is lazy: a FIFO of (expiry time, destination) checked before each pick, sync and
 *   check; closes come in time order and the timeout is constant, so the FIFO stays sorted.
 *   No engine event per connection.
 *
 * Simplifications: a connection counts from connectionOpened (the kernel counts from the SYN,
 * as inactive until ESTABLISHED); connections that fail to connect are not counted (the kernel
 * keeps them as inactive for 60 s SYN_RECV or 10 s CLOSE); a reset connection lingers
 * `tcpFinTimeout` like a closed one (the kernel: 10 s CLOSE).
 */
export interface IpvsOptions extends SessionAffinityOptions {
  /**
   * Seconds a closed connection stays counted as inactive (IPVS FIN_WAIT/TIME_WAIT timeout).
   * 0 forgets closed connections at once. kube-proxy's `--ipvs-tcpfin-timeout` 0 keeps the
   * kernel's value. @default 120
   */
  readonly tcpFinTimeout: number;
  /** Period of kube-proxy's graceful-termination check (rsCheckDeleteInterval). @default 60 */
  readonly rsCheckDeleteInterval: number;
}

export const IPVS_DEFAULTS = {
  tcpFinTimeout: 120,
  rsCheckDeleteInterval: 60,
} as const;

export const ipvsOptionFields = {
  ...sessionAffinityFields,
  tcpFinTimeout: duration().default(IPVS_DEFAULTS.tcpFinTimeout),
  rsCheckDeleteInterval: duration({ positive: true }).default(IPVS_DEFAULTS.rsCheckDeleteInterval),
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

  // Inactive-connection expiries: a growable ring (power-of-two capacity), head/tail counters.
  private expTime = new Float64Array(1024);
  private expSlot = new Int32Array(1024);
  private expHead = 0;
  private expTail = 0;

  private readonly sim: Simulation;
  private readonly sched: IpvsScheduler;
  private readonly affinity: ClientAffinity | null;
  private readonly finTimeout: number;
  private readonly checkPeriod: number;
  private readonly checkPhase: number;
  private readonly checkKind: EventKind;
  private checkPending = false;
  private table: EndpointTable | null = null;

  constructor(ctx: BalancerContext, options: IpvsOptions, scheduler: IpvsScheduler) {
    this.sim = ctx.sim;
    this.sched = scheduler;
    this.affinity =
      options.sessionAffinity === 'ClientIP'
        ? new ClientAffinity(options.sessionAffinityTimeout)
        : null;
    this.finTimeout = options.tcpFinTimeout;
    this.checkPeriod = options.rsCheckDeleteInterval;
    // kube-proxy's wait.Until ticker started with the process: its phase differs per node.
    this.checkPhase = ctx.rng.next() * this.checkPeriod;
    this.checkKind = ctx.sim.register(`ipvs-graceful-check:node-${ctx.node}`, () =>
      this.gracefulCheck(),
    );
    const cap = 16;
    this.next = new Int32Array(cap);
    this.prev = new Int32Array(cap);
    this.weight = new Int32Array(cap);
    this.activeConns = new Int32Array(cap);
    this.inactiveConns = new Int32Array(cap);
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
      if (pinned >= 0) return pinned;
    }
    const slot = this.sched.schedule(this, clientIp);
    if (slot < 0) return -1;
    const index = this.indexOfSlot[slot] as number;
    if (affinity !== null && index >= 0) affinity.record(clientIp, table.ips[index] as number, now);
    return index;
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
    // A destination deleted between pick and connect (it had no connections) is not counted.
    if (slot !== undefined) this.activeConns[slot] = (this.activeConns[slot] as number) + 1;
  }

  connectionClosed(ip: Ip): void {
    const slot = this.slotOf.get(ip);
    if (slot === undefined) return;
    const active = this.activeConns[slot] as number;
    if (active === 0) return; // unmatched close (e.g. opened before the IP was re-added)
    this.activeConns[slot] = active - 1;
    if (this.finTimeout > 0) {
      this.inactiveConns[slot] = (this.inactiveConns[slot] as number) + 1;
      this.pushExpiry(this.sim.now + this.finTimeout, slot);
    }
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

  private pushExpiry(time: number, slot: number): void {
    let cap = this.expTime.length;
    if (this.expTail - this.expHead === cap) {
      // Grow: copy the ring in order into twice the space.
      const t = new Float64Array(cap * 2);
      const s = new Int32Array(cap * 2);
      for (let k = 0; k < cap; k++) {
        const j = (this.expHead + k) & (cap - 1);
        t[k] = this.expTime[j] as number;
        s[k] = this.expSlot[j] as number;
      }
      this.expTime = t;
      this.expSlot = s;
      this.expTail -= this.expHead;
      this.expHead = 0;
      cap *= 2;
    }
    const j = this.expTail & (cap - 1);
    this.expTime[j] = time;
    this.expSlot[j] = slot;
    this.expTail++;
  }

  private expire(now: number): void {
    const mask = this.expTime.length - 1;
    while (this.expHead !== this.expTail) {
      const j = this.expHead & mask;
      if ((this.expTime[j] as number) > now) break;
      const slot = this.expSlot[j] as number;
      this.inactiveConns[slot] = (this.inactiveConns[slot] as number) - 1;
      this.expHead++;
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
