import { describe, expect, it } from 'vitest';
import {
  NGINX_DEFAULTS,
  type NginxUpstreamPicker,
  nginxOptions,
  nginxStatic,
} from '../../../src/dataplane/balancers/nginx.js';
import { RandomSource } from '../../../src/engine/index.js';
import { chiSquare, chiSquareCritical, podIp } from './helpers.js';

/** A picker in nginx's initial state (`start: fresh`) unless the options say otherwise. */
const make = (n: number, options: object = {}, seed = 1) =>
  nginxStatic.createPicker(
    Uint32Array.from({ length: n }, (_, i) => podIp(i)),
    nginxOptions.parse({ start: 'fresh', ...options }),
    new RandomSource(seed).stream('nginx'),
  ) as NginxUpstreamPicker;

/** Picks (with no tried peers) at `now` until `peer` comes up, at most `limit` times. */
function pickUntil(p: NginxUpstreamPicker, now: number, peer: number, limit = 10): number[] {
  const seen: number[] = [];
  for (let k = 0; k < limit; k++) {
    const i = p.pick(now, 0);
    seen.push(i);
    if (i === peer) break;
  }
  return seen;
}

describe('nginx-static options', () => {
  it('fills nginx defaults and accepts the directive forms', () => {
    expect(nginxOptions.parse({})).toEqual(NGINX_DEFAULTS);
    expect(
      nginxOptions.parse({
        maxFails: 3,
        failTimeout: '30s',
        nextUpstream: 'error timeout http_503',
        connectTimeout: '500ms',
        balancing: 'least_conn',
      }),
    ).toMatchObject({
      maxFails: 3,
      failTimeout: 30,
      nextUpstream: ['error', 'timeout', 'http_503'],
      connectTimeout: 0.5,
      balancing: 'least_conn',
    });
    expect(nginxOptions.parse({ nextUpstream: ['off'] }).nextUpstream).toEqual(['off']);
  });

  it('reports every problem in the `expected ..., got ...` form; unknown keys rejected', () => {
    const r = nginxOptions.safeParse({
      maxFails: -1,
      nextUpstream: 'error off',
      failTimeout: 'soon',
      max_fails: 2,
    });
    expect(r.success).toBe(false);
    const messages = (r.error?.issues ?? []).map((i) => `${i.path.join('.')}: ${i.message}`);
    expect(messages).toEqual(
      expect.arrayContaining([
        'maxFails: expected an integer >= 0, got `-1`',
        expect.stringMatching(
          /^nextUpstream: expected a list of error, timeout, .* got `error off`$/,
        ),
        expect.stringMatching(/^failTimeout: expected a duration .* got `soon`$/),
      ]),
    );
    expect(r.error?.issues.some((i) => i.code === 'unrecognized_keys')).toBe(true);
  });
});

describe('nginx-static smooth weighted round robin', () => {
  it('cycles 0..n-1 with all weights 1', () => {
    const p = make(4);
    expect(Array.from({ length: 8 }, () => p.pick(0, 0))).toEqual([0, 1, 2, 3, 0, 1, 2, 3]);
  });

  it('start: steady (the default) is the state after k picks, k uniform per worker stream; then the same cycle', () => {
    const firsts = [0, 0, 0, 0, 0];
    for (let seed = 1; seed <= 500; seed++) {
      const p = make(5, { start: 'steady' }, seed);
      const picks = Array.from({ length: 10 }, () => p.pick(0, 0));
      const k = picks[0] as number;
      expect(picks).toEqual(picks.map((_, i) => (k + i) % 5));
      firsts[k] = (firsts[k] as number) + 1;
      // Exactly the fresh picker's state after k picks.
      const fresh = make(5);
      for (let i = 0; i < k; i++) fresh.pick(0, 0);
      const again = make(5, { start: 'steady' }, seed);
      for (let i = 0; i < 7; i++) expect(again.pick(0, 0)).toBe(fresh.pick(0, 0));
    }
    expect(chiSquare(firsts, [0.2, 0.2, 0.2, 0.2, 0.2])).toBeLessThan(chiSquareCritical(4));
    expect(nginxOptions.parse({}).start).toBe('steady');
  });

  it('a reload starts fresh workers (current weights 0: the first server first)', () => {
    const p = make(5, { start: 'steady' }, 3);
    p.pick(0, 0);
    p.reload(Uint32Array.from([1, 2, 3].map(podIp)), 1);
    expect(Array.from({ length: 4 }, () => p.pick(1, 0))).toEqual([0, 1, 2, 0]);
  });

  it('skips peers in the tried mask; peers 32 apart share a bit', () => {
    const p = make(3);
    expect(p.pick(0, 0b011)).toBe(2);
    expect(p.pick(0, 0b111)).toBe(-1);
    const many = make(40);
    const seen = new Set<number>();
    for (let k = 0; k < 200; k++) seen.add(many.pick(0, 1 << 1));
    expect(seen.has(1) || seen.has(33)).toBe(false);
    expect(seen.size).toBe(38);
  });
});

describe('nginx-static max_fails / fail_timeout', () => {
  it('marks a peer down after max_fails (1) failure, skips it, probes it after fail_timeout', () => {
    const p = make(3); // maxFails 1, failTimeout 10 s
    expect(p.pick(100.2, 0)).toBe(0);
    p.reportFailure(0, 100.2); // fails 1, checked = accessed = 100 (whole seconds)
    expect(p.peerState(0)).toEqual({ fails: 1, checked: 100, effectiveWeight: 0 });
    // Down while floor(now) - 100 <= 10, i.e. until now = 111.
    for (let now = 100.3; now < 111; now += 0.25) expect(p.pick(now, 0)).not.toBe(0);
    // At 111 it is eligible again: one probe (effective weight climbs back from 0 first).
    const probe = pickUntil(p, 111, 0);
    expect(probe.at(-1)).toBe(0);
    // While the probe is out, checked = 111 keeps the peer skipped.
    for (let now = 111; now < 122; now += 0.5) expect(p.pick(now, 0)).not.toBe(0);
    p.reportFailure(0, 111.5); // probe failed: down for another fail_timeout
    for (let now = 111.5; now < 122; now += 0.5) expect(p.pick(now, 0)).not.toBe(0);
    expect(pickUntil(p, 122, 0).at(-1)).toBe(0);
    p.reportSuccess(0, 122.3); // accessed 111 < checked 122: live again
    expect(p.peerState(0).fails).toBe(0);
    const after = Array.from({ length: 30 }, (_, k) => p.pick(123 + k * 0.01, 0));
    expect(after.filter((x) => x === 0).length).toBe(10); // back in the 3-cycle
  });

  it('a success in the same second as the failure does not revive (accessed == checked)', () => {
    const p = make(2, { maxFails: 2 });
    p.pick(50.1, 0);
    p.reportFailure(0, 50.1);
    p.reportSuccess(0, 50.9);
    expect(p.peerState(0).fails).toBe(1);
    p.reportFailure(0, 55);
    expect(p.peerState(0).fails).toBe(2); // two failures within fail_timeout: down
    expect(Array.from({ length: 6 }, () => p.pick(56, 0))).toEqual([1, 1, 1, 1, 1, 1]);
  });

  it('counts max_fails (3) failures before marking down; weight / max_fails is 0', () => {
    const p = make(3, { maxFails: 3 });
    for (let k = 0; k < 2; k++) p.reportFailure(0, 200);
    expect(pickUntil(p, 200.5, 0).at(-1)).toBe(0);
    expect(p.peerState(0).effectiveWeight).toBe(1);
    p.reportFailure(0, 200.6);
    for (let k = 0; k < 20; k++) expect(p.pick(201, 0)).not.toBe(0);
  });

  it('returns -1 ("no live upstreams" -> 502) when every peer is down, until fail_timeout', () => {
    const p = make(3);
    for (let i = 0; i < 3; i++) p.reportFailure(i, 10);
    expect(p.pick(10.5, 0)).toBe(-1);
    expect(p.pick(20.99, 0)).toBe(-1);
    expect(p.pick(21, 0)).toBeGreaterThanOrEqual(0);
  });

  it('ignores max_fails with a single server', () => {
    const p = make(1);
    for (let k = 0; k < 10; k++) p.reportFailure(0, 5);
    expect(p.pick(5.5, 0)).toBe(0);
    expect(p.peerState(0).fails).toBe(0);
    expect(p.pick(5.5, 1)).toBe(-1); // nginx makes one try with a single server
  });

  it('maxFails 0 disables failure accounting', () => {
    const p = make(2, { maxFails: 0 });
    for (let k = 0; k < 10; k++) p.reportFailure(0, 5);
    expect(Array.from({ length: 4 }, () => p.pick(5.5, 0)).sort()).toEqual([0, 0, 1, 1]);
  });
});

describe('nginx-static least_conn', () => {
  it('picks the fewest connections; ties by smooth round robin among the tied peers', () => {
    const p = make(4, { balancing: 'least_conn' });
    p.connectionOpened(0);
    p.connectionOpened(2);
    // 1 and 3 tie at 0: round robin between them.
    expect([p.pick(0, 0), p.pick(0, 0), p.pick(0, 0), p.pick(0, 0)]).toEqual([1, 3, 1, 3]);
    p.connectionOpened(1);
    p.connectionOpened(3);
    p.connectionOpened(3);
    p.connectionClosed(0); // conns: 0, 1, 1, 2
    expect(p.pick(0, 0)).toBe(0);
    p.reportFailure(0, 1); // down: next least among the rest is 1 or 2 (tie at 1)
    expect([1, 2]).toContain(p.pick(1.5, 0));
  });
});

describe('nginx-static reload', () => {
  it('starts from a fresh configuration with the new list', () => {
    const p = make(3);
    for (let i = 0; i < 3; i++) p.reportFailure(i, 1);
    expect(p.pick(2, 0)).toBe(-1);
    p.reload(Uint32Array.from([podIp(7), podIp(8)]), 2);
    expect(p.size).toBe(2);
    expect([...p.ips]).toEqual([podIp(7), podIp(8)]);
    expect([p.pick(2, 0), p.pick(2, 0), p.pick(2, 0)]).toEqual([0, 1, 0]);
  });
});
