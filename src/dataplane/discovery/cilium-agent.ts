import type { EndpointFeed, EndpointSnapshot } from '../../control-plane/endpoint-state.js';
import type { Distribution } from '../../engine/distributions/index.js';
import type { KeyedStream, Rng } from '../../engine/index.js';
import { MaglevTable } from '../balancers/cilium/maglev.js';

/** Node n's agent wrote a new backend set into its BPF maps. */
export type NodeUpdate = (node: number, snapshot: EndpointSnapshot) => void;

/**
 * The cilium-agent of every node: its own informer watch (delay `watchDelay`, which includes
 * the agent's processing until the BPF map update), then the node's service maps hold the new
 * backends. Maglev tables depend only on the backend set and the cluster-wide seed, so one table
 * per snapshot is built once and shared by every node (the two most recent are kept).
 */
export class CiliumAgents {
  private readonly views: EndpointSnapshot[];
  private readonly tables: { id: number; table: MaglevTable }[] = [];

  constructor(
    private readonly feed: EndpointFeed,
    nodes: number,
    watchDelay: Distribution,
    watchRng: Rng | KeyedStream,
    private readonly onNodeUpdate: NodeUpdate,
    private readonly maglev?: { tableSize: number; seed: number },
  ) {
    const initial = feed.snapshotAt(feed.resourceVersion);
    this.views = new Array<EndpointSnapshot>(nodes).fill(initial);
    for (let n = 0; n < nodes; n++) {
      feed.watch(watchDelay, watchRng, (rv) => this.apply(n, rv), n);
    }
  }

  /** The backends node n's BPF maps hold. */
  view(node: number): EndpointSnapshot {
    return this.views[node] as EndpointSnapshot;
  }

  /** The Maglev table for node n's current backends (shared across nodes with the same set). */
  maglevTable(node: number): MaglevTable {
    const m = this.maglev;
    if (m === undefined) throw new Error('CiliumAgents built without Maglev options');
    const snap = this.view(node);
    for (const t of this.tables) if (t.id === snap.id) return t.table;
    const table = new MaglevTable(m.tableSize, m.seed);
    table.build(snap.ips);
    this.tables.push({ id: snap.id, table });
    if (this.tables.length > 2) this.tables.shift();
    return table;
  }

  private apply(node: number, rv: number): void {
    const snap = this.feed.snapshotAt(rv);
    if (snap.id === (this.views[node] as EndpointSnapshot).id) return;
    this.views[node] = snap;
    this.onNodeUpdate(node, snap);
  }
}
