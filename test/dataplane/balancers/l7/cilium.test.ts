import { describe, expect, it } from 'vitest';
import {
  CILIUM_MAGLEV_DEFAULT_TABLE_SIZE,
  MaglevTable,
  populateMaglev,
} from '../../../../src/dataplane/balancers/cilium/maglev.js';
import { CiliumRandom } from '../../../../src/dataplane/balancers/cilium/random.js';
import { RandomSource } from '../../../../src/engine/index.js';
import { ips } from './script.js';

describe('Maglev table (Eisenbud et al., NSDI 2016, Table 1 and 2)', () => {
  // The paper's example: M = 7; permutations B0: 3 0 4 1 5 2 6, B1: 0 2 4 6 1 3 5,
  // B2: 3 4 5 6 0 1 2, i.e. (offset, skip) = (3, 4), (0, 2), (3, 1).
  const offsets = [3, 0, 3];
  const skips = [4, 2, 1];

  it("permutations are offset + j x skip mod M as in the paper's Table 1", () => {
    const perm = offsets.map((o, i) =>
      Array.from({ length: 7 }, (_, j) => (o + j * (skips[i] as number)) % 7),
    );
    expect(perm).toEqual([
      [3, 0, 4, 1, 5, 2, 6],
      [0, 2, 4, 6, 1, 3, 5],
      [3, 4, 5, 6, 0, 1, 2],
    ]);
  });

  it('lookup table before and after B1 is removed (Table 2)', () => {
    const entry = new Int32Array(7);
    populateMaglev(offsets, skips, 7, entry);
    expect([...entry]).toEqual([1, 0, 1, 0, 2, 2, 0]); // B1 B0 B1 B0 B2 B2 B0
    populateMaglev([3, 3], [4, 1], 7, entry); // B0 and B2 (relabelled 0 and 1)
    expect([...entry].map((i) => (i === 0 ? 0 : 2))).toEqual([0, 0, 0, 0, 2, 2, 2]);
  });

  it('every backend owns floor(M/N) or ceil(M/N) slots of the default 16381', () => {
    const t = new MaglevTable(CILIUM_MAGLEV_DEFAULT_TABLE_SIZE, 42);
    t.build(ips(10));
    const counts = new Array(10).fill(0);
    for (let c = 0; c < t.m; c++) counts[t.entry[c] as number]++;
    for (const n of counts) expect([1638, 1639]).toContain(n);
  });

  it('the same set in any order gives the same backend per slot (consistent across nodes)', () => {
    const a = new MaglevTable(251, 7);
    const b = new MaglevTable(251, 7);
    const list = ips(5);
    const reversed = Uint32Array.from([...list].reverse());
    a.build(list);
    b.build(reversed);
    for (let c = 0; c < 251; c++) {
      expect(reversed[b.entry[c] as number]).toBe(list[a.entry[c] as number]);
    }
  });

  it('removing one of 10 backends moves its slots and few others', () => {
    const t = new MaglevTable(16381, 1);
    const list = ips(10);
    t.build(list);
    const before = Array.from(t.entry, (i) => list[i] as number);
    const fewer = list.subarray(1);
    t.build(fewer);
    let moved = 0;
    for (let c = 0; c < t.m; c++) {
      if (before[c] !== list[0] && before[c] !== fewer[t.entry[c] as number]) moved++;
    }
    expect(moved / t.m).toBeLessThan(0.05); // the paper's Figure 13: a few percent at most
  });

  it('rejects a table size that is not prime; empty table looks up -1', () => {
    expect(() => new MaglevTable(16384)).toThrow(/prime/);
    const t = new MaglevTable(7);
    t.build(new Uint32Array(0));
    expect(t.lookup(123)).toBe(-1);
  });
});

describe('Cilium random', () => {
  it('uniform over the backends (chi-square, 10 bins)', () => {
    const r = new CiliumRandom();
    const rng = new RandomSource(5).stream('t');
    const counts = new Array(10).fill(0);
    const n = 50000;
    for (let k = 0; k < n; k++) counts[r.pick(10, rng)]++;
    const chi = counts.reduce((s, c) => s + (c - n / 10) ** 2 / (n / 10), 0);
    expect(chi).toBeLessThan(27.88); // chi-square(9) at p = 0.001
    expect(r.pick(0, rng)).toBe(-1);
  });
});
