import { describe, expect, it, vi } from 'vitest';
import { CLUSTER_DEFAULTS, POD_DISTRIBUTION_DEFAULTS } from '../../src/cluster/options.js';
import {
  CONTROLLER_DELAY_DEFAULT,
  ENDPOINTSLICE_CONTROLLER_DEFAULTS,
} from '../../src/control-plane/endpointslice-controller.js';
import {
  KUBE_PROXY_DEFAULTS,
  WATCH_DELAY_DEFAULT,
} from '../../src/dataplane/kube-proxy-options.js';
import {
  REQUEST_PATH_DEFAULTS,
  type RequestPathOptions,
} from '../../src/dataplane/path-options.js';
import { POD_SERVER_DEFAULTS } from '../../src/dataplane/pod-server.js';
import { SYNC_COST_DEFAULTS } from '../../src/dataplane/sync-cost.js';
import { type Distribution, makeDistribution } from '../../src/engine/distributions/index.js';
import { RECORDER_DEFAULTS } from '../../src/metrics/recorder.js';
import { buildModel } from '../../src/scenario/build.js';
import { loadScenarioText } from '../../src/scenario/load.js';
import type { ScenarioConfig } from '../../src/scenario/types.js';
import {
  CLIENT_PLACEMENT_DEFAULTS,
  type ClientPlacementOptions,
} from '../../src/workload/clients.js';

/**
 * The single-source rule for defaults: a scenario file that says nothing (`name: x`) must resolve
 * to the model layers' own DEFAULTS constants, and the builder must hand them to the models
 * unchanged. A default restated anywhere (schema, builder) that drifts from the model's fails
 * here. Values are compared exactly: they are copies, not computations.
 */

// Records what the builder passes to the two option resolvers whose results it keeps private.
const seen = vi.hoisted(() => ({
  path: [] as RequestPathOptions[],
  clients: [] as ClientPlacementOptions[],
}));
vi.mock('../../src/dataplane/path-options.js', async (importOriginal) => {
  const m = await importOriginal<typeof import('../../src/dataplane/path-options.js')>();
  return {
    ...m,
    resolveRequestPathOptions: (c?: Parameters<typeof m.resolveRequestPathOptions>[0]) => {
      const r = m.resolveRequestPathOptions(c);
      seen.path.push(r);
      return r;
    },
  };
});
vi.mock('../../src/workload/clients.js', async (importOriginal) => {
  const m = await importOriginal<typeof import('../../src/workload/clients.js')>();
  return {
    ...m,
    placeClients: (o: ClientPlacementOptions, nodes: number) => {
      seen.clients.push(o);
      return m.placeClients(o, nodes);
    },
  };
});

/** Replaces every Distribution (closures: not comparable) by what identifies it. */
function plain(v: unknown): unknown {
  if (v === null || typeof v !== 'object') return v;
  const d = v as Distribution;
  if (typeof d.sample === 'function' && typeof d.describe === 'function') {
    return { distribution: d.describe(), mean: d.mean, variance: d.variance };
  }
  if (Array.isArray(v)) return v.map(plain);
  return Object.fromEntries(Object.entries(v).map(([k, x]) => [k, plain(x)]));
}

function pick<T extends object, K extends keyof T>(o: T, keys: readonly K[]): Pick<T, K> {
  // Every key must exist, or comparing two missing fields would pass.
  for (const k of keys) expect(o[k], String(k)).not.toBeUndefined();
  return Object.fromEntries(keys.map((k) => [k, o[k]])) as Pick<T, K>;
}

const minimal = (): ScenarioConfig => loadScenarioText('name: x\n', { file: 'x.yaml' });

describe('scenario defaults = model defaults', () => {
  const s = minimal();
  const pod = s.deployment.pod;

  it('cluster, deployment and pod lifecycle: CLUSTER_DEFAULTS', () => {
    const keys = [
      'nodes',
      'podCidr',
      'nodeCidrMaskSize',
      'ipReuse',
      'maxPodsPerNode',
      'nodeMonitorGracePeriod',
      'initialState',
    ] as const;
    expect(pick(s.cluster, keys)).toStrictEqual(pick(CLUSTER_DEFAULTS, keys));
    const dep = ['replicas', 'maxSurge', 'maxUnavailable', 'minReadySeconds'] as const;
    expect(pick(s.deployment, dep)).toStrictEqual(pick(CLUSTER_DEFAULTS.deployment, dep));
    const life = [
      'appReadiness',
      'readinessProbe',
      'terminationGracePeriodSeconds',
      'preStopSleep',
      'listenerCloseDelay',
      'onSigterm',
      'restartBackoff',
    ] as const;
    expect(pick(pod, life)).toStrictEqual(pick(CLUSTER_DEFAULTS.pod, life));
    for (const k of ['startup', 'appStartDelay', 'appReadyDelay'] as const) {
      expect(pod[k], k).toStrictEqual(POD_DISTRIBUTION_DEFAULTS[k]);
      // ...and the model's Distribution is built from that very spec.
      expect(plain(makeDistribution(pod[k])), k).toStrictEqual(plain(CLUSTER_DEFAULTS.pod[k]));
    }
  });

  it('pod server: POD_SERVER_DEFAULTS (unlimited queue: null in the file, Infinity in the model)', () => {
    expect(pick(pod, ['concurrency', 'slowStart', 'slowStartFactor'])).toStrictEqual(
      pick(POD_SERVER_DEFAULTS, ['concurrency', 'slowStart', 'slowStartFactor']),
    );
    expect(POD_SERVER_DEFAULTS.queueLimit).toBe(Number.POSITIVE_INFINITY);
    expect(pod.queueLimit).toBeNull();
  });

  it('network, clients, connections, timeouts, retries, traffic policy: REQUEST_PATH_DEFAULTS', () => {
    const D = REQUEST_PATH_DEFAULTS;
    expect(s.network).toStrictEqual(D.network);
    const w = s.workload;
    expect(w.connections).toStrictEqual(D.connections);
    expect(w.timeouts).toStrictEqual(D.timeouts);
    expect(w.retries).toStrictEqual(D.retries);
    expect(w.clients.external).toStrictEqual(D.external);
    expect(s.service.internalTrafficPolicy).toBe(D.trafficPolicy);
    expect(s.service.externalTrafficPolicy).toBe(D.trafficPolicy);
    const { external: _, ...placement } = w.clients;
    expect(placement).toStrictEqual(CLIENT_PLACEMENT_DEFAULTS);
  });

  it('propagation: EndpointSlice controller and kube-proxy defaults', () => {
    const p = s.propagation;
    expect(pick(p, ['batchPeriod', 'maxEndpointsPerSlice'])).toStrictEqual(
      pick(ENDPOINTSLICE_CONTROLLER_DEFAULTS, ['batchPeriod', 'maxEndpointsPerSlice']),
    );
    expect(p.controllerDelay).toStrictEqual(CONTROLLER_DELAY_DEFAULT);
    expect(plain(makeDistribution(p.controllerDelay))).toStrictEqual(
      plain(ENDPOINTSLICE_CONTROLLER_DEFAULTS.controllerDelay),
    );
    expect(p.watchDelay).toStrictEqual(WATCH_DELAY_DEFAULT);
    expect(plain(makeDistribution(p.watchDelay))).toStrictEqual(
      plain(KUBE_PROXY_DEFAULTS.watchDelay),
    );
  });

  it('kube-proxy and its sync cost: KUBE_PROXY_DEFAULTS, SYNC_COST_DEFAULTS', () => {
    const { syncCost, ...rest } = s.kubeProxy;
    expect(rest).toStrictEqual(
      pick(KUBE_PROXY_DEFAULTS, ['minSyncPeriod', 'syncPeriod', 'burstSyncs', 'partialSync']),
    );
    const { otherServices, endpointsPerOtherService, ...cost } = SYNC_COST_DEFAULTS;
    expect(syncCost).toStrictEqual(cost);
    expect(s.cluster.otherServices).toBe(otherServices);
    expect(s.cluster.endpointsPerOtherService).toBe(endpointsPerOtherService);
    expect(s.balancers.map((b) => b.name)).toEqual([KUBE_PROXY_DEFAULTS.mode]);
  });

  it('output and warm-up: RECORDER_DEFAULTS', () => {
    expect(s.warmup).toBe(RECORDER_DEFAULTS.warmup);
    expect(s.output.window).toBe(RECORDER_DEFAULTS.window);
  });
});

describe('build.ts passes the defaults through unchanged', () => {
  const s = minimal();
  seen.path.length = 0;
  seen.clients.length = 0;
  const m = buildModel(s, s.balancers[0] as ScenarioConfig['balancers'][number], 1, {
    row: () => {},
  });

  it('to every model: the options objects it builds are the DEFAULTS constants', () => {
    expect(plain(m.cluster.options)).toStrictEqual(plain(CLUSTER_DEFAULTS));
    expect(plain(m.controller.options)).toStrictEqual(plain(ENDPOINTSLICE_CONTROLLER_DEFAULTS));
    expect(plain(m.kubeProxy.options)).toStrictEqual(plain(KUBE_PROXY_DEFAULTS));
    expect(m.path.servers.options).toStrictEqual(POD_SERVER_DEFAULTS);
    expect(m.recorder.options).toStrictEqual(RECORDER_DEFAULTS);
    expect(seen.path).toHaveLength(1);
    expect(seen.path[0]).toStrictEqual(REQUEST_PATH_DEFAULTS);
    expect(seen.clients).toStrictEqual([CLIENT_PLACEMENT_DEFAULTS]);
  });
});

describe('every arrival process of the file format builds', () => {
  it('piecewise (ArrivalSpec now names it: it used to fail at build time)', () => {
    const s = loadScenarioText(
      'name: x\nworkload: {arrivals: {process: piecewise, points: [{at: 0s, rate: 10}, {at: 10s, rate: 50}]}}\n',
      { file: 'x.yaml' },
    );
    expect(() =>
      buildModel(s, s.balancers[0] as ScenarioConfig['balancers'][number], 1, { row: () => {} }),
    ).not.toThrow();
  });
});
