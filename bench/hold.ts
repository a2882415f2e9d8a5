/**
 * Event-queue hold benchmark (the classic "hold model"): the queue is filled with n entries,
 * then each hold removes the earliest entry and inserts one at its time plus a random increment,
 * so the size stays n. Measured on the bare EventQueue (pop + push) and on the Simulation (a
 * handler that reschedules itself: one event = pop, dispatch, fused push).
 *
 * Increments come from a precomputed table of exponential variates (named stream `hold`), so the
 * figure is the queue's cost, not the random generator's or Math.log's.
 */

import { EventQueue } from '../src/engine/queue.js';
import { RandomSource } from '../src/engine/random.js';
import { Simulation } from '../src/engine/simulation.js';
import { cpuClock } from './cpu-clock.js';
import { paired } from './paired.js';
import type { Benchmark, BenchOptions, BenchResult } from './types.js';

const TABLE_SIZE = 1 << 16; // power of two: index with a mask
const TABLE_MASK = TABLE_SIZE - 1;

export function incrementTable(seed: number): Float64Array {
  const rng = new RandomSource(seed).stream('hold');
  const t = new Float64Array(TABLE_SIZE);
  for (let i = 0; i < TABLE_SIZE; i++) t[i] = -Math.log(1 - rng.next());
  return t;
}

/** Holds per wall-clock second and per CPU second (steadier on a shared host). */
export interface HoldRate {
  wall: number;
  cpu: number;
}

/** Times `body`, which performs `holds` holds. */
function timed(holds: number, body: () => void): HoldRate {
  const start = process.hrtime.bigint();
  const cpuSince = cpuClock();
  body();
  const wall = Number(process.hrtime.bigint() - start) / 1e9;
  const cpuS = cpuSince();
  return { wall: holds / wall, cpu: holds / cpuS };
}

/** Hold rate on a bare EventQueue of `size` entries. */
export function holdQueue(size: number, holds: number, inc: Float64Array): HoldRate {
  const q = new EventQueue(size);
  let seq = 0;
  for (let i = 0; i < size; i++) q.push(inc[i & TABLE_MASK] as number, seq++, i);
  let j = size;
  return timed(holds, () => {
    for (let h = 0; h < holds; h++) {
      const t = q.peekTime();
      const slot = q.peekSlot();
      q.pop();
      q.push(t + (inc[j++ & TABLE_MASK] as number), seq++, slot);
    }
  });
}

/** Hold (event) rate on a Simulation with `size` pending events. */
export function holdSimulation(size: number, holds: number, inc: Float64Array): HoldRate {
  const sim = new Simulation({ initialCapacity: size });
  let j = 0;
  let fired = 0;
  const kind = sim.register('hold', (arg) => {
    sim.post(inc[j++ & TABLE_MASK] as number, kind, arg);
    if (++fired === holds) sim.stop();
  });
  for (let i = 0; i < size; i++) sim.post(inc[j++ & TABLE_MASK] as number, kind, i);
  return timed(holds, () => sim.run());
}

export const hold: Benchmark = {
  name: 'hold',
  description: 'event-queue hold model (pop + push) at sizes 100, 10k, 1M: holds/s',
  async run({ quick, args }: BenchOptions): Promise<BenchResult> {
    const seed = args.seed === undefined ? 1 : Number(args.seed);
    const inc = incrementTable(seed);
    const result: BenchResult = { benchmark: 'hold' };
    const sizes: [string, number][] = [
      ['100', 100],
      ['10k', 10_000],
      ['1M', 1_000_000],
    ];
    for (const [label, size] of sizes) {
      // Enough holds to cycle the queue several times and let the JIT settle.
      const holds = quick ? Math.max(200_000, size) : Math.max(5_000_000, 5 * size);
      holdQueue(size, Math.min(holds, 200_000), inc); // warm-up
      const q = holdQueue(size, holds, inc);
      holdSimulation(size, Math.min(holds, 200_000), inc); // warm-up
      const s = holdSimulation(size, holds, inc);
      result[`queue_${label}_holds_per_s`] = q.wall;
      result[`queue_${label}_holds_per_cpu_s`] = q.cpu;
      result[`simulation_${label}_holds_per_s`] = s.wall;
      result[`simulation_${label}_holds_per_cpu_s`] = s.cpu;
    }
    // The engine against the hand-written 4-ary heap (bench/reference/hold.ts), 10k pending,
    // paired runs of fresh processes.
    const pairs = Number(args.pairs ?? (quick ? 3 : 5));
    const p = await paired(
      'hold',
      'hold-reference',
      { size: 10_000, holds: quick ? 2_000_000 : 10_000_000 },
      pairs,
    );
    process.stderr.write(
      `hold: 10k pending: lbsim ${(p.engine / 1e6).toFixed(2)} M holds/CPU-s, reference ` +
        `${(p.reference / 1e6).toFixed(2)} M, ratio ${p.ratio.toFixed(3)}\n`,
    );
    result.simulation_10k_reference_holds_per_cpu_s = p.reference;
    result.simulation_10k_ratio = p.ratio;
    return result;
  },
};
