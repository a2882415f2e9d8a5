import type { Rng } from '../../../../src/engine/index.js';

/**
 * An Rng that returns the given uniforms in order (then repeats them): hand-derived tests
 * choose each draw. `int32` maps u to u x 2^32 as a signed integer.
 */
export function scripted(...values: number[]): Rng & { calls: number } {
  let i = 0;
  const rng = {
    name: 'scripted',
    calls: 0,
    next(): number {
      rng.calls++;
      const v = values[i % values.length] as number;
      i++;
      return v;
    },
    int32(): number {
      return (rng.next() * 4294967296) | 0;
    },
  };
  return rng;
}

/** Pod-like IPs 10.0.0.(1 + i). */
export function ips(n: number, first = 1): Uint32Array {
  return Uint32Array.from({ length: n }, (_, i) => 0x0a000000 + first + i);
}
