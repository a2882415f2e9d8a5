/**
 * Each family's discovery path on the engine, from an EndpointSlice write to the moment each
 * consumer (nginx worker, proxy, client channel, node) balances over the new endpoints, with
 * hand-derived times.
 */
import { describe, expect, it } from 'vitest';
import { CiliumAgents } from '../../../../src/dataplane/discovery/cilium-agent.js';
import { GrpcResolvers, HeadlessDns } from '../../../../src/dataplane/discovery/headless-dns.js';
import { IngressNginxController } from '../../../../src/dataplane/discovery/ingress-nginx-controller.js';
import { PILOT_DEBOUNCE_DEFAULTS } from '../../../../src/dataplane/discovery/pilot-debounce.js';
import { XdsStream } from '../../../../src/dataplane/discovery/xds-stream.js';
import { RandomSource, Simulation } from '../../../../src/engine/index.js';
import { constant } from '../../fakes.js';
import { FakeFeed } from './feed.js';
import { ips, scripted } from './script.js';

/** Runs `at` callbacks at their times, then the simulation until `until`. */
function schedule(sim: Simulation, steps: [number, () => void][], until: number): void {
  const k = sim.register('test:step', (i) => steps[i]?.[1]());
  steps.forEach(([t], i) => {
    sim.scheduleAt(t, k, i);
  });
  sim.run(until);
}

describe('ingress-nginx: watch -> rate-limited sync -> POST -> worker polls', () => {
  it('two workers learn of two changes at their next poll after each sync', () => {
    const sim = new Simulation();
    const feed = new FakeFeed(sim, ips(3));
    const seen: [number, number, number][] = [];
    // Worker phases: now - u x 1 s with u = 0.75, 0.25 -> timers at .25 and .75 past each second.
    new IngressNginxController(
      sim,
      feed,
      { workers: 2, syncRateLimit: 0.3, watchDelay: constant(0.1) },
      new RandomSource(1).stream('w'),
      scripted(0.75, 0.25),
      (w, s) => seen.push([w, +sim.now.toFixed(9), s.ips.length]),
    );
    schedule(
      sim,
      [
        [1, () => feed.write(ips(4))],
        [2, () => feed.write(ips(5))],
      ],
      20,
    );
    // change 1 seen at 1.1 -> sync at once (bucket full) -> polls at 1.25 (w0) and 1.75 (w1);
    // change 2 seen at 2.1 -> next token at 1.1 + 1/0.3 = 4.4333 -> polls at 5.25 and 4.75.
    expect(seen).toEqual([
      [0, 1.25, 4],
      [1, 1.75, 4],
      [1, 4.75, 5],
      [0, 5.25, 5],
    ]);
  });
});

describe('Istio EDS: watch -> debounce -> push -> every sidecar', () => {
  it('a burst of 3 endpoint changes reaches each proxy as one update', () => {
    const sim = new Simulation();
    const feed = new FakeFeed(sim, ips(3));
    const seen: [number, number, number][] = [];
    const xds = new XdsStream(
      sim,
      feed,
      {
        proxies: 2,
        watchDelay: constant(0),
        debounce: PILOT_DEBOUNCE_DEFAULTS,
        pushDelay: constant(0.05),
      },
      new RandomSource(2).stream('w'),
      new RandomSource(2).keyedStream('push'),
      (p, s) => seen.push([p, +sim.now.toFixed(9), s.ips.length]),
    );
    schedule(
      sim,
      [
        [1, () => feed.write(ips(4))],
        [1.05, () => feed.write(ips(5))],
        [1.09, () => feed.write(ips(6))],
      ],
      5,
    );
    // quiet 100 ms after 1.09 -> push at 1.19 -> applied at 1.24 with all 6 endpoints.
    expect(seen).toEqual([
      [0, 1.24, 6],
      [1, 1.24, 6],
    ]);
    expect(xds.pushes).toBe(1);
    expect(xds.view(1).ips).toHaveLength(6);
  });

  it("Linkerd's destination stream (no debounce) forwards every change", () => {
    const sim = new Simulation();
    const feed = new FakeFeed(sim, ips(3));
    const seen: number[] = [];
    new XdsStream(
      sim,
      feed,
      {
        proxies: 1,
        watchDelay: constant(0.01),
        debounce: { ...PILOT_DEBOUNCE_DEFAULTS, enabled: false },
        pushDelay: constant(0),
      },
      new RandomSource(3).stream('w'),
      new RandomSource(3).keyedStream('push'),
      (_p, s) => seen.push(s.ips.length),
    );
    schedule(
      sim,
      [
        [1, () => feed.write(ips(4))],
        [1.02, () => feed.write(ips(5))],
      ],
      3,
    );
    expect(seen).toEqual([4, 5]);
  });
});

describe('gRPC over a headless Service: CoreDNS cache + resolver', () => {
  it('a channel keeps its first answer until ResolveNow, then waits out the 30 s and the cache', () => {
    const sim = new Simulation();
    const feed = new FakeFeed(sim, ips(3));
    const dns = new HeadlessDns(
      feed,
      1,
      { ttl: 30, cache: 30, minTtl: 5 },
      constant(0),
      new RandomSource(4).stream('w'),
    );
    const seen: [number, number][] = [];
    const r = new GrpcResolvers(sim, dns, 1, new RandomSource(4).keyedStream('dns'), (_c, a) =>
      seen.push([+sim.now.toFixed(9), a.length]),
    );
    schedule(
      sim,
      [
        [5, () => feed.write(ips(4))], // scale-up: nobody re-resolves
        [40, () => r.resolveNow(0)], // a connection lost at 40 s: lookup now (> 0 + 30)
        [41, () => feed.write(ips(5))],
        [50, () => r.resolveNow(0)], // lost again: not before 40 + 30 = 70
      ],
      100,
    );
    // t = 0: 3 addresses (cache filled at 0). t = 40: cache expired at 30 -> fresh: 4.
    // t = 70: cache filled at 40 expires at 70 -> fresh: 5.
    expect(seen).toEqual([
      [0, 3],
      [40, 4],
      [70, 5],
    ]);
  });

  it('terminating-only endpoints are no DNS answer: the resolver backs off', () => {
    const sim = new Simulation();
    const feed = new FakeFeed(sim, ips(2));
    feed.write(ips(2), true);
    const dns = new HeadlessDns(
      feed,
      1,
      { ttl: 30, cache: 30, minTtl: 5 },
      constant(0),
      new RandomSource(5).stream('w'),
    );
    const oks: boolean[] = [];
    new GrpcResolvers(sim, dns, 1, new RandomSource(5).keyedStream('dns'), (_c, _a, ok) =>
      oks.push(ok),
    );
    sim.run(10);
    expect(oks[0]).toBe(false);
    expect(oks.length).toBeGreaterThanOrEqual(3); // about 1.6 s, then 2.56 s more, then 4.1 s ...
  });
});

describe('Cilium agents: per-node watch, Maglev table shared across nodes', () => {
  it('each node applies after its watch delay; nodes with the same set share one table', () => {
    const sim = new Simulation();
    const feed = new FakeFeed(sim, ips(4));
    const seen: [number, number][] = [];
    const agents = new CiliumAgents(
      feed,
      3,
      constant(0.2),
      new RandomSource(6).stream('w'),
      (n) => seen.push([n, +sim.now.toFixed(9)]),
      { tableSize: 251, seed: 1 },
    );
    const before = agents.maglevTable(0);
    expect(agents.maglevTable(2)).toBe(before);
    schedule(sim, [[1, () => feed.write(ips(5))]], 3);
    expect(seen).toEqual([
      [0, 1.2],
      [1, 1.2],
      [2, 1.2],
    ]);
    expect(agents.maglevTable(1)).not.toBe(before);
    expect(agents.maglevTable(1).size).toBe(5);
  });
});
