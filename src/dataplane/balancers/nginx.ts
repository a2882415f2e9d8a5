import { z } from 'zod';
import type { Rng } from '../../engine/index.js';
import { duration, showValue } from '../../fields/fields.js';
import type { NginxOptions, ProxyBalancerDescriptor, UpstreamPicker } from '../types.js';

/**
 * Nginx open source with a static upstream list: `upstream { server <pod-ip>; ... }` written
 * once from the Service's pod IPs (names are resolved at configuration load). Defaults are
 * nginx's own (nginx.org ngx_http_upstream_module, ngx_http_proxy_module; CALIBRATION.md).
 */

/** All-optional input form of NginxOptions, as a scenario gives it. */
export interface NginxOptionsInput {
  /** `round_robin` or `least_conn`. @default 'round_robin' */
  balancing?: 'round_robin' | 'least_conn';
  /** max_fails; 0 disables failure accounting. @default 1 */
  maxFails?: number;
  /** fail_timeout. @default 10s */
  failTimeout?: number | string;
  /**
   * proxy_next_upstream, as a list or nginx's space-separated string (`error timeout`).
   * @default ['error', 'timeout']
   */
  nextUpstream?: string | string[];
  /** proxy_next_upstream_tries; 0 = limited only by the number of servers. @default 0 */
  nextUpstreamTries?: number;
  /** proxy_next_upstream_timeout; 0 = none. @default 0 */
  nextUpstreamTimeout?: number | string;
  /** proxy_connect_timeout. @default 60s */
  connectTimeout?: number | string;
  /** proxy_read_timeout. @default 60s */
  readTimeout?: number | string;
  /** worker_processes. @default 1 */
  workers?: number;
  /** A shared `zone` for the upstream (passive health shared by workers). @default false */
  zone?: boolean;
  /** Node index that runs Nginx. @default 0 */
  node?: number;
  /** When Nginx loads its configuration (snapshots the pod IPs). @default 0 */
  startAt?: number | string;
  /** Cron-style reload that re-reads the endpoints every this often; 0 = never. @default 0 */
  reloadInterval?: number | string;
  /** Round-robin state at the first load: `steady` (drawn per worker) or `fresh`. @default 'steady' */
  start?: 'steady' | 'fresh';
}

export const NGINX_DEFAULTS: NginxOptions = {
  balancing: 'round_robin',
  maxFails: 1,
  failTimeout: 10,
  nextUpstream: ['error', 'timeout'],
  nextUpstreamTries: 0,
  nextUpstreamTimeout: 0,
  connectTimeout: 60,
  readTimeout: 60,
  workers: 1,
  zone: false,
  node: 0,
  startAt: 0,
  reloadInterval: 0,
  start: 'steady',
};

const NEXT_UPSTREAM = ['error', 'timeout', 'http_502', 'http_503', 'http_504', 'off'] as const;
type NextUpstream = (typeof NEXT_UPSTREAM)[number];

const nextUpstream = z.unknown().transform((v, ctx): NextUpstream[] => {
  const list = typeof v === 'string' ? v.trim().split(/\s+/) : v;
  const what = `a list of ${NEXT_UPSTREAM.join(', ')} (\`off\` alone)`;
  if (
    !Array.isArray(list) ||
    list.length === 0 ||
    !list.every((x) => (NEXT_UPSTREAM as readonly unknown[]).includes(x)) ||
    (list.includes('off') && list.length > 1)
  ) {
    ctx.addIssue({ code: 'custom', message: `expected ${what}, got ${showValue(v)}` });
    return z.NEVER;
  }
  return [...new Set(list as NextUpstream[])];
});

/** An integer >= min, reported in the `expected ..., got ...` form. */
const count = (min: number) =>
  z.unknown().transform((v, ctx): number => {
    if (typeof v !== 'number' || !Number.isInteger(v) || v < min) {
      ctx.addIssue({
        code: 'custom',
        message: `expected an integer >= ${min}, got ${showValue(v)}`,
      });
      return z.NEVER;
    }
    return v;
  });

/** Strict schema of the nginx-static options; outputs NginxOptions with defaults filled. */
export const nginxOptions: z.ZodType<NginxOptions> = z.strictObject({
  balancing: z.enum(['round_robin', 'least_conn']).default(NGINX_DEFAULTS.balancing),
  maxFails: count(0).default(NGINX_DEFAULTS.maxFails),
  failTimeout: duration().default(NGINX_DEFAULTS.failTimeout),
  nextUpstream: nextUpstream.default([...NGINX_DEFAULTS.nextUpstream]),
  nextUpstreamTries: count(0).default(NGINX_DEFAULTS.nextUpstreamTries),
  nextUpstreamTimeout: duration().default(NGINX_DEFAULTS.nextUpstreamTimeout),
  connectTimeout: duration({ positive: true }).default(NGINX_DEFAULTS.connectTimeout),
  readTimeout: duration({ positive: true }).default(NGINX_DEFAULTS.readTimeout),
  workers: count(1).default(NGINX_DEFAULTS.workers),
  zone: z.boolean().default(NGINX_DEFAULTS.zone),
  node: count(0).default(NGINX_DEFAULTS.node),
  startAt: duration().default(NGINX_DEFAULTS.startAt),
  reloadInterval: duration().default(NGINX_DEFAULTS.reloadInterval),
  start: z.enum(['steady', 'fresh']).default(NGINX_DEFAULTS.start),
});

/** Time of "never" for accessed/checked (nginx zero-fills them; its clock is in 1970 + t). */
const NEVER = Number.NEGATIVE_INFINITY;

/**
 * One Nginx worker's (or one `zone`'s) peer selection with passive health, ported from nginx
 * src/http/ngx_http_upstream_round_robin.c (ngx_http_upstream_get_peer, free_round_robin_peer)
 * and modules/ngx_http_upstream_least_conn_module.c. All weights are 1 (a `server` line per pod
 * IP, no weight).
 *
 * How the request path drives it (one try = one upstream connection attempt):
 * 1. `peer = pick(now, tried)`; -1 means "no live upstreams": nginx answers 502 at once (or the
 *    status of the last failed try, if any). Otherwise set `tried |= 1 << (peer & 31)` and call
 *    `connectionOpened(peer)` (nginx counts `conns` from selection).
 * 2. When the try ends call exactly one of `reportFailure(peer, now)` (a failure counted by
 *    max_fails: error, timeout, and the http_5xx listed in nextUpstream) or
 *    `reportSuccess(peer, now)` (a response, or a failure nginx does not count), then
 *    `connectionClosed(peer)`.
 * 3. Retry while nextUpstream allows it and tries remain: at most `size` tries (and at most
 *    nextUpstreamTries when > 0); with a single server nginx makes exactly one try.
 *
 * Semantics (exact port):
 * - Round robin is nginx's smooth weighted round robin: every eligible peer gets
 *   current_weight += effective_weight, the largest wins (first on ties), and the winner loses
 *   the total. With all weights 1 and no failures it cycles 0, 1, ..., n-1.
 * - A peer is skipped while fails >= maxFails and now - checked <= failTimeout (seconds,
 *   whole). A failure sets fails++, checked = accessed = now and effective_weight -=
 *   weight / maxFails (integer division: 0 for maxFails > 1). After failTimeout the peer is
 *   eligible again; selecting it sets checked = now, so it gets one probe per failTimeout until
 *   a success after the probe (accessed < checked) resets fails to 0. maxFails 0 disables all of
 *   this. effective_weight climbs back by 1 each time the peer is considered.
 * - With a single server (size 1) nginx ignores max_fails: it is never skipped, failures are
 *   not counted. pick returns 0 unless bit 0 of triedMask is set.
 * - least_conn: fewest `conns` (weights equal), ties resolved by smooth round robin among the
 *   tied peers.
 * - Peers beyond 31 share a tried bit (i & 31): a try of peer i marks i+32 as tried too.
 * - No "mark all live" reset when everything is down: modern nginx just returns NGX_BUSY.
 * - Steady start (`start: steady`, given a stream): the current weights are those after k
 *   picks of a fresh list, k uniform in [0, n) from the worker's stream (with equal weights the
 *   cycle's state is k alone: peers before k have current_weight k - n, the others k). Without
 *   it every worker, and every Nginx of a comparison, would begin with peer 0 in lockstep.
 *
 * Allocation-free; pick is O(n) like nginx's.
 */
export class NginxUpstreamPicker implements UpstreamPicker {
  size = 0;
  ips: Uint32Array = new Uint32Array(0);
  private readonly leastConn: boolean;
  private readonly maxFails: number;
  private readonly failTimeout: number;
  private currentWeight = new Float64Array(0);
  private effectiveWeight = new Float64Array(0);
  private fails = new Int32Array(0);
  private accessed = new Float64Array(0);
  private checked = new Float64Array(0);
  private conns = new Int32Array(0);

  /** `rng`: the worker's stream, drawn once for a steady start (none: fresh). */
  constructor(ips: Uint32Array, options: NginxOptions, rng?: Rng) {
    this.leastConn = options.balancing === 'least_conn';
    this.maxFails = options.maxFails;
    this.failTimeout = options.failTimeout;
    this.load(ips);
    if (options.start === 'steady' && rng !== undefined) this.settle(rng.next());
  }

  /** The smooth round robin's state after floor(u n) picks of a fresh list (weights 1). */
  private settle(u: number): void {
    const n = this.size;
    const k = Math.floor(u * n);
    for (let i = 0; i < n; i++) this.currentWeight[i] = i < k ? k - n : k;
  }

  /** A fresh configuration: what new worker processes start with after a reload. */
  private load(ips: Uint32Array): void {
    const n = ips.length;
    this.size = n;
    this.ips = Uint32Array.from(ips);
    this.currentWeight = new Float64Array(n);
    this.effectiveWeight = new Float64Array(n).fill(1);
    this.fails = new Int32Array(n);
    // ngx_pcalloc zeroes them and ngx_time() is seconds since 1970: "long ago".
    this.accessed = new Float64Array(n).fill(NEVER);
    this.checked = new Float64Array(n).fill(NEVER);
    this.conns = new Int32Array(n);
  }

  /** Is `i` down by max_fails/fail_timeout at whole-second time `t`? */
  private down(i: number, t: number): boolean {
    return (
      this.maxFails > 0 &&
      (this.fails[i] as number) >= this.maxFails &&
      t - (this.checked[i] as number) <= this.failTimeout
    );
  }

  pick(now: number, triedMask: number): number {
    const n = this.size;
    if (n === 0) return -1;
    if (n === 1) return (triedMask & 1) === 0 ? 0 : -1;
    // nginx compares passive-health times in whole seconds (ngx_time(), a cached time_t).
    const t = Math.floor(now);
    const best = this.leastConn
      ? this.pickLeastConn(t, triedMask)
      : this.pickRoundRobin(t, triedMask);
    if (best >= 0 && t - (this.checked[best] as number) > this.failTimeout) this.checked[best] = t;
    return best;
  }

  /** ngx_http_upstream_get_peer. */
  private pickRoundRobin(t: number, triedMask: number): number {
    const cw = this.currentWeight;
    const ew = this.effectiveWeight;
    let best = -1;
    let total = 0;
    for (let i = 0; i < this.size; i++) {
      if ((triedMask & (1 << (i & 31))) !== 0 || this.down(i, t)) continue;
      const e = ew[i] as number;
      cw[i] = (cw[i] as number) + e;
      total += e;
      if (e < 1) ew[i] = e + 1;
      if (best < 0 || (cw[i] as number) > (cw[best] as number)) best = i;
    }
    if (best >= 0) cw[best] = (cw[best] as number) - total;
    return best;
  }

  /** ngx_http_upstream_get_least_conn_peer (weights 1: compare conns). */
  private pickLeastConn(t: number, triedMask: number): number {
    const conns = this.conns;
    let best = -1;
    let many = false;
    for (let i = 0; i < this.size; i++) {
      if ((triedMask & (1 << (i & 31))) !== 0 || this.down(i, t)) continue;
      if (best < 0 || (conns[i] as number) < (conns[best] as number)) {
        best = i;
        many = false;
      } else if (conns[i] === conns[best]) {
        many = true;
      }
    }
    if (best < 0 || !many) return best;
    // Several peers share the least count: smooth round robin among them, from the first.
    const cw = this.currentWeight;
    const ew = this.effectiveWeight;
    const least = conns[best] as number;
    let total = 0;
    for (let i = best; i < this.size; i++) {
      if ((triedMask & (1 << (i & 31))) !== 0 || conns[i] !== least || this.down(i, t)) continue;
      const e = ew[i] as number;
      cw[i] = (cw[i] as number) + e;
      total += e;
      if (e < 1) ew[i] = e + 1;
      if ((cw[i] as number) > (cw[best] as number)) best = i;
    }
    cw[best] = (cw[best] as number) - total;
    return best;
  }

  reportFailure(peer: number, now: number): void {
    if (this.size === 1) {
      this.fails[0] = 0; // single server: never marked down
      return;
    }
    const t = Math.floor(now);
    this.fails[peer] = (this.fails[peer] as number) + 1;
    this.accessed[peer] = t;
    this.checked[peer] = t;
    if (this.maxFails > 0) {
      const e = (this.effectiveWeight[peer] as number) - Math.trunc(1 / this.maxFails);
      this.effectiveWeight[peer] = Math.max(e, 0);
    }
  }

  reportSuccess(peer: number, _now: number): void {
    if (this.size === 1) {
      this.fails[0] = 0;
      return;
    }
    // "mark peer live if check passed": a success after the probe that followed the failure.
    if ((this.accessed[peer] as number) < (this.checked[peer] as number)) this.fails[peer] = 0;
  }

  connectionOpened(peer: number): void {
    this.conns[peer] = (this.conns[peer] as number) + 1;
  }

  connectionClosed(peer: number): void {
    const c = this.conns[peer] as number;
    if (c > 0) this.conns[peer] = c - 1;
  }

  /**
   * A reload: new workers start from a fresh configuration (weights, fails and conns reset).
   * Tries begun before the reload belong to the old workers: do not report them here.
   */
  reload(ips: Uint32Array, _now: number): void {
    this.load(ips);
  }

  /** Passive-health state of a peer, for tests and diagnostics. Allocates: not hot. */
  peerState(peer: number): { fails: number; checked: number; effectiveWeight: number } {
    return {
      fails: this.fails[peer] as number,
      checked: this.checked[peer] as number,
      effectiveWeight: this.effectiveWeight[peer] as number,
    };
  }
}

export const nginxStatic: ProxyBalancerDescriptor = {
  kind: 'proxy',
  name: 'nginx-static',
  family: 'nginx',
  description:
    'Nginx with a static upstream of pod IPs snapshotted at start: smooth weighted round robin, max_fails/fail_timeout',
  options: nginxOptions,
  // Nginx's peer selection is deterministic; the worker's stream only settles a steady start.
  createPicker: (ips: Uint32Array, options: NginxOptions, rng: Rng) =>
    new NginxUpstreamPicker(ips, options, rng),
};
