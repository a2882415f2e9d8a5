/**
 * Throughput of the request path alone on the example scenario's shape (issue 5: 1500 req/s,
 * 10 pods, 4 nodes, rtt 0.2 ms, concurrency 2, exponential 10 ms), with a uniform fake balancer,
 * static ground truth and a counting recorder. Not a test (vitest ignores it). Run:
 *
 *   node_modules/.bin/esbuild test/dataplane/perf.ts --bundle --platform=node --format=esm \
 *     --outfile=/tmp/perf.mjs && node /tmp/perf.mjs per-request 1000
 *
 * (or `npx tsx test/dataplane/perf.ts keepalive 300`). Prints one JSON line.
 */
import { ProgrammedTable } from '../../src/dataplane/endpoint-table.js';
import { RequestPath } from '../../src/dataplane/path/request-path.js';
import { resolveRequestPathOptions } from '../../src/dataplane/path-options.js';
import { resolvePodServerOptions } from '../../src/dataplane/pod-server.js';
import type { EndpointTable } from '../../src/dataplane/types.js';
import { RandomSource, type Rng, Simulation } from '../../src/engine/index.js';
import { PoissonArrivals } from '../../src/workload/arrivals.js';
import { placeClients } from '../../src/workload/clients.js';
import { WorkloadDriver, workloadStreams } from '../../src/workload/driver.js';
import { FakeTables } from './fakes.js';

const mode = (process.argv[2] ?? 'per-request') as 'per-request' | 'keepalive' | 'http2';
const duration = Number(process.argv[3] ?? 300);
const nodes = 4;
const pods = 10;
const sim = new Simulation();
const rs = new RandomSource(42);
const ips = Array.from({ length: pods }, (_, i) => 0x0af40000 + ((i % nodes) + 1) * 256 + 10 + i);
const truth = {
  podAt: (ip: number) => ips.indexOf(ip),
  isReachable: () => true,
  isListening: () => true,
  isRefusing: () => false,
  nodeOf: (p: number) => p % nodes,
  readyPodCount: () => pods,
};
let done = 0;
let latency = 0;
const recorder = {
  arrival() {},
  completed(now: number, at: number) {
    done++;
    latency += now - at;
  },
  failed() {},
  attemptFailed() {},
};
const balancers = Array.from({ length: nodes }, (_, n) => {
  const rng = rs.stream(`balancer:${n}`);
  return {
    pick: (t: EndpointTable) => (t.size === 0 ? -1 : Math.floor(rng.next() * t.size)),
    tableProgrammed() {},
    connectionOpened() {},
    connectionClosed() {},
  };
});
const tables = new FakeTables();
const path = new RequestPath({
  sim,
  truth,
  recorder,
  drain: { podDrained() {} },
  nodeCount: nodes,
  clients: placeClients({ count: 10, location: 'in-cluster', placement: 'even' }, nodes),
  stream: (n) => rs.stream(n),
  keyedStream: (n) => rs.keyedStream(n),
  options: resolveRequestPathOptions({ network: { rtt: 0.0002 }, connections: { mode } }),
  pod: resolvePodServerOptions({ concurrency: 2 }),
  balancers,
  tables,
});
tables.path = path;
for (let i = 0; i < pods; i++) {
  path.podCreated(i, i % nodes, ips[i] as number);
  path.listenerOpened(i);
  path.readyChanged(i, true);
}
const table = new ProgrammedTable(
  1,
  ips.map((ip, i) => ({ ip, node: i % nodes })),
);
for (let n = 0; n < nodes; n++) tables.program(n, table);
const service = {
  kind: 'exponential' as const,
  mean: 0.01,
  variance: 1e-4,
  sample: (r: Rng) => -Math.log(1 - r.next()) * 0.01,
  quantile: (p: number) => -Math.log(1 - p) * 0.01,
  describe: () => 'exponential(0.01)',
};
new WorkloadDriver(
  sim,
  {
    arrivals: { process: 'open', arrivals: new PoissonArrivals(1500) },
    serviceTime: service,
    clientCount: 10,
  },
  workloadStreams(rs),
  path,
);
const t0 = performance.now();
sim.run(duration);
const wall = (performance.now() - t0) / 1000;
path.checkConservation();
const c = path.counts();
console.log(
  JSON.stringify({
    mode,
    arrivals: c.arrivals,
    completed: c.completed,
    wall_s: +wall.toFixed(3),
    req_per_s: Math.round(c.arrivals / wall),
    events_per_req: +(sim.eventsProcessed / c.arrivals).toFixed(2),
    mean_latency_ms: +((1000 * latency) / done).toFixed(3),
  }),
);
