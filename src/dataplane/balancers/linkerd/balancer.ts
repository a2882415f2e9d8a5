import { makeDistribution } from '../../../engine/distributions/index.js';
import type { Rng } from '../../../engine/index.js';
import { startControlPlane } from '../../discovery/xds-stream.js';
import type { UpstreamResult } from '../../path/hop.js';
import type { MeshBalancer, MeshDeps } from '../../path/mesh-contract.js';
import type { L7BalancerDescriptor, L7Environment } from '../../types.js';
import { MeshPicker } from '../envoy/balancer.js';
import { type LinkerdOptions, linkerdOptions } from './options.js';
import { LinkerdPeakEwma } from './peak-ewma.js';

/**
 * Linkerd wired as the mesh hop (src/dataplane/path/mesh-hop.ts, sidecar placement): each
 * client's linkerd2-proxy balances with tower's P2C over peak-EWMA endpoints, learns of
 * endpoints from the destination controller's stream (every watch event streamed, no debounce),
 * talks HTTP/2 to the pods' proxies (one connection per endpoint, reused by every request),
 * retries nothing by default and answers proxy errors as linkerd2-proxy does (502 for a refused
 * or reset connection, 504 for a connect timeout, 503 with no endpoints). See docs/MODEL.md,
 * "Linkerd (wired)".
 */
export class LinkerdMeshBalancer implements MeshBalancer {
  readonly ewma: LinkerdPeakEwma;
  constructor(
    ips: Uint32Array,
    now: number,
    private readonly rng: Rng,
  ) {
    this.ewma = new LinkerdPeakEwma(ips, now);
  }
  get size(): number {
    return this.ewma.size;
  }
  get ips(): Uint32Array {
    return this.ewma.ips;
  }
  /** tower's p2c ignores earlier tries (Linkerd has no retries by default anyway). */
  pick(_worker: number, _tried: number, now: number): number {
    return this.ewma.pick(now, this.rng);
  }
  requestStarted(h: number): void {
    this.ewma.requestStarted(h);
  }
  /**
   * The Handle is dropped with the response (or the error): the RTT sample is the time since
   * the request was sent. A connect that failed never dispatched on the endpoint: only its
   * pending count goes.
   */
  requestEnded(h: number, result: UpstreamResult, now: number): void {
    this.ended(h, now, result.responseTime);
  }
  /** A cancelled request drops its Handle too (tower peak_ewma Handle::drop records the time). */
  requestCancelled(h: number, now: number, elapsed: number): void {
    this.ended(h, now, elapsed);
  }
  private ended(h: number, now: number, rtt: number): void {
    if (Number.isNaN(rtt)) {
      // Pending goes, no sample: requestEnded with a zero sample would decay-and-store only.
      this.ewma.requestEnded(h, now, 0);
      return;
    }
    this.ewma.requestEnded(h, now, rtt);
  }
  setEndpoints(ips: Uint32Array, now: number): void {
    this.ewma.setEndpoints(ips, now);
  }
  onInterval(_now: number): void {}
  ejectedHosts(): number {
    return 0;
  }
  ewmaSpread(now: number): number {
    return this.ewma.spread(now);
  }
}

function linkerdHop(o: LinkerdOptions, env: L7Environment): { name: string; config: MeshDeps } {
  const feed = env.feed;
  const deps: MeshDeps = {
    name: 'linkerd',
    placement: 'sidecar',
    node: 0,
    workers: 1,
    multiplexed: true,
    connectTimeout: o.connectTimeout,
    traversal: o.sidecarLatency,
    serverSidecar: true,
    retry: {
      attempts: 0,
      connectFailure: false,
      reset: false,
      statuses: [],
      baseInterval: 0,
      maxInterval: 0,
    },
    statuses: { noEndpoints: 503, refused: 502, connectTimeout: 504, reset: 502 },
    interval: 0,
    createBalancer: (_p, ips, rng) => new LinkerdMeshBalancer(ips, env.sim.now, rng),
    upstreamIps: () => feed.snapshotAt(feed.resourceVersion).ips,
    onLoad: (hop, count) => {
      // The destination controller streams every watch event: no debounce.
      const off = { debounceAfter: 0, debounceMax: 0, enabled: false };
      const push = makeDistribution(o.pushDelay, 'pushDelay');
      startControlPlane(env, 'linkerd-destination', count, off, push, (p, ips) =>
        hop.updateProxy(p, ips),
      );
    },
  };
  return { name: 'mesh', config: deps };
}

export const linkerdEwma: L7BalancerDescriptor<LinkerdOptions> = {
  kind: 'l7',
  name: 'linkerd-ewma',
  family: 'linkerd',
  description:
    'Linkerd sidecar: P2C over peak-EWMA latency x (pending + 1) per client proxy, destination stream, HTTP/2 between proxies, no retries',
  options: linkerdOptions,
  createPicker: (ips, _o, rng) => new MeshPicker(new LinkerdMeshBalancer(ips, 0, rng)),
  hop: (o, env) => linkerdHop(o, env),
};
