/**
 * Model A: 100 FIFO single-server queues, exponential service (rate 1), Poisson arrivals at total
 * rate 90, each arrival sent to a uniformly random queue; run until N departures. Each queue is
 * an M/M/1 with lambda = 0.9, mu = 1, so the mean sojourn time is 1 / (mu - lambda) = 10 s.
 *
 * It is written on lbsim's engine API the way a model is: handlers registered once, events
 * posted (scheduled without a handle: nothing here is cancelled) with a kind and an integer
 * payload (the queue index), every draw from a named stream.
 * It measures the engine's hot path (pop, advance the clock, dispatch, schedule), not a
 * hand-inlined loop.
 *
 * `npm run bench -- model-a` runs it against bench/reference/model-a.ts (the same model as one
 * hand-written loop) in interleaved pairs of fresh processes and prints both figures (events
 * per CPU second) and the median of the per-pair ratios.
 *
 *   npm run --silent bench -- model-a --departures 1000000 --pairs 5 --json
 */

import * as os from 'node:os';
import { build as buildHistogram, initWebAssemblySync } from 'hdr-histogram-js';
import { median } from 'simple-statistics';
import { makeDistribution } from '../src/engine/distributions/index.js';
import { RandomSource } from '../src/engine/random.js';
import { Simulation } from '../src/engine/simulation.js';
import { cpuClock } from './cpu-clock.js';
import { paired } from './paired.js';
import { doubledRings } from './reference/rings.js';
import type { Benchmark, BenchOptions, BenchResult } from './types.js';

const QUEUES = 100;
const ARRIVAL_RATE = 90;
const SERVICE_RATE = 1;

export interface ModelAResult {
  departures: number;
  events: number;
  wallSeconds: number;
  /** CPU time of the main thread during the run (bench/cpu-clock.ts): steadier than wall time. */
  cpuSeconds: number;
  meanSojourn: number;
  p50Sojourn: number;
  p99Sojourn: number;
}

/** Runs Model A until `departures` departures; returns counts, wall time and sojourn stats. */
export function runModelA(departures: number, seed = 1): ModelAResult {
  const sim = new Simulation({ initialCapacity: 1024 });
  const random = new RandomSource(seed);
  const arrivalsRng = random.stream('arrivals');
  const routingRng = random.stream('routing');
  const serviceRng = random.stream('service');
  // Exponential variates from the engine's distributions (a ziggurat sampler, measured faster
  // than -Math.log(1 - u): see docs/ARCHITECTURE.md).
  const interarrival = makeDistribution({ distribution: 'exponential', mean: 1 / ARRIVAL_RATE });
  const serviceTime = makeDistribution({ distribution: 'exponential', mean: 1 / SERVICE_RATE });

  // Per-queue FIFO of arrival times: one ring buffer per queue inside one Float64Array
  // (no per-customer allocation, no Array.shift). Capacity doubles for all queues if one fills.
  let ringCap = 256;
  let ring = new Float64Array(QUEUES * ringCap);
  const head = new Int32Array(QUEUES);
  const length = new Int32Array(QUEUES);

  const growRings = () => {
    ring = doubledRings(ring, ringCap, head, length);
    ringCap *= 2;
  };

  // Sojourn times: a streaming mean (a plain sum: 1e7 values near 10 lose < 1e-9 relative) and
  // an HDR histogram in microseconds (3 significant digits). The WebAssembly build records ~4x
  // faster than the pure-JS one, whose Math.log2/Math.pow index cost ~25% of this benchmark.
  initWebAssemblySync();
  const histogram = buildHistogram({ numberOfSignificantValueDigits: 3, useWebAssembly: true });
  let sojournSum = 0;
  let departed = 0;

  const arrivalKind = sim.register('arrival', () => {
    sim.post(interarrival.sample(arrivalsRng), arrivalKind);
    const q = Math.floor(routingRng.next() * QUEUES);
    let n = length[q] as number;
    if (n === ringCap) {
      growRings();
    }
    ring[q * ringCap + (((head[q] as number) + n) & (ringCap - 1))] = sim.now;
    length[q] = ++n;
    if (n === 1) sim.post(serviceTime.sample(serviceRng), departureKind, q);
  });

  const departureKind = sim.register('departure', (q) => {
    const h = head[q] as number;
    const arrivedAt = ring[q * ringCap + h] as number;
    head[q] = (h + 1) & (ringCap - 1);
    const n = (length[q] as number) - 1;
    length[q] = n;
    if (arrivedAt >= 0) {
      const sojourn = sim.now - arrivedAt;
      sojournSum += sojourn;
      histogram.recordValue(Math.round(sojourn * 1e6));
      if (++departed === departures) {
        sim.stop();
        return;
      }
    }
    if (n > 0) sim.post(serviceTime.sample(serviceRng), departureKind, q);
  });

  // Start in steady state, not empty: an empty start biases the mean sojourn low by ~3% at
  // N = 1e6 (the relaxation time of an M/M/1 at rho = 0.9 is 1/(1 - sqrt(rho))^2 ~ 380 s, against
  // 11,000 s simulated). Each queue gets Geometric(1 - rho) customers (the stationary law of an
  // M/M/1; service is memoryless, so the one in service needs no elapsed time). Their arrival
  // times are unknown, so they are marked -1: served, but neither measured nor counted in N.
  const rho = ARRIVAL_RATE / QUEUES / SERVICE_RATE;
  const initialRng = random.stream('initial-state');
  for (let q = 0; q < QUEUES; q++) {
    const n = Math.floor(Math.log(1 - initialRng.next()) / Math.log(rho));
    while (n > ringCap) growRings();
    for (let i = 0; i < n; i++) ring[q * ringCap + i] = -1;
    length[q] = n;
    if (n > 0) sim.post(serviceTime.sample(serviceRng), departureKind, q);
  }

  sim.post(interarrival.sample(arrivalsRng), arrivalKind);
  const start = process.hrtime.bigint();
  const cpuSince = cpuClock();
  sim.run();
  const wallSeconds = Number(process.hrtime.bigint() - start) / 1e9;
  const cpuS = cpuSince();
  const result = {
    departures: departed,
    events: sim.eventsProcessed,
    wallSeconds,
    cpuSeconds: cpuS,
    meanSojourn: sojournSum / departed,
    p50Sojourn: histogram.getValueAtPercentile(50) / 1e6,
    p99Sojourn: histogram.getValueAtPercentile(99) / 1e6,
  };
  histogram.destroy(); // frees the WebAssembly memory
  return result;
}

export function positiveInt(args: BenchOptions['args'], key: string, fallback: number): number {
  const raw = args[key];
  if (raw === undefined) return fallback;
  const v = Number(raw);
  if (!Number.isSafeInteger(v) || v < 1) {
    throw new RangeError(`--${key}: expected an integer >= 1, got \`${raw}\``);
  }
  return v;
}

export const modelA: Benchmark = {
  name: 'model-a',
  description:
    '100 M/M/1 queues on the engine vs a hand-written loop (bench/reference/): interleaved, medians',
  async run({ quick, args }: BenchOptions): Promise<BenchResult> {
    const departures = positiveInt(args, 'departures', quick ? 1_000_000 : 10_000_000);
    const pairs = positiveInt(args, 'pairs', quick ? 3 : 5);
    const load = os.loadavg()[0] as number;
    const p = await paired('model-a', 'model-a-reference', { departures }, pairs);
    const mean = median(p.engineRuns.map((r) => r.mean_sojourn as number));
    process.stderr.write(
      `model-a: lbsim ${(p.engine / 1e6).toFixed(2)} M events/CPU-s, reference ` +
        `${(p.reference / 1e6).toFixed(2)} M, ratio ${p.ratio.toFixed(3)} (pairs: ` +
        `${p.ratios.map((r) => r.toFixed(3)).join(' ')}); mean sojourn ${mean.toFixed(3)} ` +
        `(theory 10); load average ${load.toFixed(1)}\n`,
    );
    return {
      benchmark: 'model-a',
      departures,
      pairs,
      events: p.engineRuns[0]?.events as number,
      lbsim_events_per_cpu_s: p.engine,
      reference_events_per_cpu_s: p.reference,
      ratio: p.ratio,
      mean_sojourn: mean,
      load_avg_1m: load,
    };
  },
};
