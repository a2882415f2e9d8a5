import type { NodeId } from '../cluster/types.js';
import type { Rng, Simulation } from '../engine/index.js';
import type { ExternalClientOptions } from './path-options.js';

/**
 * The external load balancer in front of a NodePort Service (a cloud network LB): spreads new
 * connections uniformly over the nodes it targets that its health checks consider healthy.
 *
 * Health checks: every `healthCheckInterval` it probes each node's healthCheckNodePort;
 * `probe(node)` answers as kube-proxy's health server would (node up, and for
 * externalTrafficPolicy Local at least one local endpoint programmed). A node is taken out
 * after `unhealthyThreshold` consecutive failures and put back after `healthyThreshold`
 * successes, so the LB keeps sending to a node with no local endpoint for up to
 * interval x unhealthyThreshold. When no node is healthy it fails open (all targets), as
 * AWS NLB and GCP passthrough LBs do. The run starts with every target healthy (steady state).
 */
export class ExternalLb {
  readonly targets: Int32Array;
  private readonly healthy: Uint8Array;
  private readonly okRun: Int32Array;
  private readonly failRun: Int32Array;
  private healthyCount: number;
  private readonly healthyList: Int32Array;
  private listDirty = false;

  constructor(
    private readonly sim: Simulation,
    nodeCount: number,
    private readonly options: ExternalClientOptions,
    private readonly probe: (node: NodeId) => boolean,
  ) {
    const targets = options.nodes ?? Array.from({ length: nodeCount }, (_, i) => i);
    if (targets.length === 0) throw new RangeError('external.nodes: expected at least one node');
    for (const n of targets) {
      if (!Number.isInteger(n) || n < 0 || n >= nodeCount) {
        throw new RangeError(
          `external.nodes: expected node indices in [0, ${nodeCount - 1}], got ${n}`,
        );
      }
    }
    this.targets = Int32Array.from(targets);
    this.healthy = new Uint8Array(this.targets.length).fill(1);
    this.okRun = new Int32Array(this.targets.length);
    this.failRun = new Int32Array(this.targets.length);
    this.healthyCount = this.targets.length;
    this.healthyList = Int32Array.from(this.targets);
    const kind = sim.register('external-lb:health-check', () => this.check());
    this.kind = kind;
    sim.schedule(options.healthCheckInterval, kind, 0);
  }
  private readonly kind: number;

  /** Node for a new connection (one draw from `rng`). */
  pick(rng: Rng): NodeId {
    if (this.listDirty) this.rebuild();
    if (this.healthyCount === 0) {
      return this.targets[Math.floor(rng.next() * this.targets.length)] as number;
    }
    return this.healthyList[Math.floor(rng.next() * this.healthyCount)] as number;
  }

  /** Whether the LB currently considers `node` healthy (for tests and gauges). */
  isHealthy(node: NodeId): boolean {
    const i = this.targets.indexOf(node);
    return i >= 0 && this.healthy[i] === 1;
  }

  private check(): void {
    const o = this.options;
    for (let i = 0; i < this.targets.length; i++) {
      const ok = this.probe(this.targets[i] as number);
      if (ok) {
        this.failRun[i] = 0;
        this.okRun[i] = (this.okRun[i] as number) + 1;
        if (this.healthy[i] === 0 && (this.okRun[i] as number) >= o.healthyThreshold) {
          this.healthy[i] = 1;
          this.listDirty = true;
        }
      } else {
        this.okRun[i] = 0;
        this.failRun[i] = (this.failRun[i] as number) + 1;
        if (this.healthy[i] === 1 && (this.failRun[i] as number) >= o.unhealthyThreshold) {
          this.healthy[i] = 0;
          this.listDirty = true;
        }
      }
    }
    this.sim.schedule(o.healthCheckInterval, this.kind, 0);
  }

  private rebuild(): void {
    let n = 0;
    for (let i = 0; i < this.targets.length; i++) {
      if (this.healthy[i] === 1) this.healthyList[n++] = this.targets[i] as number;
    }
    this.healthyCount = n;
    this.listDirty = false;
  }
}
