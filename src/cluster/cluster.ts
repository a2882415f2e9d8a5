import type { RandomSource } from '../engine/random.js';
import type { Simulation } from '../engine/simulation.js';
import { NO_EVENT } from '../engine/simulation.js';
import { DaemonSetController } from './daemonset-controller.js';
import { DeploymentController } from './deployment-controller.js';
import { IpAllocator, parseCidr } from './ip-allocator.js';
import { Kubelet } from './kubelet.js';
import { NodeLifecycleController } from './node-lifecycle-controller.js';
import type { ResolvedClusterOptions } from './options.js';
import { type NodeState, Pod } from './pod.js';
import { Scheduler } from './scheduler.js';
import { StatefulSetController } from './statefulset-controller.js';
import {
  type DrainNotifier,
  type GroundTruth,
  type Ip,
  NO_POD,
  type NodeId,
  type PodId,
  type PodLifecycleObserver,
} from './types.js';
import type { PodRequest, WorkloadController, WorkloadHost, WorkloadKind } from './workload.js';

export { Pod } from './pod.js';

/** What lbsim's own control plane and churn processes need to hear from ground truth. */
export interface ClusterListener {
  /** An API-visible field of the pod changed: created, Ready, deletionTimestamp, deleted. */
  podChanged?(pod: Pod): void;
  /** The ideal usable endpoint set (ground truth) gained or lost `ip`. */
  idealChanged?(ip: Ip, member: boolean): void;
  /** The ideal set switched between ready endpoints and the terminating fallback: recompute. */
  idealReset?(): void;
  /** A container (re)started: crash processes draw the next failure time here. */
  containerStarted?(pod: Pod): void;
  nodeFailed?(node: NodeId): void;
}

/** Callbacks towards the data plane and outputs (all optional). */
export interface ClusterCallbacks {
  /** Pod servers: notified synchronously at each lifecycle change. */
  readonly observer?: PodLifecycleObserver;
  /** Churn and lifecycle events (events.csv: time_s, event, pod, node, detail). */
  readonly onEvent?: (
    time: number,
    event: string,
    pod: PodId,
    node: NodeId,
    detail: string,
  ) => void;
  /** A node died: stop its clients (its kube-proxy is stopped by KubeProxy itself). */
  readonly onNodeFailed?: (node: NodeId) => void;
}

/**
 * Ground truth: the pod store (nodes, pods, the IP index, the ideal endpoint set) and the
 * Kubernetes components that change it, each in its own file: the kubelet (./kubelet.ts), the
 * scheduler (./scheduler.ts), the workload's controller (deployment.kind: the Deployment and
 * ReplicaSet controllers in ./deployment-controller.ts, ./daemonset-controller.ts or
 * ./statefulset-controller.ts) and the node lifecycle controller
 * (./node-lifecycle-controller.ts). Implements the data plane's GroundTruth view and accepts
 * DrainNotifier calls.
 *
 * Lifecycle of a pod (docs/MODEL.md has the sources):
 *   Pending (options.pod.startup) -> container running -> listening (appStartDelay)
 *   -> Ready at the first readiness probe tick that succeeds (probes run on a fixed grid of
 *   periodSeconds from the container's first start) -> deletion: Terminating (endpoint not
 *   ready at once; preStop sleep; SIGTERM; listener closes after listenerCloseDelay; drain;
 *   exit, or SIGKILL at terminationGracePeriodSeconds) -> Gone (IP released).
 * Crashes: `restartContainer` (same pod, same IP, CrashLoopBackOff) and `replacePod` (pod fails,
 * the ReplicaSet creates a new one with a new IP).
 *
 * Random streams: `cluster:startup` (startup, app start and ready delays), `cluster:probe`
 * (initial probe phases), `cluster:scheduler` (ties between equally loaded nodes),
 * `cluster:ipam` (the random IP policy).
 */
export class Cluster implements GroundTruth, DrainNotifier {
  readonly options: ResolvedClusterOptions;
  private readonly sim: Simulation;
  private readonly callbacks: ClusterCallbacks;
  private readonly listeners: ClusterListener[] = [];

  private readonly nodeStates: NodeState[] = [];
  private readonly allPods: Pod[] = [];
  private readonly kubelet: Kubelet;
  private readonly deployment: WorkloadController;
  private readonly nodeController: NodeLifecycleController;
  private readonly scheduler: Scheduler;

  /** IP -> pod, indexed by offset from the first node's pod CIDR (no hashing per request). */
  private readonly podByIp: Int32Array;
  private readonly ipBase: number;
  private readonly nodeRangeSize: number;

  private idealReadyCount = 0;
  private idealServingTerminatingCount = 0;
  private started = false;

  constructor(
    sim: Simulation,
    options: ResolvedClusterOptions,
    random: RandomSource,
    callbacks: ClusterCallbacks = {},
  ) {
    this.sim = sim;
    this.options = options;
    this.callbacks = callbacks;
    const startupRng = random.stream('cluster:startup');
    const probeRng = random.stream('cluster:probe');
    // Each node's kubelet relists its containers on a phase of its own (PLEG).
    const plegRng = random.stream('kubelet:pleg');
    const plegPhase = Float64Array.from(
      { length: options.nodes },
      () => plegRng.next() * options.plegRelistPeriod,
    );
    const schedulerRng = random.stream('cluster:scheduler');
    const ipamRng = options.ipReuse === 'random' ? random.stream('cluster:ipam') : undefined;

    const cidr = parseCidr(options.podCidr);
    const mask = options.nodeCidrMaskSize;
    if (mask < cidr.prefixLength) {
      throw new RangeError(
        `cluster.nodeCidrMaskSize: expected >= the pod CIDR prefix (${cidr.prefixLength}), got ${mask}`,
      );
    }
    const maxNodes = 2 ** (mask - cidr.prefixLength);
    if (options.nodes > maxNodes) {
      throw new RangeError(
        `cluster.nodes: the pod CIDR ${options.podCidr} holds ${maxNodes} node ranges of /${mask}, got ${options.nodes} nodes`,
      );
    }
    this.nodeRangeSize = 2 ** (32 - mask);
    this.ipBase = cidr.base;
    this.podByIp = new Int32Array(options.nodes * this.nodeRangeSize).fill(NO_POD);
    const nodeIpBase = parseCidr('172.16.0.0/12').base;
    for (let i = 0; i < options.nodes; i++) {
      const base = (cidr.base + i * this.nodeRangeSize) >>> 0;
      this.nodeStates.push({
        id: i,
        ip: (nodeIpBase + 10 + i) >>> 0,
        podCidr: base,
        ipam: new IpAllocator(base, mask, options.ipReuse, ipamRng),
        alive: true,
        failedAt: Number.NaN,
        pods: new Set(),
        active: 0,
      });
    }
    this.scheduler = new Scheduler(this.nodeStates, options.maxPodsPerNode, schedulerRng);
    const event = (e: string, pod: PodId, node: NodeId, detail: string) =>
      this.event(e, pod, node, detail);
    const pods = this.allPods;
    this.kubelet = new Kubelet(sim, options, startupRng, probeRng, plegPhase, {
      pods,
      observer: callbacks.observer,
      setProbeReady: (p, ready) => this.setProbeReady(p, ready),
      finalize: (p) => this.finalize(p),
      containerStarted: (p) => {
        for (const l of this.listeners) l.containerStarted?.(p);
      },
      event,
    });
    const host: WorkloadHost = {
      pods,
      nodes: this.nodeStates,
      createPod: (req, steady) => this.createPod(req, steady),
      deletePod: (p) => this.beginTermination(p),
      event,
    };
    const d = options.deployment;
    this.deployment =
      d.kind === 'DaemonSet'
        ? new DaemonSetController(sim, d, host)
        : d.kind === 'StatefulSet'
          ? new StatefulSetController(sim, d, host)
          : new DeploymentController(sim, d, host);
    this.nodeController = new NodeLifecycleController(sim, options.nodeMonitorGracePeriod, {
      pods,
      nodes: this.nodeStates,
      setProbeReady: (p, ready) => this.setProbeReady(p, ready),
      // A DaemonSet's pods tolerate node.kubernetes.io/unreachable:NoExecute without a
      // tolerationSeconds (pkg/controller/daemon/util AddOrUpdateDaemonPodTolerations).
      deletePod: (p) => {
        if (!this.deployment.toleratesUnreachable) this.beginTermination(p);
      },
      event,
    });
  }

  /** Registers a listener (control plane, churn). Call before start(). */
  addListener(listener: ClusterListener): void {
    this.listeners.push(listener);
  }

  /**
   * Creates the initial state. With `initialState: 'steady'` every replica is Running, listening
   * and Ready at t = now, without events (the control plane bootstraps from this state). With
   * `empty` the Deployment starts scaling up from zero pods at now.
   */
  start(): void {
    if (this.started) throw new Error('Cluster.start() called twice');
    this.started = true;
    this.deployment.start(this.options.initialState === 'steady');
  }

  /** A pod of the initial steady state: Running, listening and Ready for long, without events. */
  private makeSteady(p: Pod): void {
    // Running for a long time already: no back-off history, Ready long enough to count as
    // available.
    p.phase = 'Running';
    p.running = true;
    p.containerStartedAt = this.sim.now - 3600;
    p.listening = true;
    p.listeningSince = p.containerStartedAt;
    p.probeReady = true;
    p.readyChangedAt = p.containerStartedAt;
    this.callbacks.observer?.listenerOpened(p.id);
    this.notifyReady(p);
    this.updateIdeal(p, false);
    this.kubelet.adoptRunning(p);
    for (const l of this.listeners) l.containerStarted?.(p);
  }

  // ---- GroundTruth -------------------------------------------------------------------------

  podAt(ip: Ip): PodId {
    const off = (ip >>> 0) - this.ipBase;
    if (off < 0 || off >= this.podByIp.length) return NO_POD;
    return this.podByIp[off] as number;
  }

  isReachable(pod: PodId): boolean {
    const p = this.allPods[pod];
    return p !== undefined && !p.lost && p.phase !== 'Gone';
  }

  isListening(pod: PodId): boolean {
    const p = this.allPods[pod];
    return p?.listening === true && !p.lost && p.refusing === 0;
  }

  isRefusing(pod: PodId): boolean {
    const p = this.allPods[pod];
    return p?.listening === true && !p.lost && p.refusing > 0;
  }

  nodeOf(pod: PodId): NodeId {
    return (this.allPods[pod] as Pod).node;
  }

  readyPodCount(): number {
    return this.idealReadyCount;
  }

  // ---- DrainNotifier -----------------------------------------------------------------------

  /** The data plane reports that a terminating pod with a closed listener has nothing left. */
  podDrained(pod: PodId): void {
    const p = this.allPods[pod];
    if (p !== undefined) this.kubelet.podDrained(p);
  }

  // ---- Read access -------------------------------------------------------------------------

  get nodeCount(): number {
    return this.nodeStates.length;
  }

  /** Every pod ever created, indexed by id. */
  get pods(): readonly Pod[] {
    return this.allPods;
  }

  pod(id: PodId): Pod {
    const p = this.allPods[id];
    if (p === undefined) throw new RangeError(`no pod ${id}`);
    return p;
  }

  isNodeAlive(node: NodeId): boolean {
    return (this.nodeStates[node] as NodeState).alive;
  }

  nodeIp(node: NodeId): Ip {
    return (this.nodeStates[node] as NodeState).ip;
  }

  nodePodCidr(node: NodeId): Ip {
    return (this.nodeStates[node] as NodeState).podCidr;
  }

  /** Pods on `node` that are not Gone. */
  podsOnNode(node: NodeId): PodId[] {
    return [...(this.nodeStates[node] as NodeState).pods];
  }

  /** Desired replicas. */
  get desiredReplicas(): number {
    return this.deployment.replicas;
  }

  /** The workload's newest revision (the Deployment's newest ReplicaSet). */
  get revision(): number {
    return this.deployment.revision;
  }

  /** deployment.kind: which controller runs the workload. */
  get workloadKind(): WorkloadKind {
    return this.deployment.kind;
  }

  /** The workload's controller (read access for tests and outputs). */
  get workload(): WorkloadController {
    return this.deployment;
  }

  /** Non-terminating pods (what maxSurge bounds). */
  activePodCount(): number {
    return this.deployment.activePodCount();
  }

  /** Non-terminating pods Ready for minReadySeconds (what maxUnavailable bounds). */
  availablePodCount(): number {
    return this.deployment.availablePodCount();
  }

  /** Whether a rollout is still replacing old pods. */
  get rollingOut(): boolean {
    return this.deployment.rolloutInProgress;
  }

  /** Whether `ip` is in the ideal usable endpoint set (ground truth: ready, else serving-terminating). */
  idealContains(ip: Ip): boolean {
    const id = this.podAt(ip);
    if (id === NO_POD) return false;
    const p = this.allPods[id] as Pod;
    return this.idealReadyCount > 0 ? p.idealReady : p.idealServingTerminating;
  }

  /** Size of the ideal usable set. */
  idealSize(): number {
    return this.idealReadyCount > 0 ? this.idealReadyCount : this.idealServingTerminatingCount;
  }

  // ---- Churn actions -----------------------------------------------------------------------

  /**
   * A new revision, the rolling update starts now: `template` is the index of its pod template
   * in options.templates (a bad release), or the current template (kubectl rollout restart).
   */
  rollout(template?: number): void {
    if (template !== undefined && this.options.templates[template] === undefined) {
      throw new RangeError(`rollout: no pod template ${template}`);
    }
    this.deployment.rollout(template);
  }

  /** kubectl scale: desired replicas now. */
  scale(replicas: number): void {
    this.deployment.scale(replicas);
  }

  /** Graceful deletion (kubectl delete pod): Terminating now; the ReplicaSet replaces it. */
  deletePod(id: PodId): void {
    const p = this.pod(id);
    if (p.gone || p.terminating) return;
    this.beginTermination(p);
  }

  /**
   * The container dies (crash, OOM kill): in-flight work is reset; the kubelet restarts it in
   * place (same pod, same IP) after the CrashLoopBackOff delay.
   */
  restartContainer(id: PodId): void {
    this.kubelet.restartContainer(this.pod(id));
  }

  /**
   * The pod fails for good (evicted, or killed without restart): its container dies with
   * in-flight work reset, the pod object is deleted, its IP released; the ReplicaSet creates a
   * replacement with a new IP.
   */
  replacePod(id: PodId): void {
    const p = this.pod(id);
    if (p.gone || p.lost) return;
    if (p.running) this.kubelet.killContainer(p, 'pod-killed');
    this.finalize(p);
  }

  /**
   * Node failure: its pods vanish without a reset, its kubelet and kube-proxy stop. After
   * nodeMonitorGracePeriod the node controller marks its pods NotReady; `tolerationSeconds`
   * later (node.kubernetes.io/unreachable NoExecute taint) they are evicted and the ReplicaSet
   * recreates them on live nodes.
   */
  failNode(node: NodeId, tolerationSeconds = 300): void {
    const n = this.nodeStates[node];
    if (n === undefined) throw new RangeError(`node-failure: no node ${node}`);
    if (!n.alive) return;
    n.alive = false;
    n.failedAt = this.sim.now;
    this.event('node-failed', NO_POD, node, `${n.pods.size} pods lost`);
    for (const id of n.pods) {
      const p = this.allPods[id] as Pod;
      p.lost = true;
      this.cancelTimers(p);
      this.callbacks.observer?.podUnreachable?.(id);
      this.updateIdeal(p, true);
    }
    for (const l of this.listeners) l.nodeFailed?.(node);
    this.callbacks.onNodeFailed?.(node);
    this.nodeController.nodeLost(node, tolerationSeconds);
    // The workload's desired pods may depend on the live nodes (a DaemonSet's do).
    this.deployment.nodeFailed?.(node);
  }

  /**
   * A `refuse` fault starts or ends on the pod: its listener is closed to new connections (the
   * kernel answers RST) while the pod stays Ready and established connections keep working.
   */
  setRefusing(id: PodId, on: boolean): void {
    const p = this.pod(id);
    p.refusing = Math.max(0, p.refusing + (on ? 1 : -1));
  }

  // ---- Transitions -------------------------------------------------------------------------

  private createPod(req: PodRequest, steady: boolean): Pod | undefined {
    const node = req.node === undefined ? this.scheduler.scheduleNode() : this.pinnedNode(req.node);
    if (node === undefined) {
      this.event(
        'unschedulable',
        NO_POD,
        req.node ?? -1,
        req.node === undefined ? 'no live node with room' : 'its node is down or full',
      );
      return undefined;
    }
    const id = this.allPods.length;
    const ip = node.ipam.allocate();
    // A StatefulSet pod's stable name is <name>-<ordinal>; others: <name>-r<revision>-<id>
    // (as a ReplicaSet's <name>-<hash>-<suffix>).
    const base = this.options.deployment.name;
    const name =
      req.ordinal === undefined ? `${base}-r${req.revision}-${id}` : `${base}-${req.ordinal}`;
    const p = new Pod(id, name, node.id, ip, req.revision, this.sim.now);
    p.template = req.template;
    if (req.ordinal !== undefined) p.ordinal = req.ordinal;
    this.allPods.push(p);
    this.podByIp[ip - this.ipBase] = id;
    node.pods.add(id);
    node.active++;
    req.into.add(id);
    this.callbacks.observer?.podCreated(id, node.id, ip);
    if (!steady) {
      this.event('pod-created', id, node.id, name);
      this.kubelet.podBound(p);
      this.notifyChanged(p);
    } else this.makeSteady(p);
    return p;
  }

  /** The node a pinned pod must run on, if it can take it now (alive, room, a free IP). */
  private pinnedNode(node: NodeId): NodeState | undefined {
    const n = this.nodeStates[node];
    if (n === undefined || !n.alive) return undefined;
    if (n.pods.size >= this.options.maxPodsPerNode || !n.ipam.hasFree()) return undefined;
    return n;
  }

  /** deletionTimestamp set: the endpoint is not ready at once; the kubelet stops the pod. */
  private beginTermination(p: Pod): void {
    const now = this.sim.now;
    p.terminating = true;
    p.deletionAt = now;
    p.phase = 'Terminating';
    this.deactivate(p);
    this.sim.cancel(p.availableHandle);
    this.event('terminating', p.id, p.node, '');
    this.notifyReady(p);
    this.updateIdeal(p, true);
    this.notifyChanged(p);
    this.deployment.requestReconcile();
    this.kubelet.terminate(p);
  }

  /** The pod object is deleted: IP released, endpoint removed. */
  private finalize(p: Pod): void {
    if (p.gone) return;
    this.cancelTimers(p);
    p.running = false;
    p.listening = false;
    p.probeReady = false;
    p.phase = 'Gone';
    p.deletedAt = this.sim.now;
    this.deactivate(p);
    const n = this.nodeStates[p.node] as NodeState;
    n.pods.delete(p.id);
    if (!p.lost) {
      n.ipam.release(p.ip);
      this.podByIp[p.ip - this.ipBase] = NO_POD;
    }
    this.notifyReady(p);
    this.updateIdeal(p, true);
    this.callbacks.observer?.podDeleted(p.id);
    this.event('pod-deleted', p.id, p.node, '');
    this.notifyChanged(p);
    this.deployment.requestReconcile();
  }

  private deactivate(p: Pod): void {
    if (this.deployment.deactivate(p)) (this.nodeStates[p.node] as NodeState).active--;
  }

  private cancelTimers(p: Pod): void {
    this.sim.cancel(p.probeHandle);
    this.sim.cancel(p.stepHandle);
    this.sim.cancel(p.termHandle);
    this.sim.cancel(p.killHandle);
    this.sim.cancel(p.availableHandle);
    p.probeHandle = NO_EVENT;
    p.stepHandle = NO_EVENT;
    p.termHandle = NO_EVENT;
    p.killHandle = NO_EVENT;
    p.availableHandle = NO_EVENT;
  }

  private setProbeReady(p: Pod, ready: boolean): void {
    if (p.probeReady === ready) return;
    p.probeReady = ready;
    p.readyChangedAt = this.sim.now;
    this.event(ready ? 'ready' : 'not-ready', p.id, p.node, '');
    this.notifyReady(p);
    this.updateIdeal(p, true);
    this.notifyChanged(p);
    if (!p.terminating) this.deployment.readyChanged(p, ready);
  }

  private notifyReady(p: Pod): void {
    const ready = p.endpointReady && !p.gone;
    if (ready === p.observedReady) return;
    p.observedReady = ready;
    this.callbacks.observer?.readyChanged(p.id, ready, p.readyChangedAt);
  }

  private notifyChanged(p: Pod): void {
    for (const l of this.listeners) l.podChanged?.(p);
  }

  /**
   * Recomputes the pod's membership in the ideal usable set (ground truth as an instantaneous
   * control plane would program it: Ready, not terminating, on a live node; if no pod is, the
   * Ready-and-terminating ones, per KEP-1669) and tells listeners what changed.
   */
  private updateIdeal(p: Pod, notify: boolean): void {
    const alive = !p.gone && !p.lost;
    const r = alive && p.probeReady && !p.terminating;
    const st = alive && p.probeReady && p.terminating;
    if (r === p.idealReady && st === p.idealServingTerminating) return;
    const oldFallback = this.idealReadyCount === 0;
    const oldMember = oldFallback ? p.idealServingTerminating : p.idealReady;
    this.idealReadyCount += (r ? 1 : 0) - (p.idealReady ? 1 : 0);
    this.idealServingTerminatingCount += (st ? 1 : 0) - (p.idealServingTerminating ? 1 : 0);
    p.idealReady = r;
    p.idealServingTerminating = st;
    if (!notify) return;
    const newFallback = this.idealReadyCount === 0;
    if (oldFallback !== newFallback) {
      for (const l of this.listeners) l.idealReset?.();
      return;
    }
    const newMember = newFallback ? st : r;
    if (newMember !== oldMember) for (const l of this.listeners) l.idealChanged?.(p.ip, newMember);
  }

  private event(event: string, pod: PodId, node: NodeId, detail: string): void {
    this.callbacks.onEvent?.(this.sim.now, event, pod, node, detail);
  }
}
