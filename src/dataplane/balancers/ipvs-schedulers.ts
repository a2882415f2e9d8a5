import { z } from 'zod';
import { type Ip, ipFromString } from '../../cluster/types.js';
import { showValue } from '../../fields/fields.js';
import {
  defineIpvsBalancer,
  type IpvsOptions,
  type IpvsScheduler,
  type IpvsService,
  ipvsOptionFields,
  ipvsOptions,
  HEAD as LIST_HEAD,
} from './ipvs.js';

// A local copy of the list-head slot: a module-local constant is folded by the JIT, where an
// imported binding may be a getter call per loop iteration under some loaders (measured 5x).
const HEAD = 0 as number;
if (HEAD !== LIST_HEAD) throw new Error('IPVS list head slot mismatch');

/**
 * The Linux IPVS schedulers kube-proxy offers (`--ipvs-scheduler`), ported from
 * net/netfilter/ipvs/ip_vs_<name>.c. Each walks the destination list in kernel order and skips
 * quiesced destinations (weight 0). Ties go to the first destination in list order, as in the
 * kernel's strict comparisons. With kube-proxy's weights (all 1) wrr picks like rr and wlc like
 * lc, but they are the kernel's weighted formulas, and wrr resets its position whenever the list
 * changes where rr does not.
 */

/**
 * ip_vs_rr.c. The position is the last destination chosen (initially the list head). A pick
 * continues after it, wrapping once; a new destination (added at the head) is reached after the
 * wrap; a deleted one moves the position back to its predecessor (ip_vs_rr_del_dest).
 * settle (a steady start) puts the position on a destination drawn uniformly among the live
 * ones: after a long history the last one chosen is any of them, the next pick its successor.
 */
export class RrScheduler implements IpvsScheduler {
  private position = HEAD;

  addDest(): void {}

  delDest(_svc: IpvsService, slot: number, formerPrev: number): void {
    if (this.position === slot) this.position = formerPrev;
  }

  updDest(): void {}

  settle(svc: IpvsService, u: number): void {
    this.position = liveDestination(svc, u);
  }

  schedule(svc: IpvsService): number {
    const next = svc.next;
    const weight = svc.weight;
    const last = this.position;
    let d = last;
    for (let pass = 0; pass < 2; pass++) {
      for (d = next[d] as number; d !== HEAD; d = next[d] as number) {
        if ((weight[d] as number) > 0) {
          this.position = d;
          return d;
        }
        if (d === last) return -1;
      }
      // Started at the head: one traversal covered every destination.
      if (last === HEAD) break;
    }
    return -1;
  }
}

/**
 * The live (weight > 0) destination of rank floor(u x live count) in list order, or the head
 * when none is live: a position drawn uniformly among them.
 */
function liveDestination(svc: IpvsService, u: number): number {
  const { next, weight } = svc;
  let live = 0;
  for (let d = next[HEAD] as number; d !== HEAD; d = next[d] as number) {
    if ((weight[d] as number) > 0) live++;
  }
  let k = Math.floor(u * live);
  for (let d = next[HEAD] as number; d !== HEAD; d = next[d] as number) {
    if ((weight[d] as number) > 0 && k-- === 0) return d;
  }
  return HEAD;
}

function gcd(a: number, b: number): number {
  while (b !== 0) {
    const t = a % b;
    a = b;
    b = t;
  }
  return a;
}

/**
 * ip_vs_wrr.c: classic interleaved WRR with a current weight `cw` stepping down from the maximum
 * by the weights' gcd; every list change (add, delete, weight update) resets the position to the
 * head (ip_vs_wrr_dest_changed). settle (a steady start) puts the mark on a live destination
 * drawn uniformly, the current weight at its maximum: exact for kube-proxy's weights (all 1,
 * where the cycle is rr's); with unequal weights a position within the first round.
 */
export class WrrScheduler implements IpvsScheduler {
  private cl = HEAD;
  private cw = 0;
  private mw = 0;
  private di = 1;

  private changed(svc: IpvsService): void {
    const { next, weight } = svc;
    let g = 0;
    let max = 0;
    for (let d = next[HEAD] as number; d !== HEAD; d = next[d] as number) {
      const w = weight[d] as number;
      if (w > 0) g = g > 0 ? gcd(w, g) : w;
      if (w > max) max = w;
    }
    this.cl = HEAD;
    this.di = g > 0 ? g : 1;
    this.mw = max - (this.di - 1);
    if (this.cw > this.mw || this.cw === 0) this.cw = this.mw;
    else if (this.di > 1) this.cw = Math.trunc(this.cw / this.di) * this.di + 1;
  }

  addDest(svc: IpvsService): void {
    this.changed(svc);
  }

  delDest(svc: IpvsService): void {
    this.changed(svc);
  }

  updDest(svc: IpvsService): void {
    this.changed(svc);
  }

  settle(svc: IpvsService, u: number): void {
    this.cl = liveDestination(svc, u);
    this.cw = this.mw;
  }

  schedule(svc: IpvsService): number {
    const { next, weight } = svc;
    let dest = this.cl;
    if (this.mw === 0) return -1;
    const last = dest;
    let stop = -1;
    let lastPass = false;
    let restarted = false;
    for (;;) {
      for (dest = next[dest] as number; dest !== HEAD; dest = next[dest] as number) {
        if ((weight[dest] as number) >= this.cw) {
          this.cl = dest;
          return dest;
        }
        if (dest === stop) {
          this.cl = dest;
          return -1;
        }
      }
      this.cw -= this.di;
      if (this.cw <= 0) {
        this.cw = this.mw;
        if (lastPass || last === HEAD) {
          this.cl = HEAD;
          return -1;
        }
        restarted = true;
      }
      lastPass = this.cw <= this.di;
      if (lastPass && restarted && last !== HEAD) stop = last;
    }
  }
}

/** Stateless schedulers have no hooks. */
abstract class Stateless implements IpvsScheduler {
  addDest(): void {}
  delDest(): void {}
  updDest(): void {}
  abstract schedule(svc: IpvsService, clientIp: Ip): number;
}

/**
 * ip_vs_lc.c: the least `ip_vs_dest_conn_overhead` = activeconns * 256 + inactconns
 * (include/net/ip_vs.h, `(active << 8) + inact`); weight-0 destinations skipped; strict `<`, so
 * the first in list order wins a tie.
 */
export class LcScheduler extends Stateless {
  schedule(svc: IpvsService): number {
    const { next, weight, activeConns, inactiveConns } = svc;
    let least = -1;
    let loh = 0;
    for (let d = next[HEAD] as number; d !== HEAD; d = next[d] as number) {
      if (weight[d] === 0) continue;
      const doh = (activeConns[d] as number) * 256 + (inactiveConns[d] as number);
      if (least < 0 || doh < loh) {
        least = d;
        loh = doh;
      }
    }
    return least;
  }
}

/**
 * The shape shared by ip_vs_wlc.c and ip_vs_sed.c: take the first destination with weight > 0,
 * then replace it by any later one with loh * w(d) > doh * w(least) (overhead per weight
 * strictly smaller; a weight-0 destination never satisfies it). `sed` selects the overhead:
 * (active + 1) for sed, active * 256 + inactive for wlc.
 */
function weightedLeast(svc: IpvsService, sed: boolean): number {
  const { next, weight, activeConns, inactiveConns } = svc;
  let least = next[HEAD] as number;
  while (least !== HEAD && (weight[least] as number) <= 0) least = next[least] as number;
  if (least === HEAD) return -1;
  let loh = sed
    ? (activeConns[least] as number) + 1
    : (activeConns[least] as number) * 256 + (inactiveConns[least] as number);
  for (let d = next[least] as number; d !== HEAD; d = next[d] as number) {
    const doh = sed
      ? (activeConns[d] as number) + 1
      : (activeConns[d] as number) * 256 + (inactiveConns[d] as number);
    if (loh * (weight[d] as number) > doh * (weight[least] as number)) {
      least = d;
      loh = doh;
    }
  }
  return least;
}

/** ip_vs_wlc.c: least (active * 256 + inactive) / weight. */
export class WlcScheduler extends Stateless {
  schedule(svc: IpvsService): number {
    return weightedLeast(svc, false);
  }
}

/** ip_vs_sed.c: shortest expected delay, least (active + 1) / weight; inactive ignored. */
export class SedScheduler extends Stateless {
  schedule(svc: IpvsService): number {
    return weightedLeast(svc, true);
  }
}

/**
 * ip_vs_nq.c: never queue. The first destination (list order) with no active connection wins
 * at once; otherwise as sed: least (active + 1) / weight.
 */
export class NqScheduler extends Stateless {
  schedule(svc: IpvsService): number {
    const { next, weight, activeConns } = svc;
    let least = -1;
    let loh = 0;
    for (let d = next[HEAD] as number; d !== HEAD; d = next[d] as number) {
      const w = weight[d] as number;
      if (w === 0) continue;
      const active = activeConns[d] as number;
      const doh = active + 1;
      if (active === 0) return d;
      if (least < 0 || loh * w > doh * (weight[least] as number)) {
        least = d;
        loh = doh;
      }
    }
    return least;
  }
}

const TAB_SIZE = 256; // CONFIG_IP_VS_SH_TAB_BITS = CONFIG_IP_VS_DH_TAB_BITS = 8

/**
 * A 256-bucket table filled from the destination list in order, wrapping (ip_vs_sh_reassign /
 * ip_vs_dh_reassign). sh repeats a destination `weight` times (a weight-0 one still takes one
 * bucket: `++d_count >= weight` is true at once); dh gives each destination one bucket.
 */
function fillBuckets(svc: IpvsService, buckets: Int32Array, byWeight: boolean): void {
  const { next, weight } = svc;
  if (next[HEAD] === HEAD) {
    buckets.fill(-1);
    return;
  }
  let p = HEAD;
  let count = 0;
  for (let i = 0; i < TAB_SIZE; i++) {
    if (p === HEAD) p = next[HEAD] as number;
    buckets[i] = p;
    if (!byWeight || ++count >= (weight[p] as number)) {
      p = next[p] as number;
      count = 0;
    }
  }
}

abstract class Hashing implements IpvsScheduler {
  protected readonly buckets = new Int32Array(TAB_SIZE).fill(-1);
  protected abstract readonly byWeight: boolean;

  addDest(svc: IpvsService): void {
    fillBuckets(svc, this.buckets, this.byWeight);
  }
  delDest(svc: IpvsService): void {
    fillBuckets(svc, this.buckets, this.byWeight);
  }
  updDest(svc: IpvsService): void {
    fillBuckets(svc, this.buckets, this.byWeight);
  }

  protected lookup(svc: IpvsService, bucket: number): number {
    const d = this.buckets[bucket] as number;
    // A quiesced destination's bucket gives "no destination available" (no sh-fallback flag:
    // kube-proxy sets none for sh).
    return d >= 0 && (svc.weight[d] as number) > 0 ? d : -1;
  }

  abstract schedule(svc: IpvsService, clientIp: Ip): number;
}

/**
 * ip_vs_sh.c: bucket = hash_32(saddr, 8) = (saddr * GOLDEN_RATIO_32) >> 24 (port 0: kube-proxy
 * does not set sh-port). One client IP always lands on the same destination while the list is
 * unchanged.
 */
export class ShScheduler extends Hashing {
  protected readonly byWeight = true;

  schedule(svc: IpvsService, clientIp: Ip): number {
    return this.lookup(svc, Math.imul(clientIp, 0x61c88647) >>> 24);
  }
}

/**
 * ip_vs_dh.c: bucket = (daddr * 2654435761) & 255. The destination address is the Service's
 * ClusterIP for every connection, so every connection goes to one pod.
 */
export class DhScheduler extends Hashing {
  protected readonly byWeight = false;
  private readonly bucket: number;

  constructor(clusterIp: Ip) {
    super();
    this.bucket = Math.imul(clusterIp, 0x9e3779b1) & (TAB_SIZE - 1);
  }

  schedule(svc: IpvsService): number {
    return this.lookup(svc, this.bucket);
  }
}

export interface IpvsDhOptions extends IpvsOptions {
  /** The Service's ClusterIP (the destination address dh hashes). @default '10.96.0.10' */
  readonly clusterIP: Ip;
}

const clusterIp = z.unknown().transform((v, ctx): Ip => {
  // Already resolved (the scenario layer parses once, buildModel again): keep it.
  if (typeof v === 'number' && Number.isInteger(v) && v >= 0 && v < 2 ** 32) return v;
  if (typeof v === 'string') {
    try {
      return ipFromString(v.trim());
    } catch {
      // reported below
    }
  }
  ctx.addIssue({
    code: 'custom',
    message: `expected an IPv4 address such as \`10.96.0.10\`, got ${showValue(v)}`,
  });
  return z.NEVER;
});

export const ipvsDhOptions: z.ZodType<IpvsDhOptions> = z.strictObject({
  ...ipvsOptionFields,
  clusterIP: clusterIp.default(ipFromString('10.96.0.10')),
});

export const ipvsRr = defineIpvsBalancer({
  scheduler: 'rr',
  description: 'IPVS round robin (kube-proxy default), per-node pointer',
  options: ipvsOptions,
  makeScheduler: () => new RrScheduler(),
});

export const ipvsWrr = defineIpvsBalancer({
  scheduler: 'wrr',
  description: 'IPVS weighted round robin (weights 1: cycles like rr, resets on list changes)',
  options: ipvsOptions,
  makeScheduler: () => new WrrScheduler(),
});

export const ipvsLc = defineIpvsBalancer({
  scheduler: 'lc',
  description: 'IPVS least connection: min active*256 + inactive, per-node counts',
  options: ipvsOptions,
  makeScheduler: () => new LcScheduler(),
});

export const ipvsWlc = defineIpvsBalancer({
  scheduler: 'wlc',
  description: 'IPVS weighted least connection: min (active*256 + inactive) / weight',
  options: ipvsOptions,
  makeScheduler: () => new WlcScheduler(),
});

export const ipvsSed = defineIpvsBalancer({
  scheduler: 'sed',
  description: 'IPVS shortest expected delay: min (active + 1) / weight',
  options: ipvsOptions,
  makeScheduler: () => new SedScheduler(),
});

export const ipvsNq = defineIpvsBalancer({
  scheduler: 'nq',
  description: 'IPVS never queue: an idle destination if any, else sed',
  options: ipvsOptions,
  makeScheduler: () => new NqScheduler(),
});

export const ipvsSh = defineIpvsBalancer({
  scheduler: 'sh',
  description: 'IPVS source hashing: 256 buckets by client IP',
  options: ipvsOptions,
  makeScheduler: () => new ShScheduler(),
});

export const ipvsDh = defineIpvsBalancer({
  scheduler: 'dh',
  description: 'IPVS destination hashing: hashes the ClusterIP, so one pod gets every connection',
  options: ipvsDhOptions,
  makeScheduler: (o) => new DhScheduler(o.clusterIP),
});
