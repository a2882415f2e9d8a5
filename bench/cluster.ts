/**
 * Cluster benchmark: a rolling update of a large Deployment, propagated to every node.
 * N nodes (default 1000), R pods (default 1000), rollout at t = 10 s, simulated until every node
 * has programmed the last change; every (endpoint change, node) pair is reported through the
 * network-programming-latency callback, the stale-node gauge is read every simulated second.
 * Control-plane work is per change fanned out to nodes: no requests are simulated.
 *
 *   npm run --silent bench -- cluster --nodes 1000 --replicas 1000 --json
 */
import { Churn } from '../src/cluster/churn.js';
import { Cluster } from '../src/cluster/cluster.js';
import { resolveClusterOptions } from '../src/cluster/options.js';
import {
  EndpointSliceController,
  resolveEndpointSliceControllerOptions,
} from '../src/control-plane/endpointslice-controller.js';
import { KubeProxy } from '../src/dataplane/kube-proxy.js';
import { resolveKubeProxyOptions } from '../src/dataplane/kube-proxy-options.js';
import type { ProxyMode } from '../src/dataplane/sync-cost.js';
import { makeDistribution } from '../src/engine/distributions/index.js';
import { RandomSource } from '../src/engine/random.js';
import { Simulation } from '../src/engine/simulation.js';
import type { Benchmark, BenchOptions, BenchResult } from './types.js';

export interface ClusterBenchResult {
  nodes: number;
  replicas: number;
  simulatedSeconds: number;
  rolloutSeconds: number;
  events: number;
  endpointChanges: number;
  programmedPairs: number;
  syncs: number;
  wallSeconds: number;
  maxStaleNodes: number;
}

export function runClusterBench(
  nodes: number,
  replicas: number,
  mode: ProxyMode = 'iptables',
  seed = 1,
): ClusterBenchResult {
  const t0 = performance.now();
  const sim = new Simulation({ initialCapacity: 1 << 16 });
  const random = new RandomSource(seed);
  const cluster = new Cluster(
    sim,
    resolveClusterOptions({
      nodes,
      nodeCidrMaskSize: 24,
      podCidr: '10.0.0.0/8',
      deployment: { replicas },
      pod: {
        preStopSleep: 5,
        appStartDelay: makeDistribution({ distribution: 'uniform', min: 1, max: 5 }),
      },
      awaitDrain: false,
    }),
    random,
  );
  new Churn(sim, cluster, [{ type: 'rollout', at: 10 }], random);
  let changes = 0;
  let programmed = 0;
  const controller = new EndpointSliceController(
    sim,
    cluster,
    resolveEndpointSliceControllerOptions({
      controllerDelay: makeDistribution({ distribution: 'constant', value: 0.005 }),
    }),
    random,
    { onEndpointChange: () => changes++ },
  );
  const proxy = new KubeProxy(
    sim,
    cluster,
    controller,
    resolveKubeProxyOptions({
      mode,
      watchDelay: makeDistribution({ distribution: 'exponential', mean: 0.05 }),
    }),
    random,
    { changeProgrammed: () => programmed++ },
  );
  cluster.start();
  controller.bootstrap();
  proxy.bootstrap();
  let maxStale = 0;
  let rolloutEnd = Number.NaN;
  let t = 0;
  // Until the rollout is done and every node has programmed the last write.
  while (t < 3600) {
    t += 1;
    sim.run(t);
    maxStale = Math.max(maxStale, proxy.staleNodes());
    if (t > 10 && !cluster.rollingOut && Number.isNaN(rolloutEnd)) rolloutEnd = t;
    if (!Number.isNaN(rolloutEnd) && controller.changeCount > 0) {
      let done = true;
      for (let n = 0; n < nodes && done; n++) {
        if (proxy.programmedResourceVersion(n) < controller.resourceVersion) done = false;
      }
      if (done && cluster.pods.every((p) => p.gone || !p.terminating)) break;
    }
  }
  return {
    nodes,
    replicas,
    simulatedSeconds: t,
    rolloutSeconds: rolloutEnd - 10,
    events: sim.eventsProcessed,
    endpointChanges: changes,
    programmedPairs: programmed,
    syncs: proxy.syncs,
    wallSeconds: (performance.now() - t0) / 1000,
    maxStaleNodes: maxStale,
  };
}

function positiveInt(
  args: Readonly<Record<string, string>>,
  key: string,
  fallback: number,
): number {
  const v = args[key];
  if (v === undefined) return fallback;
  const n = Number(v);
  if (!Number.isInteger(n) || n < 1)
    throw new Error(`--${key}: expected an integer >= 1, got ${v}`);
  return n;
}

export const cluster: Benchmark = {
  name: 'cluster',
  description: 'rolling update of R pods on N nodes, propagated to every kube-proxy (no requests)',
  run({ quick, args }: BenchOptions): BenchResult {
    const nodes = positiveInt(args, 'nodes', quick ? 100 : 1000);
    const replicas = positiveInt(args, 'replicas', quick ? 100 : 1000);
    const r = runClusterBench(nodes, replicas);
    return {
      benchmark: 'cluster',
      nodes: r.nodes,
      replicas: r.replicas,
      simulated_s: r.simulatedSeconds,
      rollout_s: r.rolloutSeconds,
      events: r.events,
      endpoint_changes: r.endpointChanges,
      programmed_pairs: r.programmedPairs,
      syncs: r.syncs,
      max_stale_nodes: r.maxStaleNodes,
      wall_s: r.wallSeconds,
      rss_mb: process.resourceUsage().maxRSS / 1024,
    };
  },
};
