import { makeDistribution } from '../../../engine/distributions/index.js';
import type { Rng } from '../../../engine/index.js';
import { startControlPlane } from '../../discovery/xds-stream.js';
import { UpstreamOutcome, type UpstreamResult } from '../../path/hop.js';
import type { MeshBalancer, MeshDeps } from '../../path/mesh-contract.js';
import type { L7BalancerDescriptor, L7Environment, UpstreamPicker } from '../../types.js';
import { EnvoyCluster, type EnvoyClusterOptions } from './cluster.js';
import { type EnvoyOptions, type EnvoySettings, envoyConfig, envoyOptions } from './options.js';

/**
 * Envoy/Istio wired as the mesh hop (src/dataplane/path/mesh-hop.ts): a sidecar beside each
 * client (Istio's default) or one gateway in front (`placement: gateway`). Each proxy holds one
 * EnvoyCluster for the Service: a load balancer per worker thread (`concurrency`), rq_active
 * and outlier detection per proxy, the panic threshold, previous_hosts on retries. The
 * endpoint view is istiod's EDS: the Service's EndpointSlices watched, pushes debounced by
 * PILOT_DEBOUNCE_AFTER / _MAX, each proxy applying a push `pushDelay` after it. Retries follow
 * Istio's default policy (2 retries on connect-failure and 503, back-off 25 ms base). Local
 * failures answer 503 (Envoy's "upstream connect error or disconnect/reset before headers",
 * "no healthy upstream"). See docs/MODEL.md, "Envoy / Istio (wired)".
 */

function clusterOptions(o: EnvoyOptions, lbPolicy: EnvoyClusterOptions['lbPolicy']) {
  return {
    lbPolicy,
    concurrency: o.concurrency,
    leastRequest: {
      choiceCount: o.choiceCount,
      activeRequestBias: o.activeRequestBias,
      fullScan: false,
    },
    outlierDetection: o.outlierDetection,
    healthyPanicThreshold: o.healthyPanicThreshold,
    hostSelectionRetryMaxAttempts: o.retries.hostSelectionRetryMaxAttempts,
  } satisfies EnvoyClusterOptions;
}

/** One Envoy's cluster behind the mesh hop's balancer protocol. */
export class EnvoyMeshBalancer implements MeshBalancer {
  readonly cluster: EnvoyCluster;
  constructor(
    ips: Uint32Array,
    options: EnvoyClusterOptions,
    private readonly rng: Rng,
  ) {
    this.cluster = new EnvoyCluster(ips, options, rng);
  }
  get size(): number {
    return this.cluster.size;
  }
  get ips(): Uint32Array {
    return this.cluster.ips;
  }
  pick(worker: number, tried: number, _now: number): number {
    return this.cluster.pick(worker, tried, this.rng);
  }
  requestStarted(h: number): void {
    this.cluster.requestStarted(h);
  }
  /**
   * Outlier detection sees a 5xx, and (split_external_local_origin_errors false) a local
   * connect failure or timeout and an upstream reset, as failures; any other response resets
   * the host's count (outlier_detection_impl.cc putHttpResponseCode / putResult).
   */
  requestEnded(h: number, result: UpstreamResult, now: number): void {
    const failed = !(result.outcome === UpstreamOutcome.ok && result.status < 500);
    this.cluster.requestEnded(h, failed, now, this.rng);
  }
  /** A downstream reset cancels the upstream request: rq_active drops, no outlier result. */
  requestCancelled(h: number, _now: number, _elapsed: number): void {
    const a = this.cluster.active[h] as number;
    if (a > 0) this.cluster.active[h] = a - 1;
  }
  setEndpoints(ips: Uint32Array, _now: number): void {
    this.cluster.setEndpoints(ips);
  }
  onInterval(now: number): void {
    this.cluster.onInterval(now);
  }
  ejectedHosts(): number {
    return this.cluster.ejectedHosts;
  }
  ewmaSpread(_now: number): number {
    return 0;
  }
}

/**
 * One worker's view behind the Nginx picker protocol, for the conformance promises
 * (test/dataplane/balancers/l7-conformance.test.ts): `connectionOpened` / `Closed` stand for a
 * request starting and ending (rq_active), `reportFailure` for a 5xx.
 */
export class MeshPicker implements UpstreamPicker {
  constructor(private readonly b: MeshBalancer) {}
  get size(): number {
    return this.b.size;
  }
  get ips(): Uint32Array {
    return this.b.ips;
  }
  pick(now: number, triedMask: number): number {
    return this.b.pick(0, triedMask, now);
  }
  private readonly res: UpstreamResult = {
    outcome: UpstreamOutcome.ok,
    status: 200,
    connectTime: 0,
    responseTime: 0,
  };
  reportFailure(peer: number, now: number): void {
    this.b.requestStarted(peer);
    this.res.outcome = UpstreamOutcome.httpError;
    this.res.status = 503;
    this.b.requestEnded(peer, this.res, now);
  }
  reportSuccess(_peer: number, _now: number): void {}
  connectionOpened(peer: number): void {
    this.b.requestStarted(peer);
  }
  connectionClosed(peer: number): void {
    this.b.requestCancelled(peer, 0, Number.NaN);
  }
  reload(ips: Uint32Array, now: number): void {
    this.b.setEndpoints(ips, now);
  }
  afterBalance(peer: number, result: UpstreamResult, now: number): void {
    this.b.requestEnded(peer, result, now);
  }
}

/** The mesh hop configuration of an Envoy balancer, its EDS stream started with the proxies. */
function envoyHop(
  o: EnvoyOptions,
  env: L7Environment,
  lbPolicy: EnvoyClusterOptions['lbPolicy'],
): { name: string; config: MeshDeps } {
  if (o.placement === 'gateway' && o.node >= env.nodeCount) {
    throw new RangeError(`node: expected a node index < ${env.nodeCount}, got ${o.node}`);
  }
  const feed = env.feed;
  const co = clusterOptions(o, lbPolicy);
  const r = o.retries;
  const deps: MeshDeps = {
    name: 'envoy',
    placement: o.placement,
    node: o.node,
    workers: o.concurrency,
    // Istio sends HTTP/1.1 between sidecars unless h2UpgradePolicy says otherwise
    // (DestinationRule connectionPool.http.h2UpgradePolicy, default DO_NOT_UPGRADE).
    multiplexed: false,
    connectTimeout: o.connectTimeout,
    traversal: o.sidecarLatency,
    serverSidecar: true,
    retry: {
      attempts: r.attempts,
      connectFailure: r.connectFailure,
      reset: r.reset,
      statuses: r.retriableStatusCodes,
      baseInterval: r.baseInterval,
      maxInterval: r.maxInterval,
    },
    statuses: { noEndpoints: 503, refused: 503, connectTimeout: 503, reset: 503 },
    interval: o.outlierDetection?.interval ?? 0,
    createBalancer: (_p, ips, rng) => new EnvoyMeshBalancer(ips, co, rng),
    upstreamIps: () => feed.snapshotAt(feed.resourceVersion).ips,
    onLoad: (hop, count) => {
      const push = makeDistribution(o.pushDelay, 'pushDelay');
      startControlPlane(env, 'istiod', count, o.debounce, push, (p, ips) =>
        hop.updateProxy(p, ips),
      );
    },
  };
  return { name: 'mesh', config: deps };
}

export const envoyRr: L7BalancerDescriptor<EnvoySettings> = {
  kind: 'l7',
  name: 'envoy-rr',
  family: 'envoy',
  description:
    'Envoy/Istio sidecar (or gateway): ROUND_ROBIN per worker thread, EDS with istiod debounce 100 ms / 10 s, Istio retries (2 on connect-failure, 503)',
  options: envoyOptions,
  createPicker: (ips, o, rng) =>
    new MeshPicker(new EnvoyMeshBalancer(ips, clusterOptions(envoyConfig(o), 'round_robin'), rng)),
  hop: (o, env) => envoyHop(envoyConfig(o), env, 'round_robin'),
};

export const envoyLeastRequest: L7BalancerDescriptor<EnvoySettings> = {
  kind: 'l7',
  name: 'envoy-least-request',
  family: 'envoy',
  description:
    'Envoy/Istio sidecar (or gateway): LEAST_REQUEST, P2C on active requests per worker thread; otherwise as envoy-rr',
  options: envoyOptions,
  createPicker: (ips, o, rng) =>
    new MeshPicker(
      new EnvoyMeshBalancer(ips, clusterOptions(envoyConfig(o), 'least_request'), rng),
    ),
  hop: (o, env) => envoyHop(envoyConfig(o), env, 'least_request'),
};
