import type { Rng } from '../../src/engine/random.js';

/**
 * sfc32 (Chris Doty-Humphrey's "small fast chaotic" generator, PractRand; passes BigCrush and
 * PractRand to 2^40+ bytes): four 32-bit words in an Int32Array, one draw = a few adds, shifts
 * and rotates. The references' generator: the cheapest sound per-draw generator a hand-written
 * loop would use, so that the reference's figure is a ceiling, not a straw man.
 */
export class Sfc32 implements Rng {
  readonly name = 'sfc32';
  private readonly s = new Int32Array(4);

  constructor(seed: number) {
    const s = this.s;
    s[0] = 0;
    s[1] = seed | 0;
    s[2] = (seed / 4294967296) | 0;
    s[3] = 1;
    for (let i = 0; i < 12; i++) this.int32(); // the author's recommended warm-up
  }

  /** Uniform signed 32-bit integer. */
  int32(): number {
    const s = this.s;
    const a = s[0] as number;
    const b = s[1] as number;
    const c = s[2] as number;
    const d = s[3] as number;
    const t = (((a + b) | 0) + d) | 0;
    s[3] = (d + 1) | 0;
    s[0] = b ^ (b >>> 9);
    s[1] = (c + (c << 3)) | 0;
    s[2] = (((c << 21) | (c >>> 11)) + t) | 0;
    return t;
  }

  /** Uniform in [0, 1) with 32 bits of resolution. */
  next(): number {
    return (this.int32() >>> 0) * 2.3283064365386963e-10;
  }
}
