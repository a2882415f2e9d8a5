import type { ClientTable } from '../dataplane/path/request-path.js';

/** Where the clients are (resolved). Names as in the scenario file's `workload.clients`. */
export interface ClientPlacementOptions {
  /** Number of client identities (source IPs, each with its own connection pool). @default 10 */
  readonly count: number;
  /** In-cluster clients on nodes, or external ones entering through a NodePort. @default 'in-cluster' */
  readonly location: 'in-cluster' | 'external';
  /** In-cluster spread: evenly (client i on node i mod nodes) or by weight per node (length = nodes). @default 'even' */
  readonly placement: 'even' | { readonly weights: readonly number[] };
}

export const CLIENT_PLACEMENT_DEFAULTS: ClientPlacementOptions = {
  count: 10,
  location: 'in-cluster',
  placement: 'even',
};

/** First in-cluster client IP: 10.200.0.1 (outside the default pod CIDR 10.244.0.0/16). */
const IN_CLUSTER_BASE = 0x0ac80000;
/** First external client IP: 198.51.100.1 (TEST-NET-2, RFC 5737). */
const EXTERNAL_BASE = 0xc6336400;

/**
 * Builds the client table: each client's node (-1 = external) and its own source IP. Weighted
 * placement apportions `count` by largest remainder, nodes in order (deterministic, no draw).
 */
export function placeClients(o: ClientPlacementOptions, nodeCount: number): ClientTable {
  if (!Number.isInteger(o.count) || o.count < 1) {
    throw new RangeError(`workload.clients.count: expected an integer >= 1, got ${o.count}`);
  }
  if (!Number.isInteger(nodeCount) || nodeCount < 1) {
    throw new RangeError(`cluster.nodes: expected an integer >= 1, got ${nodeCount}`);
  }
  const node = new Int32Array(o.count);
  const ip = new Uint32Array(o.count);
  if (o.location === 'external') {
    node.fill(-1);
    for (let i = 0; i < o.count; i++) ip[i] = EXTERNAL_BASE + i + 1;
    return { count: o.count, node, ip };
  }
  if (o.placement === 'even') {
    for (let i = 0; i < o.count; i++) node[i] = i % nodeCount;
  } else {
    const w = o.placement.weights;
    if (w.length !== nodeCount) {
      throw new RangeError(
        `workload.clients.placement.weights: expected ${nodeCount} weights (one per node), got ${w.length}`,
      );
    }
    let total = 0;
    for (const x of w) {
      if (!(x >= 0) || !Number.isFinite(x)) {
        throw new RangeError(`workload.clients.placement.weights: expected numbers >= 0, got ${x}`);
      }
      total += x;
    }
    if (!(total > 0))
      throw new RangeError('workload.clients.placement.weights: expected a positive sum');
    const quota = w.map((x) => (x / total) * o.count);
    const share = quota.map(Math.floor);
    let left = o.count - share.reduce((a, b) => a + b, 0);
    const order = quota
      .map((q, i) => ({ i, rem: q - Math.floor(q) }))
      .sort((a, b) => b.rem - a.rem || a.i - b.i);
    for (let k = 0; left > 0; k++, left--) {
      const i = (order[k % order.length] as { i: number }).i;
      share[i] = (share[i] as number) + 1;
    }
    let c = 0;
    for (let n = 0; n < nodeCount; n++)
      for (let k = 0; k < (share[n] as number); k++) node[c++] = n;
  }
  for (let i = 0; i < o.count; i++) ip[i] = IN_CLUSTER_BASE + i + 1;
  return { count: o.count, node, ip };
}
