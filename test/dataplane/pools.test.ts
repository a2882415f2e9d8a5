import { describe, expect, it } from 'vitest';
import { SLOT_SPACE, tag, tagGen, tagIndex } from '../../src/dataplane/pools.js';

describe('event payload tags', () => {
  it('tag -> (index, generation) round-trips, small and large generations, negative ones too', () => {
    const indices = [0, 1, 2, 1023, 65_535, SLOT_SPACE - 2, SLOT_SPACE - 1];
    // Generations as Int32 stamps: 0, past 2^7 (payload above 2^31, a double), near 2^29 (the
    // payload's exactness limit, 2^53), and negative (a stamp after 2^31 bumps, `| 0`).
    const gens = [0, 1, 127, 128, 129, 1_000_003, 2 ** 29 - 1, -1, -2, -(2 ** 29)];
    for (const i of indices) {
      for (const g of gens) {
        const a = tag(i, g);
        expect(tagIndex(a)).toBe(i);
        expect(tagGen(a)).toBe(g);
      }
    }
  });

  it('two different (index, generation) pairs never share a payload', () => {
    const seen = new Set<number>();
    for (let g = -3; g < 300; g += 7) {
      for (const i of [0, 5, SLOT_SPACE - 1]) seen.add(tag(i, g));
    }
    expect(seen.size).toBe(Math.ceil(303 / 7) * 3);
  });
});
