import { describe, expect, it } from 'vitest';
import { iptables } from '../../../src/dataplane/balancers/iptables.js';
import { getBalancer } from '../../../src/dataplane/balancers/registry.js';
import type { L4BalancerDescriptor } from '../../../src/dataplane/types.js';
import { chiSquare, chiSquareCritical, podIp, rig, scriptRng, table } from './helpers.js';

/**
 * The literal KUBE-SVC chain: rule i of n carries `--probability` 1/(n-i) printed with 10
 * decimals (proxier.go: fmt.Sprintf("%0.10f", ...)); iptables' libxt_statistic stores it as
 * lround(0x80000000 * p) and the kernel's xt_statistic matches when
 * (random_u32 & 0x7fffffff) < that. The last rule has no statistic match.
 */
function ruleProbability(n: number, i: number): number {
  if (i === n - 1) return 1;
  const printed = Number((1 / (n - i)).toFixed(10));
  return Math.round(0x80000000 * printed) / 0x80000000;
}

describe('iptables statistic chain', () => {
  it('is uniform: the literal chain gives each endpoint 1/n (to 1e-6 relative)', () => {
    // Rounding to 10 decimals and to 31 bits moves each rule's probability by < 3e-10; the
    // relative error of endpoint i's chance is about sum_j 3e-10 / p_j, observed 2.2e-8 at
    // n = 1000. A chain with a wrong rule (e.g. 1/n instead of 1/(n-i)) is off by O(1).
    for (const n of [1, 2, 3, 7, 10, 100, 1000]) {
      let reach = 1; // probability that rules 0..i-1 all missed
      for (let i = 0; i < n; i++) {
        const p = ruleProbability(n, i);
        const chance = reach * p;
        expect(Math.abs(chance * n - 1)).toBeLessThan(1e-6);
        reach *= 1 - p;
      }
      expect(Math.abs(reach)).toBeLessThan(1e-12);
    }
  });

  it('samples like the literal chain: both pass the same chi-square test against 1/n', () => {
    // 50,000 connections over 10 endpoints, 0.5% critical value (df 9): see helpers.ts.
    const n = 10;
    const t = table(
      0,
      Array.from({ length: n }, (_, i) => podIp(i)),
    );
    const b = rig(iptables, 3).make(0);
    const literal = scriptRng(5);
    const ours = new Array<number>(n).fill(0);
    const chain = new Array<number>(n).fill(0);
    for (let k = 0; k < 50_000; k++) {
      ours[b.pick(t, k)]! += 1;
      let i = 0;
      while (i < n - 1 && !(literal.next() < ruleProbability(n, i))) i++;
      chain[i]! += 1;
    }
    const uniform = new Array<number>(n).fill(1 / n);
    expect(chiSquare(ours, uniform)).toBeLessThan(chiSquareCritical(n - 1));
    expect(chiSquare(chain, uniform)).toBeLessThan(chiSquareCritical(n - 1));
  });
});

const affinityModes: L4BalancerDescriptor[] = ['iptables', 'nftables', 'ipvs-rr'].map(
  (n) => getBalancer(n) as L4BalancerDescriptor,
);

describe.each(affinityModes.map((d) => [d.name, d] as const))('%s sessionAffinity', (_n, d) => {
  const clients = Array.from({ length: 200 }, (_, k) => 0x0a010000 + k);
  const ips = Array.from({ length: 10 }, (_, i) => podIp(i));

  it('validates the Service API limits and defaults to None, 10800 s', () => {
    expect(d.options.parse({})).toMatchObject({
      sessionAffinity: 'None',
      sessionAffinityTimeout: 10800,
    });
    expect(d.options.parse({ sessionAffinityTimeout: '1h' })).toMatchObject({
      sessionAffinityTimeout: 3600,
    });
    expect(d.options.safeParse({ sessionAffinityTimeout: 86401 }).success).toBe(false);
    expect(d.options.safeParse({ sessionAffinityTimeout: 0 }).success).toBe(false);
    expect(d.options.safeParse({ sessionAffinity: 'clientip' }).success).toBe(false);
  });

  it('sticks while new connections come within the timeout, re-chooses after it', () => {
    const r = rig(d, 1);
    const b = r.make(0, { sessionAffinity: 'ClientIP' });
    const t = table(0, ips);
    const first = clients.map((c) => b.pick(t, c));
    // Sliding: a connection every 10,000 s (< 10,800) keeps the pin for 5 rounds.
    for (let round = 1; round <= 5; round++) {
      r.sim.run(round * 10_000);
      expect(clients.map((c) => b.pick(t, c))).toEqual(first);
    }
    // 10,799.9 s after the last connection: still pinned; the pick refreshed the stamp.
    r.sim.run(50_000 + 10_799.9);
    expect(clients.map((c) => b.pick(t, c))).toEqual(first);
    // Past the timeout: expired (xt_recent matches only stamps newer than now - T).
    r.sim.run(50_000 + 10_799.9 + 10_800.5);
    b.pick(t, 0x0b000000); // another client: shifts round robin's position by one
    const after = clients.map((c) => b.pick(t, c));
    // A fresh uniform (or round-robin) choice keeps the old endpoint for about 1 in 10
    // clients: 200 clients, at least 150 moved (binomial(200, 0.9) mean 180, sd 4.2).
    const moved = after.filter((x, k) => x !== first[k]).length;
    expect(moved).toBeGreaterThanOrEqual(150);
  });

  it('falls back to a new endpoint when the pinned one leaves the table, and stays there', () => {
    const r = rig(d, 2);
    const b = r.make(0, { sessionAffinity: 'ClientIP' });
    const t0 = table(0, ips);
    const c = 0x0a020001;
    const pinned = b.pick(t0, c);
    const pinnedIp = t0.ips[pinned] as number;
    const t1 = table(
      1,
      ips.filter((ip) => ip !== pinnedIp),
    );
    b.tableProgrammed(t1);
    r.sim.run(1);
    const moved = t1.ips[b.pick(t1, c)] as number;
    expect(moved).not.toBe(pinnedIp);
    // The old endpoint returns: its `recent` list died with its rules, the client stays.
    const t2 = table(2, ips);
    b.tableProgrammed(t2);
    for (let k = 0; k < 20; k++) expect(t2.ips[b.pick(t2, c)]).toBe(moved);
  });

  it('keeps affinity per node: another node chooses on its own', () => {
    const r = rig(d, 4);
    const a = r.make(0, { sessionAffinity: 'ClientIP' });
    const b = r.make(1, { sessionAffinity: 'ClientIP' });
    const t = table(0, ips);
    const onA = clients.map((c) => a.pick(t, c));
    const onB = clients.map((c) => b.pick(t, c));
    expect(clients.map((c) => a.pick(t, c))).toEqual(onA);
    expect(clients.map((c) => b.pick(t, c))).toEqual(onB);
    if (d.name !== 'ipvs-rr') expect(onB).not.toEqual(onA); // independent random streams
  });
});
