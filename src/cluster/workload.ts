import type { EventKind, Simulation } from '../engine/simulation.js';
import type { ResolvedDeploymentOptions } from './options.js';
import type { NodeState, Pod } from './pod.js';
import { NO_POD, type NodeId, type PodId } from './types.js';

/** The workload kinds the cluster runs (deployment.kind). */
export type WorkloadKind = 'Deployment' | 'DaemonSet' | 'StatefulSet';
export const WORKLOAD_KINDS: readonly WorkloadKind[] = ['Deployment', 'DaemonSet', 'StatefulSet'];

/** What a workload controller asks the pod store (Cluster) to create. */
export interface PodRequest {
  /** Controller revision of the pod (1 = the initial one). */
  readonly revision: number;
  /** Pod template (index into the cluster's templates). */
  readonly template: number;
  /** Pinned node (a DaemonSet pod's nodeAffinity to its node); absent: the scheduler picks. */
  readonly node?: NodeId;
  /** StatefulSet ordinal (the pod's stable name is `<name>-<ordinal>`); absent: none. */
  readonly ordinal?: number;
  /** The controller's set of active pods: the new pod joins it at creation. */
  readonly into: Set<PodId>;
}

/** What a workload controller calls back into the pod store (Cluster). */
export interface WorkloadHost {
  readonly pods: readonly Pod[];
  readonly nodes: readonly NodeState[];
  /**
   * Creates a pod (scheduled, then started by its kubelet; `steady`: Running and Ready for long
   * already, without events); undefined: unschedulable.
   */
  createPod(req: PodRequest, steady: boolean): Pod | undefined;
  /** Sets the pod's deletionTimestamp (graceful deletion). */
  deletePod(p: Pod): void;
  event(event: string, pod: PodId, node: NodeId, detail: string): void;
}

/**
 * A workload controller (Deployment + ReplicaSet, DaemonSet, StatefulSet): it owns its pods'
 * desired state and reconciles the pod store towards it. One sync runs per instant in which
 * anything changed (an event at +0, as the controllers' work queues coalesce keys).
 */
export interface WorkloadController {
  readonly kind: WorkloadKind;
  /** Desired pods (spec.replicas; a DaemonSet's desiredNumberScheduled). */
  readonly replicas: number;
  /** The newest revision (1 = the initial one). */
  readonly revision: number;
  /** Whether a rolling update is still replacing old pods. */
  readonly rolloutInProgress: boolean;
  /**
   * Whether the workload's pods tolerate the node.kubernetes.io/unreachable NoExecute taint
   * forever (a DaemonSet's do: they are not evicted from a failed node).
   */
  readonly toleratesUnreachable: boolean;
  /** Creates the initial pods (`steady`: Running and Ready at once) or starts from zero. */
  start(steady: boolean): void;
  rollout(template?: number): void;
  scale(replicas: number): void;
  /** The pod's Ready condition changed (not terminating): availability may follow. */
  readyChanged(p: Pod, ready: boolean): void;
  /** The pod left the controller's active set (terminating or gone); returns whether it was in it. */
  deactivate(p: Pod): boolean;
  requestReconcile(): void;
  /** A node failed (its pods are lost): a controller whose desired pods depend on it syncs. */
  nodeFailed?(node: NodeId): void;
  /** Non-terminating pods (what maxSurge bounds). */
  activePodCount(): number;
  /** Non-terminating pods Ready for minReadySeconds (what maxUnavailable bounds). */
  availablePodCount(): number;
}

/**
 * podutil.IsPodAvailable: Ready, and Ready for at least minReadySeconds (not terminating, not
 * gone: lbsim counts only live pods).
 */
export function isAvailable(p: Pod, now: number, minReadySeconds: number): boolean {
  return p.probeReady && !p.terminating && !p.gone && now - p.readyChangedAt >= minReadySeconds;
}

/**
 * What every workload controller shares: one sync per instant (requestReconcile coalesces), a
 * resync when a Ready pod becomes available (minReadySeconds later), the rollout event.
 */
export abstract class ControllerBase {
  protected readonly sim: Simulation;
  protected readonly d: ResolvedDeploymentOptions;
  protected readonly host: WorkloadHost;
  rolloutInProgress = false;
  protected started = false;
  private reconcilePending = false;
  private readonly kAvailable: EventKind;
  private readonly kReconcile: EventKind;

  constructor(
    sim: Simulation,
    d: ResolvedDeploymentOptions,
    host: WorkloadHost,
    syncEventName: string,
  ) {
    this.sim = sim;
    this.d = d;
    this.host = host;
    this.kAvailable = sim.register('pod:available', () => this.requestReconcile());
    this.kReconcile = sim.register(syncEventName, () => {
      this.reconcilePending = false;
      this.reconcile();
    });
  }

  /** One sync of the controller. */
  protected abstract reconcile(): void;

  /** The pod's Ready condition changed (not terminating): availability may follow. */
  readyChanged(p: Pod, ready: boolean): void {
    const minReady = this.d.minReadySeconds;
    if (ready && minReady > 0) {
      this.sim.cancel(p.availableHandle);
      p.availableHandle = this.sim.schedule(minReady, this.kAvailable, p.id);
    }
    this.requestReconcile();
  }

  requestReconcile(): void {
    if (this.reconcilePending || !this.started) return;
    this.reconcilePending = true;
    this.sim.schedule(0, this.kReconcile, 0);
  }

  protected available(p: Pod): boolean {
    return isAvailable(p, this.sim.now, this.d.minReadySeconds);
  }

  /** kubectl scale to `replicas` (checked): the event, a sync; returns the new spec.replicas. */
  protected scaled(replicas: number): number {
    if (!Number.isInteger(replicas) || replicas < 0) {
      throw new RangeError(`scale: expected an integer >= 0, got ${replicas}`);
    }
    this.host.event('scaled', NO_POD, -1, `replicas ${replicas}`);
    this.requestReconcile();
    return replicas;
  }

  /** A rollout to `revision` starts now (`template` given: a new pod template `t`). */
  protected rolloutStarted(revision: number, template: number | undefined, t: number): void {
    this.rolloutInProgress = true;
    this.host.event(
      'rollout-started',
      NO_POD,
      -1,
      `revision ${revision}${template === undefined ? '' : ` template ${t}`}`,
    );
    this.requestReconcile();
  }
}

/** A controller revision: its number and pod template. */
export interface Revision {
  readonly revision: number;
  readonly template: number;
}

/**
 * A controller whose pods it owns directly, with ControllerRevisions (DaemonSet, StatefulSet):
 * the active pod set, the revision list, the counts.
 */
export abstract class RevisionedController extends ControllerBase {
  protected readonly revisions: Revision[] = [{ revision: 1, template: 0 }];
  /** Active pods: not terminating, not gone. */
  protected readonly active = new Set<PodId>();

  get revision(): number {
    return this.revisions.length;
  }

  /** The newest revision (a DaemonSet's current hash, a StatefulSet's update revision). */
  protected get newest(): Revision {
    return this.revisions[this.revisions.length - 1] as Revision;
  }

  rollout(template?: number): void {
    const t = template ?? this.newest.template;
    this.revisions.push({ revision: this.revisions.length + 1, template: t });
    this.rolloutStarted(this.revisions.length, template, t);
  }

  deactivate(p: Pod): boolean {
    return this.active.delete(p.id);
  }

  activePodCount(): number {
    return this.active.size;
  }

  availablePodCount(): number {
    let n = 0;
    for (const id of this.active) if (this.available(this.host.pods[id] as Pod)) n++;
    return n;
  }

  protected rolloutComplete(): void {
    this.rolloutInProgress = false;
    this.host.event('rollout-complete', NO_POD, -1, `revision ${this.revisions.length}`);
  }
}
