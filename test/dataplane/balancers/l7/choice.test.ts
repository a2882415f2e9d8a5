import { describe, expect, it } from 'vitest';
import { distinctPair, shuffledPair } from '../../../../src/dataplane/balancers/choice.js';
import { scripted } from './script.js';

/** Every (u1, u2) cell of a grid fine enough that each (first, second) index pair occurs once. */
function enumerate(
  n: number,
  draw: (u1: number, u2: number, out: Int32Array) => void,
  cells1: number,
  cells2: number,
): Map<string, number> {
  const out = new Int32Array(2);
  const counts = new Map<string, number>();
  for (let i = 0; i < cells1; i++) {
    for (let j = 0; j < cells2; j++) {
      draw((i + 0.5) / cells1, (j + 0.5) / cells2, out);
      const a = out[0] as number;
      const b = out[1] as number;
      expect(a).not.toBe(b);
      expect(a >= 0 && a < n && b >= 0 && b < n).toBe(true);
      const key = a < b ? `${a},${b}` : `${b},${a}`;
      counts.set(key, (counts.get(key) ?? 0) + 1);
    }
  }
  return counts;
}

describe('distinct pairs for P2C', () => {
  it("tower's sample_floyd2: never equal, every unordered pair exactly twice of n(n-1)", () => {
    for (let n = 2; n <= 7; n++) {
      const counts = enumerate(
        n,
        (u1, u2, out) => distinctPair(scripted(u1, u2), n, out),
        n - 1,
        n,
      );
      expect(counts.size).toBe((n * (n - 1)) / 2);
      for (const c of counts.values()) expect(c).toBe(2);
    }
  });

  it("ewma.lua's partial shuffle: never equal, every unordered pair exactly twice", () => {
    for (let n = 2; n <= 7; n++) {
      const counts = enumerate(
        n,
        (u1, u2, out) => shuffledPair(scripted(u1, u2), n, out),
        n,
        n - 1,
      );
      expect(counts.size).toBe((n * (n - 1)) / 2);
      for (const c of counts.values()) expect(c).toBe(2);
    }
  });

  it('shuffle keeps the element swapped out of position 0 (a = 2, second draw lands on 2)', () => {
    // peers [p0 p1 p2 p3]; swap(0, 2) -> [p2 p1 p0 p3]; second index 1 + floor(u * 3) = 2 -> p0.
    const out = new Int32Array(2);
    shuffledPair(scripted(0.6, 0.5), 4, out);
    expect([...out]).toEqual([2, 0]);
  });
});
