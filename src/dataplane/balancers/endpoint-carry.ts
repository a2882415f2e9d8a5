/**
 * Endpoint-list updates for the balancers that keep per-endpoint state (EWMA scores, outlier
 * detection, subchannels): an update keeps the state of endpoints that stay, matched by IP, as
 * the real ones match by address. Called per discovery update, never per request.
 */

/** For each IP of `next`, its index in `prev`, or -1 for a new endpoint. Allocates. */
export function carryOver(prev: Uint32Array, next: Uint32Array): Int32Array {
  const at = new Map<number, number>();
  for (let i = 0; i < prev.length; i++) at.set(prev[i] as number, i);
  const from = new Int32Array(next.length);
  for (let j = 0; j < next.length; j++) from[j] = at.get(next[j] as number) ?? -1;
  return from;
}

/** True when `a` and `b` hold the same IPs in the same order (the Lua balancers' deep_compare). */
export function sameIps(a: Uint32Array, b: Uint32Array): boolean {
  if (a.length !== b.length) return false;
  for (let i = 0; i < a.length; i++) if (a[i] !== b[i]) return false;
  return true;
}
