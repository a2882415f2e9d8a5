/**
 * Conformance promises of the L7 (kind 'l7') balancers, per family, through the picker protocol
 * the Nginx hop drives (pick / reload / afterBalance). nginx-static's promises (tried peers
 * skipped, round robin from peer 0, passive health) are in ./conformance.test.ts; the Lua
 * balancers of ingress-nginx keep none of them, and promise instead:
 * - every registered l7 balancer: a pick is a valid peer index (or -1 with no endpoints), and a
 *   reload to a new list picks only from the new list;
 * - ingress-nginx-rr: a strict cycle over the peers from a random start, the tried mask ignored
 *   (a retry may return a peer the request already tried), a reload of the same set keeps the
 *   position, a changed set restarts at a random peer;
 * - grpc-round-robin (every subchannel READY): a strict cycle over the addresses from a random
 *   start, restarted at a random index by every READY-set change;
 * - grpc-pick-first (every address reachable): every RPC on the first address of the list;
 * - ingress-nginx-ewma: with two or more peers, P2C over two distinct peers, lower decayed score
 *   wins; afterBalance credits connect + response time (NaN as nginx's "-" = 0).
 */
import { describe, expect, it } from 'vitest';
import { IngressNginxEwmaPicker } from '../../../src/dataplane/balancers/ingress-nginx/balancer.js';
import { BALANCERS } from '../../../src/dataplane/balancers/registry.js';
import { UpstreamOutcome } from '../../../src/dataplane/path/hop.js';
import type { L7BalancerDescriptor } from '../../../src/dataplane/types.js';
import { RandomSource } from '../../../src/engine/index.js';

const l7 = BALANCERS.filter((d): d is L7BalancerDescriptor => d.kind === 'l7');
const ips = (n: number, base = 1) =>
  Uint32Array.from({ length: n }, (_, i) => 0x0af40000 + base + i);

describe('every l7 balancer', () => {
  it('is registered: ingress-nginx, Envoy, Linkerd and gRPC', () => {
    expect(l7.map((d) => d.name)).toEqual([
      'ingress-nginx-rr',
      'ingress-nginx-ewma',
      'grpc-pick-first',
      'grpc-round-robin',
      'envoy-rr',
      'envoy-least-request',
      'linkerd-ewma',
    ]);
  });
  for (const d of l7) {
    it(`${d.name}: picks valid peers, -1 with none, only the new list after a reload`, () => {
      const rng = new RandomSource(3).stream('t');
      const o = d.options.parse({});
      const p = d.createPicker(ips(5), o, rng);
      for (let i = 0; i < 200; i++) {
        const k = p.pick(i * 0.01, 0);
        expect(k).toBeGreaterThanOrEqual(0);
        expect(k).toBeLessThan(5);
      }
      p.reload(ips(3, 100), 2);
      expect(p.size).toBe(3);
      for (let i = 0; i < 100; i++) {
        const k = p.pick(2 + i * 0.01, 0);
        expect([0, 1, 2]).toContain(k);
        expect((p.ips[k] as number) - 0x0af40000).toBeGreaterThanOrEqual(100);
      }
      p.reload(new Uint32Array(0), 3);
      expect(p.pick(3, 0)).toBe(-1);
    });
  }
});

describe('ingress-nginx-rr', () => {
  const d = l7.find((x) => x.name === 'ingress-nginx-rr') as L7BalancerDescriptor;
  it('cycles strictly from a random start and ignores the tried mask', () => {
    const starts = new Set<number>();
    for (let seed = 1; seed <= 40; seed++) {
      const p = d.createPicker(ips(4), d.options.parse({}), new RandomSource(seed).stream('t'));
      const first = p.pick(0, 0);
      starts.add(first);
      // The mask says every peer was tried: the Lua balancer does not look at it.
      for (let i = 1; i <= 8; i++) expect(p.pick(0, 0b1111)).toBe((first + i) % 4);
    }
    expect(starts.size).toBe(4);
  });
  it('keeps its position over a sync of the same set', () => {
    const p = d.createPicker(ips(4), d.options.parse({}), new RandomSource(9).stream('t'));
    const a = p.pick(0, 0);
    p.reload(ips(4), 1);
    expect(p.pick(1, 0)).toBe((a + 1) % 4);
  });
});

describe('ingress-nginx-ewma', () => {
  it('picks the lower-scored of two distinct peers; afterBalance credits connect + response', () => {
    const p = new IngressNginxEwmaPicker(ips(2), new RandomSource(4).stream('t'));
    const res = {
      outcome: UpstreamOutcome.ok,
      status: 200,
      connectTime: 0.002,
      responseTime: 0.05,
    };
    // First sample of peer 0 sets its EWMA to 0.052 s; peer 1, unmeasured, scores 0 and wins.
    p.afterBalance(0, res, 0);
    expect(p.lua.stored(0)).toBeCloseTo(0.052, 12);
    for (let i = 0; i < 20; i++) expect(p.pick(0, 0)).toBe(1);
    // A failed connect: $upstream_connect_time "-" counts 0, the try's elapsed time is credited.
    const fail = {
      outcome: UpstreamOutcome.connectTimeout,
      status: 0,
      connectTime: Number.NaN,
      responseTime: 5,
    };
    p.afterBalance(1, fail, 0);
    expect(p.lua.stored(1)).toBe(5);
    for (let i = 0; i < 20; i++) expect(p.pick(0, 0)).toBe(0);
    // 10 s later (DECAY_TIME) a new sample of 0.1 s on peer 0: w = e^-1.
    p.afterBalance(0, { ...res, connectTime: 0, responseTime: 0.1 }, 10);
    const w = Math.exp(-1);
    expect(p.lua.stored(0)).toBeCloseTo(0.052 * w + 0.1 * (1 - w), 12);
  });
});

/**
 * The mesh families, through the same picker protocol (worker 0 of one proxy; a request's start
 * is `connectionOpened`, a cancelled one `connectionClosed`, a 5xx `reportFailure`):
 * - envoy-rr: a strict cycle per worker from a random seed; a tried host is re-picked away from
 *   (previous_hosts) when another is left;
 * - envoy-least-request: P2C with replacement on rq_active (counts stay close while requests
 *   never end);
 * - both Envoys with outlier detection: 5 consecutive 5xx eject a host (10 hosts allow one), it
 *   is never picked while ejected; without outlier detection nothing is ejected;
 * - linkerd-ewma: P2C over two distinct endpoints, the lower load (EWMA x (pending + 1)) wins.
 */
describe('envoy-rr', () => {
  const d = l7.find((x) => x.name === 'envoy-rr') as L7BalancerDescriptor;
  it('cycles strictly per worker from a random start; previous_hosts skips a tried host', () => {
    const starts = new Set<number>();
    for (let seed = 1; seed <= 30; seed++) {
      const p = d.createPicker(ips(5), d.options.parse({}), new RandomSource(seed).stream('t'));
      const first = p.pick(0, 0);
      starts.add(first);
      for (let i = 1; i <= 10; i++) expect(p.pick(0, 0)).toBe((first + i) % 5);
      // The next rr host is tried already: one re-pick moves past it.
      const next = (first + 11) % 5;
      expect(p.pick(0, 1 << next)).toBe((next + 1) % 5);
    }
    expect(starts.size).toBe(5);
  });
});

describe('envoy-least-request', () => {
  const d = l7.find((x) => x.name === 'envoy-least-request') as L7BalancerDescriptor;
  it('keeps active requests close over hosts (P2C with replacement)', () => {
    const p = d.createPicker(ips(6), d.options.parse({}), new RandomSource(8).stream('t'));
    const active = new Array<number>(6).fill(0);
    for (let i = 0; i < 1200; i++) {
      const k = p.pick(0, 0);
      p.connectionOpened(k);
      active[k] = (active[k] as number) + 1;
    }
    expect(Math.max(...active) - Math.min(...active)).toBeLessThanOrEqual(4);
  });
});

describe('envoy outlier detection through the picker protocol', () => {
  for (const name of ['envoy-rr', 'envoy-least-request']) {
    const d = l7.find((x) => x.name === name) as L7BalancerDescriptor;
    it(`${name}: 5 consecutive 5xx eject the host; never picked while ejected`, () => {
      const p = d.createPicker(
        ips(10),
        d.options.parse({ outlierDetection: {} }),
        new RandomSource(2).stream('t'),
      );
      for (let i = 0; i < 5; i++) p.reportFailure(3, 1);
      for (let i = 0; i < 500; i++) expect(p.pick(2, 0)).not.toBe(3);
      const off = d.createPicker(ips(10), d.options.parse({}), new RandomSource(2).stream('t'));
      for (let i = 0; i < 5; i++) off.reportFailure(3, 1);
      const seen = new Set<number>();
      for (let i = 0; i < 500; i++) seen.add(off.pick(2, 0));
      expect(seen.has(3)).toBe(true);
    });
  }
});

describe('linkerd-ewma', () => {
  const d = l7.find((x) => x.name === 'linkerd-ewma') as L7BalancerDescriptor;
  it('P2C over two distinct endpoints: the less loaded always wins', () => {
    const p = d.createPicker(ips(2), d.options.parse({}), new RandomSource(6).stream('t'));
    // Equal loads: a or b by the distinct pair's order (both appear).
    const seen = new Set<number>();
    for (let i = 0; i < 50; i++) seen.add(p.pick(0, 0));
    expect(seen).toEqual(new Set([0, 1]));
    // A pending request on 0 doubles its load (30 ms x 2): with two distinct choices 1 always wins.
    p.connectionOpened(0);
    for (let i = 0; i < 50; i++) expect(p.pick(0, 0)).toBe(1);
  });
});

describe('grpc-round-robin and grpc-pick-first', () => {
  const get = (name: string) => l7.find((x) => x.name === name) as L7BalancerDescriptor;
  it('round_robin cycles over every READY subchannel from a random start', () => {
    const d = get('grpc-round-robin');
    const starts = new Set<number>();
    for (let seed = 1; seed <= 40; seed++) {
      const p = d.createPicker(ips(5), d.options.parse({}), new RandomSource(seed).stream('t'));
      const first = p.pick(0, 0);
      starts.add(first);
      for (let i = 1; i <= 10; i++) expect(p.pick(0, 0b11111)).toBe((first + i) % 5);
    }
    expect(starts.size).toBe(5);
  });
  it('pick_first sends every RPC to the first address, and to the new first after an update', () => {
    const d = get('grpc-pick-first');
    const p = d.createPicker(ips(4), d.options.parse({}), new RandomSource(1).stream('t'));
    for (let i = 0; i < 20; i++) expect(p.pick(0, 0)).toBe(0);
    p.reload(ips(3, 50), 1);
    expect(p.pick(1, 0)).toBe(0);
    expect(p.ips[0]).toBe(ips(3, 50)[0]);
  });
});
