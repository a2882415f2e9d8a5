import type { Rng } from '../../../engine/index.js';
import { IngressNginxController } from '../../discovery/ingress-nginx-controller.js';
import type { UpstreamResult } from '../../path/hop.js';
import type { NginxDeps } from '../../path/proxy-hop.js';
import {
  ErrorCause,
  type L7BalancerDescriptor,
  type L7Environment,
  type NginxOptions,
  type UpstreamPicker,
} from '../../types.js';
import { IngressNginxEwma } from './ewma.js';
import { type IngressNginxOptions, ingressNginxOptions } from './options.js';
import { IngressNginxRoundRobin } from './round-robin.js';

/**
 * ingress-nginx wired as an L7 hop: the Nginx hop (src/dataplane/path/proxy-hop.ts) in front of
 * the Service with a balancer_by_lua upstream. Each nginx worker has its own Lua balancer
 * (round_robin.lua or ewma.lua) and takes the controller's new backend list at its own poll
 * (IngressNginxController: informer watch -> rate-limited sync -> POST -> 1 s worker poll).
 * The Lua balancers keep no passive health (no max_fails) and do not skip tried peers: a retry
 * calls balance() again. Retries follow the ConfigMap's proxy-next-upstream / _tries, with the
 * try budget of a balancer_by_lua upstream (set_more_tries: the tries alone, not capped by the
 * number of endpoints). See docs/MODEL.md, "ingress-nginx (wired)".
 */

/** The conditions the Nginx hop models (error, timeout, http_503); others are accepted, inert. */
function nginxOptionsOf(o: IngressNginxOptions): NginxOptions {
  const next = o.proxyNextUpstream.includes('off')
    ? (['off'] as const)
    : o.proxyNextUpstream.filter(
        (c): c is 'error' | 'timeout' | 'http_502' | 'http_503' | 'http_504' =>
          c === 'error' ||
          c === 'timeout' ||
          c === 'http_502' ||
          c === 'http_503' ||
          c === 'http_504',
      );
  return {
    balancing: 'round_robin',
    maxFails: 0,
    failTimeout: 0,
    nextUpstream: next,
    nextUpstreamTries: o.proxyNextUpstreamTries,
    // ConfigMap proxy-next-upstream-timeout, default 0 (config.go NewDefault).
    nextUpstreamTimeout: 0,
    connectTimeout: o.proxyConnectTimeout,
    readTimeout: o.proxyReadTimeout,
    workers: o.workerProcesses,
    zone: false,
    node: o.node,
    // The controller pod runs before the run: nginx holds the initial backends at t = 0.
    startAt: 0,
    reloadInterval: 0,
    // Read by nginx-static's picker only: the Lua balancers draw their own start.
    start: 'fresh',
  };
}

/** round_robin.lua behind the hop's picker protocol (no health, tried peers not skipped). */
export class IngressNginxRrPicker implements UpstreamPicker {
  private readonly lua: IngressNginxRoundRobin;
  constructor(
    ips: Uint32Array,
    private readonly rng: Rng,
  ) {
    this.lua = new IngressNginxRoundRobin(ips, rng);
  }
  get size(): number {
    return this.lua.size;
  }
  get ips(): Uint32Array {
    return this.lua.ips;
  }
  pick(_now: number, _triedMask: number): number {
    return this.lua.pick();
  }
  reportFailure(_peer: number, _now: number): void {}
  reportSuccess(_peer: number, _now: number): void {}
  connectionOpened(_peer: number): void {}
  connectionClosed(_peer: number): void {}
  reload(ips: Uint32Array, _now: number): void {
    this.lua.setEndpoints(ips, this.rng);
  }
}

/** ewma.lua behind the picker protocol: after_balance learns the first try's connect + response. */
export class IngressNginxEwmaPicker implements UpstreamPicker {
  readonly lua: IngressNginxEwma;
  constructor(
    ips: Uint32Array,
    private readonly rng: Rng,
  ) {
    this.lua = new IngressNginxEwma(ips);
  }
  get size(): number {
    return this.lua.size;
  }
  get ips(): Uint32Array {
    return this.lua.ips;
  }
  pick(now: number, _triedMask: number): number {
    return this.lua.pick(now, this.rng);
  }
  reportFailure(_peer: number, _now: number): void {}
  reportSuccess(_peer: number, _now: number): void {}
  connectionOpened(_peer: number): void {}
  connectionClosed(_peer: number): void {}
  reload(ips: Uint32Array, now: number): void {
    this.lua.setEndpoints(ips, now);
  }
  spread(now: number): number {
    return this.lua.spread(now);
  }
  /** ewma.lua after_balance: rtt = first $upstream_connect_time ("-" = 0) + first $upstream_response_time. */
  afterBalance(peer: number, result: UpstreamResult, now: number): void {
    const connect = Number.isNaN(result.connectTime) ? 0 : result.connectTime;
    const response = Number.isNaN(result.responseTime) ? 0 : result.responseTime;
    this.lua.afterBalance(peer, now, connect + response);
  }
}

/** The hop configuration of an ingress-nginx balancer: the Nginx hop fed by its controller. */
function ingressHop(
  o: IngressNginxOptions,
  env: L7Environment,
  createPicker: (ips: Uint32Array, rng: Rng) => UpstreamPicker,
): { name: string; config: NginxDeps } {
  if (o.node >= env.nodeCount) {
    throw new RangeError(`node: expected a node index < ${env.nodeCount}, got ${o.node}`);
  }
  const feed = env.feed;
  const deps: NginxDeps = {
    options: nginxOptionsOf(o),
    createPicker: (ips, _o, rng) => createPicker(ips, rng),
    upstreamIps: () => feed.snapshotAt(feed.resourceVersion).ips,
    triesBudget: 'tries',
    // A Service without endpoints: the controller points the upstream at its default backend,
    // which answers 503 (controller.go createUpstreams, "does not have any active Endpoint").
    noPeer: { status: 503, cause: ErrorCause.no_endpoints },
    onLoad: (hop) => {
      new IngressNginxController(
        env.sim,
        feed,
        {
          workers: o.workerProcesses,
          syncRateLimit: o.syncRateLimit,
          watchDelay: env.watchDelay,
        },
        env.keyedStream('ingress-nginx:watch'),
        env.stream('ingress-nginx:worker-phase'),
        (w, snap) => hop.updateWorker(w, snap.ips),
        0, // one watcher on its own keyed stream: the same delays in every run of a seed
      );
    },
  };
  return { name: 'nginx', config: deps };
}

export const ingressNginxRr: L7BalancerDescriptor<IngressNginxOptions> = {
  kind: 'l7',
  name: 'ingress-nginx-rr',
  family: 'ingress-nginx',
  description:
    'ingress-nginx (Lua round_robin per worker, random start; controller sync 0.3/s, worker poll 1 s; retries error timeout x3)',
  options: ingressNginxOptions,
  createPicker: (ips, _o, rng) => new IngressNginxRrPicker(ips, rng),
  hop: (o, env) => ingressHop(o, env, (ips, rng) => new IngressNginxRrPicker(ips, rng)),
};

export const ingressNginxEwma: L7BalancerDescriptor<IngressNginxOptions> = {
  kind: 'l7',
  name: 'ingress-nginx-ewma',
  family: 'ingress-nginx',
  description:
    'ingress-nginx load-balance: ewma (P2C over EWMA of connect + response time per worker, decay 10 s)',
  options: ingressNginxOptions,
  createPicker: (ips, _o, rng) => new IngressNginxEwmaPicker(ips, rng),
  hop: (o, env) => ingressHop(o, env, (ips, rng) => new IngressNginxEwmaPicker(ips, rng)),
};
