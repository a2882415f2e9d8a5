import { z } from 'zod';
import type { DistributionSpec } from '../../engine/distributions/index.js';
import { duration } from '../../fields/fields.js';
import { parseDuration } from '../../fields/units.js';

/**
 * Options shared by the mesh families (Envoy/Istio and Linkerd): the latency a sidecar adds per
 * traversal and the control plane's push delay, as distributions.
 *
 * Default traversal cost: Istio's "Performance and Scalability" page (Istio 1.12.3 onwards,
 * 1000 rps over 16 connections, 1 KB payloads, 2 proxy workers, mTLS, telemetry v2) measures
 * the client and server sidecars together adding about 1.7 ms at p90 and 2.7 ms at p99. lbsim
 * charges half of each per sidecar a request passes (0.85 ms p90, 1.35 ms p99): a lognormal with
 * median 0.48 ms and p99 1.35 ms has p90 0.85 ms (halving the quantiles of a sum is an
 * approximation; docs/MODEL.md, Mesh cost).
 */
export const SIDECAR_LATENCY_DEFAULT: DistributionSpec = {
  distribution: 'lognormal',
  median: 0.00048,
  p99: 0.00135,
};

/**
 * The delay from a control-plane push to the proxy applying it (gRPC stream + proxy update). An
 * lbsim choice (10 ms), not a published default: Istio exports it as
 * pilot_proxy_convergence_time, which users can measure and set here.
 */
export const PUSH_DELAY_DEFAULT: DistributionSpec = { distribution: 'constant', value: 0.01 };

const positive = () => duration({ positive: true });

/**
 * A distribution in a balancer's options: a duration (constant), or `{distribution: constant |
 * exponential | uniform | lognormal, ...}` with durations as parameters (lognormal by median and
 * p99, or mean and cv). Files (empirical, prometheus) are for the scenario's own distribution
 * fields.
 */
export function latencyDistribution() {
  const constant = z.strictObject({ distribution: z.literal('constant'), value: duration() });
  const exponential = z.strictObject({ distribution: z.literal('exponential'), mean: positive() });
  const uniform = z.strictObject({
    distribution: z.literal('uniform'),
    min: duration(),
    max: duration(),
  });
  const lognormalMedian = z.strictObject({
    distribution: z.literal('lognormal'),
    median: positive(),
    p99: positive(),
  });
  const lognormalMean = z.strictObject({
    distribution: z.literal('lognormal'),
    mean: positive(),
    cv: z.number().positive(),
  });
  const object = z.union([constant, exponential, uniform, lognormalMedian, lognormalMean]);
  return z
    .unknown()
    .meta({
      type: 'a duration, or {distribution: constant|exponential|uniform|lognormal, ...} with durations',
    })
    .transform((v, ctx): DistributionSpec => {
      if (typeof v === 'number' || typeof v === 'string') {
        const s = parseDuration(v);
        if (s === undefined || s < 0) {
          ctx.addIssue({
            code: 'custom',
            message: `expected a duration >= 0 or a distribution, got ${JSON.stringify(v)}`,
          });
          return z.NEVER;
        }
        return { distribution: 'constant', value: s };
      }
      const r = object.safeParse(v);
      if (!r.success) {
        ctx.addIssue({
          code: 'custom',
          message: `expected a duration or {distribution: constant|exponential|uniform|lognormal, ...} with durations (lognormal by median and p99, or mean and cv), got ${JSON.stringify(v)}`,
        });
        return z.NEVER;
      }
      const d = r.data;
      if (d.distribution === 'uniform' && !(d.max > d.min)) {
        ctx.addIssue({ code: 'custom', message: `max: expected a value > min (${d.min}s)` });
        return z.NEVER;
      }
      if (d.distribution === 'lognormal' && 'p99' in d && !(d.p99 > d.median)) {
        ctx.addIssue({ code: 'custom', message: `p99: expected a value > median (${d.median}s)` });
        return z.NEVER;
      }
      return d as DistributionSpec;
    });
}
