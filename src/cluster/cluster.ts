import type { RandomSource, Rng } from '../engine/random.js';
import type { EventHandle, EventKind, Simulation } from '../engine/simulation.js';
import { NO_EVENT } from '../engine/simulation.js';
import { IpAllocator, parseCidr } from './ip-allocator.js';
import type { ResolvedClusterOptions } from './options.js';
import {
  newReplicaSetReplicas,
  type RsCounts,
  resolveFenceposts,
  scaleDownOldReplicaSets,
} from './rolling.js';
import {
  type DrainNotifier,
  type GroundTruth,
  type Ip,
  NO_POD,
  type NodeId,
  type PodId,
  type PodLifecycleObserver,
  type PodPhase,
} from './types.js';

/**
 * One pod as ground truth knows it. Fields are public for reading (tests, outputs, the control
 * plane); only Cluster writes them.
 */
export class Pod {
  readonly id: PodId;
  readonly name: string;
  readonly node: NodeId;
  readonly ip: Ip;
  /** Deployment revision (ReplicaSet generation, 1 = the initial one). */
  readonly revision: number;
  readonly createdAt: number;
  /** When the pod object went away and its IP was released (NaN while it exists). */
  deletedAt = Number.NaN;
  phase: PodPhase = 'Pending';
  /** The container is running (false while Pending, crashed, in back-off, or after exit). */
  running = false;
  /** The app accepts connections. */
  listening = false;
  listeningSince = Number.NaN;
  /** The pod's Ready condition (kubelet readiness result; node controller may force False). */
  probeReady = false;
  /** Last time probeReady changed (the EndpointSlice change's ground-truth time). */
  readyChangedAt = Number.NaN;
  /** deletionTimestamp is set. */
  terminating = false;
  deletionAt = Number.NaN;
  sigtermAt = Number.NaN;
  containerStartedAt = Number.NaN;
  restarts = 0;
  /** Its node died: the pod answers nothing and its kubelet does nothing more. */
  lost = false;
  /** CrashLoopBackOff entry (k8s.io/client-go/util/flowcontrol Backoff): 0 = none. */
  backoff = 0;
  backoffUpdatedAt = Number.NaN;
  probeSuccesses = 0;
  probeFailures = 0;
  readyDelay = 0;
  /** Readiness as last reported to the observer (endpoint-ready: probeReady && !terminating). */
  observedReady = false;
  idealReady = false;
  idealServingTerminating = false;
  /** Timers (NO_EVENT when none). */
  probeHandle: EventHandle = NO_EVENT;
  stepHandle: EventHandle = NO_EVENT;
  termHandle: EventHandle = NO_EVENT;
  killHandle: EventHandle = NO_EVENT;
  availableHandle: EventHandle = NO_EVENT;

  constructor(id: PodId, name: string, node: NodeId, ip: Ip, revision: number, createdAt: number) {
    this.id = id;
    this.name = name;
    this.node = node;
    this.ip = ip;
    this.revision = revision;
    this.createdAt = createdAt;
  }

  /** What the EndpointSlice controller writes as `ready`: Ready and not terminating. */
  get endpointReady(): boolean {
    return this.probeReady && !this.terminating;
  }

  get gone(): boolean {
    return this.phase === 'Gone';
  }
}

interface ReplicaSet {
  readonly revision: number;
  spec: number;
  /** Active pods: not terminating, not gone. Insertion-ordered (creation order). */
  readonly pods: Set<PodId>;
}

interface NodeState {
  readonly id: NodeId;
  readonly ip: Ip;
  readonly podCidr: Ip;
  readonly ipam: IpAllocator;
  alive: boolean;
  failedAt: number;
  /** Pods (any phase but Gone) on this node. */
  readonly pods: Set<PodId>;
  /** Active pods of the Deployment (scheduler spreading). */
  active: number;
}

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
 * Ground truth: nodes, pods and their lifecycle, the Deployment with its ReplicaSets, and node
 * failures. Implements the data plane's GroundTruth view and accepts DrainNotifier calls.
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
  private readonly startupRng: Rng;
  private readonly probeRng: Rng;
  private readonly schedulerRng: Rng;

  private readonly nodeStates: NodeState[] = [];
  private readonly allPods: Pod[] = [];
  private readonly replicaSets: ReplicaSet[] = [];
  /** Desired replicas (spec.replicas of the Deployment). */
  private replicas: number;
  private rolloutInProgress = false;

  /** IP -> pod, indexed by offset from the first node's pod CIDR (no hashing per request). */
  private readonly podByIp: Int32Array;
  private readonly ipBase: number;
  private readonly nodeRangeSize: number;

  private idealReadyCount = 0;
  private idealServingTerminatingCount = 0;
  private started = false;
  private reconcilePending = false;

  private readonly kStarted: EventKind;
  private readonly kListen: EventKind;
  private readonly kProbe: EventKind;
  private readonly kSigterm: EventKind;
  private readonly kCloseListener: EventKind;
  private readonly kExit: EventKind;
  private readonly kSigkill: EventKind;
  private readonly kRestart: EventKind;
  private readonly kAvailable: EventKind;
  private readonly kReconcile: EventKind;
  private readonly kNodeNotReady: EventKind;
  private readonly kEvict: EventKind;
  private readonly evictionDelay: number[] = [];

  constructor(
    sim: Simulation,
    options: ResolvedClusterOptions,
    random: RandomSource,
    callbacks: ClusterCallbacks = {},
  ) {
    this.sim = sim;
    this.options = options;
    this.callbacks = callbacks;
    this.replicas = options.deployment.replicas;
    this.startupRng = random.stream('cluster:startup');
    this.probeRng = random.stream('cluster:probe');
    this.schedulerRng = random.stream('cluster:scheduler');
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

    this.kStarted = sim.register('pod:container-started', (id) => this.onContainerStarted(id));
    this.kListen = sim.register('pod:listening', (id) => this.onListening(id));
    this.kProbe = sim.register('pod:readiness-probe', (id) => this.onProbe(id));
    this.kSigterm = sim.register('pod:sigterm', (id) => this.onSigterm(id));
    this.kCloseListener = sim.register('pod:listener-close', (id) => this.onCloseListener(id));
    this.kExit = sim.register('pod:exit', (id) => this.onExit(id));
    this.kSigkill = sim.register('pod:sigkill', (id) => this.onSigkill(id));
    this.kRestart = sim.register('pod:restart', (id) => this.onRestart(id));
    this.kAvailable = sim.register('pod:available', () => this.requestReconcile());
    this.kReconcile = sim.register('deployment:sync', () => this.reconcile());
    this.kNodeNotReady = sim.register('node:not-ready', (n) => this.onNodeNotReady(n));
    this.kEvict = sim.register('node:evict-pods', (n) => this.onEvictPods(n));
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
    const rs: ReplicaSet = { revision: 1, spec: this.replicas, pods: new Set() };
    this.replicaSets.push(rs);
    if (this.options.initialState === 'steady') {
      const period = this.options.pod.readinessProbe.periodSeconds;
      for (let i = 0; i < this.replicas; i++) {
        const p = this.createPod(rs, true);
        if (p === undefined) break;
        // Running for a long time already: no back-off history, Ready long enough to count as
        // available, probes on a grid of random phase (kubelet starts each worker at its own time).
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
        if (this.options.pod.readinessProbe.enabled) {
          p.probeHandle = this.sim.schedule(this.probeRng.next() * period, this.kProbe, p.id);
        }
        for (const l of this.listeners) l.containerStarted?.(p);
      }
    } else {
      this.syncReplicaSet(rs);
    }
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
    return p?.listening === true && !p.lost;
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
    if (p === undefined || !p.terminating || !p.running || p.listening || p.lost) return;
    if (this.sim.isPending(p.termHandle)) return;
    // Exit as an event at the same instant: never re-enter the data plane from its own call.
    p.termHandle = this.sim.schedule(0, this.kExit, pod);
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
    return this.replicas;
  }

  /** Current Deployment revision (the newest ReplicaSet). */
  get revision(): number {
    return this.replicaSets.length;
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

  /** Whether a rollout is still replacing old pods. */
  get rollingOut(): boolean {
    return this.rolloutInProgress;
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

  /** kubectl rollout restart: a new revision; the rolling update starts now. */
  rollout(): void {
    this.replicaSets.push({ revision: this.replicaSets.length + 1, spec: 0, pods: new Set() });
    this.rolloutInProgress = true;
    this.event('rollout-started', NO_POD, -1, `revision ${this.replicaSets.length}`);
    this.requestReconcile();
  }

  /** kubectl scale: desired replicas now. */
  scale(replicas: number): void {
    if (!Number.isInteger(replicas) || replicas < 0) {
      throw new RangeError(`scale: expected an integer >= 0, got ${replicas}`);
    }
    this.replicas = replicas;
    this.event('scaled', NO_POD, -1, `replicas ${replicas}`);
    this.requestReconcile();
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
    const p = this.pod(id);
    if (p.gone || p.lost || !p.running) return;
    this.killContainer(p, 'container-crashed');
    if (p.terminating) {
      // A terminating pod's container is not restarted.
      this.finalize(p);
      return;
    }
    // kuberuntime doBackOff: in back-off if a window is open since the last restart
    // (flowcontrol.Backoff.IsInBackOffSince; entries expire after 2 x max = 10 min).
    const bo = this.options.pod.restartBackoff;
    const now = this.sim.now;
    const expired = !(p.backoff > 0) || now - p.backoffUpdatedAt > 2 * bo.max;
    const delay = expired ? 0 : p.backoff;
    p.stepHandle = this.sim.schedule(delay, this.kRestart, id);
    this.event('back-off', id, p.node, `restart in ${delay}s`);
  }

  /**
   * The pod fails for good (evicted, or killed without restart): its container dies with
   * in-flight work reset, the pod object is deleted, its IP released; the ReplicaSet creates a
   * replacement with a new IP.
   */
  replacePod(id: PodId): void {
    const p = this.pod(id);
    if (p.gone || p.lost) return;
    if (p.running) this.killContainer(p, 'pod-killed');
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
    this.evictionDelay[node] = tolerationSeconds;
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
    this.sim.schedule(this.options.nodeMonitorGracePeriod, this.kNodeNotReady, node);
  }

  // ---- Lifecycle handlers ------------------------------------------------------------------

  private onContainerStarted(id: PodId): void {
    const p = this.allPods[id] as Pod;
    p.stepHandle = NO_EVENT;
    p.phase = 'Running';
    this.startContainer(p);
    // The probe worker starts with the first container and keeps its grid across restarts.
    if (this.options.pod.readinessProbe.enabled && p.probeHandle === NO_EVENT) {
      p.probeHandle = this.sim.schedule(0, this.kProbe, id);
    }
  }

  private startContainer(p: Pod): void {
    p.running = true;
    p.containerStartedAt = this.sim.now;
    p.probeSuccesses = 0;
    p.probeFailures = 0;
    this.event('container-started', p.id, p.node, p.restarts > 0 ? `restart ${p.restarts}` : '');
    const delay = this.options.pod.appStartDelay.sample(this.startupRng);
    p.readyDelay = this.options.pod.appReadyDelay.sample(this.startupRng);
    if (!this.options.pod.readinessProbe.enabled) {
      // Without a readiness probe the kubelet reports Ready once the container runs, listening
      // or not (pod-lifecycle docs: container probes).
      this.setProbeReady(p, true);
    }
    p.stepHandle = this.sim.schedule(delay, this.kListen, p.id);
    for (const l of this.listeners) l.containerStarted?.(p);
  }

  private onListening(id: PodId): void {
    const p = this.allPods[id] as Pod;
    p.stepHandle = NO_EVENT;
    if (!p.running || p.lost || !Number.isNaN(p.sigtermAt)) return;
    p.listening = true;
    p.listeningSince = this.sim.now;
    this.callbacks.observer?.listenerOpened(id);
    this.event('listening', id, p.node, '');
  }

  /** One readiness probe on the pod's grid (kubelet prober worker). */
  private onProbe(id: PodId): void {
    const p = this.allPods[id] as Pod;
    const probe = this.options.pod.readinessProbe;
    p.probeHandle = this.sim.schedule(probe.periodSeconds, this.kProbe, id);
    if (!p.running) return;
    if (this.sim.now - p.containerStartedAt < probe.initialDelaySeconds) return;
    const now = this.sim.now;
    let ok = p.listening && now - p.listeningSince >= p.readyDelay;
    if (ok && this.options.pod.appReadiness === 'fail-on-sigterm' && !Number.isNaN(p.sigtermAt)) {
      ok = false;
    }
    if (ok) {
      p.probeSuccesses++;
      p.probeFailures = 0;
      if (!p.probeReady && p.probeSuccesses >= probe.successThreshold) this.setProbeReady(p, true);
    } else {
      p.probeFailures++;
      p.probeSuccesses = 0;
      if (p.probeReady && p.probeFailures >= probe.failureThreshold) this.setProbeReady(p, false);
    }
  }

  private onSigterm(id: PodId): void {
    const p = this.allPods[id] as Pod;
    p.termHandle = NO_EVENT;
    if (!p.running || p.lost) return;
    p.sigtermAt = this.sim.now;
    this.event('sigterm', id, p.node, '');
    if (this.options.pod.onSigterm === 'exit') {
      this.killContainer(p, 'exited');
      this.finalize(p);
      return;
    }
    const d = this.options.pod.listenerCloseDelay;
    if (d > 0) p.termHandle = this.sim.schedule(d, this.kCloseListener, id);
    else this.onCloseListener(id);
  }

  private onCloseListener(id: PodId): void {
    const p = this.allPods[id] as Pod;
    p.termHandle = NO_EVENT;
    if (!p.running || p.lost) return;
    if (p.listening) {
      p.listening = false;
      this.callbacks.observer?.listenerClosed(id);
      this.event('listener-closed', id, p.node, '');
    }
    if (!this.options.awaitDrain && !this.sim.isPending(p.termHandle)) {
      p.termHandle = this.sim.schedule(0, this.kExit, id);
    }
  }

  private onExit(id: PodId): void {
    const p = this.allPods[id] as Pod;
    p.termHandle = NO_EVENT;
    if (p.gone || p.lost) return;
    this.event('exited', id, p.node, 'drained');
    p.running = false;
    this.finalize(p);
  }

  private onSigkill(id: PodId): void {
    const p = this.allPods[id] as Pod;
    p.killHandle = NO_EVENT;
    if (p.gone || p.lost) return;
    if (p.running) this.killContainer(p, 'sigkill');
    this.finalize(p);
  }

  private onRestart(id: PodId): void {
    const p = this.allPods[id] as Pod;
    p.stepHandle = NO_EVENT;
    if (p.gone || p.lost || p.terminating) return;
    // flowcontrol.Backoff.Next: a new entry starts at `initial`, an existing one doubles to
    // `max`; an entry not updated for 2 x max is expired and starts over.
    const bo = this.options.pod.restartBackoff;
    const now = this.sim.now;
    if (!(p.backoff > 0) || now - p.backoffUpdatedAt > 2 * bo.max) p.backoff = bo.initial;
    else p.backoff = Math.min(p.backoff * 2, bo.max);
    p.backoffUpdatedAt = now;
    p.restarts++;
    this.startContainer(p);
  }

  private onNodeNotReady(node: NodeId): void {
    const n = this.nodeStates[node] as NodeState;
    this.event('node-not-ready', NO_POD, node, 'pods marked NotReady');
    // nodelifecycle controller MarkPodsNotReady.
    for (const id of n.pods) this.setProbeReady(this.allPods[id] as Pod, false);
    this.sim.schedule(this.evictionDelay[node] ?? 300, this.kEvict, node);
  }

  private onEvictPods(node: NodeId): void {
    const n = this.nodeStates[node] as NodeState;
    this.event('node-pods-evicted', NO_POD, node, `${n.pods.size} pods`);
    // Taint-based eviction deletes the pods; with the kubelet gone they stay Terminating (their
    // endpoints terminating, not serving) while the ReplicaSet replaces them.
    for (const id of [...n.pods]) {
      const p = this.allPods[id] as Pod;
      if (!p.terminating) this.beginTermination(p);
    }
  }

  // ---- Transitions -------------------------------------------------------------------------

  private createPod(rs: ReplicaSet, steady: boolean): Pod | undefined {
    const node = this.scheduleNode();
    if (node === undefined) {
      this.event('unschedulable', NO_POD, -1, 'no live node with room');
      return undefined;
    }
    const id = this.allPods.length;
    const ip = node.ipam.allocate();
    const name = `${this.options.deployment.name}-r${rs.revision}-${id}`;
    const p = new Pod(id, name, node.id, ip, rs.revision, this.sim.now);
    this.allPods.push(p);
    this.podByIp[ip - this.ipBase] = id;
    node.pods.add(id);
    node.active++;
    rs.pods.add(id);
    this.callbacks.observer?.podCreated(id, node.id, ip);
    if (!steady) {
      this.event('pod-created', id, node.id, name);
      p.stepHandle = this.sim.schedule(
        this.options.pod.startup.sample(this.startupRng),
        this.kStarted,
        id,
      );
      this.notifyChanged(p);
    }
    return p;
  }

  /** Fewest active pods of the Deployment first (default spreading), ties at random. */
  private scheduleNode(): NodeState | undefined {
    let best: NodeState | undefined;
    let ties = 0;
    for (const n of this.nodeStates) {
      if (!n.alive || n.pods.size >= this.options.maxPodsPerNode || !n.ipam.hasFree()) continue;
      if (best === undefined || n.active < best.active) {
        best = n;
        ties = 1;
      } else if (n.active === best.active) {
        ties++;
        if (this.schedulerRng.next() * ties < 1) best = n;
      }
    }
    return best;
  }

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
    this.requestReconcile();
    if (p.lost) return;
    if (!p.running) {
      // Pending or in back-off: nothing to stop.
      this.sim.cancel(p.stepHandle);
      p.stepHandle = NO_EVENT;
      this.finalize(p);
      return;
    }
    const grace = this.options.pod.terminationGracePeriodSeconds;
    const preStop = this.options.pod.preStopSleep;
    // Pod termination flow: preStop runs first and counts against the grace period; if it is
    // still running when the period ends, SIGTERM is sent with a one-off 2 s extension.
    const sigtermAfter = Math.min(preStop, grace);
    const killAfter = preStop >= grace && preStop > 0 ? grace + 2 : grace;
    if (sigtermAfter > 0) p.termHandle = this.sim.schedule(sigtermAfter, this.kSigterm, p.id);
    else this.onSigterm(p.id);
    if (!p.gone) p.killHandle = this.sim.schedule(killAfter, this.kSigkill, p.id);
  }

  /** The container dies: in-flight work is lost with a reset. */
  private killContainer(p: Pod, why: string): void {
    p.running = false;
    p.listening = false;
    this.sim.cancel(p.stepHandle);
    p.stepHandle = NO_EVENT;
    this.callbacks.observer?.containerKilled(p.id);
    this.event(why, p.id, p.node, '');
    // The kubelet reports a dead container not Ready at once.
    this.setProbeReady(p, false);
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
    this.requestReconcile();
  }

  private deactivate(p: Pod): void {
    const rs = this.replicaSets[p.revision - 1] as ReplicaSet;
    if (rs.pods.delete(p.id)) (this.nodeStates[p.node] as NodeState).active--;
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
    if (!p.terminating) {
      const minReady = this.options.deployment.minReadySeconds;
      if (ready && minReady > 0) {
        this.sim.cancel(p.availableHandle);
        p.availableHandle = this.sim.schedule(minReady, this.kAvailable, p.id);
      }
      this.requestReconcile();
    }
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

  // ---- Deployment and ReplicaSet controllers -----------------------------------------------

  private requestReconcile(): void {
    if (this.reconcilePending || !this.started) return;
    this.reconcilePending = true;
    this.sim.schedule(0, this.kReconcile, 0);
  }

  private isAvailable(p: Pod): boolean {
    return (
      p.probeReady &&
      !p.terminating &&
      !p.gone &&
      this.sim.now - p.readyChangedAt >= this.options.deployment.minReadySeconds
    );
  }

  private countAvailable(rs: ReplicaSet): number {
    let n = 0;
    for (const id of rs.pods) if (this.isAvailable(this.allPods[id] as Pod)) n++;
    return n;
  }

  /** One Deployment sync (rolling update), then each ReplicaSet's sync. */
  private reconcile(): void {
    this.reconcilePending = false;
    const d = this.options.deployment;
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
        this.event('rollout-complete', NO_POD, -1, `revision ${n}`);
      }
    }
  }

  /** ReplicaSet controller: create or delete pods until active pods = spec. */
  private syncReplicaSet(rs: ReplicaSet): void {
    let diff = rs.spec - rs.pods.size;
    while (diff > 0) {
      if (this.createPod(rs, false) === undefined) return;
      diff--;
    }
    if (diff < 0) {
      // getPodsToDelete (controller_utils ActivePodsWithRanks): not Ready before Ready, Ready
      // for a shorter time first, then newer pods first.
      const ranked = [...rs.pods].map((id) => this.allPods[id] as Pod);
      ranked.sort((a, b) => {
        const ar = a.probeReady ? 1 : 0;
        const br = b.probeReady ? 1 : 0;
        if (ar !== br) return ar - br;
        if (a.running !== b.running) return a.running ? 1 : -1;
        if (ar === 1 && a.readyChangedAt !== b.readyChangedAt)
          return b.readyChangedAt - a.readyChangedAt;
        return b.createdAt - a.createdAt;
      });
      for (let i = 0; i < -diff; i++) this.beginTermination(ranked[i] as Pod);
    }
  }

  private event(event: string, pod: PodId, node: NodeId, detail: string): void {
    this.callbacks.onEvent?.(this.sim.now, event, pod, node, detail);
  }
}
