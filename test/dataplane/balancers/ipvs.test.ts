import { describe, expect, it } from 'vitest';
import { type Ip, ipFromString, ipToString } from '../../../src/cluster/types.js';
import type { IpvsBalancer } from '../../../src/dataplane/balancers/ipvs.js';
import { getBalancer } from '../../../src/dataplane/balancers/registry.js';
import type { L4BalancerDescriptor } from '../../../src/dataplane/types.js';
import { harness, podIp } from '../fakes.js';
import { chiSquare, chiSquareCritical, rig, table } from './helpers.js';

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

describe('IPVS rr and wrr at a steady start (settle)', () => {
  const a = ['10.0.0.1', '10.0.0.2', '10.0.0.3', '10.0.0.4'].map(ip);
  const first = (name: string, node: number, options: unknown, seed = 1) => {
    const b = rig(ipvs(name), seed).make(node, options) as IpvsBalancer;
    const t = table(0, a);
    b.tableProgrammed(t);
    b.settle();
    return picks(b, t, 5);
  };

  it('start: fresh keeps the head: every node picks the same pod first and rotates in lockstep', () => {
    for (const name of ['ipvs-rr', 'ipvs-wrr']) {
      const seqs = [0, 1, 2, 3, 4, 5].map((n) => first(name, n, { start: 'fresh' }).join());
      expect(new Set(seqs).size).toBe(1);
      expect(seqs[0]).toBe('10.0.0.4,10.0.0.3,10.0.0.2,10.0.0.1,10.0.0.4');
    }
  });

  it('start: steady (the default) draws each node`s position: first picks uniform over the pods, then rr order', () => {
    const order = ['10.0.0.4', '10.0.0.3', '10.0.0.2', '10.0.0.1'];
    for (const name of ['ipvs-rr', 'ipvs-wrr']) {
      const counts = [0, 0, 0, 0];
      for (let n = 0; n < 400; n++) {
        const seq = first(name, n, {});
        const k = order.indexOf(seq[0] as string);
        counts[k] = (counts[k] as number) + 1;
        // From there the cycle of the list, as without the draw.
        expect(seq).toEqual([0, 1, 2, 3, 4].map((i) => order[(k + i) % 4]));
      }
      expect(chiSquare(counts, [0.25, 0.25, 0.25, 0.25])).toBeLessThan(chiSquareCritical(3));
    }
  });

  it('the same node draws the same position for rr and wrr (the node stream`s second draw: common random numbers)', () => {
    for (let n = 0; n < 20; n++) {
      expect(first('ipvs-rr', n, {})[0]).toBe(first('ipvs-wrr', n, {})[0]);
    }
  });

  it('settle is a no-op for schedulers without a position (lc: ties still go to the list head)', () => {
    expect(first('ipvs-lc', 0, {})[0]).toBe('10.0.0.4');
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
    // That pick is a pending attempt (y: 513) until its SYN_RECV timeout at 60 s. Inactive
    // connections count until tcpFinTimeout (120 s) after their close at t = 0.
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

describe('IPVS connection attempts (SYN_RECV entries)', () => {
  const [x, y, z] = ['10.0.0.3', '10.0.0.2', '10.0.0.1'].map(ip) as [Ip, Ip, Ip]; // list order
  const t = table(0, [z, y, x]);
  const counts = (b: IpvsBalancer) => b.destinations().map((d) => [d.activeConn, d.inActConn]);
  const legacy = { synRecvActive: false };

  it('a pick counts at once, active (Linux >= 4.8), until the SYN_RECV timeout (60 s)', () => {
    const { r, b } = setup('ipvs-rr');
    const dead = table(0, [z]);
    picks(b, dead, 3);
    expect(counts(b)).toEqual([[3, 0]]);
    r.sim.run(59.9);
    expect(counts(b)).toEqual([[3, 0]]);
    r.sim.run(60.1);
    expect(counts(b)).toEqual([[0, 0]]);
  });

  it('before Linux 4.8 (synRecvActive: false) the attempt counts as inactive', () => {
    const { r, b } = setup('ipvs-rr', legacy);
    const dead = table(0, [z]);
    picks(b, dead, 3);
    expect(counts(b)).toEqual([[0, 3]]);
    r.sim.run(60.1);
    expect(counts(b)).toEqual([[0, 0]]);
  });

  it('each retransmitted SYN restarts the timer: expiry 60 s after the last one', () => {
    const { r, b } = setup('ipvs-rr', { tcpSynRecvTimeout: '60s' });
    const dead = table(0, [z]);
    picks(b, dead, 1); // t = 0
    for (const at of [1, 3, 7, 15]) {
      r.sim.run(at);
      b.synRetransmitted(z);
    }
    r.sim.run(74.9);
    expect(counts(b)).toEqual([[1, 0]]);
    r.sim.run(75.1);
    expect(counts(b)).toEqual([[0, 0]]);
    b.synRetransmitted(z); // no pending attempt any more: nothing to refresh or count
    r.sim.run(200);
    expect(counts(b)).toEqual([[0, 0]]);
  });

  it('connectionOpened converts the pending attempt exactly once', () => {
    for (const options of [{}, legacy]) {
      const { r, b } = setup('ipvs-rr', options);
      b.tableProgrammed(t);
      expect(picks(b, t, 1)).toEqual(['10.0.0.3']);
      b.connectionOpened(x); // SYN_RECV -> ESTABLISHED
      expect(counts(b)[0]).toEqual([1, 0]);
      r.sim.run(60.1); // the cancelled SYN_RECV expiry must not uncount the connection
      expect(counts(b)[0]).toEqual([1, 0]);
      b.connectionOpened(x); // no pending attempt (opened without a pick): counted on its own
      expect(counts(b)[0]).toEqual([2, 0]);
      b.connectionClosed(x);
      b.connectionClosed(x);
      expect(counts(b)[0]).toEqual([0, 2]);
      b.connectionClosed(x); // unmatched close: ignored
      r.sim.run(180.2); // FIN/TIME_WAIT 120 s after the closes at 60.1
      expect(counts(b)).toEqual([
        [0, 0],
        [0, 0],
        [0, 0],
      ]);
    }
  });

  it('a refused attempt (RST) moves to CLOSE: inactive for tcpCloseTimeout (10 s)', () => {
    for (const options of [{}, legacy]) {
      const { r, b } = setup('ipvs-rr', options);
      b.tableProgrammed(t);
      r.sim.run(5);
      picks(b, t, 1); // x
      b.connectionRefused(x);
      expect(counts(b)[0]).toEqual([0, 1]);
      b.connectionRefused(x); // nothing pending: ignored
      expect(counts(b)[0]).toEqual([0, 1]);
      r.sim.run(14.9);
      expect(counts(b)[0]).toEqual([0, 1]);
      r.sim.run(15.1);
      expect(counts(b)[0]).toEqual([0, 0]);
      r.sim.run(70); // the cancelled SYN_RECV expiry at 65 changes nothing
      expect(counts(b)[0]).toEqual([0, 0]);
    }
  });

  /**
   * lc with x and y holding one established connection each (256) and z dead (last in the
   * list, so it loses ties). Live picks open at once; z's never do.
   */
  function lcAgainstDead(options: unknown, n: number): string[] {
    const { b } = setup('ipvs-lc', options);
    b.tableProgrammed(t);
    b.connectionOpened(x);
    b.connectionOpened(y);
    const out: string[] = [];
    for (let k = 0; k < n; k++) {
      const i = b.pick(t, 1);
      const to = t.ips[i] as number;
      if (to !== z) b.connectionOpened(to);
      out.push(ipToString(to));
    }
    return out;
  }

  it('lc stops sending every connection to a dead destination as its attempts count', () => {
    // Linux >= 4.8: z gets 256 per attempt. z 0 -> z; then x, y, z tie at 256 -> x (first),
    // y 256 vs z 256 -> y, z 256 < 512 -> z; and so on: z gets exactly one pick in three.
    const now = lcAgainstDead({}, 300);
    expect(now.slice(0, 7)).toEqual([
      '10.0.0.1',
      '10.0.0.3',
      '10.0.0.2',
      '10.0.0.1',
      '10.0.0.3',
      '10.0.0.2',
      '10.0.0.1',
    ]);
    expect(now.filter((p) => p === '10.0.0.1').length).toBe(100);
    // Before 4.8: +1 per attempt. z takes picks 1..256 (0..255 < 256); at 256 it ties with x
    // and loses (x -> 512), then with y (y -> 512); then z again until 512, 256 more picks.
    const old = lcAgainstDead(legacy, 600);
    expect(old.slice(0, 256).every((p) => p === '10.0.0.1')).toBe(true);
    expect(old.slice(256, 259)).toEqual(['10.0.0.3', '10.0.0.2', '10.0.0.1']);
    expect(old.slice(258, 514).every((p) => p === '10.0.0.1')).toBe(true);
    expect(old[514]).toBe('10.0.0.3');
    // tcpSynRecvTimeout 0 counts only opened connections: the black hole, every pick to z.
    expect(lcAgainstDead({ tcpSynRecvTimeout: 0 }, 600).every((p) => p === '10.0.0.1')).toBe(true);
  });

  it('sed and nq see the attempts too (they count active only)', () => {
    for (const name of ['ipvs-sed', 'ipvs-nq']) {
      const { b } = setup(name);
      b.tableProgrammed(t);
      b.connectionOpened(x);
      b.connectionOpened(y);
      // z idle (sed: 1 < 2; nq: no active) -> z; then all have 1 active: x first in the list.
      expect(picks(b, t, 2)).toEqual(['10.0.0.1', '10.0.0.3']);
    }
  });

  it('a destination held only by a pending attempt is quiesced, then deleted after expiry', () => {
    const { r, b } = setup('ipvs-rr', { rsCheckDeleteInterval: '5s' });
    b.tableProgrammed(t);
    picks(b, t, 1); // x, pending
    r.sim.run(1);
    b.tableProgrammed(table(1, [y, z]));
    expect(b.destinations()[0]).toEqual({ ip: x, weight: 0, activeConn: 1, inActConn: 0 });
    r.sim.run(59.9);
    expect(list(b)).toContain('10.0.0.3');
    r.sim.run(65.1); // expired at 60, the next 5-s check deletes it
    expect(list(b)).not.toContain('10.0.0.3');
  });
});

describe('request path -> L4 balancer attempt notifications', () => {
  it('reports each retransmitted SYN to a dead IP (1, 3, 7, 15 s) and a refusal once', () => {
    const h = harness({ path: { network: { rtt: 0 }, timeouts: { connect: 30 } } });
    const dead = h.cluster.addPod(0, podIp(1));
    const deaf = h.cluster.addPod(0, podIp(2), false); // exists, does not listen
    const seen: string[] = [];
    const bal = h.balancers[0] as NonNullable<(typeof h.balancers)[0]>;
    Object.assign(bal, {
      synRetransmitted: (to: Ip) => seen.push(`retx ${to === podIp(1)} ${h.sim.now}`),
      connectionRefused: (to: Ip) => seen.push(`refused ${to === podIp(2)} ${h.sim.now}`),
    });
    h.program([dead]);
    h.cluster.remove(dead);
    h.path.submit(0, 0.01);
    h.sim.run(40);
    expect(seen).toEqual(['retx true 1', 'retx true 3', 'retx true 7', 'retx true 15']);
    seen.length = 0;
    h.program([deaf]);
    h.path.submit(0, 0.01);
    h.sim.run(41);
    expect(seen).toEqual(['refused true 40']);
  });
});
