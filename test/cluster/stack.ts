import { Churn, type ChurnSpec } from '../../src/cluster/churn.js';
import { Cluster, type ClusterCallbacks } from '../../src/cluster/cluster.js';
import { type ClusterOptions, resolveClusterOptions } from '../../src/cluster/options.js';
import type { EndpointChange } from '../../src/control-plane/endpoint-state.js';
import {
  EndpointSliceController,
  type EndpointSliceControllerOptions,
  resolveEndpointSliceControllerOptions,
} from '../../src/control-plane/endpointslice-controller.js';
import { KubeProxy, type KubeProxyCallbacks } from '../../src/dataplane/kube-proxy.js';
import {
  type KubeProxyOptions,
  resolveKubeProxyOptions,
} from '../../src/dataplane/kube-proxy-options.js';
import { RandomSource, Simulation } from '../../src/engine/index.js';

export interface StackOptions {
  cluster?: ClusterOptions;
  controller?: EndpointSliceControllerOptions;
  kubeProxy?: KubeProxyOptions;
  churn?: ChurnSpec[];
  seed?: number;
  clusterCallbacks?: ClusterCallbacks;
  proxyCallbacks?: KubeProxyCallbacks;
  withProxy?: boolean;
  sim?: Simulation;
}

/** Builds cluster + controller + kube-proxy in the order the scenario builder uses. */
export function buildStack(o: StackOptions = {}) {
  const sim = o.sim ?? new Simulation();
  const random = new RandomSource(o.seed ?? 1);
  const changes: EndpointChange[] = [];
  const cluster = new Cluster(
    sim,
    resolveClusterOptions({ awaitDrain: false, ...o.cluster }),
    random,
    o.clusterCallbacks,
  );
  const churn = new Churn(sim, cluster, o.churn ?? [], random);
  const controller = new EndpointSliceController(
    sim,
    cluster,
    resolveEndpointSliceControllerOptions(o.controller),
    random,
    { onEndpointChange: (c) => changes.push(c) },
  );
  const proxy =
    o.withProxy === false
      ? undefined
      : new KubeProxy(
          sim,
          cluster,
          controller,
          resolveKubeProxyOptions(o.kubeProxy),
          random,
          o.proxyCallbacks,
        );
  cluster.start();
  controller.bootstrap();
  proxy?.bootstrap();
  return { sim, random, cluster, churn, controller, proxy, changes };
}
