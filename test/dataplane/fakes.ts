/**
 * Small fakes for request-path tests: a ground truth the test drives by hand, a uniform and a
 * round-robin L4 balancer, the real Nginx picker with call counters, a counting recorder.
 */
import {
  type GroundTruth,
  type Ip,
  NO_POD,
  type NodeId,
  type PodId,
} from '../../src/cluster/types.js';
import { NGINX_DEFAULTS, NginxUpstreamPicker } from '../../src/dataplane/balancers/nginx.js';
import { ProgrammedTable } from '../../src/dataplane/endpoint-table.js';
import type { HopSpec } from '../../src/dataplane/path/hop.js';
import type { NginxDeps } from '../../src/dataplane/path/proxy-hop.js';
import {
  type ClientTable,
  type NodeTables,
  RequestPath,
} from '../../src/dataplane/path/request-path.js';
import {
  type RequestPathConfig,
  resolveRequestPathOptions,
} from '../../src/dataplane/path-options.js';
import { type PodServerConfig, resolvePodServerOptions } from '../../src/dataplane/pod-server.js';
import type { EndpointTable, L4Balancer, NginxOptions } from '../../src/dataplane/types.js';
import type { Distribution } from '../../src/engine/distributions/index.js';
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
  isRefusing(): boolean {
    return false;
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

/**
 * Each node's programmed table, set by the test (kube-proxy's role): `program` stores it and
 * tells the path, the Local subset is the table's entries on the node (no terminating
 * fallback of its own).
 */
export class FakeTables implements NodeTables {
  private readonly tables: EndpointTable[] = [];
  private readonly locals: EndpointTable[] = [];
  path!: RequestPath;
  table(node: NodeId): EndpointTable | undefined {
    return this.tables[node];
  }
  localTable(node: NodeId): EndpointTable | undefined {
    return this.locals[node];
  }
  program(node: NodeId, table: EndpointTable): void {
    this.tables[node] = table;
    const eps: { ip: Ip; node: NodeId }[] = [];
    for (let i = 0; i < table.size; i++) {
      if (table.nodes[i] === node) eps.push({ ip: table.ips[i] as number, node });
    }
    this.locals[node] = new ProgrammedTable(table.version, eps, table.usingTerminating);
    this.path.tableProgrammed(node);
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

/**
 * The real Nginx picker (src/dataplane/balancers/nginx.ts), counting the calls the request path
 * makes so tests can check its bookkeeping (every try reported, every connection closed).
 */
export class CountingPicker extends NginxUpstreamPicker {
  failures = 0;
  successes = 0;
  open = 0;
  override reportFailure(peer: number, now: number): void {
    this.failures++;
    super.reportFailure(peer, now);
  }
  override reportSuccess(peer: number, now: number): void {
    this.successes++;
    super.reportSuccess(peer, now);
  }
  override connectionOpened(peer: number): void {
    this.open++;
    super.connectionOpened(peer);
  }
  override connectionClosed(peer: number): void {
    this.open--;
    super.connectionClosed(peer);
  }
}

export interface Harness {
  sim: Simulation;
  cluster: FakeCluster;
  path: RequestPath;
  rec: Recorder;
  balancers: UniformBalancer[];
  pickers: CountingPicker[];
  drained: number[];
  /** Programs every node's table with these pods (in-cluster view). */
  program(pods: PodId[], nodes?: number[]): void;
  /** Runs `fn` as a one-off event kind `name`, `delay` seconds from now. */
  after(delay: number, name: string, fn: () => void): void;
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
  /** An L7 hop by registry name (instead of the L4 balancers or `nginx`). */
  hop?: HopSpec;
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
  const pickers: CountingPicker[] = [];
  for (let n = 0; n < nodes; n++) {
    const rng = rs.stream(`balancer:${n}`);
    balancers.push(o.balancer === 'rr' ? new RoundRobinBalancer(rng) : new UniformBalancer(rng));
  }
  let nginx: NginxDeps | undefined;
  if (o.nginx) {
    const options = { ...NGINX_DEFAULTS, ...o.nginx };
    nginx = {
      options,
      createPicker: (ips, opts) => {
        const p = new CountingPicker(ips, opts);
        pickers.push(p);
        return p;
      },
      upstreamIps:
        o.upstreamIps ??
        (() => Uint32Array.from(cluster.pods.filter((p) => p.exists).map((p) => p.ip))),
    };
  }
  const tables = new FakeTables();
  const path = new RequestPath({
    sim,
    truth: cluster,
    recorder: rec,
    drain: { podDrained: (p) => drained.push(p) },
    nodeCount: nodes,
    clients: o.clients ?? clientsOnNodes(1, nodes),
    stream: (name) => rs.stream(name),
    keyedStream: (name) => rs.keyedStream(name),
    options: resolveRequestPathOptions(o.path ?? {}),
    pod: resolvePodServerOptions(o.pod ?? {}),
    ...(o.hop
      ? { hop: o.hop }
      : nginx
        ? { hop: { name: 'nginx', config: nginx } }
        : { balancers, tables }),
  });
  cluster.path = path;
  tables.path = path;
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
        tables.program(n, new ProgrammedTable(1, eps));
      }
    },
    after(delay: number, name: string, fn: () => void) {
      sim.schedule(delay, sim.register(name, fn), 0);
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
