/**
 * Schemas of the scenario's sections. Each is strict (unknown keys are errors), fills in its
 * defaults (DEFAULTS, defaults.ts) and outputs the resolved types of ../types.ts. Cross-field
 * checks that need several sections (a node index against cluster.nodes...) are in ../schema.ts.
 */
import { z } from 'zod';
import { ERROR_KIND_NAMES } from '../../dataplane/types.js';
import {
  boolean,
  duration,
  fraction,
  integer,
  intOrPercent,
  number,
  oneOf,
} from '../../fields/fields.js';
import type {
  ResolvedArrivals,
  ResolvedChurn,
  ResolvedClients,
  ResolvedConnections,
  ResolvedDeployment,
  ResolvedPod,
  RetryableErrorKind,
} from '../types.js';
import { isMapping, type SchemaContext, shorthand, strict } from './common.js';
import { DEFAULTS } from './defaults.js';
import { distribution } from './distribution.js';
import { httpStatus } from './faults.js';
import { parseInto } from './issues.js';
import { readValuesFile } from './values-file.js';

const seconds = (dflt: number) => duration().default(dflt);

export const outputSchema = strict({
  window: duration({ positive: true }).default(DEFAULTS.output.window),
});

export const clusterSchema = strict({
  nodes: integer({ min: 1, max: 5000 }).default(DEFAULTS.cluster.nodes),
  podCidr: z
    .string()
    .regex(/^\d{1,3}(\.\d{1,3}){3}\/\d{1,2}$/, {
      error: (iss) => `expected a CIDR such as \`10.244.0.0/16\`, got \`${String(iss.input)}\``,
    })
    .default(DEFAULTS.cluster.podCidr),
  // The node IPAM's range (src/cluster/ip-allocator.ts): a /30 leaves no pod address.
  nodeCidrMaskSize: integer({ min: 8, max: 29 }).default(DEFAULTS.cluster.nodeCidrMaskSize),
  ipReuse: oneOf(['sequential', 'random', 'lifo', 'never'] as const).default(
    DEFAULTS.cluster.ipReuse,
  ),
  otherServices: integer({ min: 0 }).default(DEFAULTS.cluster.otherServices),
  endpointsPerOtherService: integer({ min: 0 }).default(DEFAULTS.cluster.endpointsPerOtherService),
  maxPodsPerNode: integer({ min: 1 }).default(DEFAULTS.cluster.maxPodsPerNode),
  nodeMonitorGracePeriod: seconds(DEFAULTS.cluster.nodeMonitorGracePeriod),
  plegRelistPeriod: seconds(DEFAULTS.cluster.plegRelistPeriod),
  initialState: oneOf(['steady', 'empty'] as const).default(DEFAULTS.cluster.initialState),
  dns: strict({
    ttl: seconds(DEFAULTS.cluster.dns.ttl),
    cache: seconds(DEFAULTS.cluster.dns.cache),
    minTtl: seconds(DEFAULTS.cluster.dns.minTtl),
    replicas: integer({ min: 1, max: 1000 }).default(DEFAULTS.cluster.dns.replicas),
  }).prefault({}),
});

export const networkSchema = strict({
  rtt: seconds(DEFAULTS.network.rtt),
  crossNodeRtt: duration().optional(),
  externalRtt: duration().optional(),
}).transform((n) => ({
  rtt: n.rtt,
  crossNodeRtt: n.crossNodeRtt ?? n.rtt,
  externalRtt: n.externalRtt ?? n.rtt,
}));

const RP = DEFAULTS.pod.readinessProbe;
const readinessProbeSchema = strict({
  enabled: boolean().default(RP.enabled),
  initialDelaySeconds: seconds(RP.initialDelaySeconds),
  periodSeconds: duration({ positive: true }).default(RP.periodSeconds),
  timeoutSeconds: duration({ positive: true }).default(RP.timeoutSeconds),
  successThreshold: integer({ min: 1 }).default(RP.successThreshold),
  failureThreshold: integer({ min: 1 }).default(RP.failureThreshold),
});

function podSchema(ctx: SchemaContext) {
  const P = DEFAULTS.pod;
  return strict({
    errors: strict({
      probability: fraction().default(P.errors.probability),
      status: httpStatus().default(P.errors.status),
    }).prefault({}),
    concurrency: integer({ min: 1 }).default(P.concurrency),
    queueLimit: z
      .unknown()
      .meta({ type: 'integer >= 0 or `unlimited`' })
      .transform((v, c): number | null => {
        if (v === 'unlimited' || v === null) return null;
        if (typeof v === 'number' && Number.isInteger(v) && v >= 0) return v;
        c.addIssue({
          code: 'custom',
          message: `expected an integer >= 0 or \`unlimited\`, got \`${JSON.stringify(v)}\``,
        });
        return z.NEVER;
      })
      .default(P.queueLimit),
    serviceTime: distribution(ctx).default(P.serviceTime),
    slowStart: seconds(P.slowStart),
    slowStartFactor: number({ min: 1 }).default(P.slowStartFactor),
    startup: distribution(ctx).default(P.startup),
    appStartDelay: distribution(ctx).default(P.appStartDelay),
    appReadyDelay: distribution(ctx).default(P.appReadyDelay),
    appReadiness: oneOf(['listening', 'fail-on-sigterm'] as const).default(P.appReadiness),
    readinessProbe: readinessProbeSchema.prefault({}),
    terminationGracePeriodSeconds: seconds(P.terminationGracePeriodSeconds),
    preStop: strict({ sleep: seconds(P.preStopSleep) }).prefault({}),
    listenerCloseDelay: seconds(P.listenerCloseDelay),
    onSigterm: oneOf(['drain', 'exit'] as const).default(P.onSigterm),
    restartBackoff: strict({
      initial: duration({ positive: true }).default(P.restartBackoff.initial),
      max: duration({ positive: true }).default(P.restartBackoff.max),
    }).prefault({}),
  }).transform(({ preStop, ...rest }) => ({ ...rest, preStopSleep: preStop.sleep }));
}

/**
 * Keys of `deployment` that apply to some kinds only: `replicas` not to a DaemonSet (one pod per
 * node), the Deployment's flat maxSurge / maxUnavailable not to the others (theirs are under
 * updateStrategy.rollingUpdate), and each updateStrategy key to the kind whose API has it.
 */
const KIND_KEYS: Readonly<Record<string, { kinds: readonly string[]; instead: string }>> = {
  replicas: {
    kinds: ['Deployment', 'StatefulSet'],
    instead: 'a DaemonSet runs one pod per schedulable node (cluster.nodes)',
  },
  maxSurge: {
    kinds: ['Deployment'],
    instead:
      'a DaemonSet has deployment.updateStrategy.rollingUpdate.maxSurge; a StatefulSet never surges',
  },
  maxUnavailable: {
    kinds: ['Deployment'],
    instead:
      'a DaemonSet has deployment.updateStrategy.rollingUpdate.maxUnavailable; a StatefulSet updates one pod at a time',
  },
  podManagementPolicy: {
    kinds: ['StatefulSet'],
    instead: 'only a StatefulSet has a pod management policy',
  },
  updateStrategy: {
    kinds: ['DaemonSet', 'StatefulSet'],
    instead: "a Deployment's rolling update is deployment.maxSurge / deployment.maxUnavailable",
  },
};
const ROLLING_UPDATE_KEYS: Readonly<Record<string, { kinds: readonly string[]; instead: string }>> =
  {
    maxSurge: {
      kinds: ['DaemonSet'],
      instead: 'a StatefulSet never surges (apps/v1 RollingUpdateStatefulSetStrategy)',
    },
    maxUnavailable: {
      kinds: ['DaemonSet'],
      instead:
        'a StatefulSet updates one pod at a time (its alpha maxUnavailable, MaxUnavailableStatefulSet, is not modelled)',
    },
    partition: { kinds: ['StatefulSet'], instead: 'only a StatefulSet has a partition' },
  };

/** Errors for the keys given that do not apply to the deployment's kind. */
function checkKindKeys(v: unknown, c: z.RefinementCtx): void {
  if (!isMapping(v)) return;
  const kind = typeof v.kind === 'string' ? v.kind : 'Deployment';
  if (!['Deployment', 'DaemonSet', 'StatefulSet'].includes(kind)) return;
  const check = (
    obj: Record<string, unknown>,
    table: typeof KIND_KEYS,
    path: readonly string[],
  ): void => {
    for (const [key, rule] of Object.entries(table)) {
      if (obj[key] === undefined || rule.kinds.includes(kind)) continue;
      c.addIssue({
        code: 'custom',
        path: [...path, key],
        message: `expected no \`${key}\` for kind ${kind} (${rule.instead}), got \`${JSON.stringify(obj[key])}\``,
      });
    }
  };
  check(v, KIND_KEYS, []);
  const us = v.updateStrategy;
  if (
    isMapping(us) &&
    isMapping(us.rollingUpdate) &&
    KIND_KEYS.updateStrategy?.kinds.includes(kind)
  ) {
    check(us.rollingUpdate, ROLLING_UPDATE_KEYS, ['updateStrategy', 'rollingUpdate']);
  }
}

export function deploymentSchema(ctx: SchemaContext) {
  const D = DEFAULTS.deployment;
  const RU = D.updateStrategy.rollingUpdate;
  return z.preprocess(
    (v, c) => {
      checkKindKeys(v, c);
      return v;
    },
    strict({
      kind: oneOf(['Deployment', 'DaemonSet', 'StatefulSet'] as const).default(D.kind),
      replicas: integer({ min: 0 }).default(D.replicas),
      maxSurge: intOrPercent().default(D.maxSurge),
      maxUnavailable: intOrPercent().default(D.maxUnavailable),
      minReadySeconds: seconds(D.minReadySeconds),
      podManagementPolicy: oneOf(['OrderedReady', 'Parallel'] as const).default(
        D.podManagementPolicy,
      ),
      updateStrategy: strict({
        type: oneOf(['RollingUpdate', 'OnDelete'] as const).default(D.updateStrategy.type),
        rollingUpdate: strict({
          maxUnavailable: intOrPercent().default(RU.maxUnavailable),
          maxSurge: intOrPercent().default(RU.maxSurge),
          partition: integer({ min: 0 }).default(RU.partition),
        }).prefault({}),
      }).prefault({}),
      pod: podSchema(ctx).prefault({}),
    }).superRefine((d, c) => {
      // Kubernetes rejects a rolling update that can make no progress (validation.go:
      // "may not be 0 when `maxSurge` is 0"), a Deployment's and a DaemonSet's alike.
      const zero = (v: { value: number }) => v.value === 0;
      if (d.kind === 'Deployment' && zero(d.maxSurge) && zero(d.maxUnavailable)) {
        c.addIssue({
          code: 'custom',
          path: ['maxUnavailable'],
          message: 'expected a value > 0 when maxSurge is 0, got `0`',
        });
      }
      const ru = d.updateStrategy.rollingUpdate;
      if (d.kind === 'DaemonSet' && zero(ru.maxSurge) && zero(ru.maxUnavailable)) {
        c.addIssue({
          code: 'custom',
          path: ['updateStrategy', 'rollingUpdate', 'maxUnavailable'],
          message: 'expected a value > 0 when maxSurge is 0, got `0`',
        });
      }
    }),
  ) as unknown as z.ZodType<ResolvedDeployment>;
}

const S = DEFAULTS.service;
export const serviceSchema = strict({
  sessionAffinity: oneOf(['None', 'ClientIP'] as const).default(S.sessionAffinity),
  sessionAffinityTimeoutSeconds: duration({ positive: true, max: 86400 }).default(
    S.sessionAffinityTimeoutSeconds,
  ),
  externalTrafficPolicy: oneOf(['Cluster', 'Local'] as const).default(S.externalTrafficPolicy),
  internalTrafficPolicy: oneOf(['Cluster', 'Local'] as const).default(S.internalTrafficPolicy),
  // A Service's spec.clusterIP: `None` makes it headless; any other value (an address) or none
  // is a ClusterIP Service, whose address lbsim does not need.
  clusterIP: z
    .string({ error: (iss) => `expected \`None\` or an IP address, got \`${String(iss.input)}\`` })
    .default(S.clusterIP),
});

function arrivalsSchema(ctx: SchemaContext): z.ZodType<ResolvedArrivals> {
  const rate = () => number({ positive: true });
  const A = DEFAULTS.arrivalOptions;
  const traceSchema = strict({
    process: z.literal('trace'),
    file: z.string(),
    column: z.union([z.string(), z.number().int().min(0)]).optional(),
    unit: duration({ positive: true }).default(A.trace.unit),
    loop: boolean().default(A.trace.loop),
  }).transform((t, c) => {
    const r = readValuesFile(ctx, c, t.file, t.column ?? 0, t.unit, 'CSV file of timestamps');
    if (r === undefined) return z.NEVER;
    for (let i = 1; i < r.values.length; i++) {
      if ((r.values[i] as number) < (r.values[i - 1] as number)) {
        c.addIssue({
          code: 'custom',
          path: ['file'],
          message: `${t.file}: expected ascending timestamps, got ${r.values[i]} after ${r.values[i - 1]} (value ${i + 1})`,
        });
        return z.NEVER;
      }
    }
    return { process: 'trace' as const, file: r.file, times: r.values, loop: t.loop };
  });
  // `process` may be left out: poisson, the default process (so `--set workload.arrivals.rate=N`
  // works on a scenario that does not set arrivals).
  const withProcess = (v: unknown) =>
    isMapping(v) && v.process === undefined ? { process: 'poisson', ...v } : v;
  return z.preprocess(
    withProcess,
    z.discriminatedUnion('process', [
      strict({ process: z.literal('poisson'), rate: rate() }),
      strict({ process: z.literal('constant'), rate: rate() }),
      strict({
        process: z.literal('on-off'),
        rate: rate(),
        offRate: number({ min: 0 }).default(A.onOff.offRate),
        on: distribution(ctx),
        off: distribution(ctx),
        within: oneOf(['poisson', 'constant'] as const).default(A.onOff.within),
      }),
      strict({
        process: z.literal('diurnal'),
        minRate: number({ min: 0 }),
        maxRate: rate(),
        // 0 = "the scenario's duration", filled in by the root schema.
        period: duration({ positive: true }).default(0),
        phase: fraction().default(A.diurnal.phase),
      }),
      strict({
        process: z.literal('piecewise'),
        points: z.array(strict({ at: duration(), rate: number({ min: 0 }) })).min(1),
      }),
      traceSchema,
      strict({
        process: z.literal('closed-loop'),
        users: integer({ min: 1 }),
        thinkTime: distribution(ctx).default(A.closedLoop.thinkTime),
        rampUp: seconds(A.closedLoop.rampUp),
        rate: number({ positive: true }).nullable().default(A.closedLoop.rate),
      }),
    ]),
  ) as unknown as z.ZodType<ResolvedArrivals>;
}

const placementSchema = z
  .unknown()
  .meta({ type: '`even` or {weights: [w0, w1, ...]}' })
  .transform((v, c): ResolvedClients['placement'] => {
    if (v === 'even') return 'even';
    const weights = Array.isArray(v)
      ? v
      : v !== null && typeof v === 'object'
        ? (v as { weights?: unknown }).weights
        : undefined;
    if (
      Array.isArray(weights) &&
      weights.length > 0 &&
      weights.every((w) => typeof w === 'number' && w >= 0 && Number.isFinite(w)) &&
      weights.some((w) => (w as number) > 0)
    ) {
      return { weights: weights as number[] };
    }
    c.addIssue({
      code: 'custom',
      message: `expected \`even\` or {weights: [w0, w1, ...]} (one weight >= 0 per node), got \`${JSON.stringify(v)}\``,
    });
    return z.NEVER;
  });

const CL = DEFAULTS.clients;
const X = DEFAULTS.external;
const clientsSchema = strict({
  count: integer({ min: 1 }).default(CL.count),
  location: oneOf(['in-cluster', 'external'] as const).default(CL.location),
  placement: placementSchema.default(CL.placement),
  external: strict({
    // `all` in the file, null (= every node) resolved.
    nodes: z
      .union([z.literal('all'), z.array(z.number().int().min(0)).min(1)])
      .default(X.nodes === null ? 'all' : [...X.nodes])
      .transform((n) => (n === 'all' ? null : n)),
    healthCheckInterval: duration({ positive: true }).default(X.healthCheckInterval),
    healthyThreshold: integer({ min: 1 }).default(X.healthyThreshold),
    unhealthyThreshold: integer({ min: 1 }).default(X.unhealthyThreshold),
  }).prefault({}),
});

const C = DEFAULTS.connections;
const connectionsSchema = shorthand(
  'mode',
  strict({
    mode: oneOf(['per-request', 'keepalive', 'http2'] as const).default(C.mode),
    poolSize: integer({ min: 1 }).default(C.poolSize),
    maxRequestsPerConnection: integer({ min: 0 }).default(C.maxRequestsPerConnection),
    maxLifetime: seconds(C.maxLifetime),
    maxLifetimeJitter: fraction().default(C.maxLifetimeJitter),
    idleTimeout: seconds(C.idleTimeout),
    maxConcurrentStreams: integer({ min: 1 }).default(C.maxConcurrentStreams),
  }),
) as unknown as z.ZodType<ResolvedConnections>;

const RETRYABLE = ERROR_KIND_NAMES as readonly RetryableErrorKind[];
const R = DEFAULTS.retries;
const retriesSchema = strict({
  count: integer({ min: 0, max: 100 }).default(R.count),
  backoff: strict({
    initial: seconds(R.backoff.initial),
    max: seconds(R.backoff.max),
    multiplier: number({ min: 1 }).default(R.backoff.multiplier),
    jitter: fraction().default(R.backoff.jitter),
  }).prefault({}),
  on: z.array(oneOf(RETRYABLE)).default([...R.on]),
});

const T = DEFAULTS.timeouts;
export function workloadSchema(ctx: SchemaContext) {
  return strict({
    arrivals: arrivalsSchema(ctx).prefault(DEFAULTS.arrivals),
    clients: clientsSchema.prefault({}),
    connections: connectionsSchema.prefault({}),
    timeouts: strict({
      connect: duration({ positive: true }).default(T.connect),
      request: seconds(T.request),
      unreachable: oneOf(['timeout', 'ehostunreach'] as const).default(T.unreachable),
      hostUnreachableAfter: duration({ positive: true }).default(T.hostUnreachableAfter),
      // The request path's range (validateRequestPathOptions in src/dataplane/path-options.ts).
      synRetries: integer({ min: 0, max: 20 }).default(T.synRetries),
      deadPeerTimeout: duration({ positive: true }).default(T.deadPeerTimeout),
    }).prefault({}),
    retries: retriesSchema.prefault({}),
  });
}

/** Keys of deployment.pod whose values are mappings merged key by key in a template. */
const NESTED_POD_KEYS = new Set(['errors', 'readinessProbe', 'restartBackoff']);

/**
 * A rollout's `template`: any keys of deployment.pod, validated by the pod schema; the ones
 * given replace the Deployment's (crossCheck merges them: see mergeTemplate).
 */
function templateSchema(ctx: SchemaContext) {
  // Built once, on first use: building a pod schema per template cost more than parsing it.
  let pod: ReturnType<typeof podSchema> | undefined;
  return z.unknown().transform((v, c) => {
    if (v === null || typeof v !== 'object' || Array.isArray(v)) {
      c.addIssue({
        code: 'custom',
        message: `expected a mapping of deployment.pod keys, got \`${JSON.stringify(v)}\``,
      });
      return z.NEVER;
    }
    pod ??= podSchema(ctx);
    const parsed = parseInto(pod, v, c);
    if (parsed === undefined) return z.NEVER;
    return { given: v as Record<string, unknown>, pod: parsed as ResolvedPod };
  });
}

/** The template as a whole pod: the keys it gives over `base` (one level deep for mappings). */
export function mergeTemplate(
  t: { readonly given: Record<string, unknown>; readonly pod: ResolvedPod },
  base: ResolvedPod,
): ResolvedPod {
  const out: Record<string, unknown> = { ...base };
  const pod = t.pod as unknown as Record<string, unknown>;
  for (const [k, raw] of Object.entries(t.given)) {
    if (k === 'preStop') {
      out.preStopSleep = t.pod.preStopSleep;
    } else if (NESTED_POD_KEYS.has(k) && raw !== null && typeof raw === 'object') {
      const merged: Record<string, unknown> = { ...(out[k] as Record<string, unknown>) };
      for (const sub of Object.keys(raw)) merged[sub] = (pod[k] as Record<string, unknown>)[sub];
      out[k] = merged;
    } else out[k] = pod[k];
  }
  return out as unknown as ResolvedPod;
}

const at = () => duration();
const K = DEFAULTS.churn;
export const churnSchema = (ctx: SchemaContext) =>
  z.array(
    z.discriminatedUnion('type', [
      strict({
        type: z.literal('crash'),
        mtbf: duration({ positive: true }),
        action: oneOf(['restart', 'replace'] as const).default(K.crash.action),
        from: seconds(K.crash.from),
        until: duration().nullable().default(K.crash.until),
      }),
      strict({ type: z.literal('rollout'), at: at(), template: templateSchema(ctx).optional() }),
      strict({ type: z.literal('scale'), at: at(), replicas: integer({ min: 0 }) }),
      strict({
        type: z.literal('kill'),
        at: at(),
        count: integer({ min: 1 }).default(K.kill.count),
        action: oneOf(['restart', 'replace'] as const).default(K.kill.action),
        graceful: boolean().default(K.kill.graceful),
      }),
      strict({
        type: z.literal('node-failure'),
        at: at(),
        node: integer({ min: 0 }).default(K.nodeFailure.node),
        tolerationSeconds: seconds(K.nodeFailure.tolerationSeconds),
      }),
    ]),
  ) as unknown as z.ZodType<ResolvedChurn[]>;

export function propagationSchema(ctx: SchemaContext) {
  const P = DEFAULTS.propagation;
  return strict({
    watchDelay: distribution(ctx).default(P.watchDelay),
    controllerDelay: distribution(ctx).default(P.controllerDelay),
    batchPeriod: seconds(P.batchPeriod),
    maxEndpointsPerSlice: integer({ min: 1, max: 1000 }).default(P.maxEndpointsPerSlice),
  });
}

const KP = DEFAULTS.kubeProxy;
const changeCost = (d: { base: number; perService: number; perChange: number }) =>
  strict({
    base: seconds(d.base),
    perService: seconds(d.perService),
    perChange: seconds(d.perChange),
  }).prefault({});
export const kubeProxySchema = strict({
  minSyncPeriod: seconds(KP.minSyncPeriod),
  syncPeriod: duration({ positive: true }).default(KP.syncPeriod),
  burstSyncs: integer({ min: 1 }).default(KP.burstSyncs),
  partialSync: boolean().default(KP.partialSync),
  syncCost: strict({
    iptables: strict({
      base: seconds(KP.syncCost.iptables.base),
      perRuleWritten: seconds(KP.syncCost.iptables.perRuleWritten),
      perRuleInTable: seconds(KP.syncCost.iptables.perRuleInTable),
      rulesPerService: number({ min: 0 }).default(KP.syncCost.iptables.rulesPerService),
      rulesPerEndpoint: number({ min: 0 }).default(KP.syncCost.iptables.rulesPerEndpoint),
      dispatchRulesPerService: number({ min: 0 }).default(
        KP.syncCost.iptables.dispatchRulesPerService,
      ),
    }).prefault({}),
    ipvs: changeCost(KP.syncCost.ipvs),
    nftables: changeCost(KP.syncCost.nftables),
  }).prefault({}),
});
