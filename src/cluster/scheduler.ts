import type { Rng } from '../engine/random.js';
import type { NodeState } from './pod.js';

/**
 * kube-scheduler as lbsim models it: a node qualifies if it is alive, below maxPodsPerNode and
 * has a free pod IP; the default spreading puts the pod on the node with the fewest active pods
 * of the workload, ties at random (stream `cluster:scheduler`, reservoir choice: uniform).
 */
export class Scheduler {
  private readonly nodes: readonly NodeState[];
  private readonly maxPodsPerNode: number;
  private readonly rng: Rng;

  constructor(nodes: readonly NodeState[], maxPodsPerNode: number, rng: Rng) {
    this.nodes = nodes;
    this.maxPodsPerNode = maxPodsPerNode;
    this.rng = rng;
  }

  /** The node for a new pod, or undefined (unschedulable). */
  scheduleNode(): NodeState | undefined {
    let best: NodeState | undefined;
    let ties = 0;
    for (const n of this.nodes) {
      if (!n.alive || n.pods.size >= this.maxPodsPerNode || !n.ipam.hasFree()) continue;
      if (best === undefined || n.active < best.active) {
        best = n;
        ties = 1;
      } else if (n.active === best.active) {
        ties++;
        if (this.rng.next() * ties < 1) best = n;
      }
    }
    return best;
  }
}
