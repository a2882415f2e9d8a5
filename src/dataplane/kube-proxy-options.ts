import {
  type Distribution,
  type DistributionSpec,
  makeDistribution,
} from '../engine/distributions/index.js';
import {
  type ProxyMode,
  type ResolvedSyncCostOptions,
  resolveSyncCostOptions,
  type SyncCostOptions,
} from './sync-cost.js';

/*
 * kube-proxy's options (its flags and the sync cost model), their defaults and their checks; the
 * proxy that runs on them is `kube-proxy.ts`.
 */

export interface KubeProxyOptions {
  /** --proxy-mode. @default 'iptables' */
  mode?: ProxyMode;
  /** Minimum time between the end of a sync and the start of the next (modulo burst). @default 1 */
  minSyncPeriod?: number;
  /**
   * Periodic sync interval of the runner in ipvs mode (its maxInterval). In iptables/nftables mode
   * it only paces the canary-chain monitor, which never fires in a healthy node, and the runner's
   * maxInterval is fullSyncPeriod. @default 30
   */
  syncPeriod?: number;
  /** Bounded-frequency runner burst (kube-proxy hard-codes 2). @default 2 */
  burstSyncs?: number;
  /** iptables partial sync (KEP-3453, MinimizeIPTablesRestore, GA 1.28). @default true */
  partialSync?: boolean;
  /** A partial-sync proxier still does a full sync this often (proxyutil.FullSyncPeriod). @default 3600 */
  fullSyncPeriod?: number;
  /** Delay of each EndpointSlice watch event to each node. @default constant 0 */
  watchDelay?: Distribution;
  syncCost?: SyncCostOptions;
}

export interface ResolvedKubeProxyOptions {
  readonly mode: ProxyMode;
  readonly minSyncPeriod: number;
  readonly syncPeriod: number;
  readonly burstSyncs: number;
  readonly partialSync: boolean;
  readonly fullSyncPeriod: number;
  readonly watchDelay: Distribution;
  readonly syncCost: ResolvedSyncCostOptions;
}

/**
 * Default delay of each EndpointSlice watch event to each node, as a spec (the one source of
 * KUBE_PROXY_DEFAULTS.watchDelay and of the scenario format's `propagation.watchDelay`). No
 * Kubernetes value exists: the watch-latency SLI is WIP with no target
 * (kubernetes/community sig-scalability/slos/watch_latency.md), so, like every other delay
 * without a documented value, none is assumed: measure it and set it.
 */
export const WATCH_DELAY_DEFAULT: DistributionSpec = { distribution: 'constant', value: 0 };

export const KUBE_PROXY_DEFAULTS: ResolvedKubeProxyOptions = {
  mode: 'iptables',
  minSyncPeriod: 1,
  syncPeriod: 30,
  burstSyncs: 2,
  partialSync: true,
  fullSyncPeriod: 3600,
  watchDelay: makeDistribution(WATCH_DELAY_DEFAULT),
  syncCost: resolveSyncCostOptions(),
};

export function resolveKubeProxyOptions(o: KubeProxyOptions = {}): ResolvedKubeProxyOptions {
  const d = KUBE_PROXY_DEFAULTS;
  const r: ResolvedKubeProxyOptions = {
    mode: o.mode ?? d.mode,
    minSyncPeriod: o.minSyncPeriod ?? d.minSyncPeriod,
    syncPeriod: o.syncPeriod ?? d.syncPeriod,
    burstSyncs: o.burstSyncs ?? d.burstSyncs,
    partialSync: o.partialSync ?? d.partialSync,
    fullSyncPeriod: o.fullSyncPeriod ?? d.fullSyncPeriod,
    watchDelay: o.watchDelay ?? d.watchDelay,
    syncCost: o.syncCost === undefined ? d.syncCost : resolveSyncCostOptions(o.syncCost),
  };
  if (!(r.minSyncPeriod >= 0))
    throw new RangeError(`kubeProxy.minSyncPeriod: expected >= 0, got \`${r.minSyncPeriod}\``);
  if (!(r.syncPeriod > 0))
    throw new RangeError(`kubeProxy.syncPeriod: expected > 0, got \`${r.syncPeriod}\``);
  if (!(r.fullSyncPeriod > 0))
    throw new RangeError(`kubeProxy.fullSyncPeriod: expected > 0, got \`${r.fullSyncPeriod}\``);
  if (!Number.isInteger(r.burstSyncs) || r.burstSyncs < 1) {
    throw new RangeError(`kubeProxy.burstSyncs: expected an integer >= 1, got \`${r.burstSyncs}\``);
  }
  return r;
}
