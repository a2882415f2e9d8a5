import type { Simulation } from '../engine/simulation.js';
import type { ResolvedDeploymentOptions } from './options.js';
import type { Pod, ReplicaSet } from './pod.js';
import {
  newReplicaSetReplicas,
  type RsCounts,
  resolveFenceposts,
  scaleDownOldReplicaSets,
} from './rolling.js';
import { NO_POD } from './types.js';
import { ControllerBase, type WorkloadController, type WorkloadHost } from './workload.js';

/**
 * The Deployment controller (rolling update across ReplicaSets, pkg/controller/deployment,
 * fenceposts and scaling in ./rolling.ts) and the ReplicaSet controller (create or delete pods
 * until the active count matches spec, pkg/controller/replicaset). One sync runs per instant
 * in which anything changed (an event at +0, as the controllers' work queues coalesce keys).
 */
export class DeploymentController extends ControllerBase implements WorkloadController {
  readonly kind = 'Deployment' as const;
  readonly toleratesUnreachable = false;
  readonly replicaSets: ReplicaSet[] = [];
  /** Desired replicas (spec.replicas of the Deployment). */
  replicas: number;

  constructor(sim: Simulation, d: ResolvedDeploymentOptions, host: WorkloadHost) {
    super(sim, d, host, 'deployment:sync');
    this.replicas = d.replicas;
  }

  /**
   * The first ReplicaSet (revision 1) with spec = replicas: its pods at once (`steady`), or
   * created by its first sync.
   */
  start(steady: boolean): void {
    this.started = true;
    const rs: ReplicaSet = { revision: 1, template: 0, spec: this.replicas, pods: new Set() };
    this.replicaSets.push(rs);
    if (!steady) {
      this.syncReplicaSet(rs);
      return;
    }
    for (let i = 0; i < this.replicas; i++) {
      if (this.host.createPod(this.podRequest(rs), true) === undefined) break;
    }
  }

  get revision(): number {
    return this.replicaSets.length;
  }

  private podRequest(rs: ReplicaSet) {
    return { revision: rs.revision, template: rs.template, into: rs.pods };
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
    this.rolloutStarted(this.replicaSets.length, template, t);
  }

  /** kubectl scale: desired replicas now. */
  scale(replicas: number): void {
    this.replicas = this.scaled(replicas);
  }

  /** The pod left its ReplicaSet's active set; returns whether it was in it. */
  deactivate(p: Pod): boolean {
    const rs = this.replicaSets[p.revision - 1] as ReplicaSet;
    return rs.pods.delete(p.id);
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

  private countAvailable(rs: ReplicaSet): number {
    let n = 0;
    for (const id of rs.pods) if (this.available(this.host.pods[id] as Pod)) n++;
    return n;
  }

  /** One Deployment sync (rolling update), then each ReplicaSet's sync. */
  protected reconcile(): void {
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
  private syncReplicaSet(rs: ReplicaSet): void {
    let diff = rs.spec - rs.pods.size;
    while (diff > 0) {
      if (this.host.createPod(this.podRequest(rs), false) === undefined) return;
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
