/**
 * A deliberately small stand-in for the production `simulateJob`: Poisson arrivals dispatched to
 * `deployment.replicas` single-worker FIFO pods (M/M/1 each when service times are exponential),
 * random dispatch, or round robin for a balancer whose name ends in `-rr`; a full queue
 * (`pod.queueLimit`) fails with 503. It writes the summary, timeseries, errors, pods and events
 * tables through the real metrics and row writers. The runner's tests (and any reader who wants
 * to see the runner work end to end without the Kubernetes models) use it; a balancer labelled
 * `fail` throws after writing rows, to test failed-job isolation.
 */
import { RandomSource, Simulation } from '../engine/index.js';
import { MetricsRecorder } from '../metrics/index.js';
import type { RowSink } from '../output/columns.js';
import {
  timeseriesWriter,
  writeErrorRows,
  writePodRows,
  writeSummaryRow,
} from '../output/tables.js';
import { runReporting } from './live-progress.js';
import { type JobSpec, type JobSummary, jobSummary, type ProgressFn } from './protocol.js';

const HTTP_503 = 6; // ErrorKind.http_503
const OVERLOAD = 4; // ErrorCause.overload

export function simulateJob(job: JobSpec, sink: RowSink, progress?: ProgressFn): JobSummary {
  const c = job.config;
  const arrivalsSpec = c.workload.arrivals;
  if (arrivalsSpec.process !== 'poisson') throw new Error('toy model: poisson arrivals only');
  const serviceSpec = c.deployment.pod.serviceTime;
  if (serviceSpec.distribution !== 'exponential') throw new Error('toy model: exponential only');
  const rate = arrivalsSpec.rate;
  const meanService = serviceSpec.mean;
  const pods = c.deployment.replicas;
  const queueLimit = c.deployment.pod.queueLimit ?? Number.POSITIVE_INFINITY;
  const roundRobin = job.balancer.name.endsWith('-rr');

  const sim = new Simulation();
  const rs = new RandomSource(job.seed);
  const arrivalRng = rs.stream('arrivals');
  const serviceRng = rs.stream('service');
  const dispatchRng = rs.stream(`balancer:${job.balancer.label}`);
  const recorder = new MetricsRecorder(
    sim,
    { warmup: c.warmup, window: c.output.window },
    { readyPods: () => pods, staleNodes: () => 0 },
    timeseriesWriter(sink),
  );

  // Per-pod FIFO of arrival times: one ring buffer per pod in a flat array.
  const cap = 1 << 12;
  const ring = new Float64Array(pods * cap);
  const head = new Int32Array(pods);
  const size = new Int32Array(pods);
  const busy = new Float64Array(pods);
  const busySince = new Float64Array(pods);
  let next = 0;
  const exp = (mean: number, u: number) => -mean * Math.log(1 - u);

  const departure = sim.register('departure', (pod) => {
    const h = head[pod] as number;
    const arrivedAt = ring[pod * cap + h] as number;
    head[pod] = (h + 1) & (cap - 1);
    const n = (size[pod] as number) - 1;
    size[pod] = n;
    recorder.completed(sim.now, arrivedAt, pod);
    if (n > 0) sim.schedule(exp(meanService, serviceRng.next()), departure, pod);
    else busy[pod] = (busy[pod] as number) + sim.now - (busySince[pod] as number);
  });
  const arrival = sim.register('arrival', () => {
    recorder.arrival(sim.now);
    const pod = roundRobin ? next++ % pods : Math.floor(dispatchRng.next() * pods);
    const n = size[pod] as number;
    if (n >= Math.min(cap, queueLimit + 1)) {
      recorder.failed(sim.now, sim.now, HTTP_503, OVERLOAD);
    } else {
      ring[pod * cap + (((head[pod] as number) + n) & (cap - 1))] = sim.now;
      size[pod] = n + 1;
      if (n === 0) {
        busySince[pod] = sim.now;
        sim.schedule(exp(meanService, serviceRng.next()), departure, pod);
      }
    }
    sim.schedule(exp(1 / rate, arrivalRng.next()), arrival);
  });
  sim.schedule(exp(1 / rate, arrivalRng.next()), arrival);
  sink.row('events', [0, 'start', '', '', `toy model, ${pods} pods`]);
  runReporting(sim, c.duration, () => recorder.arrivals, progress);
  recorder.finish();
  if (job.balancer.label === 'fail') throw new Error('toy model: this balancer always fails');

  const s = recorder.summary();
  writeSummaryRow(sink, job.seed, s);
  writeErrorRows(sink, recorder);
  const facts = [];
  for (let p = 0; p < pods; p++) {
    const open = (size[p] as number) > 0 ? sim.now - (busySince[p] as number) : 0;
    facts.push({
      pod: p,
      node: p % c.cluster.nodes,
      ip: `10.244.0.${p + 2}`,
      revision: 1,
      version: 1,
      createdAt: 0,
      deletedAt: Number.NaN,
      busyFraction: ((busy[p] as number) + open) / c.duration,
    });
  }
  writePodRows(sink, facts, recorder);
  return jobSummary(s, sim);
}
