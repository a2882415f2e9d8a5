/**
 * The hold model without the engine: a 4-ary heap (bench/reference/heap4.ts) of `size` entries,
 * each hold replacing the root by (its time + an increment) in one sift. Same increments as
 * bench/hold.ts, so the ratio is the engine's cost per event against the bare minimum.
 */
import { cpuClock } from '../cpu-clock.js';
import { Heap4 } from './heap4.js';

/** Holds per CPU second and per wall second on the reference heap. */
export function holdReference(
  size: number,
  holds: number,
  inc: Float64Array,
): { wall: number; cpu: number } {
  const mask = inc.length - 1;
  const heap = new Heap4(size);
  let j = 0;
  for (let i = 0; i < size; i++) heap.push(inc[j++ & mask] as number, i);
  const start = process.hrtime.bigint();
  const cpuSince = cpuClock();
  let checksum = 0;
  for (let h = 0; h < holds; h++) {
    const t = heap.times[0] as number;
    const id = heap.ids[0] as number;
    checksum += id;
    heap.replaceTop(t + (inc[j++ & mask] as number), id);
  }
  const wall = Number(process.hrtime.bigint() - start) / 1e9;
  const cpuS = cpuSince();
  if (checksum < 0) throw new Error('unreachable'); // keeps the loop's reads alive
  return { wall: holds / wall, cpu: holds / cpuS };
}
