import { z } from 'zod';
import type { Ip } from '../../cluster/types.js';
import { duration } from '../../fields/fields.js';
import type { EndpointTable } from '../types.js';

/**
 * Service `sessionAffinity: ClientIP`, shared by every kube-proxy mode. Field names and limits
 * are the Service API's (`spec.sessionAffinity`, `spec.sessionAffinityConfig.clientIP.
 * timeoutSeconds`: default 10800, 0 < t <= 86400; k8s.io/api core/v1 types.go).
 */
export const sessionAffinityFields = {
  /** `None` or `ClientIP`. @default 'None' */
  sessionAffinity: z.enum(['None', 'ClientIP']).default('None'),
  /** Seconds a client stays pinned after its last new connection. @default 10800 (3 h) */
  sessionAffinityTimeout: duration({ positive: true, max: 86400 }).default(10800),
};

export interface SessionAffinityOptions {
  readonly sessionAffinity: 'None' | 'ClientIP';
  readonly sessionAffinityTimeout: number;
}

/**
 * Per-node ClientIP affinity memory: client IP -> (endpoint IP, time of its last new
 * connection). It models the three kernel mechanisms kube-proxy uses, which behave alike:
 * - iptables: one `-m recent --name KUBE-SEP-X` list per endpoint, `--rcheck --seconds T
 *   --reap` rules checked in endpoint order before the random rules, and `--set` in the
 *   endpoint chain (pkg/proxy/iptables/proxier.go). The timestamp slides with every new
 *   connection.
 * - nftables: an `affinity` set per endpoint with `update @set { ip saddr }` and a timeout
 *   (pkg/proxy/nftables/proxier.go).
 * - IPVS: persistence templates (`FlagPersistent`, timeout T). Simplification: the kernel's
 *   template expires T after its last controlled connection ends; here T after the last new
 *   connection, as for iptables.
 *
 * One entry per client instead of one list per endpoint is exact here: an entry is dropped when
 * its endpoint leaves the node's table (the xt_recent table dies with the last rule naming it),
 * so a client is fresh in at most one endpoint's list, and the rule-order scan finds that one.
 * Not modelled: xt_recent's `ip_list_tot` cap (100 addresses per list, LRU eviction).
 *
 * Lookups are a Map<number, slot> plus typed arrays: no allocation except the first time a
 * client IP is seen.
 */
export class ClientAffinity {
  private readonly timeout: number;
  private readonly slotOf = new Map<Ip, number>();
  private endpointIp: Float64Array = new Float64Array(16);
  private lastSeen: Float64Array = new Float64Array(16);
  private used = 0;

  constructor(timeout: number) {
    this.timeout = timeout;
  }

  /**
   * Index in `table` of the endpoint `clientIp` is pinned to at time `now`, or -1 when it has no
   * fresh entry (never seen, expired, or endpoint not in the table). A hit refreshes the
   * timestamp (the endpoint chain's `--set`).
   */
  lookup(table: EndpointTable, clientIp: Ip, now: number): number {
    const slot = this.slotOf.get(clientIp);
    if (slot === undefined) return -1;
    // xt_recent `--seconds`: matches while the last stamp is newer than now - T.
    if (!(now - (this.lastSeen[slot] as number) < this.timeout)) return -1;
    const index = table.indexOf(this.endpointIp[slot] as number);
    if (index >= 0) this.lastSeen[slot] = now;
    return index;
  }

  /** Pins `clientIp` to endpoint `ip` as of `now` (a new connection through the random rules). */
  record(clientIp: Ip, ip: Ip, now: number): void {
    let slot = this.slotOf.get(clientIp);
    if (slot === undefined) {
      slot = this.used++;
      if (slot === this.endpointIp.length) {
        const a = new Float64Array(slot * 2);
        a.set(this.endpointIp);
        this.endpointIp = a;
        const b = new Float64Array(slot * 2);
        b.set(this.lastSeen);
        this.lastSeen = b;
      }
      this.slotOf.set(clientIp, slot);
    }
    this.endpointIp[slot] = ip;
    this.lastSeen[slot] = now;
  }

  /** A sync programmed `table`: entries of endpoints no longer in it are forgotten. O(clients). */
  retainOnly(table: EndpointTable): void {
    for (let s = 0; s < this.used; s++) {
      if (table.indexOf(this.endpointIp[s] as number) < 0) {
        this.lastSeen[s] = Number.NEGATIVE_INFINITY;
      }
    }
  }
}
