import { describe, expect, it } from 'vitest';
import { IpAllocator, parseCidr } from '../../src/cluster/ip-allocator.js';
import { ipFromString, ipToString } from '../../src/cluster/types.js';
import { RandomSource } from '../../src/engine/index.js';

const base = ipFromString('10.244.1.0');
const s = (ip: number) => ipToString(ip);

describe('IpAllocator', () => {
  it('parses CIDRs to network address and prefix', () => {
    expect(parseCidr('10.244.1.7/24')).toEqual({ base, prefixLength: 24 });
    expect(() => parseCidr('10.244.1.0')).toThrow(/expected a CIDR/);
  });

  it('sequential: next free after the last allocated, wrapping (host-local)', () => {
    // /29: offsets 2..6 usable (network, gateway and broadcast excluded) = 5 addresses.
    const a = new IpAllocator(base, 29, 'sequential');
    expect(a.capacity).toBe(5);
    const [x, y, z] = [a.allocate(), a.allocate(), a.allocate()];
    expect([x, y, z].map(s)).toEqual(['10.244.1.2', '10.244.1.3', '10.244.1.4']);
    a.release(y);
    expect(s(a.allocate())).toBe('10.244.1.5'); // not the just-released .3
    expect(s(a.allocate())).toBe('10.244.1.6');
    expect(s(a.allocate())).toBe('10.244.1.3'); // wrapped to the first free
    expect(() => a.allocate()).toThrow(/exhausted/);
  });

  it('lifo: the most recently released address first', () => {
    const a = new IpAllocator(base, 29, 'lifo');
    const ips = [a.allocate(), a.allocate(), a.allocate()];
    a.release(ips[0] as number);
    a.release(ips[2] as number);
    expect(s(a.allocate())).toBe('10.244.1.4');
    expect(s(a.allocate())).toBe('10.244.1.2');
    expect(s(a.allocate())).toBe('10.244.1.5'); // none released left: a never-used one
  });

  it('never: released addresses are never handed out again', () => {
    const a = new IpAllocator(base, 29, 'never');
    const first = a.allocate();
    a.release(first);
    const got = [a.allocate(), a.allocate(), a.allocate(), a.allocate()].map(s);
    expect(got).toEqual(['10.244.1.3', '10.244.1.4', '10.244.1.5', '10.244.1.6']);
    a.release(ipFromString('10.244.1.4'));
    expect(a.hasFree()).toBe(false); // a free address, but never to be reused
    expect(() => a.allocate()).toThrow(/exhausted/);
  });

  it('random: uniform over the free pool, deterministic per seed', () => {
    const counts = new Map<string, number>();
    const rng = new RandomSource(7).stream('cluster:ipam');
    const a = new IpAllocator(base, 29, 'random', rng);
    const held = [a.allocate(), a.allocate()];
    for (let i = 0; i < 3000; i++) {
      const ip = a.allocate();
      counts.set(s(ip), (counts.get(s(ip)) ?? 0) + 1);
      a.release(ip);
    }
    // Three free addresses, 3000 draws: 1000 each, sd sqrt(3000/3*2/3) = 26; 5 sd = 130.
    expect(counts.size).toBe(3);
    for (const n of counts.values()) expect(Math.abs(n - 1000)).toBeLessThan(130);
    for (const h of held) expect(counts.has(s(h))).toBe(false);
    const b = new IpAllocator(base, 29, 'random', new RandomSource(7).stream('cluster:ipam'));
    expect(s(b.allocate())).toBe(s(held[0] as number));
  });

  it('rejects releasing an address it did not allocate', () => {
    const a = new IpAllocator(base, 24, 'sequential');
    expect(() => a.release(ipFromString('10.244.1.9'))).toThrow(/not allocated/);
  });
});
