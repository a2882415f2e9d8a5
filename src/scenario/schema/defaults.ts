/**
 * Every default of the scenario format, in one place. Each value is the real system's default
 * where one exists; the source is cited beside it and in docs/parts/scenario-format.md.
 */
import { SYNC_COST_DEFAULTS } from '../../dataplane/sync-cost.js';
import type {
  ResolvedCluster,
  ResolvedConnections,
  ResolvedExternalClients,
  ResolvedKubeProxy,
  ResolvedNetwork,
  ResolvedOutput,
  ResolvedPropagation,
  ResolvedReadinessProbe,
  ResolvedRetries,
  ResolvedService,
  ResolvedTimeouts,
} from '../types.js';

export const DEFAULTS = {
  description: '',
  /** lbsim choice: long enough for a few rollouts' worth of churn at small sizes. */
  duration: 60,
  warmup: 0,
  seed: 1,
  replications: 1,
  output: { window: 1 } satisfies ResolvedOutput,
  cluster: {
    /** lbsim choice (a small HA cluster). */
    nodes: 3,
    /** flannel's default network; kubeadm leaves it to the CNI. */
    podCidr: '10.244.0.0/16',
    /** kube-controller-manager --node-cidr-mask-size (IPv4) default 24. */
    nodeCidrMaskSize: 24,
    /** host-local IPAM allocates the next free address after the last one, wrapping. */
    ipReuse: 'sequential',
    otherServices: 0,
    endpointsPerOtherService: 10,
    /** kubelet --max-pods default 110. */
    maxPodsPerNode: 110,
    /** kube-controller-manager --node-monitor-grace-period default 40 s. */
    nodeMonitorGracePeriod: 40,
    initialState: 'steady',
  } satisfies ResolvedCluster,
  network: {
    /** lbsim choice: a typical same-datacenter round trip. */
    rtt: 0.0002,
  } satisfies Omit<ResolvedNetwork, 'crossNodeRtt' | 'externalRtt'>,
  deployment: {
    /** Deployment spec.replicas default 1. */
    replicas: 1,
    /** Deployment RollingUpdate defaults 25% / 25%. */
    maxSurge: { kind: 'percent', value: 25 },
    maxUnavailable: { kind: 'percent', value: 25 },
    minReadySeconds: 0,
  },
  pod: {
    concurrency: 1,
    queueLimit: null,
    serviceTime: { distribution: 'exponential', mean: 0.01 },
    slowStart: 0,
    /** lbsim choice: a cold JVM-like start serves 3x slower at first. */
    slowStartFactor: 3,
    /** Pod startup SLO: p99 <= 5 s for a stateless pod with its image present. */
    startup: { distribution: 'lognormal', median: 1, p99: 5 },
    appStartDelay: { distribution: 'constant', value: 0 },
    appReadyDelay: { distribution: 'constant', value: 0 },
    appReadiness: 'listening',
    terminationGracePeriodSeconds: 30,
    preStopSleep: 0,
    listenerCloseDelay: 0,
    onSigterm: 'drain',
    /** kubelet CrashLoopBackOff: 10 s doubling to 300 s. */
    restartBackoff: { initial: 10, max: 300 },
  },
  /** core/v1 Probe defaults. */
  readinessProbe: {
    enabled: true,
    initialDelaySeconds: 0,
    periodSeconds: 10,
    timeoutSeconds: 1,
    successThreshold: 1,
    failureThreshold: 3,
  } satisfies ResolvedReadinessProbe,
  service: {
    sessionAffinity: 'None',
    /** core/v1 ClientIPConfig.timeoutSeconds default 10800 (3 h). */
    sessionAffinityTimeoutSeconds: 10800,
    externalTrafficPolicy: 'Cluster',
    internalTrafficPolicy: 'Cluster',
  } satisfies ResolvedService,
  /** lbsim choice: a moderate load for the default 1 pod x 1 worker x 10 ms (rho 0.5). */
  arrivals: { process: 'poisson', rate: 50 },
  clients: { count: 10, location: 'in-cluster', placement: 'even' },
  /** GCE/GKE load balancer health check defaults: 5 s interval, thresholds 2 / 2. */
  external: {
    nodes: null,
    healthCheckInterval: 5,
    healthyThreshold: 2,
    unhealthyThreshold: 2,
  } satisfies ResolvedExternalClients,
  connections: {
    mode: 'per-request',
    /** Go net/http DefaultMaxIdleConnsPerHost. */
    poolSize: 2,
    maxRequestsPerConnection: 0,
    maxLifetime: 0,
    /** Go net/http DefaultTransport IdleConnTimeout. */
    idleTimeout: 90,
    /** golang.org/x/net/http2 server defaultMaxStreams. */
    maxConcurrentStreams: 250,
  } satisfies ResolvedConnections,
  /** Go net/http DefaultTransport dials with a 30 s timeout; http.Client.Timeout 0 = none. */
  timeouts: {
    connect: 30,
    request: 0,
    unreachable: 'timeout',
    hostUnreachableAfter: 3,
    /** Linux net.ipv4.tcp_syn_retries 6: SYNs at 0, 1, 3, 7, 15, 31, 63 s, give up at 127 s. */
    synRetries: 6,
    /** Linux tcp_retries2 15: about 924.6 s with RTO_MIN 200 ms (ip-sysctl.rst). */
    deadPeerTimeout: 924.6,
  } satisfies ResolvedTimeouts,
  /** No retries by default; when enabled, Envoy's retry back-off (base 25 ms, max 10 x base). */
  retries: {
    count: 0,
    backoff: { initial: 0.025, max: 0.25, multiplier: 2, jitter: 0 },
    on: ['refused', 'connect_timeout', 'host_unreachable', 'no_endpoints'],
  } satisfies ResolvedRetries,
  churn: {
    crash: { action: 'restart', from: 0, until: null },
    kill: { count: 1, action: 'replace', graceful: false },
    /** DefaultTolerationSeconds admission plugin: 300 s for not-ready/unreachable. */
    nodeFailure: { node: 0, tolerationSeconds: 300 },
  },
  propagation: {
    /** lbsim assumption (no documented value): watch fan-out of tens of milliseconds. */
    watchDelay: { distribution: 'exponential', mean: 0.05 },
    controllerDelay: { distribution: 'constant', value: 0 },
    /** kube-controller-manager --endpointslice-updates-batch-period default 0. */
    batchPeriod: 0,
    /** --max-endpoints-per-slice default 100. */
    maxEndpointsPerSlice: 100,
  } satisfies ResolvedPropagation,
  kubeProxy: {
    /** pkg/proxy/apis/config/v1alpha1/defaults.go: minSyncPeriod 1 s, syncPeriod 30 s. */
    minSyncPeriod: 1,
    syncPeriod: 30,
    /** pkg/proxy/iptables/proxier.go: NewBoundedFrequencyRunner(..., burstSyncs = 2). */
    burstSyncs: 2,
    /** KEP-3453 MinimizeIPTablesRestore, GA (locked on) in 1.28. */
    partialSync: true,
    /**
     * The model's own constants (src/dataplane/sync-cost.ts SYNC_COST_DEFAULTS, derived in
     * docs/MODEL.md from KEP-3453 and kubernetes#92836: a 5000-Service x 10-endpoint iptables
     * full restore takes about 4 s, a partial one about 2 s). IPVS and nftables: UNVERIFIED.
     */
    syncCost: {
      iptables: {
        base: SYNC_COST_DEFAULTS.iptables.base,
        perRuleWritten: SYNC_COST_DEFAULTS.iptables.perRuleWritten,
        perRuleInTable: SYNC_COST_DEFAULTS.iptables.perRuleInTable,
        rulesPerService: SYNC_COST_DEFAULTS.iptables.rulesPerService,
        rulesPerEndpoint: SYNC_COST_DEFAULTS.iptables.rulesPerEndpoint,
        dispatchRulesPerService: SYNC_COST_DEFAULTS.iptables.dispatchRulesPerService,
      },
      ipvs: { ...SYNC_COST_DEFAULTS.ipvs },
      nftables: { ...SYNC_COST_DEFAULTS.nftables },
    },
  } satisfies ResolvedKubeProxy,
  /** kube-proxy's default mode on Linux. */
  balancers: ['iptables'],
} as const;
