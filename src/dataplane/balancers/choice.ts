import type { Rng } from '../../engine/index.js';

/**
 * Random choices shared by the request-level (L7) balancer families. Every draw comes from the
 * Rng the caller passes in (its own named or keyed stream); nothing here allocates.
 */

/** A uniform integer in [0, n), n >= 1: `floor(u * n)` with u in [0, 1). */
export function uniformIndex(rng: Rng, n: number): number {
  return Math.floor(rng.next() * n);
}

/**
 * Two *distinct* uniform indices in [0, n), n >= 2, with two draws: Floyd's combination
 * algorithm for k = 2 as tower's `sample_floyd2` (tower/src/util/rng.rs): a in [0, n-1),
 * b in [0, n), and a := n-1 when a == b. Every unordered pair has probability 2 / (n (n-1)).
 * The result is written to `out[0]`, `out[1]` (a, b) so the caller keeps one scratch array.
 */
export function distinctPair(rng: Rng, n: number, out: Int32Array): void {
  let a = uniformIndex(rng, n - 1);
  const b = uniformIndex(rng, n);
  if (a === b) a = n - 1;
  out[0] = a;
  out[1] = b;
}

/**
 * The first two of a partial Fisher-Yates shuffle over [0, n), n >= 2, as ingress-nginx's
 * balancer/ewma.lua `shuffle_peers(peers, 2)`: position 1 takes a uniform index of [0, n),
 * position 2 a uniform index among the n-1 left. Distinct by construction. Written to `out`.
 */
export function shuffledPair(rng: Rng, n: number, out: Int32Array): void {
  const a = uniformIndex(rng, n);
  // Second draw: uniform over the remaining n-1 positions [1, n) of the swapped array, where
  // position a now holds the element that was at 0.
  const r = 1 + uniformIndex(rng, n - 1);
  out[0] = a;
  out[1] = r === a ? 0 : r;
}
