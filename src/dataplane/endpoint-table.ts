import type { Ip, NodeId } from '../cluster/types.js';
import type { EndpointTable } from './types.js';

/** Immutable EndpointTable built once per kube-proxy sync (allocation per sync, not per request). */
export class ProgrammedTable implements EndpointTable {
  readonly version: number;
  readonly size: number;
  readonly ips: Uint32Array;
  readonly nodes: Int32Array;
  readonly usingTerminating: boolean;
  private readonly index: Map<Ip, number>;

  constructor(
    version: number,
    endpoints: readonly { ip: Ip; node: NodeId }[],
    usingTerminating = false,
  ) {
    this.version = version;
    this.size = endpoints.length;
    this.ips = new Uint32Array(this.size);
    this.nodes = new Int32Array(this.size);
    this.index = new Map();
    endpoints.forEach((e, i) => {
      if (this.index.has(e.ip)) throw new Error(`duplicate endpoint IP ${e.ip} in table`);
      this.ips[i] = e.ip;
      this.nodes[i] = e.node;
      this.index.set(e.ip, i);
    });
    this.usingTerminating = usingTerminating;
  }

  indexOf(ip: Ip): number {
    return this.index.get(ip) ?? -1;
  }

  /** The empty table (a node with no endpoints programmed). */
  static empty(version = 0): ProgrammedTable {
    return new ProgrammedTable(version, []);
  }
}
