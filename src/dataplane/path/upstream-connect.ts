import { type GroundTruth, NO_POD } from '../../cluster/types.js';
import type { PodServers } from '../pod-server.js';
import type { TryPool } from '../pools.js';
import { ErrorCause, ErrorKind } from '../types.js';

/**
 * What an L7 hop's SYN to upstream try `x`'s IP (`tries.ip[x]`) meets now: the pod, listening
 * (returned), or -1 with the try's error set: `connect_timeout` when nobody answers (no pod
 * behind the IP, or its node is gone: the hop waits for its connect timeout), `refused` when the
 * pod's kernel answers RST (not listening yet, or closed after SIGTERM). Shared by the hops that
 * dial pod IPs themselves (./proxy-hop.ts, ./mesh-hop.ts).
 */
export function synReaches(truth: GroundTruth, servers: PodServers, t: TryPool, x: number): number {
  const pod = truth.podAt(t.ip[x] as number);
  if (pod === NO_POD || !truth.isReachable(pod)) {
    t.errKind[x] = ErrorKind.connect_timeout;
    t.errCause[x] = pod === NO_POD ? ErrorCause.stale_endpoint : ErrorCause.node_failure;
    return -1;
  }
  if (!truth.isListening(pod)) {
    t.errKind[x] = ErrorKind.refused;
    t.errCause[x] = servers.isClosed(pod) ? ErrorCause.terminating_pod : ErrorCause.not_listening;
    return -1;
  }
  return pod;
}
