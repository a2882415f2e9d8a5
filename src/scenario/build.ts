/**
 * Builds one simulation from a resolved scenario variant, one balancer and a seed: the cluster
 * (ground truth), the EndpointSlice controller, kube-proxy on every node, the balancers, the
 * request path with its pod servers, the workload and the churn, all on one engine, wired
 * through the narrow interfaces of each layer. Nothing here runs per request: it is plumbing,
 * done once per job.
 *
 * Construction order matters and is the one the layers expect: the request path must exist
 * before the cluster starts (it hears podCreated for the initial pods); churn before
 * cluster.start() (crash processes draw each container's failure time when it starts);
 * controller.bootstrap() before kube-proxy's (every node programs the controller's initial
 * state as table version 0: the steady state a run starts from).
 */
import { Churn, type ChurnSpec } from '../cluster/churn.js';
import { Cluster } from '../cluster/cluster.js';
import { FaultInjector, type FaultSpec } from '../cluster/faults.js';
import { type PodOptions, resolveClusterOptions } from '../cluster/options.js';
import { ipToString, type NodeId, type PodId } from '../cluster/types.js';
import type { EndpointChange } from '../control-plane/endpoint-state.js';
import {
  EndpointSliceController,
  resolveEndpointSliceControllerOptions,
} from '../control-plane/endpointslice-controller.js';
import { getBalancer } from '../dataplane/balancers/registry.js';
import { HeadlessLookups } from '../dataplane/discovery/headless-dns.js';
import { KubeProxy } from '../dataplane/kube-proxy.js';
import { resolveKubeProxyOptions } from '../dataplane/kube-proxy-options.js';
import type { HopSpec } from '../dataplane/path/hop.js';
import type { NginxDeps } from '../dataplane/path/proxy-hop.js';
import { PathRelay } from '../dataplane/path/relay.js';
import { RequestPath } from '../dataplane/path/request-path.js';
import { resolveRequestPathOptions } from '../dataplane/path-options.js';
import { PodBehaviour, type PodFaultEffect, type PodProfile } from '../dataplane/pod-behaviour.js';
import { resolvePodServerOptions } from '../dataplane/pod-server.js';
import type { ProxyMode } from '../dataplane/sync-cost.js';
import type { L4Balancer, L7Environment, NginxOptions } from '../dataplane/types.js';
import { type DistributionSpec, makeDistribution } from '../engine/distributions/index.js';
import { RandomSource, Simulation } from '../engine/index.js';
import { MetricsRecorder } from '../metrics/index.js';
import type { RowSink } from '../output/columns.js';
import { timeseriesWriter } from '../output/tables.js';
import { type ArrivalSpec, buildArrivals } from '../workload/arrivals.js';
import { placeClients } from '../workload/clients.js';
import { WorkloadDriver, workloadStreams } from '../workload/driver.js';
import type { ResolvedBalancer, ResolvedFault, ResolvedPod, ScenarioConfig } from './types.js';

/** A wired model, ready to run. */
export interface Model {
  readonly sim: Simulation;
  readonly random: RandomSource;
  readonly cluster: Cluster;
  readonly controller: EndpointSliceController;
  readonly kubeProxy: KubeProxy;
  readonly path: RequestPath;
  readonly driver: WorkloadDriver;
  readonly recorder: MetricsRecorder;
  /** Every endpoint change the controller wrote (bounded by churn, not by requests). */
  readonly changes: EndpointChange[];
  /** kube-proxy mode the nodes run (the Service's data plane; Nginx bypasses it). */
  readonly proxyMode: ProxyMode;
  /** Workers per pod (busy fraction = worker-seconds / (concurrency x lifetime)). */
  readonly podConcurrency: number;
}

/** Which kube-proxy mode a balancer implies. Nginx talks to pod IPs; the cluster still runs
 * kube-proxy in its default mode (iptables), which only matters for the propagation outputs. */
function proxyModeOf(family: string): ProxyMode {
  switch (family) {
    case 'ipvs':
      return 'ipvs';
    case 'nftables':
      return 'nftables';
    default:
      return 'iptables';
  }
}

function dist(spec: DistributionSpec, path: string) {
  return makeDistribution(spec, path);
}

/** The cluster's view of a `faults:` entry (effects are wired separately). */
function faultSpec(f: ResolvedFault): FaultSpec {
  if (f.type === 'kube-proxy-restart') {
    return { type: f.type, nodes: f.nodes, at: f.at, for: f.for, flush: f.flush };
  }
  return { type: f.type, pods: f.pods, at: f.at, for: f.for };
}

/**
 * The pod servers' templates and fault effects, or undefined when every pod is the
 * Deployment's, answers no errors and no fault is configured (the pod servers then skip it).
 */
function podBehaviour(
  config: ScenarioConfig,
  templates: readonly ResolvedPod[],
  keyedStream: ConstructorParameters<typeof PodBehaviour>[2],
  where: (k: number) => string,
): PodBehaviour | undefined {
  const base = config.deployment.pod;
  if (templates.length === 1 && config.faults.length === 0 && base.errors.probability === 0) {
    return undefined;
  }
  const same = (a: unknown, b: unknown) => JSON.stringify(a) === JSON.stringify(b);
  const profiles = templates.map(
    (t, k): PodProfile => ({
      // The request's own demand (drawn at arrival from deployment.pod.serviceTime) unless the
      // template has another distribution.
      serviceTime: same(t.serviceTime, base.serviceTime)
        ? undefined
        : dist(t.serviceTime, `${where(k)}.serviceTime`),
      errorProbability: t.errors.probability,
      errorStatus: t.errors.status,
      concurrency: t.concurrency,
      queueLimit: t.queueLimit ?? Number.POSITIVE_INFINITY,
      slowStart: t.slowStart,
      slowStartFactor: t.slowStartFactor,
    }),
  );
  const effects = config.faults.map((f, i): PodFaultEffect | undefined => {
    switch (f.type) {
      case 'slow':
        return {
          type: 'slow',
          serviceTime:
            f.serviceTime === null ? undefined : dist(f.serviceTime, `faults[${i}].serviceTime`),
          factor: f.factor ?? 1,
        };
      case 'errors':
        return { type: 'errors', probability: f.probability, status: f.status };
      case 'blackhole':
        return { type: 'blackhole' };
      case 'refuse':
        return { type: 'refuse' };
      default:
        return undefined;
    }
  });
  return new PodBehaviour(profiles, effects, keyedStream);
}

/** Node names as they appear in every CSV: the dense node index. */
export function nodeLabel(node: NodeId): number {
  return node;
}

export function buildModel(
  config: ScenarioConfig,
  balancer: ResolvedBalancer,
  seed: number,
  sink: RowSink,
): Model {
  const sim = new Simulation({ initialCapacity: 4096 });
  const random = new RandomSource(seed);
  const descriptor = getBalancer(balancer.name);
  const proxyMode = proxyModeOf(descriptor.family);
  const pod = config.deployment.pod;

  // The cluster (the path's ground truth) and kube-proxy (its tables) exist before the request
  // path and reach it through this relay, attached once the path is built.
  const relay = new PathRelay();

  // Pod templates: 0 = deployment.pod, then each rollout's `template` in file order.
  const templates: ResolvedPod[] = [pod];
  const churn = config.churn.map((c): ChurnSpec => {
    if (c.type !== 'rollout' || c.template === undefined) return c as ChurnSpec;
    templates.push(c.template);
    return { type: 'rollout', at: c.at, template: templates.length - 1 } satisfies ChurnSpec;
  });
  const clusterPod = (p: ResolvedPod, where: string): PodOptions => ({
    startup: dist(p.startup, `${where}.startup`),
    appStartDelay: dist(p.appStartDelay, `${where}.appStartDelay`),
    appReadyDelay: dist(p.appReadyDelay, `${where}.appReadyDelay`),
    appReadiness: p.appReadiness,
    readinessProbe: { ...p.readinessProbe },
    terminationGracePeriodSeconds: p.terminationGracePeriodSeconds,
    preStopSleep: p.preStopSleep,
    listenerCloseDelay: p.listenerCloseDelay,
    onSigterm: p.onSigterm,
    restartBackoff: { ...p.restartBackoff },
  });
  const templateWhere = (k: number) => {
    let n = 0;
    const i = config.churn.findIndex((c) => c.type === 'rollout' && c.template && ++n === k);
    return `churn[${i}].template`;
  };

  let podName = (id: PodId): string => String(id);
  const cluster = new Cluster(
    sim,
    resolveClusterOptions({
      nodes: config.cluster.nodes,
      podCidr: config.cluster.podCidr,
      nodeCidrMaskSize: config.cluster.nodeCidrMaskSize,
      ipReuse: config.cluster.ipReuse,
      maxPodsPerNode: config.cluster.maxPodsPerNode,
      nodeMonitorGracePeriod: config.cluster.nodeMonitorGracePeriod,
      plegRelistPeriod: config.cluster.plegRelistPeriod,
      initialState: config.cluster.initialState,
      awaitDrain: true,
      deployment: {
        kind: config.deployment.kind,
        replicas: config.deployment.replicas,
        maxSurge: config.deployment.maxSurge,
        maxUnavailable: config.deployment.maxUnavailable,
        minReadySeconds: config.deployment.minReadySeconds,
        podManagementPolicy: config.deployment.podManagementPolicy,
        updateStrategy: {
          type: config.deployment.updateStrategy.type,
          ...config.deployment.updateStrategy.rollingUpdate,
        },
      },
      pod: clusterPod(pod, 'deployment.pod'),
      templates: templates.slice(1).map((t, k) => clusterPod(t, templateWhere(k + 1))),
    }),
    random,
    {
      observer: relay,
      onEvent: (time, event, p, node, detail) =>
        sink.row('events', [time, event, p >= 0 ? podName(p) : '', node >= 0 ? node : '', detail]),
      onNodeFailed: (node) => relay.nodeFailed(node),
    },
  );
  podName = (id) => cluster.pod(id).name;

  new Churn(sim, cluster, churn, random);

  const changes: EndpointChange[] = [];
  const controller = new EndpointSliceController(
    sim,
    cluster,
    resolveEndpointSliceControllerOptions({
      maxEndpointsPerSlice: config.propagation.maxEndpointsPerSlice,
      batchPeriod: config.propagation.batchPeriod,
      controllerDelay: dist(config.propagation.controllerDelay, 'propagation.controllerDelay'),
    }),
    random,
    { onEndpointChange: (c) => changes.push(c) },
  );

  // What the families with a discovery path of their own are wired from.
  const env: L7Environment = {
    sim,
    feed: controller,
    watchDelay: dist(config.propagation.watchDelay, 'propagation.watchDelay'),
    stream: (name) => random.stream(name),
    keyedStream: (name) => random.keyedStream(name),
    nodeCount: config.cluster.nodes,
    dns: config.cluster.dns,
  };
  // A family with its own per-node discovery path (Cilium's agents) programs the nodes' tables
  // in place of kube-proxy, which still runs for the propagation outputs.
  const ownTables =
    descriptor.kind === 'l4' && descriptor.nodeTables !== undefined
      ? descriptor.nodeTables(descriptor.options.parse(balancer.options), env, (node) =>
          relay.tableProgrammed(node),
        )
      : undefined;
  const kp = config.kubeProxy;
  const sc = kp.syncCost;
  const kubeProxy = new KubeProxy(
    sim,
    cluster,
    controller,
    resolveKubeProxyOptions({
      mode: proxyMode,
      minSyncPeriod: kp.minSyncPeriod,
      syncPeriod: kp.syncPeriod,
      burstSyncs: kp.burstSyncs,
      partialSync: kp.partialSync,
      watchDelay: dist(config.propagation.watchDelay, 'propagation.watchDelay'),
      syncCost: {
        otherServices: config.cluster.otherServices,
        endpointsPerOtherService: config.cluster.endpointsPerOtherService,
        iptables: { ...sc.iptables },
        ipvs: { ...sc.ipvs },
        nftables: { ...sc.nftables },
      },
    }),
    random,
    {
      // Unless the family programs the nodes itself (Cilium's agents).
      tableProgrammed: (node) => {
        if (ownTables === undefined) relay.tableProgrammed(node);
      },
      changeProgrammed: (changeId, node, at) => {
        const c = changes[changeId];
        if (c === undefined) return;
        sink.row('propagation', [
          changeId,
          c.change,
          podName(c.pod),
          ipToString(c.ip),
          nodeLabel(node),
          c.happenedAt,
          at,
          (at - c.happenedAt) * 1e3,
        ]);
      },
    },
  );

  const recorder = new MetricsRecorder(
    sim,
    { warmup: config.warmup, window: config.output.window },
    {
      readyPods: () => cluster.readyPodCount(),
      staleNodes: () => kubeProxy.staleNodes(),
      ejectedHosts: () => relay.ejectedHosts(),
      ewmaSpread: () => relay.ewmaSpread(),
    },
    timeseriesWriter(sink),
  );

  const w = config.workload;
  const clients = placeClients(
    { count: w.clients.count, location: w.clients.location, placement: w.clients.placement },
    config.cluster.nodes,
  );
  const external = w.clients.location === 'external';
  const pathOptions = resolveRequestPathOptions({
    network: { ...config.network },
    connections: { ...w.connections },
    timeouts: { ...w.timeouts },
    retries: {
      count: w.retries.count,
      backoff: { ...w.retries.backoff },
      on: [...w.retries.on],
    },
    trafficPolicy: external
      ? config.service.externalTrafficPolicy
      : config.service.internalTrafficPolicy,
    external: {
      nodes: w.clients.external.nodes,
      healthCheckInterval: w.clients.external.healthCheckInterval,
      healthyThreshold: w.clients.external.healthyThreshold,
      unhealthyThreshold: w.clients.external.unhealthyThreshold,
    },
  });
  const podServer = resolvePodServerOptions({
    concurrency: pod.concurrency,
    queueLimit: pod.queueLimit,
    slowStart: pod.slowStart,
    slowStartFactor: pod.slowStartFactor,
  });

  let balancers: L4Balancer[] | undefined;
  let hop: HopSpec | undefined;
  // A headless Service: the L4 route's clients resolve pod IPs at CoreDNS (no kube-proxy rules).
  const headless =
    descriptor.kind === 'l4' && config.service.clusterIP === 'None'
      ? new HeadlessLookups(
          sim,
          controller,
          config.cluster.dns,
          dist(config.propagation.watchDelay, 'propagation.watchDelay'),
          random.keyedStream('coredns:watch'),
          random.keyedStream('dns:lookup'),
          clients.count,
        )
      : undefined;
  if (descriptor.kind === 'l4') {
    balancers = [];
    for (let node = 0; node < config.cluster.nodes; node++) {
      balancers.push(
        descriptor.create(
          { sim, rng: random.stream(`balancer:${node}`), node },
          descriptor.options.parse(balancer.options),
        ),
      );
    }
  } else if (descriptor.kind === 'l7') {
    try {
      hop = descriptor.hop(balancer.options, env);
    } catch (e) {
      if (e instanceof RangeError) {
        throw new RangeError(`balancers[${balancer.label}].${e.message}`);
      }
      throw e;
    }
  } else {
    const options = balancer.options as unknown as NginxOptions;
    if (options.node >= config.cluster.nodes) {
      throw new RangeError(
        `balancers[${balancer.label}].node: expected a node index < ${config.cluster.nodes}, got ${options.node}`,
      );
    }
    const nginx: NginxDeps = {
      options,
      createPicker: (ips, o, rng) => descriptor.createPicker(ips, o, rng),
      upstreamIps: () => controller.readyEndpointIps(),
    };
    hop = { name: 'nginx', config: nginx };
  }

  const path = new RequestPath({
    sim,
    truth: cluster,
    recorder,
    drain: cluster,
    nodeCount: config.cluster.nodes,
    clients,
    stream: (name) => random.stream(name),
    keyedStream: (name) => random.keyedStream(name),
    options: pathOptions,
    pod: podServer,
    ...(balancers ? { balancers, tables: ownTables ?? kubeProxy } : {}),
    ...(hop ? { hop } : {}),
    ...(headless ? { dns: headless } : {}),
  });
  relay.attach(path);

  const behaviour = podBehaviour(
    config,
    templates,
    (name) => random.keyedStream(name),
    (k) => (k === 0 ? 'deployment.pod' : templateWhere(k)),
  );
  if (behaviour !== undefined) {
    path.servers.setBehaviour(behaviour);
    // A pod of a rollout's template behaves as that template says (told at its creation; the
    // initial pods run template 0).
    cluster.addListener({ podChanged: (p) => behaviour.setProfile(p.id, p.template) });
  }
  if (config.faults.length > 0) {
    new FaultInjector(
      sim,
      cluster,
      config.faults.map(faultSpec),
      random,
      {
        podFaultStarted: (p, i) => behaviour?.faultStarted(p, i),
        podFaultEnded: (p, i) => behaviour?.faultEnded(p, i),
        kubeProxyRestart: (node, downFor, flush) => kubeProxy.restart(node, downFor, flush),
      },
      (event, p, node, detail) =>
        sink.row('events', [
          sim.now,
          event,
          p >= 0 ? podName(p) : '',
          node >= 0 ? node : '',
          detail,
        ]),
    );
  }

  const driver = new WorkloadDriver(
    sim,
    {
      arrivals: buildArrivals(w.arrivals as ArrivalSpec, (d) => makeDistribution(d)),
      serviceTime: dist(pod.serviceTime, 'deployment.pod.serviceTime'),
      clientCount: clients.count,
    },
    workloadStreams(random),
    path,
  );
  path.setListener(driver);

  cluster.start();
  controller.bootstrap();
  // CoreDNS's informers start from the controller's initial state, as kube-proxy's.
  headless?.start();
  ownTables?.start();
  kubeProxy.bootstrap();
  // A steady start: the tables just programmed have been serving for long, so a balancer's
  // position (IPVS rr/wrr) is anywhere in its cycle, not at the head on every node in lockstep.
  if (config.cluster.initialState === 'steady') for (const b of balancers ?? []) b.settle?.();

  return {
    sim,
    random,
    cluster,
    controller,
    kubeProxy,
    path,
    driver,
    recorder,
    changes,
    proxyMode,
    podConcurrency: podServer.concurrency,
  };
}
