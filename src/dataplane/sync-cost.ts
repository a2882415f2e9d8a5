/**
 * How long one kube-proxy sync takes, by mode. Linear cost models whose constants are derived
 * from published measurements (docs/MODEL.md explains each derivation):
 *
 * - iptables: every sync runs iptables-restore. Its cost has a part proportional to the rules
 *   *written* (kube-proxy generating them, iptables-restore parsing them) and a part
 *   proportional to all rules *in the table* (the legacy iptables API reads and replaces the
 *   whole table in the kernel, whatever was written). A full sync writes every rule; a partial
 *   sync (KEP-3453, MinimizeIPTablesRestore, GA 1.28) writes only the changed Service's chains
 *   plus the dispatch chains KUBE-SERVICES / KUBE-NODEPORTS, which are always rewritten whole.
 * - ipvs: the proxier walks every Service each sync (userspace) and makes one netlink call per
 *   real-server change.
 * - nftables (KEP-3866): one transaction with the changed objects; the Service dispatch is a
 *   verdict map, so cost grows with the changes (plus a small walk over Services).
 *
 * Rule counts per Service in iptables mode: KUBE-SERVICES match, KUBE-SVC masquerade, KUBE-EXT /
 * KUBE-NODEPORTS entries (4 rules); per endpoint: one probability jump in KUBE-SVC plus the
 * KUBE-SEP chain's masquerade-mark and DNAT rules (3 rules) (pkg/proxy/iptables/proxier.go).
 */

export type ProxyMode = 'iptables' | 'ipvs' | 'nftables';
export const PROXY_MODES: readonly ProxyMode[] = ['iptables', 'ipvs', 'nftables'];

export interface IptablesCostOptions {
  /** Fixed cost of one sync, seconds. @default 0.005 */
  base?: number;
  /** Cost per rule written (generation + iptables-restore parsing), seconds. @default 12.5e-6 */
  perRuleWritten?: number;
  /** Cost per rule in the table (kernel table read + replace), paid by partial syncs too. @default 11e-6 */
  perRuleInTable?: number;
  /**
   * Alternative to the two above: the whole per-rule cost of a full restore, split into
   * perRuleInTable = tableShare x perRule and perRuleWritten = (1 - tableShare) x perRule (an
   * explicit perRuleInTable / perRuleWritten wins). @default unset (23.5e-6 in effect)
   */
  perRule?: number;
  /** Share of perRule paid per rule in the table. @default 11 / 23.5 (KEP-3453 derivation) */
  tableShare?: number;
  /** Rules per Service. @default 4 */
  rulesPerService?: number;
  /** Rules per endpoint. @default 3 */
  rulesPerEndpoint?: number;
  /** Rules per Service in the dispatch chains a partial sync still rewrites. @default 2 */
  dispatchRulesPerService?: number;
}

export interface ChangeCostOptions {
  /** Fixed cost of one sync, seconds. */
  base?: number;
  /** Per Service in the cluster (the proxier walks them all each sync), seconds. */
  perService?: number;
  /** Per endpoint change applied, seconds. */
  perChange?: number;
}

export interface SyncCostOptions {
  /** Other Services in the cluster, whose rules every node holds. @default 0 */
  otherServices?: number;
  /** Endpoints of each other Service. @default 10 */
  endpointsPerOtherService?: number;
  iptables?: IptablesCostOptions;
  /** @default {base: 0.005, perService: 10e-6, perChange: 100e-6} */
  ipvs?: ChangeCostOptions;
  /** @default {base: 0.005, perService: 2e-6, perChange: 20e-6} */
  nftables?: ChangeCostOptions;
}

export interface ResolvedIptablesCostOptions {
  /** Fixed cost of one iptables-restore, seconds. @default 0.005 */
  readonly base: number;
  /** Per rule written (generation + restore parsing), seconds. @default 12.5e-6 */
  readonly perRuleWritten: number;
  /** Per rule in the node's table (read + replace), paid by partial syncs too. @default 11e-6 */
  readonly perRuleInTable: number;
  /** Rules per Service (KUBE-SERVICES match, KUBE-SVC chain). @default 4 */
  readonly rulesPerService: number;
  /** Rules per endpoint (KUBE-SEP chain: masquerade mark + DNAT, plus the SVC jump). @default 3 */
  readonly rulesPerEndpoint: number;
  /** Rules per Service in the dispatch chains a partial sync still rewrites. @default 2 */
  readonly dispatchRulesPerService: number;
}

export interface ResolvedSyncCostOptions {
  /** @default 0 */
  readonly otherServices: number;
  /** @default 10 */
  readonly endpointsPerOtherService: number;
  readonly iptables: ResolvedIptablesCostOptions;
  /** @default {base: 0.005, perService: 10e-6, perChange: 100e-6} (UNVERIFIED) */
  readonly ipvs: Readonly<Required<ChangeCostOptions>>;
  /** @default {base: 0.005, perService: 2e-6, perChange: 20e-6} (UNVERIFIED) */
  readonly nftables: Readonly<Required<ChangeCostOptions>>;
}

export const SYNC_COST_DEFAULTS: ResolvedSyncCostOptions = {
  otherServices: 0,
  endpointsPerOtherService: 10,
  iptables: {
    base: 0.005,
    perRuleWritten: 12.5e-6,
    perRuleInTable: 11e-6,
    rulesPerService: 4,
    rulesPerEndpoint: 3,
    dispatchRulesPerService: 2,
  },
  ipvs: { base: 0.005, perService: 10e-6, perChange: 100e-6 },
  nftables: { base: 0.005, perService: 2e-6, perChange: 20e-6 },
};

export function resolveSyncCostOptions(o: SyncCostOptions = {}): ResolvedSyncCostOptions {
  const d = SYNC_COST_DEFAULTS;
  const ip = o.iptables ?? {};
  const share =
    ip.tableShare ??
    d.iptables.perRuleInTable / (d.iptables.perRuleInTable + d.iptables.perRuleWritten);
  if (!(share >= 0 && share <= 1)) {
    throw new RangeError(
      `syncCost.iptables.tableShare: expected a fraction in [0, 1], got \`${share}\``,
    );
  }
  const r: ResolvedSyncCostOptions = {
    otherServices: o.otherServices ?? d.otherServices,
    endpointsPerOtherService: o.endpointsPerOtherService ?? d.endpointsPerOtherService,
    iptables: {
      base: ip.base ?? d.iptables.base,
      perRuleWritten:
        ip.perRuleWritten ??
        (ip.perRule !== undefined ? ip.perRule * (1 - share) : d.iptables.perRuleWritten),
      perRuleInTable:
        ip.perRuleInTable ??
        (ip.perRule !== undefined ? ip.perRule * share : d.iptables.perRuleInTable),
      rulesPerService: ip.rulesPerService ?? d.iptables.rulesPerService,
      rulesPerEndpoint: ip.rulesPerEndpoint ?? d.iptables.rulesPerEndpoint,
      dispatchRulesPerService: ip.dispatchRulesPerService ?? d.iptables.dispatchRulesPerService,
    },
    ipvs: { ...d.ipvs, ...(o.ipvs ?? {}) },
    nftables: { ...d.nftables, ...(o.nftables ?? {}) },
  };
  const check = (path: string, v: number) => {
    if (!(v >= 0) || !Number.isFinite(v))
      throw new RangeError(`${path}: expected a number >= 0, got \`${v}\``);
  };
  check('syncCost.otherServices', r.otherServices);
  check('syncCost.endpointsPerOtherService', r.endpointsPerOtherService);
  for (const [k, v] of Object.entries(r.iptables)) check(`syncCost.iptables.${k}`, v);
  for (const [k, v] of Object.entries(r.ipvs)) check(`syncCost.ipvs.${k}`, v);
  for (const [k, v] of Object.entries(r.nftables)) check(`syncCost.nftables.${k}`, v);
  return r;
}

/** What one sync has to do. */
export interface SyncWork {
  /** Usable endpoints of the simulated Service after the sync. */
  readonly endpoints: number;
  /** Endpoint changes applied by this sync (since the previous one). */
  readonly changes: number;
  /** Full sync (every rule rewritten) rather than partial. */
  readonly full: boolean;
}

/** Rules in the node's iptables nat table for the cluster's Services. */
export function iptablesRuleCount(c: ResolvedSyncCostOptions, endpoints: number): number {
  const ip = c.iptables;
  return (
    c.otherServices * (ip.rulesPerService + ip.rulesPerEndpoint * c.endpointsPerOtherService) +
    ip.rulesPerService +
    ip.rulesPerEndpoint * endpoints
  );
}

/** Duration of one sync in seconds. */
export function syncDuration(mode: ProxyMode, c: ResolvedSyncCostOptions, w: SyncWork): number {
  switch (mode) {
    case 'iptables': {
      const ip = c.iptables;
      const total = iptablesRuleCount(c, w.endpoints);
      let written = total;
      if (!w.full) {
        written = ip.dispatchRulesPerService * (c.otherServices + 1);
        // The changed Service's chains are rewritten whole (KUBE-SVC and its KUBE-SEP chains).
        if (w.changes > 0) written += ip.rulesPerService + ip.rulesPerEndpoint * w.endpoints;
      }
      return ip.base + ip.perRuleInTable * total + ip.perRuleWritten * written;
    }
    case 'ipvs': {
      const v = c.ipvs;
      const changes = w.full ? w.endpoints : w.changes;
      return v.base + v.perService * (c.otherServices + 1) + v.perChange * changes;
    }
    case 'nftables': {
      const n = c.nftables;
      const changes = w.full
        ? c.otherServices * c.endpointsPerOtherService + w.endpoints
        : w.changes;
      return n.base + n.perService * (c.otherServices + 1) + n.perChange * changes;
    }
    default: {
      const never: never = mode;
      throw new Error(`unknown kube-proxy mode ${String(never)}`);
    }
  }
}
