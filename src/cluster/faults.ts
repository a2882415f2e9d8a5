import type { KeyedStream, RandomSource } from '../engine/random.js';
import type { Simulation } from '../engine/simulation.js';
import type { Cluster, ClusterListener } from './cluster.js';
import type { Pod } from './pod.js';
import { NO_POD, type NodeId, type PodId } from './types.js';

/**
 * Which pods (or nodes) a fault hits: exactly one key. `count` / `fraction` are drawn at random
 * from the candidates at the fault's start; `ordinals` are positions in the workload's initial
 * pod list (0-based; for nodes: node indices); `node` is every pod on that node.
 */
export interface TargetSelector {
  readonly count?: number;
  readonly fraction?: number;
  readonly ordinals?: readonly number[];
  readonly node?: number;
}

/** The kinds of fault that hit pods (the pod-side effects live in the data plane). */
export type PodFaultType = 'slow' | 'errors' | 'blackhole' | 'refuse';

/** One `faults:` entry as the cluster schedules it (effects are the data plane's business). */
export type FaultSpec =
  | {
      readonly type: PodFaultType;
      readonly pods: TargetSelector;
      readonly at: number;
      /** Seconds; null = until the end of the run. */
      readonly for: number | null;
    }
  | {
      readonly type: 'kube-proxy-restart';
      readonly nodes: TargetSelector;
      readonly at: number;
      /** How long kube-proxy is down before it starts again, seconds. */
      readonly for: number;
      /** Pre-1.14 behaviour (kubernetes#75360): the rules are flushed at start. */
      readonly flush: boolean;
    };

/** Where a fault's effects land. */
export interface FaultEffects {
  /** Fault `fault` (index in the list) now holds pod `pod`. */
  podFaultStarted(pod: PodId, fault: number): void;
  /** Fault `fault` no longer holds pod `pod` (window over, or the pod is gone). */
  podFaultEnded(pod: PodId, fault: number): void;
  /** kube-proxy on `node` stops now and starts again `downFor` seconds later. */
  kubeProxyRestart(node: NodeId, downFor: number, flush: boolean): void;
}

/** The fault log (events.csv rows). */
export type FaultLog = (event: string, pod: PodId, node: NodeId, detail: string) => void;

/**
 * Schedules the scenario's `faults:`. Each entry draws its targets from its own keyed stream
 * (`fault:<i>`, key 0), so every balancer of a comparison sees the same faults on the same pods
 * and adding an entry never moves another's draws. A fault stays with the pods it hit: it ends
 * when its window ends (`at + for`) or when the pod object is deleted or its node fails,
 * whichever comes first (a container restart in place keeps the pod, and the fault).
 * Construct before cluster.start().
 */
export class FaultInjector implements ClusterListener {
  private readonly cluster: Cluster;
  private readonly specs: readonly FaultSpec[];
  private readonly effects: FaultEffects;
  private readonly log: FaultLog;
  private readonly streams: KeyedStream[] = [];
  /** Pods each fault holds now. */
  private readonly held: Set<PodId>[] = [];
  /** Faults holding each pod (pod id -> fault indices); only pods with a fault. */
  private readonly byPod = new Map<PodId, number[]>();

  constructor(
    sim: Simulation,
    cluster: Cluster,
    specs: readonly FaultSpec[],
    random: RandomSource,
    effects: FaultEffects,
    log: FaultLog,
  ) {
    this.cluster = cluster;
    this.specs = specs;
    this.effects = effects;
    this.log = log;
    specs.forEach((spec, i) => {
      if (!(spec.at >= 0)) {
        throw new RangeError(`faults[${i}].at: expected a time >= 0, got \`${spec.at}\``);
      }
      this.streams.push(random.keyedStream(`fault:${i}`));
      this.held.push(new Set());
      const start = sim.register(`faults[${i}]:start`, () => this.start(i));
      sim.scheduleAt(Math.max(spec.at, sim.now), start, 0);
      const dur = spec.for;
      if (spec.type !== 'kube-proxy-restart' && dur !== null) {
        const end = sim.register(`faults[${i}]:end`, () => this.endAll(i));
        sim.scheduleAt(Math.max(spec.at + dur, sim.now), end, 0);
      }
    });
    cluster.addListener(this);
  }

  /** Fault indices holding `pod` now (empty when none). */
  faultsOn(pod: PodId): readonly number[] {
    return this.byPod.get(pod) ?? [];
  }

  // ---- ClusterListener ---------------------------------------------------------------------

  podChanged(pod: Pod): void {
    if (pod.gone) this.podDied(pod.id);
  }

  nodeFailed(node: NodeId): void {
    for (const id of this.cluster.podsOnNode(node)) this.podDied(id);
  }

  // ---- Scheduling --------------------------------------------------------------------------

  private start(i: number): void {
    const spec = this.specs[i] as FaultSpec;
    const rng = (this.streams[i] as KeyedStream).rngFor(0);
    if (spec.type === 'kube-proxy-restart') {
      const alive: number[] = [];
      for (let n = 0; n < this.cluster.nodeCount; n++)
        if (this.cluster.isNodeAlive(n)) alive.push(n);
      for (const node of select(spec.nodes, alive, alive, rng)) {
        this.log('fault-start', NO_POD, node, `faults[${i}] kube-proxy-restart`);
        this.effects.kubeProxyRestart(node, spec.for, spec.flush);
      }
      return;
    }
    const candidates: number[] = [];
    for (const p of this.cluster.pods) {
      if (!p.gone && !p.terminating && !p.lost) candidates.push(p.id);
    }
    let pool = candidates;
    if (spec.pods.node !== undefined) {
      const node = spec.pods.node;
      pool = candidates.filter((id) => this.cluster.pod(id).node === node);
    }
    const initial = this.initialPods();
    for (const id of select(spec.pods, pool, initial, rng)) {
      const p = this.cluster.pod(id);
      if (p.gone || p.lost) continue;
      this.held[i]?.add(id);
      let list = this.byPod.get(id);
      if (list === undefined) {
        list = [];
        this.byPod.set(id, list);
      }
      list.push(i);
      this.log('fault-start', id, p.node, `faults[${i}] ${spec.type}`);
      if (spec.type === 'refuse') this.cluster.setRefusing(id, true);
      this.effects.podFaultStarted(id, i);
    }
  }

  /** The workload's initial pods in creation order (ordinal i = the i-th pod created at start). */
  private initialPods(): number[] {
    const out: number[] = [];
    for (const p of this.cluster.pods) if (p.createdAt <= 0 && p.revision === 1) out.push(p.id);
    return out;
  }

  private endAll(i: number): void {
    const held = this.held[i] as Set<PodId>;
    for (const id of [...held]) this.end(i, id, 'window over');
  }

  private podDied(id: PodId): void {
    const list = this.byPod.get(id);
    if (list === undefined) return;
    for (const i of [...list]) this.end(i, id, 'pod gone');
  }

  private end(i: number, id: PodId, why: string): void {
    const held = this.held[i] as Set<PodId>;
    if (!held.delete(id)) return;
    const list = this.byPod.get(id) as number[];
    list.splice(list.indexOf(i), 1);
    if (list.length === 0) this.byPod.delete(id);
    const spec = this.specs[i] as FaultSpec;
    const p = this.cluster.pod(id);
    this.log('fault-end', id, p.node, `faults[${i}] ${spec.type}: ${why}`);
    if (spec.type === 'refuse') this.cluster.setRefusing(id, false);
    this.effects.podFaultEnded(id, i);
  }
}

/**
 * The targets of a selector among `candidates` (ascending ids). `count` and `fraction` pick
 * without replacement (partial Fisher-Yates, one draw per target); `fraction` rounds to the
 * nearest integer, at least 1 when the fraction is > 0. `ordinals` index `ordered`.
 */
export function select(
  s: TargetSelector,
  candidates: readonly number[],
  ordered: readonly number[],
  rng: { next(): number },
): number[] {
  if (s.ordinals !== undefined) {
    const out: number[] = [];
    for (const o of s.ordinals) {
      const id = ordered[o];
      if (id !== undefined && candidates.includes(id)) out.push(id);
    }
    return out;
  }
  if (s.node !== undefined) return [...candidates];
  let n: number;
  if (s.count !== undefined) n = s.count;
  else {
    const f = s.fraction ?? 0;
    n = f > 0 ? Math.max(1, Math.round(f * candidates.length)) : 0;
  }
  const pool = [...candidates];
  n = Math.min(n, pool.length);
  for (let k = 0; k < n; k++) {
    const j = k + Math.floor(rng.next() * (pool.length - k));
    const v = pool[j] as number;
    pool[j] = pool[k] as number;
    pool[k] = v;
  }
  return pool.slice(0, n).sort((a, b) => a - b);
}
