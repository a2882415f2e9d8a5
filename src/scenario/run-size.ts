/**
 * The size of a run, estimated before it runs: requests simulated, engine events, requests in
 * flight at the peak, memory per job and wall time. The loader refuses a variant whose job
 * would not fit (exit 2, with the figure and the limit: resourceProblems, called by the
 * schema's crossCheck), and `lbsim run` prints the estimate before a run that takes more than a
 * minute (runSizeLines; latencyWarnings for requests that cannot finish). docs/SCENARIO-FORMAT.md "Limits" and "Run size" explain the figures.
 *
 * Requests in flight follow Little's law, L = lambda x W (Kleinrock, Queueing Systems vol. 1,
 * 2.1): lambda the peak arrival rate, W the time a request is held. Below capacity W is the
 * unloaded latency (service time and round trips); at or above capacity the pods' queues grow
 * by (lambda - mu) every second for the whole run (a request the client abandons at its timeout
 * stays queued at the pod, as on a real server), bounded only by `queueLimit`. A closed-loop
 * workload has at most one request per user in flight.
 *
 * The byte costs are measured (`npm run bench -- run-size`: heap + array buffers after a forced
 * GC, around buildModel and a run, the marginal cost between two sizes): 513-760 bytes per
 * queued request, 2.0-8.9 kB per pod (100 nodes), 4.8-6.5 kB per node, 117-142 bytes per client
 * (2026-12-02, load average 5-18). The figures below round them up: the estimate is for
 * refusing runs that cannot fit, not a promise.
 */
import { SLOT_SPACE } from '../dataplane/pools.js';
import { makeDistribution } from '../engine/index.js';
import { formatDuration } from '../fields/units.js';
import { LIMITS } from './limits.js';
import { offeredRate } from './offered-load.js';
import type { RawProblem } from './schema/issues.js';
import type { ResolvedScenario, ScenarioConfig } from './types.js';

/** What an estimate needs of a variant (the name may still be missing in the loader). */
export type SizedConfig = Omit<ScenarioConfig, 'name'>;

/** Measured costs (see the module comment) and the calibration of wall time. */
export const RUN_SIZE = {
  /** Bytes of one request in flight (its try record, queue slot, events, deadline). */
  bytesPerRequest: 800,
  /** Bytes of one pod created (its record, server, probe state, IP, pods.csv facts). */
  bytesPerPod: 10_000,
  /** Bytes of one node (kube-proxy, its tables and sync state, client pool slots). */
  bytesPerNode: 6_000,
  /** Bytes of one client (its slot in the client pool, placement, connection pool head). */
  bytesPerClient: 150,
  /** Bytes of one kept-alive connection. */
  bytesPerConnection: 200,
  /**
   * Bytes of one (endpoint change, node) programming record: the 1000-node x 1000-pod rolling
   * update of `npm run bench -- cluster` held 4 M of them in 171 MB.
   */
  bytesPerProgramming: 40,
  /** A job's fixed cost (the worker's heap, the model's initial pools). */
  baseBytes: 50e6,
  /**
   * Simulated requests per second of CPU of one job: the example scenario with iptables,
   * 752-826 k per wall second on the quiet host (docs/ARCHITECTURE.md, "Performance of whole
   * simulations"); rounded down for the other balancers (ipvs-lc 667 k, nginx-static 691 k).
   */
  requestsPerSecond: 600_000,
  /** Engine events of one request (measured 5.0 on the example, 5.07 with nginx-static). */
  eventsPerRequest: 5,
  /**
   * Engine events per second of CPU for the rest (probes, syncs, crashes, windows, health
   * checks): the 1000-node rolling update ran 1.94 M events in 0.93 s.
   */
  eventsPerSecond: 2_000_000,
} as const;

export interface JobSize {
  /** Requests the job simulates (arrivals over [0, duration]). */
  readonly requests: number;
  /** Peak requests in flight (Little's law; see the module comment). */
  readonly inFlight: number;
  /** Engine events besides the requests' (probes, syncs, crashes, windows...). */
  readonly backgroundEvents: number;
  /** Pods created over the run (replicas, rollouts, scale-ups, replaced crashes, kills). */
  readonly pods: number;
  /** Estimated memory of the job, bytes. */
  readonly memoryBytes: number;
  /** Estimated CPU seconds of the job (RUN_SIZE's calibration). */
  readonly cpuSeconds: number;
  /** Which input makes most of the memory (a key path, for messages). */
  readonly memoryDriver: { readonly path: PropertyKey[]; readonly what: string };
  /** The least time a request takes without any queueing: round trips and mean service. */
  readonly latencyFloor: number;
}

/** Highest arrival rate the workload reaches (requests per second); closed loop: undefined. */
export function peakRate(config: SizedConfig): number | undefined {
  const a = config.workload.arrivals;
  switch (a.process) {
    case 'poisson':
    case 'constant':
      return a.rate;
    case 'on-off':
      return Math.max(a.rate, a.offRate);
    case 'diurnal':
      return a.maxRate;
    case 'piecewise':
      return Math.max(...a.points.map((p) => p.rate));
    case 'trace':
      return offeredRate(config as ScenarioConfig) ?? 0;
    case 'closed-loop':
      return undefined;
    default: {
      const never: never = a;
      throw new Error(`unknown arrival process ${String(never)}`);
    }
  }
}

/** The key that sets the arrival rate (where a message about requests in flight points). */
function ratePath(config: SizedConfig): PropertyKey[] {
  const a = config.workload.arrivals;
  const key = {
    poisson: 'rate',
    constant: 'rate',
    'on-off': 'rate',
    diurnal: 'maxRate',
    piecewise: 'points',
    trace: 'file',
    'closed-loop': 'users',
  }[a.process];
  return ['workload', 'arrivals', key];
}

const meanOf = (spec: ScenarioConfig['deployment']['pod']['serviceTime']) =>
  makeDistribution(spec).mean;

/** The estimate of one job of `config` (every balancer and replication alike). */
export function estimateJob(config: SizedConfig): JobSize {
  const D = config.duration;
  const pod = config.deployment.pod;
  const w = config.workload;
  const nodes = config.cluster.nodes;
  const rtt = Math.max(config.network.rtt, config.network.crossNodeRtt, config.network.externalRtt);
  // The most replicas the Deployment reaches (scale events), a rollout's surge included.
  let replicas = config.deployment.replicas;
  let created = replicas;
  for (const c of config.churn) {
    if (c.type === 'scale') {
      created += Math.max(0, c.replicas - replicas);
      replicas = Math.max(replicas, c.replicas);
    }
  }
  for (const c of config.churn) {
    if (c.type === 'rollout') created += replicas;
    else if (c.type === 'kill' && c.action === 'replace') created += c.count;
    else if (c.type === 'crash' && c.action === 'replace') {
      const span = Math.max(0, (c.until ?? D) - c.from);
      created += (replicas * span) / c.mtbf;
    } else if (c.type === 'node-failure') created += Math.ceil(replicas / nodes);
  }
  const serviceTimes = [
    pod.serviceTime,
    ...config.churn.flatMap((c) =>
      c.type === 'rollout' && c.template ? [c.template.serviceTime] : [],
    ),
  ];
  const meanService = Math.max(...serviceTimes.map(meanOf));
  const workers = Math.max(1, replicas) * pod.concurrency;
  const capacity = meanService > 0 ? workers / meanService : Number.POSITIVE_INFINITY;
  const perRequest = w.connections.mode === 'per-request';
  // Connect (one round trip) when per request, then the request and its response.
  const latencyFloor = (perRequest ? 2 : 1) * rtt + meanService;

  const peak = peakRate(config);
  let requests: number;
  let inFlight: number;
  if (peak === undefined) {
    const a = w.arrivals as Extract<
      SizedConfig['workload']['arrivals'],
      { process: 'closed-loop' }
    >;
    const think = meanOf(a.thinkTime);
    const cycle = think + latencyFloor;
    const rate = Math.min(capacity, cycle > 0 ? a.users / cycle : Number.POSITIVE_INFINITY);
    requests = rate * D;
    inFlight = a.users;
  } else {
    requests = (offeredRate(config as ScenarioConfig) ?? peak) * D;
    const backlog =
      peak > capacity
        ? Math.min(
            (peak - capacity) * D,
            pod.queueLimit === null ? Number.POSITIVE_INFINITY : replicas * pod.queueLimit,
          )
        : 0;
    inFlight = peak * Math.min(latencyFloor, D) + backlog;
  }
  const clients = w.clients.count;
  const connections = w.connections.mode === 'per-request' ? 0 : clients * w.connections.poolSize;

  // Background events: probes, kube-proxy syncs, crashes, health checks, windows.
  const probe = pod.readinessProbe;
  let background = D / config.output.window;
  if (probe.enabled) background += (replicas * D) / probe.periodSeconds;
  background += (nodes * D) / config.kubeProxy.syncPeriod;
  for (const c of config.churn) {
    if (c.type === 'crash')
      background += (10 * replicas * Math.max(0, (c.until ?? D) - c.from)) / c.mtbf;
  }
  if (w.clients.location === 'external') {
    const targets = w.clients.external.nodes?.length ?? nodes;
    background += (targets * D) / w.clients.external.healthCheckInterval;
  }
  // Every pod created changes endpoints a few times (added, ready, terminating, removed).
  background += created * 4 * nodes;

  const parts: { bytes: number; path: PropertyKey[]; what: string }[] = [
    {
      bytes: inFlight * RUN_SIZE.bytesPerRequest,
      path: ratePath(config),
      what: `${count(inFlight)} requests in flight at the peak`,
    },
    {
      bytes: clients * RUN_SIZE.bytesPerClient + connections * RUN_SIZE.bytesPerConnection,
      path: ['workload', 'clients', 'count'],
      what: `${count(clients)} clients${connections > 0 ? ` with ${count(connections)} connections` : ''}`,
    },
    {
      bytes: created * RUN_SIZE.bytesPerPod + created * 4 * nodes * RUN_SIZE.bytesPerProgramming,
      path: ['deployment', 'replicas'],
      what: `${count(created)} pods created over the run`,
    },
    {
      bytes: nodes * RUN_SIZE.bytesPerNode,
      path: ['cluster', 'nodes'],
      what: `${count(nodes)} nodes`,
    },
  ];
  const memoryBytes = RUN_SIZE.baseBytes + parts.reduce((s, p) => s + p.bytes, 0);
  const driver = parts.reduce((a, b) => (b.bytes > a.bytes ? b : a));
  return {
    requests,
    inFlight,
    backgroundEvents: background,
    pods: created,
    memoryBytes,
    cpuSeconds: requests / RUN_SIZE.requestsPerSecond + background / RUN_SIZE.eventsPerSecond,
    memoryDriver: { path: driver.path, what: driver.what },
    latencyFloor,
  };
}

/** A count for messages: 1234 -> `1,234`, 3.2e9 -> `3.2e9`. */
function count(n: number): string {
  if (!Number.isFinite(n)) return String(n);
  return n >= 1e9 ? n.toExponential(1).replace('+', '') : Math.ceil(n).toLocaleString('en-US');
}

/** `at least 10.4ms`, `at least 1.00e+308 s` (not hours), `more than 1.80e+308 s` (overflow). */
function atLeast(s: number): string {
  if (!Number.isFinite(s)) return `more than ${Number.MAX_VALUE.toPrecision(3)} s`;
  return `at least ${s >= 1e6 ? `${s.toPrecision(3)} s` : formatDuration(s)}`;
}

/** Bytes for messages: `3.4 GB`, `120 MB`. */
export function formatBytes(b: number): string {
  if (b >= 1e9) return `${(b / 1e9).toPrecision(3)} GB`;
  return `${Math.max(1, Math.round(b / 1e6))} MB`;
}

/** Seconds for messages, whole units: `3 min`, `2.5 h`, `4.1 days`. */
export function formatWall(s: number): string {
  if (!Number.isFinite(s)) return 'without end';
  if (s < 90) return `${Math.max(1, Math.round(s))} s`;
  if (s < 5400) return `${Math.round(s / 60)} min`;
  if (s < 2 * 86400) return `${(s / 3600).toPrecision(2)} h`;
  if (s < 730 * 86400) return `${(s / 86400).toPrecision(2)} days`;
  return `${(s / 86400 / 365).toPrecision(2)} years`;
}

/**
 * What makes a variant's job impossible to run: more requests in flight than the request pool
 * holds, more memory than LIMITS.jobMemoryBytes, or more CPU time than LIMITS.jobCpuSeconds
 * (a run that, for practical purposes, never ends). Each names the figure and the limit.
 */
export function resourceProblems(config: SizedConfig): RawProblem[] {
  const e = estimateJob(config);
  const problems: RawProblem[] = [];
  const hint =
    'lower the rate, bound the queues (deployment.pod.queueLimit) or shorten the run (duration)';
  if (e.inFlight > SLOT_SPACE) {
    problems.push({
      path: ratePath(config),
      message: `expected at most ${count(SLOT_SPACE)} requests in flight at once (the limit of the request pool), got an estimated ${count(e.inFlight)} (Little's law: the arrival rate times how long requests are held; ${hint})`,
    });
  } else if (e.memoryBytes > LIMITS.jobMemoryBytes) {
    problems.push({
      path: e.memoryDriver.path,
      message: `expected a job that fits in ${formatBytes(LIMITS.jobMemoryBytes)} (the limit per job), got an estimated ${formatBytes(e.memoryBytes)}, mostly ${e.memoryDriver.what}${e.memoryDriver.path[1] === 'arrivals' ? ` (${hint})` : ''}`,
    });
  }
  if (e.cpuSeconds > LIMITS.jobCpuSeconds) {
    problems.push({
      path: ['duration'],
      message: `expected a job that runs in at most ${formatWall(LIMITS.jobCpuSeconds)} (the limit per job), got an estimated ${formatWall(e.cpuSeconds)}: ${count(e.requests)} requests and ${count(e.backgroundEvents)} other events over \`${formatDuration(config.duration)}\` (shorten duration, or lower the rate or the periods that generate events)`,
    });
  }
  return problems;
}

/**
 * The size of a run of `jobs` (each job's variant configuration), for `lbsim run`: one line
 * when the expected wall time on `threads` worker threads exceeds `minSeconds`, else none.
 */
export function runSizeLines(
  jobs: readonly SizedConfig[],
  threads: number,
  minSeconds = 60,
): string[] {
  let cpu = 0;
  let requests = 0;
  let peakMemory = 0;
  const memo = new Map<SizedConfig, JobSize>();
  for (const config of jobs) {
    let e = memo.get(config);
    if (e === undefined) {
      e = estimateJob(config);
      memo.set(config, e);
    }
    cpu += e.cpuSeconds;
    requests += e.requests;
    peakMemory = Math.max(peakMemory, e.memoryBytes);
  }
  const used = Math.max(1, Math.min(threads, jobs.length));
  const wall = cpu / used;
  if (wall <= minSeconds) return [];
  return [
    `${count(jobs.length)} job(s), ${count(requests)} simulated requests: expected about ${formatWall(wall)} on ${used} worker thread(s) (${formatWall(cpu)} of CPU at ${count(RUN_SIZE.requestsPerSecond)} requests/s per job on a quiet machine), up to ${formatBytes(peakMemory)} per job`,
  ];
}

/**
 * A warning per variant whose requests cannot finish within the run: the least time a request
 * takes (round trips and the mean service time) is not less than the measured interval
 * (duration - warmup). `rtt: 1e308` used to exit 0 with no request and no word.
 */
export function latencyWarnings(scenarios: readonly ResolvedScenario[]): string[] {
  const warnings: string[] = [];
  for (const s of scenarios) {
    for (const v of s.variants) {
      const floor = estimateJob(v.scenario).latencyFloor;
      const measured = v.scenario.duration - v.scenario.warmup;
      if (floor < measured) continue;
      const who = s.variants.length > 1 ? `${s.name} ${v.label}` : s.name;
      warnings.push(
        `${who}: a request takes ${atLeast(floor)} (round trips of network.rtt and the mean service time), not less than the measured interval of ${formatDuration(measured)} (duration - warmup): requests cannot finish within the run, so its latencies will be empty or few`,
      );
    }
  }
  return warnings;
}
