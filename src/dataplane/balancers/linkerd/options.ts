import { z } from 'zod';
import type { DistributionSpec } from '../../../engine/distributions/index.js';
import { duration, oneOf } from '../../../fields/fields.js';
import {
  latencyDistribution,
  PUSH_DELAY_DEFAULT,
  SIDECAR_LATENCY_DEFAULT,
} from '../mesh-options.js';

/**
 * Options of `linkerd-ewma`. linkerd2-proxy's balancer constants (EWMA_DEFAULT_RTT 30 ms,
 * EWMA_DECAY 10 s) are compiled in, not configuration, so they are not options; Linkerd has no
 * retries by default. What is configurable: the proxy's outbound connect timeout (Helm value
 * `proxy.outboundConnectTimeout`, default 1000ms, env LINKERD2_PROXY_OUTBOUND_CONNECT_TIMEOUT),
 * the sidecar's latency per traversal (docs/MODEL.md, Mesh cost) and the destination
 * controller's push delay.
 */
export interface LinkerdOptions {
  /** Only `sidecar`: Linkerd meshes pods (its proxies are sidecars). */
  readonly placement: 'sidecar';
  readonly connectTimeout: number;
  readonly sidecarLatency: DistributionSpec;
  readonly pushDelay: DistributionSpec;
}

export const LINKERD_DEFAULTS = {
  /** linkerd2 charts/linkerd-control-plane values.yaml proxy.outboundConnectTimeout. */
  connectTimeout: 1,
} as const;

export const linkerdOptions: z.ZodType<LinkerdOptions> = z.strictObject({
  placement: oneOf(['sidecar'] as const).default('sidecar'),
  connectTimeout: duration({ positive: true }).default(LINKERD_DEFAULTS.connectTimeout),
  sidecarLatency: latencyDistribution().default(SIDECAR_LATENCY_DEFAULT),
  pushDelay: latencyDistribution().default(PUSH_DELAY_DEFAULT),
});
