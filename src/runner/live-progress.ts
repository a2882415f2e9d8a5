/**
 * Progress inside running jobs, for the CLI's progress bar and heartbeat lines: each job owns a
 * slot of a SharedArrayBuffer, which its worker overwrites as simulated time advances and the
 * main thread reads on a timer. No messages, no allocation per update; a torn or stale read
 * only makes a progress display a moment out of date.
 */
import type { Simulation } from '../engine/simulation.js';
import type { ProgressFn } from './protocol.js';

/** Doubles per job slot: simulated seconds reached, arrivals counted so far. */
const FIELDS = 2;

/** Updates per job: the run advances in this many equal steps of simulated time. */
export const PROGRESS_STEPS = 100;

/** The main thread's side: one slot per job of the batch. */
export class LiveProgress {
  readonly buffer: SharedArrayBuffer;
  private readonly view: Float64Array;

  constructor(readonly slots: number) {
    this.buffer = new SharedArrayBuffer(Math.max(1, slots) * FIELDS * 8);
    this.view = new Float64Array(this.buffer);
  }

  /** Sums over every slot: simulated seconds run and arrivals, finished jobs included. */
  totals(): { simulatedSeconds: number; arrivals: number } {
    let simulatedSeconds = 0;
    let arrivals = 0;
    for (let i = 0; i < this.slots; i++) {
      simulatedSeconds += this.view[i * FIELDS] as number;
      arrivals += this.view[i * FIELDS + 1] as number;
    }
    return { simulatedSeconds, arrivals };
  }
}

/** The worker's side: a ProgressFn writing job slot `slot` of `buffer`. */
export function progressWriter(buffer: SharedArrayBuffer, slot: number): ProgressFn {
  const view = new Float64Array(buffer, slot * FIELDS * 8, FIELDS);
  return (simulatedSeconds, arrivals) => {
    view[0] = simulatedSeconds;
    view[1] = arrivals;
  };
}

/**
 * Runs `sim` until `until` in PROGRESS_STEPS steps, reporting after each. The same events fire
 * in the same order as in one `sim.run(until)`: between steps no handler runs, only the report;
 * a handler's sim.stop() ends the whole run, as it ends one run(until).
 * Models run this way whether or not anyone listens, so there is one code path.
 */
export function runReporting(
  sim: Simulation,
  until: number,
  arrivals: () => number,
  progress: ProgressFn | undefined,
): void {
  const start = sim.now;
  for (let k = 1; k <= PROGRESS_STEPS; k++) {
    const target = k === PROGRESS_STEPS ? until : start + ((until - start) * k) / PROGRESS_STEPS;
    sim.run(target);
    progress?.(sim.now, arrivals());
    // A handler called sim.stop(): the clock stays at its event, and the run ends there as one
    // run(until) would.
    if (sim.now !== target) return;
  }
}
