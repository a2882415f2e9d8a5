import type { Simulation } from '../engine/simulation.js';
import type { ResolvedDeploymentOptions } from './options.js';
import type { Pod } from './pod.js';
import { NO_POD, type PodId } from './types.js';
import {
  type Revision,
  RevisionedController,
  type WorkloadController,
  type WorkloadHost,
} from './workload.js';

/**
 * The StatefulSet controller (pkg/controller/statefulset/stateful_set_control.go
 * updateStatefulSet): pods have stable identities `<name>-<ordinal>`, ordinals 0..replicas-1.
 * A pod's name is taken until its object is gone, so a deleted or failed pod is recreated
 * under the same name (new pod, new IP) only once the old one has been removed.
 *
 * One sync, in order:
 * 1. Each ordinal below replicas, ascending: create a missing pod; under OrderedReady
 *    (`monotonic`) stop there, and also at a pod that is terminating, not Running and Ready,
 *    or not yet available (minReadySeconds): pod i+1 is created only when 0..i are Running and
 *    Ready. Parallel goes on past them.
 * 2. Condemned ordinals (>= replicas), highest first: wait for a terminating one; under
 *    OrderedReady a pod that is not Running and Ready blocks unless it is the first unhealthy
 *    pod; delete one (OrderedReady) or all (Parallel).
 * 3. RollingUpdate: from the highest ordinal down to `partition`, delete the first pod not of
 *    the update revision and stop; stop at a pod that is not healthy. One pod at a time, for
 *    both policies. A pod is (re)created with the current revision below `partition` and the
 *    update revision from it on (newVersionedStatefulSetPod); OnDelete: the update revision.
 * The current revision becomes the update revision once every replica runs it and is Ready.
 */
export class StatefulSetController extends RevisionedController implements WorkloadController {
  readonly kind = 'StatefulSet' as const;
  readonly toleratesUnreachable = false;
  /** The revision pods below `partition` get (status.currentRevision). */
  private currentRevision = 1;
  /** The pod holding each ordinal's name (NO_POD: none yet); it holds it until it is gone. */
  private readonly slots: PodId[] = [];
  replicas: number;

  constructor(sim: Simulation, d: ResolvedDeploymentOptions, host: WorkloadHost) {
    super(sim, d, host, 'statefulset:sync');
    this.replicas = d.replicas;
  }

  start(steady: boolean): void {
    this.started = true;
    if (!steady) {
      this.requestReconcile();
      return;
    }
    for (let i = 0; i < this.replicas; i++) if (!this.create(i, true)) break;
  }

  scale(replicas: number): void {
    this.replicas = this.scaled(replicas);
  }

  /** The live pod of ordinal `i` (terminating included: its name is still taken). */
  private live(i: number): Pod | undefined {
    const id = this.slots[i];
    if (id === undefined || id === NO_POD) return undefined;
    const p = this.host.pods[id] as Pod;
    return p.gone ? undefined : p;
  }

  /** isRunningAndReady: phase Running and the Ready condition true. */
  private runningAndReady(p: Pod): boolean {
    return p.running && p.probeReady;
  }

  /** isHealthy: Running and Ready, not terminating. */
  private healthy(p: Pod): boolean {
    return this.runningAndReady(p) && !p.terminating;
  }

  /** newVersionedStatefulSetPod: the current revision below the partition, else the update one. */
  private revisionFor(ordinal: number): Revision {
    const u = this.d.updateStrategy;
    if (u.type === 'RollingUpdate' && ordinal < u.partition) {
      return this.revisions[this.currentRevision - 1] as Revision;
    }
    return this.newest;
  }

  private create(ordinal: number, steady: boolean): boolean {
    const r = this.revisionFor(ordinal);
    const p = this.host.createPod(
      { revision: r.revision, template: r.template, ordinal, into: this.active },
      steady,
    );
    if (p === undefined) return false;
    this.slots[ordinal] = p.id;
    return true;
  }

  protected reconcile(): void {
    this.sync();
    this.checkComplete();
  }

  private sync(): void {
    const monotonic = this.d.podManagementPolicy === 'OrderedReady';
    const n = this.replicas;
    const top = this.slots.length - 1;
    // The first unhealthy pod: the lowest replica ordinal (a missing pod counts), else the
    // lowest condemned one.
    let firstUnhealthy = -1;
    for (let i = 0; i < n && firstUnhealthy < 0; i++) {
      const p = this.live(i);
      if (p === undefined || !this.healthy(p)) firstUnhealthy = i;
    }
    for (let i = n; i <= top && firstUnhealthy < 0; i++) {
      const p = this.live(i);
      if (p !== undefined && !this.healthy(p)) firstUnhealthy = i;
    }

    for (let i = 0; i < n; i++) {
      const p = this.live(i);
      if (p === undefined) {
        if (!this.create(i, false) || monotonic) return;
        continue;
      }
      if (!monotonic) continue;
      if (p.terminating || !this.runningAndReady(p) || !this.available(p)) return;
    }

    for (let i = top; i >= n; i--) {
      const p = this.live(i);
      if (p === undefined) continue;
      if (p.terminating) {
        if (monotonic) return;
        continue;
      }
      if (monotonic && i !== firstUnhealthy && !(this.runningAndReady(p) && this.available(p))) {
        return;
      }
      this.host.deletePod(p);
      if (monotonic) return;
    }

    const u = this.d.updateStrategy;
    if (u.type === 'OnDelete') return;
    const rev = this.newest.revision;
    for (let t = n - 1; t >= u.partition; t--) {
      const p = this.live(t);
      if (p === undefined) return;
      if (p.revision !== rev && !p.terminating) {
        this.host.deletePod(p);
        return;
      }
      if (!this.healthy(p) || !this.available(p)) return;
    }
  }

  private checkComplete(): void {
    const rev = this.newest.revision;
    let updated = 0;
    for (let i = 0; i < this.replicas; i++) {
      const p = this.live(i);
      if (p !== undefined && p.revision === rev && this.healthy(p) && this.available(p)) updated++;
    }
    if (updated === this.replicas) this.currentRevision = rev;
    if (!this.rolloutInProgress) return;
    const from =
      this.d.updateStrategy.type === 'RollingUpdate' ? this.d.updateStrategy.partition : 0;
    for (let i = from; i < this.replicas; i++) {
      const p = this.live(i);
      if (p === undefined || p.revision !== rev || !this.healthy(p) || !this.available(p)) return;
    }
    for (let i = this.replicas; i < this.slots.length; i++) if (this.live(i)) return;
    this.rolloutComplete();
  }
}
