/**
 * One behavioural suite run against every registered balancer (hono's router
 * `common.case.test.ts` idea): every L4 balancer in BALANCERS, and the Nginx picker where the
 * property applies. A new balancer is picked up automatically and must declare below which
 * distribution it promises.
 */
import { describe, expect, it } from 'vitest';
import { type Ip, ipToString } from '../../../src/cluster/types.js';
import { BALANCERS } from '../../../src/dataplane/balancers/registry.js';
import type {
  EndpointTable,
  L4Balancer,
  L4BalancerDescriptor,
  ProxyBalancerDescriptor,
} from '../../../src/dataplane/types.js';
import { RandomSource, type Rng } from '../../../src/engine/index.js';
import { chiSquare, chiSquareCritical, podIp, rig, scriptRng, table } from './helpers.js';

type Promise =
  | 'uniform' // independent uniform choice per connection
  | 'cycle' // exact round-robin cycle over the table
  | 'least' // balances open connections exactly
  | 'source-hash' // 256 buckets by client IP
  | 'destination-hash'; // one bucket for the ClusterIP: a single endpoint

const PROMISES: Record<string, Promise> = {
  iptables: 'uniform',
  nftables: 'uniform',
  'ipvs-rr': 'cycle',
  'ipvs-wrr': 'cycle',
  'ipvs-lc': 'least',
  'ipvs-wlc': 'least',
  'ipvs-sed': 'least',
  'ipvs-nq': 'least',
  'ipvs-sh': 'source-hash',
  'ipvs-dh': 'destination-hash',
};

/** Hash schedulers refuse a client whose bucket holds a quiesced (draining) destination. */
const MAY_REFUSE_WITH_ENDPOINTS = new Set(['ipvs-sh', 'ipvs-dh']);

const l4 = BALANCERS.filter((d): d is L4BalancerDescriptor => d.kind === 'l4');
const proxies = BALANCERS.filter((d): d is ProxyBalancerDescriptor => d.kind === 'proxy');

/** IPVS destination-list order of one sync's additions: reverse order of "ip:" strings. */
function ipvsListOrder(ips: readonly Ip[]): Ip[] {
  return [...ips].sort((a, b) => {
    const ka = `${ipToString(a)}:`;
    const kb = `${ipToString(b)}:`;
    return ka < kb ? 1 : ka > kb ? -1 : 0;
  });
}

/**
 * Drives one balancer through a random life: syncs of random subsets of a pool of 20 IPs
 * (sometimes empty), picks for 50 client IPs, connections opened on every pick and closed at
 * random, checking every pick is inside the node's current table.
 */
class Driver {
  current: EndpointTable;
  readonly picks: number[] = [];
  private readonly open: Ip[] = [];
  private version = 0;

  constructor(
    private readonly name: string,
    private readonly b: L4Balancer,
    private readonly script: Rng,
    private readonly poolBase: number,
  ) {
    this.current = table(
      0,
      [0, 1, 2, 3, 4, 5, 6, 7, 8, 9].map((i) => podIp(poolBase + i)),
    );
    b.tableProgrammed(this.current);
  }

  step(): void {
    const s = this.script;
    if (s.next() < 0.05) {
      const ips: Ip[] = [];
      for (let i = 0; i < 20; i++) if (s.next() < 0.6) ips.push(podIp(this.poolBase + i));
      if (s.next() < 0.05) ips.length = 0;
      this.current = table(++this.version, ips);
      this.b.tableProgrammed(this.current);
    }
    const t = this.current;
    const i = this.b.pick(t, 0x0a000000 + Math.floor(s.next() * 50));
    this.picks.push(i);
    if (i < -1 || i >= t.size || !Number.isInteger(i)) {
      throw new Error(`${this.name}: pick ${i} outside the table of size ${t.size}`);
    }
    if (i === -1 && t.size > 0 && !MAY_REFUSE_WITH_ENDPOINTS.has(this.name)) {
      throw new Error(`${this.name}: refused with ${t.size} endpoints`);
    }
    if (i >= 0) {
      const ip = t.ips[i] as number;
      this.b.connectionOpened(ip);
      this.open.push(ip);
    }
    if (this.open.length > 0 && s.next() < 0.5) {
      const k = Math.floor(s.next() * this.open.length);
      const ip = this.open[k] as number;
      this.open[k] = this.open[this.open.length - 1] as number;
      this.open.pop();
      this.b.connectionClosed(ip);
    }
  }
}

/** Runs `steps` steps at random times (mean gap 1 s: spans IPVS FIN and check timeouts). */
function life(d: L4BalancerDescriptor, seed: number, steps: number, withNeighbour: boolean) {
  const r = rig(d, seed);
  const main = new Driver(d.name, r.make(0), scriptRng(11), 0);
  const neighbour = withNeighbour ? new Driver(d.name, r.make(1), scriptRng(12), 100) : undefined;
  const clock = new RandomSource(3).stream('clock');
  const extra = new RandomSource(4).stream('neighbour');
  for (let k = 0; k < steps; k++) {
    r.sim.run(r.sim.now + clock.next() * 2);
    main.step();
    if (neighbour !== undefined) {
      neighbour.step();
      if (extra.next() < 0.3) neighbour.step();
    }
  }
  return main.picks;
}

it('every L4 balancer declares the distribution it promises', () => {
  expect(l4.map((d) => d.name).filter((n) => PROMISES[n] === undefined)).toEqual([]);
});

describe.each(l4.map((d) => [d.name, d] as const))('%s conformance', (name, d) => {
  it('resolves its defaults and rejects unknown options', () => {
    expect(() => d.options.parse({})).not.toThrow();
    expect(d.options.safeParse({ noSuchOption: 1 }).success).toBe(false);
  });

  it('refuses (-1) on an empty table, before and after having endpoints', () => {
    const b = rig(d).make(0);
    const empty = table(0, []);
    b.tableProgrammed(empty);
    expect(b.pick(empty, 1)).toBe(-1);
    const full = table(1, [podIp(1), podIp(2)]);
    b.tableProgrammed(full);
    expect(b.pick(full, 1)).toBeGreaterThanOrEqual(0);
    const emptyAgain = table(2, []);
    b.tableProgrammed(emptyAgain);
    expect(b.pick(emptyAgain, 1)).toBe(-1);
  });

  it('gives the same picks for the same seed, and stays inside the current table', () => {
    // Driver throws on any pick outside the table programmed just before it.
    const a = life(d, 5, 3000, false);
    const b = life(d, 5, 3000, false);
    expect(a).toEqual(b);
    if (PROMISES[name] === 'uniform') expect(life(d, 6, 3000, false)).not.toEqual(a);
  });

  it('never picks an endpoint right after a sync removed it', () => {
    const r = rig(d);
    const b = r.make(0);
    const all = [1, 2, 3, 4, 5, 6].map(podIp);
    b.tableProgrammed(table(0, all));
    // Hold connections to every endpoint so IPVS must keep the removed ones (weight 0).
    for (let k = 0; k < 60; k++) {
      const t = table(0, all);
      const i = b.pick(t, 0x0a000000 + k);
      if (i >= 0) b.connectionOpened(t.ips[i] as number);
    }
    const kept = table(1, [podIp(2), podIp(5)]);
    b.tableProgrammed(kept);
    for (let k = 0; k < 500; k++) {
      const i = b.pick(kept, 0x0a000000 + k);
      if (MAY_REFUSE_WITH_ENDPOINTS.has(name) && i === -1) continue;
      expect(i === 0 || i === 1).toBe(true);
    }
  });

  it('keeps state per node: a neighbour node does not change this node’s picks', () => {
    expect(life(d, 9, 2000, true)).toEqual(life(d, 9, 2000, false));
  });

  it('delivers its promised distribution', () => {
    const promise = PROMISES[name];
    const b = rig(d, 21).make(0);
    switch (promise) {
      case 'uniform': {
        // 50,000 picks over 10 endpoints; the 0.5% critical value (23.6, df 9) is exceeded
        // by an endpoint under-weighted by 10% (expected statistic about 55).
        const t = table(0, [0, 1, 2, 3, 4, 5, 6, 7, 8, 9].map(podIp));
        const counts = new Array<number>(10).fill(0);
        for (let k = 0; k < 50_000; k++) counts[b.pick(t, 0x0a000000 + (k % 1000))]! += 1;
        expect(chiSquare(counts, new Array(10).fill(0.1))).toBeLessThan(chiSquareCritical(9));
        break;
      }
      case 'cycle': {
        const t = table(0, [0, 1, 2, 3, 4, 5, 6].map(podIp));
        const picks = Array.from({ length: 7 * 300 }, (_, k) => b.pick(t, k));
        expect(new Set(picks.slice(0, 7)).size).toBe(7);
        expect(picks).toEqual(picks.map((_, k) => picks[k % 7]));
        // Exact cycle: the chi-square statistic against uniform is exactly 0.
        const counts = new Array<number>(7).fill(0);
        for (const p of picks) counts[p]! += 1;
        expect(chiSquare(counts, new Array(7).fill(1 / 7))).toBe(0);
        break;
      }
      case 'least': {
        // Every picked connection stays open: after each round of 7, every endpoint has the
        // same number of connections.
        const t = table(0, [0, 1, 2, 3, 4, 5, 6].map(podIp));
        const counts = new Array<number>(7).fill(0);
        for (let k = 1; k <= 7 * 100; k++) {
          const i = b.pick(t, k);
          counts[i]! += 1;
          b.connectionOpened(t.ips[i] as number);
          if (k % 7 === 0) expect(new Set(counts).size).toBe(1);
        }
        break;
      }
      case 'source-hash': {
        // 256 buckets dealt over the destination list in order: with 10 destinations the first
        // 6 in list order get 26 buckets, the others 25. Client IPs uniform over 32 bits.
        const ips = [0, 1, 2, 3, 4, 5, 6, 7, 8, 9].map(podIp);
        const t = table(0, ips);
        const order = ipvsListOrder(ips);
        const p = ips.map((ip) => (order.indexOf(ip) < 6 ? 26 : 25) / 256);
        const clients = scriptRng(4);
        const counts = new Array<number>(10).fill(0);
        for (let k = 0; k < 50_000; k++) {
          const client = clients.int32() >>> 0;
          const i = b.pick(t, client);
          counts[i]! += 1;
          expect(b.pick(t, client)).toBe(i); // same client, same endpoint
        }
        expect(chiSquare(counts, p)).toBeLessThan(chiSquareCritical(9));
        break;
      }
      case 'destination-hash': {
        const ips = [0, 1, 2, 3, 4, 5, 6, 7, 8, 9].map(podIp);
        const t = table(0, ips);
        const first = b.pick(t, 1);
        for (let k = 0; k < 1000; k++) expect(b.pick(t, 0x0a000000 + k * 7919)).toBe(first);
        // Bucket of 10.96.0.10: (0x0a60000a * 2654435761) mod 2^32 & 255, then list order.
        const bucket = Number((0x0a60000an * 2654435761n) & 255n);
        expect(t.ips[first]).toBe(ipvsListOrder(ips)[bucket % 10]);
        break;
      }
      default:
        throw new Error(`${name}: no promise declared`);
    }
  });
});

describe.each(proxies.map((d) => [d.name, d] as const))('%s picker conformance', (_name, d) => {
  const ips = Uint32Array.from([0, 1, 2, 3, 4].map(podIp));
  const make = (options: unknown = {}, list = ips) =>
    d.createPicker(list, d.options.parse(options), new RandomSource(1).stream('nginx'));

  it('returns -1 for an empty upstream list', () => {
    expect(make({}, new Uint32Array(0)).pick(0, 0)).toBe(-1);
  });

  it('is deterministic, stays in range and never returns a tried peer', () => {
    const run = () => {
      const p = make();
      const s = scriptRng(8);
      const out: number[] = [];
      for (let k = 0; k < 2000; k++) {
        const now = k * 0.37;
        const tried = Math.floor(s.next() * 32) & 0b11110; // peer 0 always allowed
        const i = p.pick(now, tried);
        out.push(i);
        if (i === -1) continue; // every untried peer is down
        expect(i >= 0 && i < 5 && (tried & (1 << i)) === 0).toBe(true);
        if (s.next() < 0.1) p.reportFailure(i, now);
        else p.reportSuccess(i, now);
      }
      return out;
    };
    const a = run();
    expect(a).toEqual(run());
    expect(a.filter((i) => i >= 0).length).toBeGreaterThan(1500);
  });

  it('round robin cycles exactly over the peers; least_conn balances open connections', () => {
    const rr = make();
    const picks = Array.from({ length: 500 }, () => rr.pick(0, 0));
    // From wherever it starts (a steady start draws the position).
    const start = picks[0] as number;
    expect(picks).toEqual(picks.map((_, k) => (start + k) % 5));
    const lc = make({ balancing: 'least_conn' });
    const counts = new Array<number>(5).fill(0);
    for (let k = 1; k <= 500; k++) {
      const i = lc.pick(0, 0);
      lc.connectionOpened(i);
      counts[i]! += 1;
      if (k % 5 === 0) expect(new Set(counts).size).toBe(1);
    }
  });

  it('keeps state per picker (per worker): one picker’s failures do not affect another', () => {
    const a = make();
    const b = make();
    const solo = make();
    for (let k = 0; k < 100; k++) {
      const x = a.pick(k, 0);
      a.reportFailure(x, k); // a marks everything down in turn
      expect(b.pick(k, 0)).toBe(solo.pick(k, 0));
    }
  });
});
