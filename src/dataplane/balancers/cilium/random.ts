import type { Rng } from '../../../engine/index.js';
import { uniformIndex } from '../choice.js';

/**
 * Cilium's default service load balancing, `--bpf-lb-algorithm=random` (bpf/lib/lb.h
 * `lb4_select_backend_id_random`: a backend slot drawn with `get_prandom_u32() % count`).
 * With socket-LB (the kube-proxy replacement's default for in-cluster clients) the choice is
 * made once at `connect()` and the socket is connected to the backend IP itself: every packet
 * of that connection goes there, nothing rebalances an established connection, and a removed
 * backend keeps its connections until they break. State is per node (each node's BPF maps).
 */
export class CiliumRandom {
  /** The backend index for a new connection among `count`, or -1 with none. */
  pick(count: number, rng: Rng): number {
    return count === 0 ? -1 : uniformIndex(rng, count);
  }
}
