import type { EventKind, Simulation } from '../engine/simulation.js';
import type { ResolvedDeploymentOptions } from './options.js';
import type { Pod, ReplicaSet } from './pod.js';
import {
  newReplicaSetReplicas,
  type RsCounts,
  resolveFenceposts,
  scaleDownOldReplicaSets,
} from './rolling.js';
import { NO_POD, type NodeId, type PodId } from './types.js';

/** What the Deployment and ReplicaSet controllers call back into the pod store (Cluster). */
export interface DeploymentHost {
  readonly pods: readonly Pod[];
  /** Creates a pod of `rs` (scheduled, then started by its kubelet); undefined: unschedulable. */
  createPod(rs: ReplicaSet): Pod | undefined;
  /** Sets the pod's deletionTimestamp (graceful deletion). */
  deletePod(p: Pod): void;
  event(event: string, pod: PodId, node: NodeId, detail: string): void;
}

/**
 * The Deployment controller (rolling update across ReplicaSets, pkg/controller/deployment,
 * fenceposts and scaling in ./rolling.ts) and the ReplicaSet controller (create or delete pods
 * until the active count matches spec, pkg/controller/replicaset). One sync runs per instant
 * in which anything changed (an event at +0, as the controllers' work queues coalesce keys).
 */
export class DeploymentController {
  private readonly sim: Simulation;
  private readonly d: ResolvedDeploymentOptions;
  private readonly host: DeploymentHost;
  readonly replicaSets: ReplicaSet[] = [];
  /** Desired replicas (spec.replicas of the Deployment). */
  replicas: number;
  rolloutInProgress = false;
  private started = false;
  private reconcilePending = false;
  private readonly kAvailable: EventKind;
  private readonly kReconcile: EventKind;

  constructor(sim: Simulation, d: ResolvedDeploymentOptions, host: DeploymentHost) {
    this.sim = sim;
    this.d = d;
    this.host = host;
    this.replicas = d.replicas;
    this.kAvailable = sim.register('pod:available', () => this.requestReconcile());
    this.kReconcile = sim.register('deployment:sync', () => this.reconcile());
  }

  /** The first ReplicaSet (revision 1) with spec = replicas. */
  start(): ReplicaSet {
    this.started = true;
    const rs: ReplicaSet = { revision: 1, template: 0, spec: this.replicas, pods: new Set() };
    this.replicaSets.push(rs);
    return rs;
  }

  /**
   * A new revision; the rolling update starts now. `template`: the new pod template (index
   * into the cluster's templates), or the current one (kubectl rollout restart).
   */
  rollout(template?: number): void {
    const cur = this.replicaSets[this.replicaSets.length - 1] as ReplicaSet;
    const t = template ?? cur.template;
    this.replicaSets.push({
      revision: this.replicaSets.length + 1,
      template: t,
      spec: 0,
      pods: new Set(),
    });
    this.rolloutInProgress = true;
    this.host.event(
      'rollout-started',
      NO_POD,
      -1,
      `revision ${this.replicaSets.length}${template === undefined ? '' : ` template ${t}`}`,
    );
    this.requestReconcile();
  }

  /** kubectl scale: desired replicas now. */
  scale(replicas: number): void {
    if (!Number.isInteger(replicas) || replicas < 0) {
      throw new RangeError(`scale: expected an integer >= 0, got ${replicas}`);
    }
    this.replicas = replicas;
    this.host.event('scaled', NO_POD, -1, `replicas ${replicas}`);
    this.requestReconcile();
  }

  /** The pod's Ready condition changed (not terminating): availability may follow. */
  readyChanged(p: Pod, ready: boolean): void {
    const minReady = this.d.minReadySeconds;
    if (ready && minReady > 0) {
      this.sim.cancel(p.availableHandle);
      p.availableHandle = this.sim.schedule(minReady, this.kAvailable, p.id);
    }
    this.requestReconcile();
  }

  /** The pod left its ReplicaSet's active set; returns whether it was in it. */
  deactivate(p: Pod): boolean {
    const rs = this.replicaSets[p.revision - 1] as ReplicaSet;
    return rs.pods.delete(p.id);
  }

  requestReconcile(): void {
    if (this.reconcilePending || !this.started) return;
    this.reconcilePending = true;
    this.sim.schedule(0, this.kReconcile, 0);
  }

  /** Non-terminating pods (what maxSurge bounds). */
  activePodCount(): number {
    let n = 0;
    for (const rs of this.replicaSets) n += rs.pods.size;
    return n;
  }

  /** Non-terminating pods Ready for minReadySeconds (what maxUnavailable bounds). */
  availablePodCount(): number {
    let n = 0;
    for (const rs of this.replicaSets) n += this.countAvailable(rs);
    return n;
  }

  private isAvailable(p: Pod): boolean {
    return (
      p.probeReady &&
      !p.terminating &&
      !p.gone &&
      this.sim.now - p.readyChangedAt >= this.d.minReadySeconds
    );
  }

  private countAvailable(rs: ReplicaSet): number {
    let n = 0;
    for (const id of rs.pods) if (this.isAvailable(this.host.pods[id] as Pod)) n++;
    return n;
  }

  /** One Deployment sync (rolling update), then each ReplicaSet's sync. */
  private reconcile(): void {
    this.reconcilePending = false;
    const d = this.d;
    const { surge, unavailable } = resolveFenceposts(d.maxSurge, d.maxUnavailable, this.replicas);
    const n = this.replicaSets.length;
    const newRs = this.replicaSets[n - 1] as ReplicaSet;
    const newC: RsCounts = { spec: newRs.spec, available: this.countAvailable(newRs) };
    const olds = this.replicaSets.slice(0, n - 1);
    const oldC: RsCounts[] = olds.map((rs) => ({
      spec: rs.spec,
      available: this.countAvailable(rs),
    }));
    newC.spec = newReplicaSetReplicas(this.replicas, surge, newC, oldC);
    scaleDownOldReplicaSets(this.replicas, unavailable, newC, oldC);
    newRs.spec = newC.spec;
    olds.forEach((rs, i) => {
      rs.spec = (oldC[i] as RsCounts).spec;
    });
    for (const rs of this.replicaSets) this.syncReplicaSet(rs);
    if (this.rolloutInProgress) {
      const oldLeft = olds.reduce((s, rs) => s + rs.pods.size, 0);
      if (oldLeft === 0 && newC.available >= this.replicas) {
        this.rolloutInProgress = false;
        this.host.event('rollout-complete', NO_POD, -1, `revision ${n}`);
      }
    }
  }

  /** ReplicaSet controller: create or delete pods until active pods = spec. */
  syncReplicaSet(rs: ReplicaSet): void {
    let diff = rs.spec - rs.pods.size;
    while (diff > 0) {
      if (this.host.createPod(rs) === undefined) return;
      diff--;
    }
    if (diff < 0) {
      // getPodsToDelete (controller_utils ActivePodsWithRanks): not Ready before Ready, Ready
      // for a shorter time first, then newer pods first.
      const ranked = [...rs.pods].map((id) => this.host.pods[id] as Pod);
      ranked.sort((a, b) => {
        const ar = a.probeReady ? 1 : 0;
        const br = b.probeReady ? 1 : 0;
        if (ar !== br) return ar - br;
        if (a.running !== b.running) return a.running ? 1 : -1;
        if (ar === 1 && a.readyChangedAt !== b.readyChangedAt)
          return b.readyChangedAt - a.readyChangedAt;
        return b.createdAt - a.createdAt;
      });
      for (let i = 0; i < -diff; i++) this.host.deletePod(ranked[i] as Pod);
    }
  }
}
