/**
 * The costs behind the run-size estimate (src/scenario/run-size.ts, RUN_SIZE), measured:
 * bytes per request in flight, per pod, per node and per client (the marginal cost between two
 * sizes: heap + array buffers after a forced GC, around buildModel and a short run), and the
 * simulated requests per CPU second of one job of the example scenario (iptables).
 *
 *   npm run bench -- run-size          each figure beside the constant the estimate uses
 */

import { threadCpuSeconds } from '../src/runner/thread-cpu.js';
import { buildModel } from '../src/scenario/build.js';
import { loadScenarioText } from '../src/scenario/load.js';
import { RUN_SIZE } from '../src/scenario/run-size.js';
import type { ScenarioConfig } from '../src/scenario/types.js';
import type { Benchmark, BenchResult } from './types.js';

const gc = (globalThis as { gc?: () => void }).gc;

function used(): number {
  gc?.();
  const m = process.memoryUsage();
  return m.heapUsed + m.arrayBuffers + m.external;
}

/** Bytes held by a model of `text` after running it to its duration. */
function held(text: string): { bytes: number; inFlight: number } {
  const s = loadScenarioText(`name: size\nwarmup: 0\n${text}`, { file: 'size.yaml' });
  const before = used();
  const m = buildModel(s, s.balancers[0] as ScenarioConfig['balancers'][number], 1, {
    row: () => {},
  });
  m.sim.run(s.duration);
  const bytes = used() - before;
  m.recorder.finish();
  return { bytes, inFlight: m.recorder.summary().inFlight };
}

/** Marginal bytes per unit between sizes a and b of `make`. */
function marginal(make: (n: number) => string, a: number, b: number): number {
  const x = held(make(a)).bytes;
  const y = held(make(b)).bytes;
  return (y - x) / (b - a);
}

export const runSize: Benchmark = {
  name: 'run-size',
  description: 'bytes per request in flight, pod, node, client; requests per CPU second',
  run: ({ quick }): BenchResult => {
    if (gc === undefined) throw new Error('run-size needs node --expose-gc (npm run bench does)');
    const k = quick ? 1 : 4;
    // Overloaded (capacity 100 rps): nearly every arrival is still queued at the end.
    const queued = (rate: number) =>
      `duration: 5\noutput: {window: 5}\nworkload: {arrivals: {rate: ${rate}}}\n`;
    const lo = held(queued(5_000 * k));
    const hi = held(queued(10_000 * k));
    const perRequest = (hi.bytes - lo.bytes) / (hi.inFlight - lo.inFlight);
    const idle = 'duration: 1\noutput: {window: 1}\n';
    const perPod = marginal(
      (n) => `${idle}cluster: {nodes: 100}\ndeployment: {replicas: ${n}}\n`,
      2_000 * k,
      4_000 * k,
    );
    const perNode = marginal(
      (n) => `${idle}cluster: {nodes: ${n}, podCidr: 10.0.0.0/8}\ndeployment: {replicas: 1}\n`,
      500 * k,
      1_000 * k,
    );
    const perClient = marginal(
      (n) => `${idle}workload: {clients: {count: ${n}}}\n`,
      50_000 * k,
      100_000 * k,
    );
    const d = 100 * k;
    const s = loadScenarioText(`name: rate\nwarmup: 0\nduration: ${d}\noutput: {window: ${d}}\n`, {
      file: 'rate.yaml',
      overrides: { set: ['workload.arrivals.rate=5000', 'deployment.replicas=100'] },
    });
    const m = buildModel(s, s.balancers[0] as ScenarioConfig['balancers'][number], 1, {
      row: () => {},
    });
    const cpuNow = () => threadCpuSeconds() ?? process.cpuUsage().user / 1e6;
    const cpu0 = cpuNow();
    m.sim.run(s.duration);
    const cpu = cpuNow() - cpu0;
    return {
      benchmark: 'run-size',
      bytes_per_request: Math.round(perRequest),
      bytes_per_request_used: RUN_SIZE.bytesPerRequest,
      bytes_per_pod: Math.round(perPod),
      bytes_per_pod_used: RUN_SIZE.bytesPerPod,
      bytes_per_node: Math.round(perNode),
      bytes_per_node_used: RUN_SIZE.bytesPerNode,
      bytes_per_client: Math.round(perClient),
      bytes_per_client_used: RUN_SIZE.bytesPerClient,
      requests_per_cpu_s: Math.round(m.recorder.arrivals / cpu),
      requests_per_cpu_s_used: RUN_SIZE.requestsPerSecond,
      events_per_request: Math.round((m.sim.eventsProcessed / m.recorder.arrivals) * 100) / 100,
    };
  },
};
