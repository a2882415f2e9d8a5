import type { Simulation } from '../engine/simulation.js';
import { scaleIntOrPercent } from '../fields/units.js';
import type { ResolvedDeploymentOptions } from './options.js';
import type { NodeState, Pod } from './pod.js';
import type { NodeId, PodId } from './types.js';
import { RevisionedController, type WorkloadController, type WorkloadHost } from './workload.js';

/**
 * A DaemonSet's rolling-update bounds (pkg/controller/daemon/update.go updatedDesiredNodeCounts,
 * util.SurgeCount / UnavailableCount): both scaled against desiredNumberScheduled, rounding up;
 * both 0 would make no progress, so maxUnavailable becomes 1.
 */
export function daemonSetBounds(
  d: ResolvedDeploymentOptions,
  desired: number,
): { surge: number; unavailable: number } {
  const u = d.updateStrategy;
  const surge = scaleIntOrPercent(u.maxSurge, desired, true);
  let unavailable = scaleIntOrPercent(u.maxUnavailable, desired, true);
  if (desired > 0 && surge === 0 && unavailable === 0) unavailable = 1;
  return { surge, unavailable };
}

/**
 * The DaemonSet controller (pkg/controller/daemon): one pod per node that should run one, pinned
 * to it. Its sync is manage() (daemon_controller.go podsShouldBeOnNode: create a pod on a node
 * that has none, not even a terminating one; without surge keep only the oldest of several;
 * with surge keep an old and a new pod only while the new one is not yet available) and then,
 * in the next sync once manage()'s creations and deletions are observed (the controller's
 * expectations), rollingUpdate() (update.go): without maxSurge, delete old pods while at most
 * maxUnavailable nodes lack an available pod (the replacement is created by manage() once the
 * old pod is gone); with maxSurge, create a new pod beside the old one on up to maxSurge nodes
 * and delete the old one when the new one is available.
 *
 * Nodes: a node that should run the pod is a live one. A failed node keeps its pod (DaemonSet
 * pods tolerate node.kubernetes.io/unreachable:NoExecute forever, so taint-based eviction
 * skips them) and gets no new one (the unreachable:NoSchedule taint is not tolerated). Go's map
 * order over nodes becomes node index order (deterministic).
 */
export class DaemonSetController extends RevisionedController implements WorkloadController {
  readonly kind = 'DaemonSet' as const;
  readonly toleratesUnreachable = true;

  constructor(sim: Simulation, d: ResolvedDeploymentOptions, host: WorkloadHost) {
    super(sim, d, host, 'daemonset:sync');
  }

  /** desiredNumberScheduled: the nodes that should run the pod (the live ones). */
  get replicas(): number {
    let n = 0;
    for (const node of this.host.nodes) if (node.alive) n++;
    return n;
  }

  start(steady: boolean): void {
    this.started = true;
    if (!steady) {
      this.requestReconcile();
      return;
    }
    for (const n of this.host.nodes) if (n.alive) this.create(n.id, true);
  }

  scale(replicas: number): void {
    throw new RangeError(
      `scale: a DaemonSet runs one pod per node (cluster.nodes); replicas does not apply, got ${replicas}`,
    );
  }

  nodeFailed(_node: NodeId): void {
    this.requestReconcile();
  }

  private pod(id: PodId): Pod {
    return this.host.pods[id] as Pod;
  }

  private create(node: NodeId, steady: boolean): void {
    const r = this.newest;
    this.host.createPod(
      { revision: r.revision, template: r.template, node, into: this.active },
      steady,
    );
  }

  /** util.AllowsSurge: maxSurge scaled against 1 is not 0. */
  private get allowsSurge(): boolean {
    return scaleIntOrPercent(this.d.updateStrategy.maxSurge, 1, true) !== 0;
  }

  /** The node's pods, not gone, oldest first (podByCreationTimestampAndPhase). */
  private podsOn(n: NodeState): Pod[] {
    const out: Pod[] = [];
    for (const id of n.pods) out.push(this.pod(id));
    out.sort((a, b) => a.createdAt - b.createdAt || a.id - b.id);
    return out;
  }

  protected reconcile(): void {
    if (this.manage()) {
      // Expectations: the rolling update runs once the creations and deletions are observed.
      this.requestReconcile();
      return;
    }
    if (this.d.updateStrategy.type === 'RollingUpdate') this.rollingUpdate();
    if (this.rolloutInProgress && this.updated()) this.rolloutComplete();
  }

  /** podsShouldBeOnNode for every node; returns whether it created or deleted anything. */
  private manage(): boolean {
    const surge = this.allowsSurge;
    const rev = this.newest.revision;
    let changed = false;
    for (const n of this.host.nodes) {
      // A failed node: shouldRun false (NoSchedule taint), shouldContinueRunning true.
      if (!n.alive) continue;
      const pods = this.podsOn(n);
      if (pods.length === 0) {
        this.create(n.id, false);
        changed = true;
        continue;
      }
      const running = pods.filter((p) => !p.terminating);
      if (!surge) {
        // More than one running pod: delete all but the oldest.
        for (let i = 1; i < running.length; i++) this.host.deletePod(running[i] as Pod);
        if (running.length > 1) changed = true;
        continue;
      }
      if (running.length === 0) {
        this.create(n.id, false);
        changed = true;
        continue;
      }
      if (running.length === 1) continue;
      // Two pods only while the oldest new one is not yet available and the oldest old one is
      // Ready; every other pod is deleted.
      let oldestNew: Pod | undefined;
      let oldestOld: Pod | undefined;
      const doomed: Pod[] = [];
      for (const p of running) {
        if (p.revision === rev && oldestNew === undefined) oldestNew = p;
        else if (p.revision !== rev && oldestOld === undefined) oldestOld = p;
        else doomed.push(p);
      }
      if (oldestNew !== undefined && oldestOld !== undefined) {
        if (!oldestOld.probeReady || this.available(oldestNew)) doomed.push(oldestOld);
      }
      for (const p of doomed) this.host.deletePod(p);
      if (doomed.length > 0) changed = true;
    }
    return changed;
  }

  /** findUpdatedPodsOnNode: the node's one new and one old non-terminating pod, or !ok. */
  private split(n: NodeState): { ok: boolean; newPod?: Pod; oldPod?: Pod } {
    const rev = this.newest.revision;
    let newPod: Pod | undefined;
    let oldPod: Pod | undefined;
    for (const p of this.podsOn(n)) {
      if (p.terminating) continue;
      if (p.revision === rev) {
        if (newPod !== undefined) return { ok: false };
        newPod = p;
      } else {
        if (oldPod !== undefined) return { ok: false };
        oldPod = p;
      }
    }
    return { ok: true, newPod, oldPod };
  }

  private rollingUpdate(): void {
    const { surge, unavailable } = daemonSetBounds(this.d, this.replicas);
    if (surge === 0) {
      let numUnavailable = 0;
      const allowed: Pod[] = [];
      const candidates: Pod[] = [];
      for (const n of this.host.nodes) {
        if (n.pods.size === 0) continue;
        const { ok, newPod, oldPod } = this.split(n);
        if (!ok || (newPod === undefined) === (oldPod === undefined)) numUnavailable++;
        else if (newPod !== undefined) {
          if (!this.available(newPod)) numUnavailable++;
        } else if (oldPod !== undefined) {
          if (!this.available(oldPod)) allowed.push(oldPod);
          else if (numUnavailable < unavailable) candidates.push(oldPod);
        }
      }
      const remaining = Math.min(Math.max(0, unavailable - numUnavailable), candidates.length);
      for (const p of allowed) this.host.deletePod(p);
      for (let i = 0; i < remaining; i++) this.host.deletePod(candidates[i] as Pod);
      return;
    }
    let numSurge = 0;
    const oldToDelete: Pod[] = [];
    const allowedNew: NodeId[] = [];
    const candidateNew: NodeId[] = [];
    for (const n of this.host.nodes) {
      if (n.pods.size === 0) continue;
      const { ok, newPod, oldPod } = this.split(n);
      if (!ok) {
        numSurge++;
        continue;
      }
      if (oldPod === undefined) continue;
      if (newPod === undefined) {
        // A pod on a failed node cannot be surged onto (its pod would stay Pending).
        if (!n.alive) continue;
        if (!this.available(oldPod)) allowedNew.push(n.id);
        else if (numSurge < surge) candidateNew.push(n.id);
      } else if (!this.available(newPod)) numSurge++;
      else oldToDelete.push(oldPod);
    }
    const remaining = Math.min(Math.max(0, surge - numSurge), candidateNew.length);
    for (const node of allowedNew) this.create(node, false);
    for (let i = 0; i < remaining; i++) this.create(candidateNew[i] as NodeId, false);
    for (const p of oldToDelete) this.host.deletePod(p);
  }

  /** Every live node runs exactly one pod, of the current revision, available. */
  private updated(): boolean {
    const rev = this.newest.revision;
    for (const n of this.host.nodes) {
      if (!n.alive) continue;
      if (n.pods.size !== 1) return false;
      const p = this.pod(n.pods.values().next().value as PodId);
      if (p.terminating || p.revision !== rev || !this.available(p)) return false;
    }
    return true;
  }
}
