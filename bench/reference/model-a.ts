/**
 * Model A without the engine: the same model as bench/model-a.ts (100 M/M/1 queues, Poisson 90,
 * Exp(1) service, uniform routing, stationary start, sojourns into a mean and the same HDR
 * histogram) as one hand-written loop: a 4-ary heap of (time, id) with a fused pop-push
 * (bench/reference/heap4.ts), sfc32 per draw, the ziggurat exponential, the FIFOs as ring
 * buffers. What it lacks, by design, is what the engine adds: a handler table, the payload pool,
 * generation handles for O(1) cancel, FIFO ties by sequence, named seeded streams.
 */

import { build as buildHistogram, initWebAssemblySync } from 'hdr-histogram-js';
import { standardExponential } from '../../src/engine/distributions/index.js';
import { RandomSource, type Rng } from '../../src/engine/random.js';
import { cpuClock } from '../cpu-clock.js';
import { Heap4 } from './heap4.js';
import { doubledRings } from './rings.js';
import { Sfc32 } from './sfc32.js';

const QUEUES = 100;
const ARRIVAL_MEAN = 1 / 90;
const ARRIVAL = QUEUES; // id of the arrival event; departures use the queue index

export interface ReferenceModelAResult {
  departures: number;
  events: number;
  wallSeconds: number;
  cpuSeconds: number;
  meanSojourn: number;
}

/**
 * `lbsimStreams`: draw from lbsim's named streams (Tyche-i through seedrandom) instead of
 * sfc32, to split the gap between the engine and the reference into generator and engine.
 */
export function runReferenceModelA(
  departures: number,
  seed = 1,
  lbsimStreams = false,
): ReferenceModelAResult {
  const random = new RandomSource(seed);
  const stream = (name: string, k: number): Rng =>
    lbsimStreams ? random.stream(name) : new Sfc32(seed * 4 + k);
  const arrivals = stream('arrivals', 1);
  const routing = stream('routing', 2);
  const service = stream('service', 3);
  const initial = stream('initial-state', 4);
  const heap = new Heap4(1024);
  let ringCap = 256;
  let ring = new Float64Array(QUEUES * ringCap);
  const head = new Int32Array(QUEUES);
  const length = new Int32Array(QUEUES);
  const growRings = () => {
    ring = doubledRings(ring, ringCap, head, length);
    ringCap *= 2;
  };
  initWebAssemblySync();
  const histogram = buildHistogram({ numberOfSignificantValueDigits: 3, useWebAssembly: true });

  const rho = 0.9;
  for (let q = 0; q < QUEUES; q++) {
    const n = Math.floor(Math.log(1 - initial.next()) / Math.log(rho));
    while (n > ringCap) growRings();
    for (let i = 0; i < n; i++) ring[q * ringCap + i] = -1;
    length[q] = n;
    if (n > 0) heap.push(standardExponential(service), q);
  }
  heap.push(ARRIVAL_MEAN * standardExponential(arrivals), ARRIVAL);

  const start = process.hrtime.bigint();
  const cpuSince = cpuClock();
  let events = 0;
  let departed = 0;
  let sojournSum = 0;
  for (;;) {
    const now = heap.times[0] as number;
    const id = heap.ids[0] as number;
    events++;
    if (id === ARRIVAL) {
      heap.replaceTop(now + ARRIVAL_MEAN * standardExponential(arrivals), ARRIVAL);
      const q = Math.floor(routing.next() * QUEUES);
      let n = length[q] as number;
      if (n === ringCap) growRings();
      ring[q * ringCap + (((head[q] as number) + n) & (ringCap - 1))] = now;
      length[q] = ++n;
      if (n === 1) heap.push(now + standardExponential(service), q);
    } else {
      const q = id;
      const h = head[q] as number;
      const arrivedAt = ring[q * ringCap + h] as number;
      head[q] = (h + 1) & (ringCap - 1);
      const n = (length[q] as number) - 1;
      length[q] = n;
      if (arrivedAt >= 0) {
        const sojourn = now - arrivedAt;
        sojournSum += sojourn;
        histogram.recordValue(Math.round(sojourn * 1e6));
        if (++departed === departures) break;
      }
      if (n > 0) heap.replaceTop(now + standardExponential(service), q);
      else heap.pop();
    }
  }
  const wallSeconds = Number(process.hrtime.bigint() - start) / 1e9;
  const cpuS = cpuSince();
  histogram.destroy();
  return {
    departures: departed,
    events,
    wallSeconds,
    cpuSeconds: cpuS,
    meanSojourn: sojournSum / departed,
  };
}
