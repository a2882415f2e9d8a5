/**
 * Model A's per-queue FIFOs of arrival times: one ring buffer per queue inside one
 * Float64Array (no per-customer allocation, no Array.shift), shared by the engine's model
 * (bench/model-a.ts) and the reference (bench/reference/model-a.ts) so both do the same work.
 */

/**
 * The rings at twice the capacity `cap` (a power of two) per queue, each queue's customers
 * moved to the front in order; resets `head` to 0.
 */
export function doubledRings(
  ring: Float64Array<ArrayBuffer>,
  cap: number,
  head: Int32Array,
  length: Int32Array,
): Float64Array<ArrayBuffer> {
  const queues = head.length;
  const next = new Float64Array(queues * cap * 2);
  for (let q = 0; q < queues; q++) {
    for (let i = 0; i < (length[q] as number); i++) {
      next[q * cap * 2 + i] = ring[q * cap + (((head[q] as number) + i) & (cap - 1))] as number;
    }
    head[q] = 0;
  }
  return next;
}
