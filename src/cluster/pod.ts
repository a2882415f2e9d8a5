import type { EventHandle } from '../engine/simulation.js';
import { NO_EVENT } from '../engine/simulation.js';
import type { IpAllocator } from './ip-allocator.js';
import type { Ip, NodeId, PodId, PodPhase } from './types.js';

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
  /** Pod template it runs (index into the cluster's templates; 0 = deployment.pod). */
  template = 0;
  /** StatefulSet ordinal (its name is `<name>-<ordinal>`); -1 for other kinds. */
  ordinal = -1;
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
  /** Active `refuse` faults: the listener is closed (new connections get RST), still Ready. */
  refusing = 0;
  /** CrashLoopBackOff entry (k8s.io/client-go/util/flowcontrol Backoff): 0 = none. */
  backoff = 0;
  backoffUpdatedAt = Number.NaN;
  probeSuccesses = 0;
  probeFailures = 0;
  /** When the kubelet's PLEG sees the current container start (the pod sync it triggers). */
  seenAt = Number.NaN;
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

export interface ReplicaSet {
  readonly revision: number;
  /** Pod template of this revision (index into the cluster's templates). */
  readonly template: number;
  spec: number;
  /** Active pods: not terminating, not gone. Insertion-ordered (creation order). */
  readonly pods: Set<PodId>;
}

export interface NodeState {
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
