/**
 * Small fakes for request-path tests: a ground truth the test drives by hand, a uniform and a
 * round-robin L4 balancer, a simple Nginx picker, a counting recorder. No dependency on the
 * other helpers' real implementations.
 */
import {
  type GroundTruth,
  type Ip,
  NO_POD,
  type NodeId,
  type PodId,
} from '../../src/cluster/types.js';
import { ProgrammedTable } from '../../src/dataplane/endpoint-table.js';
import {
  type RequestPathConfig,
  resolveRequestPathOptions,
} from '../../src/dataplane/path-options.js';
import { type PodServerConfig, resolvePodServerOptions } from '../../src/dataplane/pod-server.js';
import { type ClientTable, type NginxDeps, RequestPath } from '../../src/dataplane/request-path.js';
import type {
  EndpointTable,
  L4Balancer,
  NginxOptions,
  UpstreamPicker,
} from '../../src/dataplane/types.js';
import type { Distribution } from '../../src/engine/distributions.js';
import { RandomSource, type Rng, Simulation } from '../../src/engine/index.js';
import type { RequestRecorder } from '../../src/metrics/types.js';

export function constant(value: number): Distribution {
  return {
    kind: 'constant',
    mean: value,
    variance: 0,
    sample: () => value,
    quantile: () => value,
    describe: () => `constant(${value})`,
  };
}

export function exponential(mean: number): Distribution {
  return {
    kind: 'exponential',
    mean,
    variance: mean * mean,
    sample: (rng: Rng) => -Math.log(1 - rng.next()) * mean,
    quantile: (p: number) => -Math.log(1 - p) * mean,
    describe: () => `exponential(${mean})`,
  };
}

interface FakePod {
  node: NodeId;
  ip: Ip;
  listening: boolean;
  exists: boolean;
}

/** Ground truth driven by the test; notifies the request path like the cluster would. */
export class FakeCluster implements GroundTruth {
  readonly pods: FakePod[] = [];
  private readonly byIp = new Map<Ip, PodId>();
  readonly nodeUp: boolean[];
  path!: RequestPath;
  constructor(nodes: number) {
    this.nodeUp = Array.from({ length: nodes }, () => true);
  }
  podAt(ip: Ip): PodId {
    return this.byIp.get(ip) ?? NO_POD;
  }
  isReachable(pod: PodId): boolean {
    return this.nodeUp[(this.pods[pod] as FakePod).node] === true;
  }
  isListening(pod: PodId): boolean {
    const p = this.pods[pod] as FakePod;
    return p.exists && p.listening && this.isReachable(pod);
  }
  nodeOf(pod: PodId): NodeId {
    return (this.pods[pod] as FakePod).node;
  }
  readyPodCount(): number {
    return this.pods.filter((p) => p.exists && p.listening).length;
  }
  /** A running, listening, ready pod. */
  addPod(node: NodeId, ip: Ip, listening = true): PodId {
    const id = this.pods.length;
    this.pods.push({ node, ip, listening: false, exists: true });
    this.byIp.set(ip, id);
    this.path.podCreated(id, node, ip);
    if (listening) this.listen(id);
    return id;
  }
  listen(pod: PodId): void {
    (this.pods[pod] as FakePod).listening = true;
    this.path.listenerOpened(pod);
    this.path.readyChanged(pod, true);
  }
  closeListener(pod: PodId): void {
    (this.pods[pod] as FakePod).listening = false;
    this.path.readyChanged(pod, false);
    this.path.listenerClosed(pod);
  }
  kill(pod: PodId): void {
    (this.pods[pod] as FakePod).listening = false;
    this.path.containerKilled(pod);
  }
  /** Kill and delete: the IP has no pod any more. */
  remove(pod: PodId): void {
    const p = this.pods[pod] as FakePod;
    p.listening = false;
    p.exists = false;
    this.path.containerKilled(pod);
    this.byIp.delete(p.ip);
    this.path.podDeleted(pod);
  }
}

/** Uniform random pick (iptables-like), with connection accounting. */
export class UniformBalancer implements L4Balancer {
  opened = new Map<Ip, number>();
  closed = new Map<Ip, number>();
  programmed = 0;
  constructor(private readonly rng: Rng) {}
  pick(table: EndpointTable): number {
    if (table.size === 0) return -1;
    return Math.floor(this.rng.next() * table.size);
  }
  tableProgrammed(): void {
    this.programmed++;
  }
  connectionOpened(ip: Ip): void {
    this.opened.set(ip, (this.opened.get(ip) ?? 0) + 1);
  }
  connectionClosed(ip: Ip): void {
    this.closed.set(ip, (this.closed.get(ip) ?? 0) + 1);
  }
  active(ip: Ip): number {
    return (this.opened.get(ip) ?? 0) - (this.closed.get(ip) ?? 0);
  }
}

/** Round robin per node (IPVS rr-like), deterministic. */
export class RoundRobinBalancer extends UniformBalancer {
  private i = 0;
  override pick(table: EndpointTable): number {
    if (table.size === 0) return -1;
    return this.i++ % table.size;
  }
}

/** Nginx-like round robin with max_fails / fail_timeout, enough for the request-path tests. */
export class FakePicker implements UpstreamPicker {
  size: number;
  ips: Uint32Array;
  private next = 0;
  private fails: number[];
  private failedAt: number[];
  failures = 0;
  successes = 0;
  open = 0;
  constructor(
    ips: Uint32Array,
    private readonly o: NginxOptions,
  ) {
    this.ips = ips;
    this.size = ips.length;
    this.fails = Array(this.size).fill(0);
    this.failedAt = Array(this.size).fill(-Infinity);
  }
  pick(now: number, triedMask: number): number {
    for (let k = 0; k < this.size; k++) {
      const i = (this.next + k) % this.size;
      if ((triedMask >>> (i & 31)) & 1) continue;
      const down =
        this.o.maxFails > 0 &&
        this.size > 1 &&
        (this.fails[i] as number) >= this.o.maxFails &&
        now - (this.failedAt[i] as number) < this.o.failTimeout;
      if (down) continue;
      this.next = i + 1;
      return i;
    }
    return -1;
  }
  reportFailure(peer: number, now: number): void {
    this.failures++;
    if (now - (this.failedAt[peer] as number) >= this.o.failTimeout) this.fails[peer] = 0;
    this.fails[peer] = (this.fails[peer] as number) + 1;
    this.failedAt[peer] = now;
  }
  reportSuccess(): void {
    this.successes++;
  }
  connectionOpened(): void {
    this.open++;
  }
  connectionClosed(): void {
    this.open--;
  }
  reload(ips: Uint32Array): void {
    this.ips = ips;
    this.size = ips.length;
    this.fails = Array(this.size).fill(0);
    this.failedAt = Array(this.size).fill(-Infinity);
  }
}

export const nginxDefaults: NginxOptions = {
  balancing: 'round_robin',
  maxFails: 1,
  failTimeout: 10,
  nextUpstream: ['error', 'timeout'],
  nextUpstreamTries: 0,
  nextUpstreamTimeout: 0,
  connectTimeout: 60,
  readTimeout: 60,
  workers: 1,
  zone: false,
  node: 0,
  startAt: 0,
  reloadInterval: 0,
};

export interface Harness {
  sim: Simulation;
  cluster: FakeCluster;
  path: RequestPath;
  rec: Recorder;
  balancers: UniformBalancer[];
  pickers: FakePicker[];
  drained: number[];
  /** Programs every node's table with these pods (in-cluster view). */
  program(pods: PodId[], nodes?: number[]): void;
}

/** A recorder with plain method names (the interface's) and counters under other names. */
export class Recorder implements RequestRecorder {
  nArrivals = 0;
  nCompleted = 0;
  nFailed = 0;
  nAttempts = 0;
  latencySum = 0;
  latencies: number[] = [];
  keepLatencies = true;
  servedBy = new Map<number, number>();
  failures: { at: number; arrivedAt: number; kind: number; cause: number }[] = [];
  attemptList: { at: number; kind: number; cause: number }[] = [];
  arrival(): void {
    this.nArrivals++;
  }
  completed(now: number, arrivedAt: number, pod: number): void {
    this.nCompleted++;
    this.latencySum += now - arrivedAt;
    if (this.keepLatencies) this.latencies.push(now - arrivedAt);
    this.servedBy.set(pod, (this.servedBy.get(pod) ?? 0) + 1);
  }
  failed(now: number, arrivedAt: number, kind: number, cause: number): void {
    this.nFailed++;
    if (this.failures.length < 10000) this.failures.push({ at: now, arrivedAt, kind, cause });
  }
  attemptFailed(now: number, kind: number, cause: number): void {
    this.nAttempts++;
    if (this.attemptList.length < 10000) this.attemptList.push({ at: now, kind, cause });
  }
}

export interface HarnessOptions {
  nodes?: number;
  clients?: ClientTable;
  path?: RequestPathConfig;
  pod?: PodServerConfig;
  balancer?: 'uniform' | 'rr';
  nginx?: Partial<NginxOptions>;
  /** Nginx upstream snapshot (default: every pod added before the first request). */
  upstreamIps?: () => Uint32Array;
  seed?: number;
}

/** One client per node by default, IPs 10.200.0.x. */
export function clientsOnNodes(perNode: number, nodes: number): ClientTable {
  const n = perNode * nodes;
  const node = new Int32Array(n);
  const ip = new Uint32Array(n);
  for (let i = 0; i < n; i++) {
    node[i] = i % nodes;
    ip[i] = 0x0ac80000 + i + 1;
  }
  return { count: n, node, ip };
}

export function podIp(i: number): Ip {
  return 0x0af40000 + 256 + i; // 10.244.1.x
}

export function harness(o: HarnessOptions = {}): Harness {
  const nodes = o.nodes ?? 1;
  const sim = new Simulation();
  const rs = new RandomSource(o.seed ?? 1);
  const cluster = new FakeCluster(nodes);
  const rec = new Recorder();
  const drained: number[] = [];
  const balancers: UniformBalancer[] = [];
  const pickers: FakePicker[] = [];
  for (let n = 0; n < nodes; n++) {
    const rng = rs.stream(`balancer:${n}`);
    balancers.push(o.balancer === 'rr' ? new RoundRobinBalancer(rng) : new UniformBalancer(rng));
  }
  let nginx: NginxDeps | undefined;
  if (o.nginx) {
    const options = { ...nginxDefaults, ...o.nginx };
    nginx = {
      options,
      createPicker: (ips, opts) => {
        const p = new FakePicker(ips, opts);
        pickers.push(p);
        return p;
      },
      upstreamIps:
        o.upstreamIps ??
        (() => Uint32Array.from(cluster.pods.filter((p) => p.exists).map((p) => p.ip))),
    };
  }
  const path = new RequestPath({
    sim,
    truth: cluster,
    recorder: rec,
    drain: { podDrained: (p) => drained.push(p) },
    nodeCount: nodes,
    clients: o.clients ?? clientsOnNodes(1, nodes),
    stream: (name) => rs.stream(name),
    options: resolveRequestPathOptions(o.path ?? {}),
    pod: resolvePodServerOptions(o.pod ?? {}),
    ...(nginx ? { nginx } : { balancers }),
  });
  cluster.path = path;
  return {
    sim,
    cluster,
    path,
    rec,
    balancers,
    pickers,
    drained,
    program(pods: PodId[], onNodes?: number[]) {
      const eps = pods.map((p) => ({ ip: cluster.pods[p]?.ip as number, node: cluster.nodeOf(p) }));
      for (const n of onNodes ?? Array.from({ length: nodes }, (_, i) => i)) {
        path.tableProgrammed(n, new ProgrammedTable(1, eps));
      }
    },
  };
}

/** Schedules conservation checks every `every` seconds until `until` (hits instants between events). */
export function watchConservation(h: Harness, every: number, until: number): void {
  const kind = h.sim.register('test:conservation', () => {
    h.path.checkConservation();
    const c = h.path.counts();
    if (c.arrivals !== h.rec.nArrivals) throw new Error('recorder arrivals differ');
    if (h.sim.now + every < until) h.sim.schedule(every, kind, 0);
  });
  h.sim.schedule(every * 0.5 + 1e-7, kind, 0);
}
