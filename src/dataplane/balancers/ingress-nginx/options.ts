import { z } from 'zod';
import { duration, integer, number } from '../../../fields/fields.js';

/**
 * Options of `ingress-nginx-rr` and `ingress-nginx-ewma`: the controller's ConfigMap keys and
 * flags, camelCased. Defaults are ingress-nginx's own
 * (internal/ingress/controller/config/config.go `NewDefault`, cmd/nginx/flags.go), except
 * where marked as an lbsim choice.
 */
export interface IngressNginxOptionsInput {
  /**
   * ConfigMap `worker-processes`. ingress-nginx defaults to the node's CPU count
   * (`runtime.NumCPU()`); lbsim nodes have no CPU count, so set it to yours. @default 1 (lbsim)
   */
  workerProcesses?: number;
  /** ConfigMap `proxy-next-upstream` (space-separated or a list). @default 'error timeout' */
  proxyNextUpstream?: string | string[];
  /** ConfigMap `proxy-next-upstream-tries`. @default 3 */
  proxyNextUpstreamTries?: number;
  /** ConfigMap `proxy-connect-timeout`. @default 5s */
  proxyConnectTimeout?: number | string;
  /** ConfigMap `proxy-read-timeout`. @default 60s */
  proxyReadTimeout?: number | string;
  /** ConfigMap `upstream-keepalive-connections` (idle connections kept per worker). @default 320 */
  upstreamKeepaliveConnections?: number;
  /** Flag `--sync-rate-limit`: syncs per second (token bucket, burst 1). @default 0.3 */
  syncRateLimit?: number;
  /** Node index the controller pod runs on (lbsim placement). @default 0 */
  node?: number;
}

export const NEXT_UPSTREAM_CONDITIONS = [
  'error',
  'timeout',
  'invalid_header',
  'http_500',
  'http_502',
  'http_503',
  'http_504',
  'http_403',
  'http_404',
  'http_429',
  'non_idempotent',
  'off',
] as const;
export type NextUpstreamCondition = (typeof NEXT_UPSTREAM_CONDITIONS)[number];

export interface IngressNginxOptions {
  readonly workerProcesses: number;
  readonly proxyNextUpstream: readonly NextUpstreamCondition[];
  readonly proxyNextUpstreamTries: number;
  readonly proxyConnectTimeout: number;
  readonly proxyReadTimeout: number;
  readonly upstreamKeepaliveConnections: number;
  readonly syncRateLimit: number;
  readonly node: number;
}

export const INGRESS_NGINX_DEFAULTS: IngressNginxOptions = {
  workerProcesses: 1,
  proxyNextUpstream: ['error', 'timeout'],
  proxyNextUpstreamTries: 3,
  proxyConnectTimeout: 5,
  proxyReadTimeout: 60,
  upstreamKeepaliveConnections: 320,
  syncRateLimit: 0.3,
  node: 0,
};

const nextUpstream = z.unknown().transform((v, ctx): NextUpstreamCondition[] => {
  const list = typeof v === 'string' ? v.trim().split(/\s+/) : v;
  if (
    !Array.isArray(list) ||
    list.length === 0 ||
    !list.every((x) => (NEXT_UPSTREAM_CONDITIONS as readonly unknown[]).includes(x)) ||
    (list.includes('off') && list.length > 1)
  ) {
    ctx.addIssue({
      code: 'custom',
      message: `expected nginx proxy_next_upstream conditions (${NEXT_UPSTREAM_CONDITIONS.join(', ')}; \`off\` alone), got ${JSON.stringify(v)}`,
    });
    return z.NEVER;
  }
  return [...new Set(list as NextUpstreamCondition[])];
});

/** Strict schema of the ingress-nginx options; outputs IngressNginxOptions, defaults filled. */
export const ingressNginxOptions: z.ZodType<IngressNginxOptions> = z.strictObject({
  workerProcesses: integer({ min: 1 }).default(INGRESS_NGINX_DEFAULTS.workerProcesses),
  proxyNextUpstream: nextUpstream.default([...INGRESS_NGINX_DEFAULTS.proxyNextUpstream]),
  proxyNextUpstreamTries: integer({ min: 0 }).default(
    INGRESS_NGINX_DEFAULTS.proxyNextUpstreamTries,
  ),
  proxyConnectTimeout: duration({ positive: true }).default(
    INGRESS_NGINX_DEFAULTS.proxyConnectTimeout,
  ),
  proxyReadTimeout: duration({ positive: true }).default(INGRESS_NGINX_DEFAULTS.proxyReadTimeout),
  upstreamKeepaliveConnections: integer({ min: 0 }).default(
    INGRESS_NGINX_DEFAULTS.upstreamKeepaliveConnections,
  ),
  syncRateLimit: number({ positive: true }).default(INGRESS_NGINX_DEFAULTS.syncRateLimit),
  node: integer({ min: 0 }).default(INGRESS_NGINX_DEFAULTS.node),
});
