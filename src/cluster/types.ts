/**
 * Ground-truth types shared across layers. The cluster model owns the truth; the data plane and
 * the control plane see it only through these narrow, read-only interfaces.
 */

/** Index of a node in the cluster (0-based, dense). */
export type NodeId = number;
/** Index of a pod (0-based, dense, never reused within a run: a replacement pod gets a new id). */
export type PodId = number;
/** An IPv4 address as an unsigned 32-bit integer (10.244.1.7 = 0x0af40107). */
export type Ip = number;

export const NO_POD: PodId = -1;
export const NO_IP: Ip = -1;

/** Formats an IPv4 address held as an unsigned 32-bit integer. */
export function ipToString(ip: Ip): string {
  return `${(ip >>> 24) & 255}.${(ip >>> 16) & 255}.${(ip >>> 8) & 255}.${ip & 255}`;
}

/** Parses dotted-quad IPv4 into an unsigned 32-bit integer; throws on malformed input. */
export function ipFromString(s: string): Ip {
  const parts = s.split('.');
  if (parts.length !== 4) throw new Error(`not an IPv4 address: ${s}`);
  let ip = 0;
  for (const p of parts) {
    const n = Number(p);
    if (!Number.isInteger(n) || n < 0 || n > 255 || p === '') {
      throw new Error(`not an IPv4 address: ${s}`);
    }
    ip = ip * 256 + n;
  }
  return ip;
}

/** Pod phases as lbsim models them (Kubernetes phase plus the Terminating condition). */
export type PodPhase = 'Pending' | 'Running' | 'Terminating' | 'Gone';

/**
 * What a connection attempt to an IP meets, at the instant its SYN arrives. The data plane asks
 * this; it never sees anything else of ground truth.
 */
export interface GroundTruth {
  /** The pod that holds `ip` now, or NO_POD (never allocated, released, or its node died). */
  podAt(ip: Ip): PodId;
  /** Whether the pod's node is up (a dead node's pods answer nothing). */
  isReachable(pod: PodId): boolean;
  /** Whether the pod's application accepts connections now (else the kernel answers RST). */
  isListening(pod: PodId): boolean;
  /**
   * Whether a `refuse` fault is why the pod does not listen: the application is up and would
   * accept, but the fault closed its listener (errors.csv cause fault_refuse).
   */
  isRefusing(pod: PodId): boolean;
  /** Node the pod runs on. */
  nodeOf(pod: PodId): NodeId;
  /** Number of pods that exist and are Ready right now (for time series). */
  readyPodCount(): number;
}

/**
 * Lifecycle notifications from ground truth to the data plane (pod servers). Called
 * synchronously at the instant the change happens in the cluster.
 */
export interface PodLifecycleObserver {
  /** A pod object was created (Pending) with this IP on this node. */
  podCreated(pod: PodId, node: NodeId, ip: Ip): void;
  /** The application started listening (after container start + app start delay). */
  listenerOpened(pod: PodId): void;
  /**
   * Readiness changed (probe result, or Terminating). `since`: ground-truth time the Ready
   * condition last changed (a steady-state pod at the start of a run has been Ready for long).
   * Optional (added for slow start); absent means now.
   */
  readyChanged(pod: PodId, ready: boolean, since?: number): void;
  /**
   * The application closed its listener (after SIGTERM and the configured delay): new
   * connections are refused, in-flight and queued work continues (drain).
   */
  listenerClosed(pod: PodId): void;
  /**
   * The container died (crash, SIGKILL at the end of the grace period, node failure): every
   * in-flight and queued request is lost with a reset. For a restart in place the pod keeps
   * its IP and listenerOpened() follows later.
   */
  containerKilled(pod: PodId): void;
  /** The pod object is gone and its IP released (it may be reused by a later pod). */
  podDeleted(pod: PodId): void;
  /**
   * The pod's node failed: the pod vanished without sending anything (no reset). In-flight and
   * queued requests get no answer (their clients time out); the pod never serves again. Optional
   * (added for node failures; GroundTruth.isReachable(pod) is false from now on).
   */
  podUnreachable?(pod: PodId): void;
}

/**
 * What the cluster asks of the data plane during graceful termination: the data plane calls
 * `podDrained` when a pod whose listener is closed has no request left in flight or queued, so
 * the application can exit before SIGKILL.
 */
export interface DrainNotifier {
  podDrained(pod: PodId): void;
}
