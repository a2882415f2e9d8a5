import type { EventKind, Simulation } from '../engine/simulation.js';
import type { NodeState, Pod } from './pod.js';
import { NO_POD, type NodeId, type PodId } from './types.js';

/** What the node lifecycle controller calls back into the pod store (Cluster). */
export interface NodeLifecycleHost {
  readonly pods: readonly Pod[];
  readonly nodes: readonly NodeState[];
  /** MarkPodsNotReady: the pod's Ready condition is forced False. */
  setProbeReady(p: Pod, ready: boolean): void;
  /** Taint-based eviction: the pod gets its deletionTimestamp. */
  deletePod(p: Pod): void;
  event(event: string, pod: PodId, node: NodeId, detail: string): void;
}

/**
 * The node lifecycle controller (pkg/controller/nodelifecycle): after nodeMonitorGracePeriod
 * without a heartbeat the node is NotReady and its pods are marked NotReady; the
 * node.kubernetes.io/unreachable NoExecute taint evicts them `tolerationSeconds` later.
 */
export class NodeLifecycleController {
  private readonly sim: Simulation;
  private readonly host: NodeLifecycleHost;
  private readonly nodeMonitorGracePeriod: number;
  private readonly kNodeNotReady: EventKind;
  private readonly kEvict: EventKind;
  private readonly evictionDelay: number[] = [];

  constructor(sim: Simulation, nodeMonitorGracePeriod: number, host: NodeLifecycleHost) {
    this.sim = sim;
    this.host = host;
    this.nodeMonitorGracePeriod = nodeMonitorGracePeriod;
    this.kNodeNotReady = sim.register('node:not-ready', (n) => this.onNodeNotReady(n));
    this.kEvict = sim.register('node:evict-pods', (n) => this.onEvictPods(n));
  }

  /** The node stopped sending heartbeats at now. */
  nodeLost(node: NodeId, tolerationSeconds: number): void {
    this.evictionDelay[node] = tolerationSeconds;
    this.sim.schedule(this.nodeMonitorGracePeriod, this.kNodeNotReady, node);
  }

  private onNodeNotReady(node: NodeId): void {
    const n = this.host.nodes[node] as NodeState;
    this.host.event('node-not-ready', NO_POD, node, 'pods marked NotReady');
    // nodelifecycle controller MarkPodsNotReady.
    for (const id of n.pods) this.host.setProbeReady(this.host.pods[id] as Pod, false);
    this.sim.schedule(this.evictionDelay[node] ?? 300, this.kEvict, node);
  }

  private onEvictPods(node: NodeId): void {
    const n = this.host.nodes[node] as NodeState;
    this.host.event('node-pods-evicted', NO_POD, node, `${n.pods.size} pods`);
    // Taint-based eviction deletes the pods; with the kubelet gone they stay Terminating (their
    // endpoints terminating, not serving) while the ReplicaSet replaces them.
    for (const id of [...n.pods]) {
      const p = this.host.pods[id] as Pod;
      if (!p.terminating) this.host.deletePod(p);
    }
  }
}
