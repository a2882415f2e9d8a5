/**
 * One measurement in a fresh process: `node dist/bench/probe.js <probe> '<json params>'` prints
 * one JSON object. The paired benchmarks (bench/paired.ts) run the engine's and the reference's
 * probes alternately in separate processes, so neither inherits the other's JIT feedback (a
 * shared process would make call sites such as the ziggurat's `rng.next()` polymorphic for
 * both) and a load spike on the host hits both sides of a pair alike.
 */

import { Simulation } from '../src/engine/simulation.js';
import { e2eProbe } from './e2e.js';
import { holdSimulation, incrementTable } from './hold.js';
import { runModelA } from './model-a.js';
import { holdReference } from './reference/hold.js';
import { runReferenceModelA } from './reference/model-a.js';

export type ProbeParams = Readonly<Record<string, number>>;
export type ProbeResult = Record<string, number>;

function modelA(p: ProbeParams, reference: boolean): ProbeResult {
  const departures = p.departures ?? 1_000_000;
  // Warm-up run of a tenth of the size: both sides are timed with optimised code.
  const streams = p.lbsimStreams === 1;
  if (reference) runReferenceModelA(Math.ceil(departures / 10), 2, streams);
  else runModelA(Math.ceil(departures / 10), 2);
  const r = reference ? runReferenceModelA(departures, 1, streams) : runModelA(departures, 1);
  return {
    events: r.events,
    wall_s: r.wallSeconds,
    cpu_s: r.cpuSeconds,
    events_per_s: r.events / r.wallSeconds,
    events_per_cpu_s: r.events / r.cpuSeconds,
    mean_sojourn: r.meanSojourn,
  };
}

function hold(p: ProbeParams, reference: boolean): ProbeResult {
  const size = p.size ?? 10_000;
  const holds = p.holds ?? 5_000_000;
  const inc = incrementTable(1);
  const run = reference ? holdReference : holdSimulation;
  run(size, Math.min(holds, 200_000), inc);
  const r = run(size, holds, inc);
  return { events_per_s: r.wall, events_per_cpu_s: r.cpu };
}

export const PROBES: Readonly<Record<string, (p: ProbeParams) => ProbeResult>> = {
  'model-a': (p) => modelA(p, false),
  'model-a-reference': (p) => modelA(p, true),
  hold: (p) => hold(p, false),
  'hold-reference': (p) => hold(p, true),
  e2e: e2eProbe,
};

/**
 * Deliberate regressions, to show that the gate catches them (docs/ARCHITECTURE.md, "Speed as
 * a gated feature"): LBSIM_BENCH_INJECT=slow-engine makes every Simulation.schedule spin
 * (about +30% on model A's engine time), double-alloc makes it allocate an 80-byte array
 * (about as much again as the e2e path allocates per event). Never set outside that check.
 */
function inject(what: string | undefined): void {
  if (what === undefined || what === '') return;
  const proto = Simulation.prototype as unknown as Record<string, unknown>;
  const schedule = proto.schedule as (this: Simulation, d: number, k: number, a?: number) => number;
  let sink: unknown = 0;
  let acc = 0;
  if (what === 'slow-engine') {
    proto.schedule = function (this: Simulation, d: number, k: number, a?: number): number {
      for (let i = 0; i < SPIN; i++) acc += Math.sqrt(i + acc);
      return schedule.call(this, d, k, a);
    };
  } else if (what === 'double-alloc') {
    proto.schedule = function (this: Simulation, d: number, k: number, a?: number): number {
      sink = new Array(16);
      return schedule.call(this, d, k, a);
    };
  } else throw new Error(`LBSIM_BENCH_INJECT: expected slow-engine or double-alloc, got ${what}`);
  process.on('exit', () => {
    if (acc < 0 || sink === null) process.stderr.write('');
  });
}

/** Spin iterations of slow-engine (calibrated for +30% on model A, docs/ARCHITECTURE.md). */
const SPIN = Number(process.env.LBSIM_BENCH_SPIN ?? 5);

const name = process.argv[2];
if (name !== undefined && import.meta.url.endsWith('/probe.js')) {
  const probe = PROBES[name];
  if (probe === undefined) {
    process.stderr.write(`probe: unknown probe '${name}'\n`);
    process.exit(2);
  }
  const params = JSON.parse(process.argv[3] ?? '{}') as ProbeParams;
  // Only the engine's probes: the references have no Simulation.
  if (!name.endsWith('-reference')) inject(process.env.LBSIM_BENCH_INJECT);
  process.stdout.write(`${JSON.stringify(probe(params))}\n`);
}
