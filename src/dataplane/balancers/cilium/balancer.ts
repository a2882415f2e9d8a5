import type { NodeId } from '../../../cluster/types.js';
import type { EndpointSnapshot } from '../../../control-plane/endpoint-state.js';
import type { Distribution } from '../../../engine/distributions/index.js';
import type { Rng } from '../../../engine/index.js';
import { CiliumAgents } from '../../discovery/cilium-agent.js';
import { NodeTable } from '../../kube-proxy.js';
import type { NodeTables } from '../../path/connections.js';
import type {
  EndpointTable,
  L4Balancer,
  L4BalancerDescriptor,
  L7Environment,
} from '../../types.js';
import { uniformIndex } from '../choice.js';
import { fmix32, MaglevTable } from './maglev.js';
import { type CiliumOptions, ciliumOptions } from './options.js';

/**
 * `cilium-random` and `cilium-maglev`: Cilium's kube-proxy replacement, one datapath per node.
 * In-cluster clients are balanced by socket-LB at connect(): the backend is drawn once, uniform
 * (`--bpf-lb-algorithm=random`, bpf/lib/lb.h), the socket is connected to the pod IP itself,
 * and nothing rebalances it later (Maglev does not apply to E/W traffic: "sockets are assigned
 * to service backends directly ... and thus are not subject to Maglev", Cilium's
 * kube-proxy-free docs). External clients entering through a node (NodePort) go through the
 * node's service lookup: random, or with `cilium-maglev` the Maglev table (size
 * `maglevTableSize`, default 16381; the same on every node, see ./maglev.ts) indexed by the
 * flow's hash. Each node's backends come from its own cilium-agent (CiliumAgents: an informer
 * watch with `propagation.watchDelay` keyed per node, plus `agentDelay` until the BPF map
 * update), not from kube-proxy's sync. Connections to a removed backend are not terminated:
 * the agent destroys sockets to deleted backends for UDP only unless the hidden
 * `--lb-sock-terminate-all-protos` is set (daemon flags; default false), so TCP connections
 * live on until they break, as with kube-proxy's conntrack.
 */

/** Maglev tables by the endpoint table they were built from (one per backend set and run). */
const MAGLEV_MEMO = new WeakMap<EndpointTable, MaglevTable>();

/** One node's service lookup (socket-LB at connect, Maglev for external flows). */
export class CiliumNodeLb implements L4Balancer {
  constructor(
    private readonly rng: Rng,
    private readonly maglev: { readonly tableSize: number; readonly seed: number } | null,
  ) {}

  pick(table: EndpointTable, clientIp: number, external = false): number {
    const n = table.size;
    if (n === 0) return -1;
    const m = this.maglev;
    if (m === null || !external) return uniformIndex(this.rng, n);
    // The flow's 5-tuple hash: the client's address and the ephemeral source port it drew.
    const port = Math.floor(this.rng.next() * 0x10000);
    return this.maglevTable(table, m).lookup(
      fmix32((clientIp ^ Math.imul(port, 0x9e3779b1)) >>> 0),
    );
  }

  private maglevTable(
    table: EndpointTable,
    m: { readonly tableSize: number; readonly seed: number },
  ): MaglevTable {
    let t = MAGLEV_MEMO.get(table);
    if (t === undefined) {
      t = new MaglevTable(m.tableSize, m.seed);
      t.build(table.ips);
      MAGLEV_MEMO.set(table, t);
    }
    return t;
  }

  tableProgrammed(_table: EndpointTable): void {}
  connectionOpened(_ip: number): void {}
  connectionClosed(_ip: number): void {}
}

/** `d` shifted by a constant (the agent's processing until the BPF map update). */
function shifted(d: Distribution, by: number): Distribution {
  if (by === 0) return d;
  return {
    kind: d.kind,
    sample: (rng) => d.sample(rng) + by,
    mean: d.mean + by,
    variance: d.variance,
    quantile: (p) => d.quantile(p) + by,
    describe: () => `${d.describe()} + ${by}s`,
  };
}

/**
 * Every node's BPF service maps as its cilium-agent last wrote them: the NodeTables the
 * request path's connections read in place of kube-proxy's. One table per backend set, shared
 * by the nodes that hold it (so a Maglev table is built once per set). `start()` once the
 * controller has written the initial endpoints: every agent starts from that state.
 */
export class CiliumTables implements NodeTables {
  private agents: CiliumAgents | null = null;
  private readonly byNode: (NodeTable | undefined)[];
  private readonly local: (NodeTable | undefined)[];
  private readonly shared = new Map<number, NodeTable>();

  constructor(
    private readonly env: L7Environment,
    private readonly agentDelay: number,
    private readonly programmed: (node: NodeId) => void,
  ) {
    this.byNode = new Array(env.nodeCount).fill(undefined);
    this.local = new Array(env.nodeCount).fill(undefined);
  }

  start(): void {
    if (this.agents !== null) return;
    const e = this.env;
    this.agents = new CiliumAgents(
      e.feed,
      e.nodeCount,
      shifted(e.watchDelay, this.agentDelay),
      e.keyedStream('cilium:agent-watch'),
      (node, snap) => this.apply(node, snap),
    );
    for (let n = 0; n < e.nodeCount; n++) this.apply(n, this.agents.view(n));
  }

  private apply(node: NodeId, snap: EndpointSnapshot): void {
    let t = this.shared.get(snap.id);
    if (t === undefined) {
      t = new NodeTable(snap.id, snap);
      this.shared.set(snap.id, t);
      // Nodes move forward: keep the few newest sets.
      if (this.shared.size > 8) this.shared.delete(this.shared.keys().next().value as number);
    }
    this.byNode[node] = t;
    this.local[node] = undefined;
    this.programmed(node);
  }

  table(node: NodeId): EndpointTable | undefined {
    return this.byNode[node];
  }

  localTable(node: NodeId): EndpointTable | undefined {
    const t = this.byNode[node];
    if (t === undefined) return undefined;
    let l = this.local[node];
    if (l === undefined) {
      l = new NodeTable(t.version, t.snapshot, node);
      this.local[node] = l;
    }
    return l;
  }
}

const DISCOVERY =
  'agent watch -> BPF maps per node (no kube-proxy); socket-LB at connect() for in-cluster clients';

function tables(o: CiliumOptions, env: L7Environment, programmed: (node: NodeId) => void) {
  return new CiliumTables(env, o.agentDelay, programmed);
}

export const ciliumRandom: L4BalancerDescriptor<CiliumOptions> = {
  kind: 'l4',
  name: 'cilium-random',
  family: 'cilium',
  description: `Cilium kube-proxy replacement, --bpf-lb-algorithm=random: uniform per connection; ${DISCOVERY}`,
  options: ciliumOptions,
  create: (ctx) => new CiliumNodeLb(ctx.rng, null),
  nodeTables: tables,
};

export const ciliumMaglev: L4BalancerDescriptor<CiliumOptions> = {
  kind: 'l4',
  name: 'cilium-maglev',
  family: 'cilium',
  description: `Cilium kube-proxy replacement, --bpf-lb-algorithm=maglev: Maglev table (M 16381, same on every node) for NodePort flows; ${DISCOVERY}`,
  options: ciliumOptions,
  create: (ctx, o) =>
    new CiliumNodeLb(ctx.rng, { tableSize: o.maglevTableSize, seed: o.maglevHashSeed }),
  nodeTables: tables,
};
