/**
 * Every default of the scenario format, in one place. Where a model layer has the concept, the
 * value IS that layer's DEFAULTS constant (imported, never restated), so the file format and the
 * models cannot drift apart (test/scenario/defaults.test.ts checks it end to end). The sources of
 * those values are cited beside the model constants; the scenario-only ones are cited here. All
 * are listed in docs/SCENARIO-FORMAT.md.
 */
import { CLUSTER_DEFAULTS, POD_DISTRIBUTION_DEFAULTS } from '../../cluster/options.js';
import {
  CONTROLLER_DELAY_DEFAULT,
  ENDPOINTSLICE_CONTROLLER_DEFAULTS,
} from '../../control-plane/endpointslice-controller.js';
import { CLUSTER_DNS_DEFAULTS } from '../../dataplane/discovery/coredns-cache.js';
import { KUBE_PROXY_DEFAULTS, WATCH_DELAY_DEFAULT } from '../../dataplane/kube-proxy-options.js';
import { REQUEST_PATH_DEFAULTS } from '../../dataplane/path-options.js';
import { POD_SERVER_DEFAULTS } from '../../dataplane/pod-server.js';
import { SYNC_COST_DEFAULTS } from '../../dataplane/sync-cost.js';
import type { DistributionSpec } from '../../engine/distributions/index.js';
import { RECORDER_DEFAULTS } from '../../metrics/recorder.js';
import { CLIENT_PLACEMENT_DEFAULTS } from '../../workload/clients.js';
import type {
  ResolvedArrivals,
  ResolvedChurn,
  ResolvedCluster,
  ResolvedDeployment,
  ResolvedKubeProxy,
  ResolvedNetwork,
  ResolvedOutput,
  ResolvedPod,
  ResolvedPropagation,
  ResolvedService,
  ResolvedWorkload,
} from '../types.js';

const C = CLUSTER_DEFAULTS;
const PS = POD_SERVER_DEFAULTS;
const RP = REQUEST_PATH_DEFAULTS;
const KP = KUBE_PROXY_DEFAULTS;
const ES = ENDPOINTSLICE_CONTROLLER_DEFAULTS;
const SC = SYNC_COST_DEFAULTS;

/** Defaults of one churn entry type (`at`, `mtbf`, `replicas` are required: no default). */
type ChurnDefaults<T extends ResolvedChurn['type'], NoDefault extends string> = Omit<
  Extract<ResolvedChurn, { type: T }>,
  'type' | NoDefault
>;

export const DEFAULTS = {
  description: '',
  /** lbsim choice: long enough for a few rollouts' worth of churn at small sizes. */
  duration: 60,
  warmup: RECORDER_DEFAULTS.warmup,
  seed: 1,
  replications: 1,
  output: { window: RECORDER_DEFAULTS.window } satisfies ResolvedOutput,
  cluster: {
    nodes: C.nodes,
    podCidr: C.podCidr,
    nodeCidrMaskSize: C.nodeCidrMaskSize,
    ipReuse: C.ipReuse,
    otherServices: SC.otherServices,
    endpointsPerOtherService: SC.endpointsPerOtherService,
    maxPodsPerNode: C.maxPodsPerNode,
    nodeMonitorGracePeriod: C.nodeMonitorGracePeriod,
    plegRelistPeriod: C.plegRelistPeriod,
    initialState: C.initialState,
    dns: CLUSTER_DNS_DEFAULTS,
  } satisfies ResolvedCluster,
  /** crossNodeRtt and externalRtt default to the file's own `rtt` (the schema fills them). */
  network: { rtt: RP.network.rtt } satisfies Omit<ResolvedNetwork, 'crossNodeRtt' | 'externalRtt'>,
  deployment: {
    kind: C.deployment.kind,
    replicas: C.deployment.replicas,
    maxSurge: C.deployment.maxSurge,
    maxUnavailable: C.deployment.maxUnavailable,
    minReadySeconds: C.deployment.minReadySeconds,
    podManagementPolicy: C.deployment.podManagementPolicy,
    /** apps/v1 defaults (RollingUpdateDaemonSet: maxUnavailable 1, maxSurge 0; partition 0). */
    updateStrategy: {
      type: C.deployment.updateStrategy.type,
      rollingUpdate: {
        maxUnavailable: C.deployment.updateStrategy.maxUnavailable,
        maxSurge: C.deployment.updateStrategy.maxSurge,
        partition: C.deployment.updateStrategy.partition,
      },
    },
  } satisfies Omit<ResolvedDeployment, 'pod'>,
  pod: {
    /** lbsim choice: an application that never fails on its own. */
    errors: { probability: 0, status: 500 },
    concurrency: PS.concurrency,
    /** The file writes "unlimited" as null (JSON has no Infinity); the pod server as Infinity. */
    queueLimit: Number.isFinite(PS.queueLimit) ? PS.queueLimit : null,
    /** lbsim choice: 10 ms of work per request, exponential (an M/M/c server). */
    serviceTime: { distribution: 'exponential', mean: 0.01 } as DistributionSpec,
    slowStart: PS.slowStart,
    slowStartFactor: PS.slowStartFactor,
    startup: POD_DISTRIBUTION_DEFAULTS.startup,
    appStartDelay: POD_DISTRIBUTION_DEFAULTS.appStartDelay,
    appReadyDelay: POD_DISTRIBUTION_DEFAULTS.appReadyDelay,
    appReadiness: C.pod.appReadiness,
    readinessProbe: C.pod.readinessProbe,
    terminationGracePeriodSeconds: C.pod.terminationGracePeriodSeconds,
    preStopSleep: C.pod.preStopSleep,
    listenerCloseDelay: C.pod.listenerCloseDelay,
    onSigterm: C.pod.onSigterm,
    restartBackoff: C.pod.restartBackoff,
  } satisfies ResolvedPod,
  service: {
    sessionAffinity: 'None',
    /** core/v1 ClientIPConfig.timeoutSeconds default 10800 (3 h). */
    sessionAffinityTimeoutSeconds: 10800,
    /** The request path applies one of the two, by where the clients are. */
    externalTrafficPolicy: RP.trafficPolicy,
    internalTrafficPolicy: RP.trafficPolicy,
    /** A ClusterIP Service (`None`: headless). */
    clusterIP: '',
  } satisfies ResolvedService,
  /** lbsim choice: a moderate load for the default 1 pod x 1 worker x 10 ms (rho 0.5). */
  arrivals: { process: 'poisson', rate: 50 } satisfies ResolvedArrivals,
  /** Defaults of the optional fields of each arrival process (scenario-format choices). */
  arrivalOptions: {
    onOff: { offRate: 0, within: 'poisson' },
    diurnal: { phase: 0 },
    trace: { unit: 1, loop: false },
    closedLoop: {
      thinkTime: { distribution: 'constant', value: 0 } as DistributionSpec,
      rampUp: 0,
      /** No cap: a user sends as soon as it is ready (wrk). */
      rate: null as number | null,
    },
  },
  clients: {
    count: CLIENT_PLACEMENT_DEFAULTS.count,
    location: CLIENT_PLACEMENT_DEFAULTS.location,
    placement: CLIENT_PLACEMENT_DEFAULTS.placement,
  } satisfies Omit<ResolvedWorkload['clients'], 'external'>,
  external: RP.external,
  connections: RP.connections,
  timeouts: RP.timeouts,
  retries: RP.retries,
  churn: {
    crash: { action: 'restart', from: 0, until: null } satisfies ChurnDefaults<'crash', 'mtbf'>,
    kill: { count: 1, action: 'replace', graceful: false } satisfies ChurnDefaults<'kill', 'at'>,
    /** DefaultTolerationSeconds admission plugin: 300 s for not-ready/unreachable. */
    nodeFailure: { node: 0, tolerationSeconds: 300 } satisfies ChurnDefaults<'node-failure', 'at'>,
  },
  propagation: {
    watchDelay: WATCH_DELAY_DEFAULT,
    controllerDelay: CONTROLLER_DELAY_DEFAULT,
    batchPeriod: ES.batchPeriod,
    maxEndpointsPerSlice: ES.maxEndpointsPerSlice,
  } satisfies ResolvedPropagation,
  kubeProxy: {
    minSyncPeriod: KP.minSyncPeriod,
    syncPeriod: KP.syncPeriod,
    burstSyncs: KP.burstSyncs,
    partialSync: KP.partialSync,
    syncCost: { iptables: SC.iptables, ipvs: SC.ipvs, nftables: SC.nftables },
  } satisfies ResolvedKubeProxy,
  /** kube-proxy's default mode on Linux (its balancer has the mode's name). */
  balancers: [KP.mode],
} as const;
