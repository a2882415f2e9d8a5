import { describe, expect, it, vi } from 'vitest';
import { RandomSource } from '../../src/engine/index.js';
import {
  clientsOnNodes,
  harness,
  podIp,
  type UniformBalancer,
  watchConservation,
} from './fakes.js';

describe('connections', () => {
  it('keepalive pins every request to the endpoint chosen at connect time', () => {
    const h = harness({
      path: { network: { rtt: 0.001 }, connections: { mode: 'keepalive', poolSize: 1 } },
    });
    const pods = [1, 2, 3, 4].map((i) => h.cluster.addPod(0, podIp(i)));
    h.program(pods);
    const k = h.sim.register('send', () => h.path.submit(0, 0.001));
    for (let i = 0; i < 200; i++) h.sim.schedule(i * 0.01, k, 0);
    watchConservation(h, 0.0337, 3);
    h.sim.run(3);
    expect(h.rec.nCompleted).toBe(200);
    expect(h.rec.servedBy.size).toBe(1); // one connection, one endpoint
    expect(h.balancers[0]?.opened.size).toBe(1);
    expect(h.path.openConnections(0)).toBe(1);
  });

  it('per-request connections: the balancer picks per request (all endpoints used)', () => {
    const h = harness({ path: { network: { rtt: 0.001 } } });
    const pods = [1, 2, 3, 4].map((i) => h.cluster.addPod(0, podIp(i)));
    h.program(pods);
    const k = h.sim.register('send', () => h.path.submit(0, 0.001));
    for (let i = 0; i < 400; i++) h.sim.schedule(i * 0.01, k, 0);
    h.sim.run(5);
    expect(h.rec.servedBy.size).toBe(4);
    // Uniform: each pod ~100 of 400; binomial sd ~8.7, so +-40 is > 4.5 sd.
    for (const n of h.rec.servedBy.values()) expect(Math.abs(n - 100)).toBeLessThan(40);
    // Every connection opened was closed again (IPVS accounting balances).
    for (const ip of h.balancers[0]?.opened.keys() ?? [])
      expect(h.balancers[0]?.active(ip)).toBe(0);
    expect(h.path.openConnections(0)).toBe(0);
    h.path.checkConservation();
  });

  it('L4 imbalance: after scale-up, new pods get no traffic on long-lived connections', () => {
    const clients = clientsOnNodes(8, 1);
    const run = (mode: 'per-request' | 'keepalive' | 'http2') => {
      const h = harness({
        clients,
        path: { network: { rtt: 0.001 }, connections: { mode, poolSize: 2 } },
      });
      const old = [1, 2].map((i) => h.cluster.addPod(0, podIp(i)));
      h.program(old);
      const k = h.sim.register('send', (c) => h.path.submit(c, 0.002));
      for (let i = 0; i < 4000; i++) h.sim.schedule(i * 0.0025, k, i % 8);
      // Scale up at t = 2 s: two new pods, programmed at once.
      h.after(2, 'scale', () => {
        const fresh = [3, 4].map((i) => h.cluster.addPod(0, podIp(i)));
        h.program([...old, ...fresh]);
      });
      h.sim.run(12);
      h.path.checkConservation();
      return (h.rec.servedBy.get(2) ?? 0) + (h.rec.servedBy.get(3) ?? 0);
    };
    const perRequest = run('per-request');
    // ~3200 requests after the scale-up, half of them to the new pods when picked per request.
    expect(perRequest).toBeGreaterThan(1300);
    expect(run('keepalive')).toBe(0);
    expect(run('http2')).toBe(0);
  });

  it('maxRequestsPerConnection re-dials, so the balancer sees new connections', () => {
    const h = harness({
      path: {
        network: { rtt: 0 },
        connections: { mode: 'keepalive', poolSize: 1, maxRequestsPerConnection: 10 },
      },
    });
    const pods = [1, 2].map((i) => h.cluster.addPod(0, podIp(i)));
    h.program(pods);
    const k = h.sim.register('send', () => h.path.submit(0, 0.001));
    for (let i = 0; i < 100; i++) h.sim.schedule(i * 0.01, k, 0);
    h.sim.run(2);
    const opened = [...(h.balancers[0]?.opened.values() ?? [])].reduce((a, b) => a + b, 0);
    expect(opened).toBe(10);
    h.path.checkConservation();
  });

  it('keepalive pool limit: requests beyond poolSize wait in the client (FIFO)', () => {
    const h = harness({
      path: { network: { rtt: 0 }, connections: { mode: 'keepalive', poolSize: 2 } },
      pod: { concurrency: 10 },
    });
    const p = h.cluster.addPod(0, podIp(1));
    h.program([p]);
    for (let i = 0; i < 5; i++) h.path.submit(0, 1);
    h.sim.run(10);
    // 2 connections, HTTP/1.1 one at a time: pairs finish at 1, 2, 3.
    expect(h.rec.latencies).toEqual([1, 1, 2, 2, 3]);
    expect(h.path.openConnections(0)).toBe(2);
    h.path.checkConservation();
  });

  it('http2 multiplexes one connection up to maxConcurrentStreams', () => {
    const h = harness({
      path: { network: { rtt: 0 }, connections: { mode: 'http2', maxConcurrentStreams: 3 } },
      pod: { concurrency: 10 },
    });
    const p = h.cluster.addPod(0, podIp(1));
    h.program([p]);
    for (let i = 0; i < 5; i++) h.path.submit(0, 1);
    h.sim.run(10);
    expect(h.rec.latencies).toEqual([1, 1, 1, 2, 2]);
    expect(h.balancers[0]?.opened.get(podIp(1))).toBe(1);
    h.path.checkConservation();
  });

  it('http2 maxLifetime: the waiting requests go onto the new connection at once', () => {
    // One client, 2 streams, lifetime exactly 1 s. At 0: r1 (3 s) and r2 (1 s) take both
    // streams, r3 and r4 (1 s each) wait. At 1 s r2's response retires the connection (age 1 s);
    // r1 keeps it open until 3 s, but r3 and r4 do not wait for it: a new connection is dialed
    // and they finish at 2 s. (Held back by the draining connection they would finish at 4 s;
    // without the lifetime, r3 at 2 s and r4 at 3 s.)
    const h = harness({
      path: {
        network: { rtt: 0 },
        connections: {
          mode: 'http2',
          maxConcurrentStreams: 2,
          maxLifetime: 1,
          maxLifetimeJitter: 0,
        },
      },
      pod: { concurrency: 10 },
    });
    const p = h.cluster.addPod(0, podIp(1));
    h.program([p]);
    for (const d of [3, 1, 1, 1]) h.path.submit(0, d);
    h.sim.run(1.5);
    expect(h.rec.latencies).toEqual([1]);
    expect(h.path.openConnections(0)).toBe(2); // the draining one (r1) and the new one
    h.path.checkConservation();
    h.sim.run(10);
    expect(h.rec.latencies).toEqual([1, 2, 2, 3]);
    expect(h.balancers[0]?.opened.get(podIp(1))).toBe(2);
    // The new connection is 1 s old at its last response (2 s): retired and closed too.
    expect(h.path.openConnections(0)).toBe(0);
    h.path.checkConservation();
  });

  it('lifetime jitter is keyed by (client, its connection ordinal): common random numbers', () => {
    // The k-th connection a client establishes gets the same jitter whatever the balancer, the
    // order in which clients dial or what happened to other clients' connections.
    const keys: string[] = [];
    const original = RandomSource.prototype.keyedStream;
    const spy = vi.spyOn(RandomSource.prototype, 'keyedStream').mockImplementation(function (
      this: RandomSource,
      name: string,
    ) {
      const s = original.call(this, name);
      if (name !== 'conn-lifetime') return s;
      return {
        name: s.name,
        rngFor: (k1: number, k2?: number, k3?: number, k4?: number) => {
          keys.push(`${k1}/${k2}`);
          return s.rngFor(k1, k2, k3, k4);
        },
      };
    });
    try {
      const h = harness({
        clients: clientsOnNodes(3, 1),
        path: {
          network: { rtt: 0 },
          connections: { mode: 'http2', maxLifetime: 10, maxLifetimeJitter: 0.1 },
        },
        pod: { concurrency: 100 },
      });
      const p = h.cluster.addPod(0, podIp(1));
      h.program([p]);
      const k = h.sim.register('send', (c) => h.path.submit(c, 0.001));
      // Clients dial in the order 2, 0, 1; each sends every 50 ms for 25 s: three connections each.
      for (let i = 0; i < 500; i++) for (const c of [2, 0, 1]) h.sim.schedule(i * 0.05, k, c);
      h.sim.run(26);
      h.path.checkConservation();
      expect(keys.slice(0, 3)).toEqual(['2/0', '0/0', '1/0']);
      expect([...keys].sort()).toEqual([
        '0/0',
        '0/1',
        '0/2',
        '1/0',
        '1/1',
        '1/2',
        '2/0',
        '2/1',
        '2/2',
      ]);
    } finally {
      spy.mockRestore();
    }
  });

  it('maxLifetimeJitter spreads the redials of connections opened together', () => {
    // 200 HTTP/2 clients open their connection at 0 and send a request every 50 ms. Lifetime
    // 10 s x (1 + u), u uniform in [-j, j): a client redials at its first response after its
    // connection's lifetime, i.e. within 51 ms after it. Run to 12 s: one redial per client.
    const redials = (jitter: number) => {
      const n = 200;
      const h = harness({
        clients: clientsOnNodes(n, 1),
        path: {
          network: { rtt: 0 },
          connections: { mode: 'http2', maxLifetime: 10, maxLifetimeJitter: jitter },
        },
        pod: { concurrency: 1000 },
      });
      const p = h.cluster.addPod(0, podIp(1));
      h.program([p]);
      const b = h.balancers[0] as UniformBalancer;
      const times: number[] = [];
      const opened = b.connectionOpened.bind(b);
      b.connectionOpened = (ip) => {
        if (h.sim.now > 1) times.push(h.sim.now);
        opened(ip);
      };
      const k = h.sim.register('send', (c) => h.path.submit(c, 0.001));
      for (let i = 0; i < 240; i++) for (let c = 0; c < n; c++) h.sim.schedule(i * 0.05, k, c);
      h.sim.run(12);
      h.path.checkConservation();
      expect(times.length).toBe(n);
      return times;
    };
    const flat = redials(0);
    // Without jitter every client redials in the same 51 ms.
    expect(Math.min(...flat)).toBeGreaterThanOrEqual(10);
    expect(Math.max(...flat)).toBeLessThan(10.051);
    const spread = redials(0.1);
    expect(Math.min(...spread)).toBeGreaterThanOrEqual(9);
    expect(Math.max(...spread)).toBeLessThan(11.051);
    // Uniform on [9, 11) (+ < 51 ms): sd 2 / sqrt(12) = 0.577 s; the sample sd of 200 uniforms
    // has a standard error of about 3.2% (kurtosis 1.8), so +-0.06 s is more than 3 se.
    const mean = spread.reduce((a, x) => a + x, 0) / spread.length;
    const sd = Math.sqrt(spread.reduce((a, x) => a + (x - mean) ** 2, 0) / (spread.length - 1));
    expect(Math.abs(sd - 0.577)).toBeLessThan(0.06);
    // Half below 10 s: binomial(200, 0.5) sd 7.1; +-25 is 3.5 sd.
    const early = spread.filter((t) => t < 10).length;
    expect(Math.abs(early - 100)).toBeLessThan(25);
  });

  it('idle keepalive connections close after idleTimeout (reported to the balancer)', () => {
    const h = harness({
      path: { network: { rtt: 0 }, connections: { mode: 'keepalive', idleTimeout: 5 } },
    });
    const p = h.cluster.addPod(0, podIp(1));
    h.program([p]);
    h.path.submit(0, 0.1);
    h.sim.run(4);
    expect(h.balancers[0]?.active(podIp(1))).toBe(1);
    h.sim.run(6);
    expect(h.balancers[0]?.active(podIp(1))).toBe(0);
    expect(h.path.openConnections(0)).toBe(0);
    h.path.checkConservation();
  });

  it('a pod kill breaks its keepalive connections; the next request re-dials elsewhere', () => {
    const h = harness({
      balancer: 'rr',
      path: { network: { rtt: 0 }, connections: { mode: 'keepalive', poolSize: 1 } },
    });
    const a = h.cluster.addPod(0, podIp(1));
    const b = h.cluster.addPod(0, podIp(2));
    h.program([a, b]);
    h.path.submit(0, 0.01);
    h.sim.run(1);
    expect(h.rec.servedBy.get(a)).toBe(1);
    h.cluster.kill(a);
    h.program([b]);
    h.path.submit(0, 0.01);
    h.sim.run(2);
    expect(h.rec.servedBy.get(b)).toBe(1);
    expect(h.rec.nFailed).toBe(0);
    h.path.checkConservation();
  });

  it('graceful termination: idle connections close at once, busy ones after their response', () => {
    const h = harness({
      path: { network: { rtt: 0 }, connections: { mode: 'keepalive', poolSize: 2 } },
    });
    const a = h.cluster.addPod(0, podIp(1));
    h.program([a]);
    h.path.submit(0, 1);
    h.path.submit(0, 3);
    h.sim.run(2); // one connection idle, one busy
    h.cluster.closeListener(a);
    expect(h.path.openConnections(0)).toBe(1);
    h.sim.run(5);
    expect(h.path.openConnections(0)).toBe(0);
    expect(h.rec.nCompleted).toBe(2);
    expect(h.drained).toEqual([a]);
    h.path.checkConservation();
  });
});
