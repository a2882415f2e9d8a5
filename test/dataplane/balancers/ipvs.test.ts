import { describe, expect, it } from 'vitest';
import { type Ip, ipFromString, ipToString } from '../../../src/cluster/types.js';
import type { IpvsBalancer } from '../../../src/dataplane/balancers/ipvs.js';
import { getBalancer } from '../../../src/dataplane/balancers/registry.js';
import type { L4BalancerDescriptor } from '../../../src/dataplane/types.js';
import { rig, table } from './helpers.js';

const ip = (s: string): Ip => ipFromString(s);
const ipvs = (name: string) => getBalancer(name) as L4BalancerDescriptor;

function setup(name: string, options: unknown = {}, seed = 1) {
  const r = rig(ipvs(name), seed);
  const b = r.make(0, options) as IpvsBalancer;
  return { r, b };
}

/** Picks `k` times and returns the picked IPs as strings. */
function picks(b: IpvsBalancer, t: ReturnType<typeof table>, k: number, client = 1): string[] {
  return Array.from({ length: k }, () => {
    const i = b.pick(t, client);
    return i < 0 ? 'refused' : ipToString(t.ips[i] as number);
  });
}

const list = (b: IpvsBalancer) => b.destinations().map((d) => ipToString(d.ip));

describe('IPVS destination list', () => {
  it('adds each sync’s endpoints in "ip:port" string order at the head (kernel list_add)', () => {
    const { b } = setup('ipvs-rr');
    // "10.244.0.10:" < "10.244.0.1:" < "10.244.0.2:" (':' sorts after digits), each added at
    // the head: the list reads 2, 1, 10.
    const t = table(0, ['10.244.0.1', '10.244.0.2', '10.244.0.10'].map(ip));
    b.tableProgrammed(t);
    expect(list(b)).toEqual(['10.244.0.2', '10.244.0.1', '10.244.0.10']);
    expect(b.destinations().every((d) => d.weight === 1)).toBe(true);
  });
});

describe('IPVS rr and wrr', () => {
  const a = ['10.0.0.1', '10.0.0.2', '10.0.0.3'].map(ip);

  it('rr cycles in list order from the head', () => {
    const { b } = setup('ipvs-rr');
    const t = table(0, a);
    expect(picks(b, t, 7)).toEqual([
      '10.0.0.3',
      '10.0.0.2',
      '10.0.0.1',
      '10.0.0.3',
      '10.0.0.2',
      '10.0.0.1',
      '10.0.0.3',
    ]);
  });

  it('rr keeps its position when a destination is added; wrr restarts from the head', () => {
    const t1 = table(1, [...a, ip('10.0.0.4')]);
    const rr = setup('ipvs-rr').b;
    const wrr = setup('ipvs-wrr').b;
    for (const b of [rr, wrr]) {
      expect(picks(b, table(0, a), 2)).toEqual(['10.0.0.3', '10.0.0.2']);
      b.tableProgrammed(t1); // list: 4, 3, 2, 1
    }
    expect(picks(rr, t1, 5)).toEqual(['10.0.0.1', '10.0.0.4', '10.0.0.3', '10.0.0.2', '10.0.0.1']);
    expect(picks(wrr, t1, 5)).toEqual(['10.0.0.4', '10.0.0.3', '10.0.0.2', '10.0.0.1', '10.0.0.4']);
  });

  it('rr steps back to the predecessor when its current destination is deleted', () => {
    const { b } = setup('ipvs-rr');
    expect(picks(b, table(0, a), 2)).toEqual(['10.0.0.3', '10.0.0.2']);
    const t1 = table(1, [ip('10.0.0.1'), ip('10.0.0.3')]);
    b.tableProgrammed(t1); // 10.0.0.2 had no connection: deleted; position -> 10.0.0.3
    expect(picks(b, t1, 3)).toEqual(['10.0.0.1', '10.0.0.3', '10.0.0.1']);
  });

  it('rr state is per node: two nodes each cycle on their own', () => {
    const r = rig(ipvs('ipvs-rr'), 1);
    const n0 = r.make(0) as IpvsBalancer;
    const n1 = r.make(1) as IpvsBalancer;
    const t = table(0, a);
    expect(picks(n0, t, 2)).toEqual(['10.0.0.3', '10.0.0.2']);
    expect(picks(n1, t, 1)).toEqual(['10.0.0.3']);
    expect(picks(n0, t, 1)).toEqual(['10.0.0.1']);
    expect(picks(n1, t, 3)).toEqual(['10.0.0.2', '10.0.0.1', '10.0.0.3']);
  });
});

describe('IPVS least-connection family', () => {
  const [x, y, z] = ['10.0.0.3', '10.0.0.2', '10.0.0.1'].map(ip) as [Ip, Ip, Ip]; // list order
  const t = table(0, [z, y, x]);

  /** Opens `n` connections to `to` and, if `close`, closes them at once (they turn inactive). */
  function conns(b: IpvsBalancer, to: Ip, n: number, close: boolean) {
    for (let k = 0; k < n; k++) {
      b.connectionOpened(to);
      if (close) b.connectionClosed(to);
    }
  }

  it('lc picks the least active*256 + inactive, first in list order on ties', () => {
    const { r, b } = setup('ipvs-lc');
    b.tableProgrammed(t);
    conns(b, x, 1, false); // x: 1 active            -> 256
    conns(b, y, 257, true); // y: 257 inactive        -> 257
    conns(b, z, 1, false); //  z: 1 active, 1 inactive -> 257
    conns(b, z, 1, true);
    expect(b.destinations()).toEqual([
      { ip: x, weight: 1, activeConn: 1, inActConn: 0 },
      { ip: y, weight: 1, activeConn: 0, inActConn: 257 },
      { ip: z, weight: 1, activeConn: 1, inActConn: 1 },
    ]);
    expect(picks(b, t, 1)).toEqual(['10.0.0.3']); // x: 256 < 257
    conns(b, x, 1, false); // x -> 512; y and z tie at 257: y is first in the list
    expect(picks(b, t, 1)).toEqual(['10.0.0.2']);
    // Inactive connections count until tcpFinTimeout (120 s) after their close at t = 0.
    r.sim.run(119.9);
    expect(picks(b, t, 1)).toEqual(['10.0.0.2']);
    conns(b, y, 1, false); // y: 256 + 257 = 513 > z's 257
    expect(picks(b, t, 1)).toEqual(['10.0.0.1']);
    r.sim.run(120.1); // expired: x 512, y 256, z 256 -> y (first of the tie)
    expect(b.destinations().map((d) => d.inActConn)).toEqual([0, 0, 0]);
    expect(picks(b, t, 1)).toEqual(['10.0.0.2']);
  });

  it('wlc picks as lc when every weight is 1', () => {
    const run = (name: string) => {
      const { r, b } = setup(name);
      b.tableProgrammed(t);
      const out: number[] = [];
      for (let k = 0; k < 2000; k++) {
        r.sim.run(k * 0.2);
        const i = b.pick(t, k);
        out.push(i);
        b.connectionOpened(t.ips[i] as number);
        if (k % 3 !== 0) b.connectionClosed(t.ips[i] as number);
      }
      return out;
    };
    expect(run('ipvs-wlc')).toEqual(run('ipvs-lc'));
  });

  it('sed and nq ignore inactive connections; lc does not', () => {
    const pick = (name: string) => {
      const { b } = setup(name);
      b.tableProgrammed(t);
      conns(b, x, 1000, true); // x: 0 active, 1000 inactive
      conns(b, y, 1, false); //   y: 1 active
      conns(b, z, 1, false); //   z: 1 active
      return picks(b, t, 1)[0];
    };
    expect(pick('ipvs-lc')).toBe('10.0.0.2'); // 256 < 1000, first of y/z
    expect(pick('ipvs-sed')).toBe('10.0.0.3'); // (0 + 1) < (1 + 1)
    expect(pick('ipvs-nq')).toBe('10.0.0.3'); // idle
  });

  it('nq takes the first idle destination, else the least (active + 1)', () => {
    const { b } = setup('ipvs-nq');
    b.tableProgrammed(t);
    conns(b, x, 2, false);
    conns(b, y, 1, false);
    expect(picks(b, t, 1)).toEqual(['10.0.0.1']); // z idle
    conns(b, z, 3, false); // x 2, y 1, z 3: none idle -> y
    expect(picks(b, t, 1)).toEqual(['10.0.0.2']);
  });
});

describe('IPVS graceful termination (kube-proxy graceful_termination.go)', () => {
  const all = ['10.0.0.1', '10.0.0.2', '10.0.0.3'].map(ip);
  const gone = ip('10.0.0.3');
  const kept = table(1, [ip('10.0.0.1'), ip('10.0.0.2')]);

  it('deletes a removed destination at once when it has no connection', () => {
    const { b } = setup('ipvs-rr');
    b.tableProgrammed(table(0, all));
    b.tableProgrammed(kept);
    expect(list(b)).toEqual(['10.0.0.2', '10.0.0.1']);
  });

  it('quiesces one with connections (weight 0, no new connections) until they drain', () => {
    const { r, b } = setup('ipvs-lc');
    b.tableProgrammed(table(0, all));
    b.connectionOpened(gone);
    b.tableProgrammed(kept);
    expect(b.destinations()[0]).toEqual({ ip: gone, weight: 0, activeConn: 1, inActConn: 0 });
    // Give the others 4 connections each: lc would choose the quiesced one (1) if it could.
    for (let k = 0; k < 4; k++) b.connectionOpened(ip('10.0.0.1'));
    for (let k = 0; k < 4; k++) b.connectionOpened(ip('10.0.0.2'));
    expect(picks(b, kept, 20).includes('10.0.0.3')).toBe(false);
    r.sim.run(10);
    b.connectionClosed(gone); // inactive until t = 130
    r.sim.run(129.9);
    expect(list(b)).toContain('10.0.0.3');
    // The next 60-s check after t = 130 deletes it (its phase is per node, somewhere in [0, 60)).
    r.sim.run(190.1);
    expect(list(b)).not.toContain('10.0.0.3');
  });

  it('re-checks at rsCheckDeleteInterval and honours tcpFinTimeout', () => {
    const { r, b } = setup('ipvs-rr', { rsCheckDeleteInterval: '5s', tcpFinTimeout: 0 });
    b.tableProgrammed(table(0, all));
    b.connectionOpened(gone);
    b.tableProgrammed(kept);
    r.sim.run(20);
    b.connectionClosed(gone); // tcpFinTimeout 0: forgotten at once
    expect(list(b)).toContain('10.0.0.3');
    r.sim.run(25.01);
    expect(list(b)).not.toContain('10.0.0.3');
  });

  it('restores weight 1 (at the head, counters kept) when the endpoint comes back', () => {
    const { b } = setup('ipvs-rr');
    b.tableProgrammed(table(0, all));
    b.connectionOpened(gone);
    b.connectionOpened(ip('10.0.0.1'));
    b.tableProgrammed(table(1, [ip('10.0.0.1')]));
    b.tableProgrammed(table(2, all));
    expect(b.destinations()[0]).toEqual({ ip: gone, weight: 1, activeConn: 1, inActConn: 0 });
    expect(list(b)).toEqual(['10.0.0.3', '10.0.0.2', '10.0.0.1']);
  });

  it('sh refuses clients whose bucket holds a quiesced destination (no sh-fallback)', () => {
    const { b } = setup('ipvs-sh');
    const t0 = table(0, all);
    b.tableProgrammed(t0);
    // List 3, 2, 1; bucket i -> list[i % 3]; bucket = (client * 0x61c88647) >>> 24.
    const clients = Array.from({ length: 300 }, (_, k) => 0x0a000000 + k * 977);
    const order = ['10.0.0.3', '10.0.0.2', '10.0.0.1'];
    const expected = clients.map((c) => order[(Math.imul(c, 0x61c88647) >>> 24) % 3]);
    expect(clients.map((c) => picks(b, t0, 1, c)[0])).toEqual(expected);
    b.connectionOpened(gone);
    b.tableProgrammed(kept); // 10.0.0.3 quiesced, still in its buckets
    expect(clients.map((c) => picks(b, kept, 1, c)[0])).toEqual(
      expected.map((e) => (e === '10.0.0.3' ? 'refused' : e)),
    );
  });
});

describe('IPVS dh', () => {
  it('sends every connection to the pod the ClusterIP hashes to, per the clusterIP option', () => {
    const ips = Array.from({ length: 10 }, (_, i) => ip(`10.0.0.${i + 1}`));
    const t = table(0, ips);
    const { b } = setup('ipvs-dh', { clusterIP: '10.96.12.34' });
    const order = [...ips].map((x) => ipToString(x)).sort((p, q) => (`${p}:` < `${q}:` ? 1 : -1)); // list order: reverse "ip:" order
    const bucket = Number((BigInt(ip('10.96.12.34')) * 2654435761n) & 255n);
    const chosen = new Set(Array.from({ length: 500 }, (_, k) => picks(b, t, 1, k * 7919)[0]));
    expect([...chosen]).toEqual([order[bucket % 10]]);
    expect(ipvs('ipvs-dh').options.safeParse({ clusterIP: '10.96.0' }).success).toBe(false);
  });
});
