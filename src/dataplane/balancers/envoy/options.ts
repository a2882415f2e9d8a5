import { z } from 'zod';
import type { DistributionSpec } from '../../../engine/distributions/index.js';
import { boolean, duration, integer, number, oneOf } from '../../../fields/fields.js';
import {
  PILOT_DEBOUNCE_DEFAULTS,
  type PilotDebounceOptions,
} from '../../discovery/pilot-debounce.js';
import {
  latencyDistribution,
  PUSH_DELAY_DEFAULT,
  SIDECAR_LATENCY_DEFAULT,
} from '../mesh-options.js';
import { OUTLIER_DETECTION_DEFAULTS, type OutlierDetectionOptions } from './outlier-detection.js';
import { type EnvoyRetryOptions, ISTIO_RETRY_DEFAULTS } from './retry-policy.js';

/**
 * Options of `envoy-rr` and `envoy-least-request` as Istio configures Envoy: DestinationRule
 * `trafficPolicy` fields (outlierDetection, loadBalancer), VirtualService `retries`, the
 * sidecar's `concurrency` and istiod's debounce environment variables, camelCased.
 */
export interface EnvoyOptionsInput {
  /** `sidecar` beside each client pod (Istio's default), or one `gateway` in front. @default 'sidecar' */
  placement?: 'sidecar' | 'gateway';
  /** Envoy worker threads (ProxyConfig `concurrency`; Istio's sidecar default 2). @default 2 */
  concurrency?: number;
  /** LEAST_REQUEST `choice_count`. @default 2 */
  choiceCount?: number;
  /** LEAST_REQUEST `active_request_bias`; set it to use the weighted (EDF) form. @default unset */
  activeRequestBias?: number;
  /**
   * DestinationRule `outlierDetection`; absent = off (Istio configures none without a
   * DestinationRule). `{}` turns it on with Envoy's defaults.
   */
  outlierDetection?: {
    consecutive5xxErrors?: number;
    interval?: number | string;
    baseEjectionTime?: number | string;
    maxEjectionPercent?: number;
    /** Istio's panic threshold while outlier detection is on. @default 0 */
    minHealthPercent?: number;
  };
  /** Envoy `healthy_panic_threshold` without outlier detection (%). @default 50 */
  healthyPanicThreshold?: number;
  /** VirtualService `retries`. @default Istio's default policy */
  retries?: { attempts?: number; retryOn?: string };
  /** istiod PILOT_DEBOUNCE_AFTER. @default 100ms */
  debounceAfter?: number | string;
  /** istiod PILOT_DEBOUNCE_MAX. @default 10s */
  debounceMax?: number | string;
  /** istiod PILOT_ENABLE_EDS_DEBOUNCE. @default true */
  enableEdsDebounce?: boolean;
  /** Node index of the gateway (placement `gateway`). @default 0 */
  node?: number;
  /** MeshConfig `connectTimeout`: upstream connect timeout. @default 10s */
  connectTimeout?: number | string;
  /** Latency an Envoy adds per traversal (mesh cost). @default lognormal median 0.48ms, p99 1.35ms */
  sidecarLatency?: unknown;
  /** istiod push -> the proxy applying it. @default 10ms */
  pushDelay?: unknown;
}

export interface EnvoyOptions {
  readonly placement: 'sidecar' | 'gateway';
  readonly concurrency: number;
  readonly choiceCount: number;
  readonly activeRequestBias: number | undefined;
  /** undefined: outlier detection off. */
  readonly outlierDetection: OutlierDetectionOptions | undefined;
  /** Effective panic threshold (%): minHealthPercent with outlier detection, else healthyPanicThreshold. */
  readonly healthyPanicThreshold: number;
  readonly retries: EnvoyRetryOptions;
  readonly debounce: PilotDebounceOptions;
  readonly node: number;
  readonly connectTimeout: number;
  readonly sidecarLatency: DistributionSpec;
  readonly pushDelay: DistributionSpec;
}

export const ENVOY_DEFAULTS = {
  placement: 'sidecar',
  concurrency: 2,
  choiceCount: 2,
  healthyPanicThreshold: 50,
  minHealthPercent: 0,
  node: 0,
  /** MeshConfig connectTimeout (istio.mesh.v1alpha1: "Default timeout is 10s"). */
  connectTimeout: 10,
} as const;

/** Istio's `retryOn` condition names that lbsim's failures can meet. */
const RETRY_ON = [
  'connect-failure',
  'refused-stream',
  'unavailable',
  'cancelled',
  'retriable-status-codes',
  'reset',
  '5xx',
  'gateway-error',
] as const;

const retryOn = z.unknown().transform((v, ctx): string[] => {
  // A list is the resolved form (a second parse of parsed options).
  const list =
    typeof v === 'string'
      ? v.split(',').map((s) => s.trim())
      : Array.isArray(v) && v.every((x) => typeof x === 'string')
        ? (v as string[])
        : undefined;
  // Istio also accepts bare status codes in retryOn ("503,connect-failure").
  if (
    list === undefined ||
    list.length === 0 ||
    !list.every((x) => (RETRY_ON as readonly string[]).includes(x) || /^[1-5]\d\d$/.test(x))
  ) {
    ctx.addIssue({
      code: 'custom',
      message: `expected a comma-separated list of ${RETRY_ON.join(', ')} or HTTP status codes, got ${JSON.stringify(v)}`,
    });
    return z.NEVER;
  }
  return list;
});

const ISTIO_RETRY_ON =
  'connect-failure,refused-stream,unavailable,cancelled,retriable-status-codes';

/** Turns Istio's `retryOn` list into what the retry policy checks. */
export function retryPolicyFrom(
  attempts: number,
  conditions: readonly string[],
): EnvoyRetryOptions {
  const codes = new Set<number>();
  for (const c of conditions) {
    if (/^\d+$/.test(c)) codes.add(Number(c));
    if (c === 'retriable-status-codes') codes.add(503); // Istio's retriable_status_codes
    if (c === '5xx') for (const s of [500, 501, 502, 503, 504]) codes.add(s);
    if (c === 'gateway-error') for (const s of [502, 503, 504]) codes.add(s);
  }
  return {
    ...ISTIO_RETRY_DEFAULTS,
    attempts,
    connectFailure: conditions.some(
      (c) => c === 'connect-failure' || c === '5xx' || c === 'reset' || c === 'gateway-error',
    ),
    // Envoy counts an upstream reset as a 5xx: 5xx and gateway-error retry resets too
    // (source/common/router/retry_state_impl.cc, wouldRetryFromReset).
    reset: conditions.some((c) => c === '5xx' || c === 'gateway-error' || c === 'reset'),
    retriableStatusCodes: [...codes].sort((a, b) => a - b),
  };
}

/** Strict schema of the Envoy options; outputs EnvoyOptions, defaults filled and resolved. */
const envoySettingsSchema = z.strictObject({
  placement: oneOf(['sidecar', 'gateway'] as const).default(ENVOY_DEFAULTS.placement),
  concurrency: integer({ min: 1 }).default(ENVOY_DEFAULTS.concurrency),
  choiceCount: integer({ min: 1 }).default(ENVOY_DEFAULTS.choiceCount),
  activeRequestBias: number({ min: 0 }).optional(),
  outlierDetection: z
    .strictObject({
      consecutive5xxErrors: integer({ min: 1 }).default(
        OUTLIER_DETECTION_DEFAULTS.consecutive5xxErrors,
      ),
      interval: duration({ positive: true }).default(OUTLIER_DETECTION_DEFAULTS.interval),
      baseEjectionTime: duration({ positive: true }).default(
        OUTLIER_DETECTION_DEFAULTS.baseEjectionTime,
      ),
      maxEjectionPercent: number({ min: 0, max: 100 }).default(
        OUTLIER_DETECTION_DEFAULTS.maxEjectionPercent,
      ),
      minHealthPercent: number({ min: 0, max: 100 }).default(ENVOY_DEFAULTS.minHealthPercent),
    })
    .optional(),
  healthyPanicThreshold: number({ min: 0, max: 100 }).default(ENVOY_DEFAULTS.healthyPanicThreshold),
  retries: z
    .strictObject({
      attempts: integer({ min: 0 }).default(ISTIO_RETRY_DEFAULTS.attempts),
      retryOn: retryOn.default(ISTIO_RETRY_ON.split(',')),
    })
    .default({ attempts: ISTIO_RETRY_DEFAULTS.attempts, retryOn: ISTIO_RETRY_ON.split(',') }),
  debounceAfter: duration().default(PILOT_DEBOUNCE_DEFAULTS.debounceAfter),
  debounceMax: duration().default(PILOT_DEBOUNCE_DEFAULTS.debounceMax),
  enableEdsDebounce: boolean().default(PILOT_DEBOUNCE_DEFAULTS.enabled),
  node: integer({ min: 0 }).default(ENVOY_DEFAULTS.node),
  connectTimeout: duration({ positive: true }).default(ENVOY_DEFAULTS.connectTimeout),
  sidecarLatency: latencyDistribution().default(SIDECAR_LATENCY_DEFAULT),
  pushDelay: latencyDistribution().default(PUSH_DELAY_DEFAULT),
});

/**
 * The options as a scenario gives them, validated and with defaults filled in; a second parse
 * gives the same object (the scenario layer and the model builder both parse). `envoyConfig`
 * derives what the mechanisms need.
 */
export type EnvoySettings = z.output<typeof envoySettingsSchema>;

/** Strict schema of the Envoy options (idempotent: its output parses to itself). */
export const envoyOptions: z.ZodType<EnvoySettings> = envoySettingsSchema;

/** What the mechanisms take, from the settings: Istio's mapping of its fields onto Envoy's. */
export function envoyConfig(o: EnvoySettings): EnvoyOptions {
  return {
    placement: o.placement,
    concurrency: o.concurrency,
    choiceCount: o.choiceCount,
    activeRequestBias: o.activeRequestBias,
    outlierDetection:
      o.outlierDetection === undefined
        ? undefined
        : {
            ...OUTLIER_DETECTION_DEFAULTS,
            consecutive5xxErrors: o.outlierDetection.consecutive5xxErrors,
            interval: o.outlierDetection.interval,
            baseEjectionTime: o.outlierDetection.baseEjectionTime,
            maxEjectionTime: Math.max(
              OUTLIER_DETECTION_DEFAULTS.maxEjectionTime,
              o.outlierDetection.baseEjectionTime,
            ),
            maxEjectionPercent: o.outlierDetection.maxEjectionPercent,
          },
    healthyPanicThreshold:
      o.outlierDetection === undefined
        ? o.healthyPanicThreshold
        : o.outlierDetection.minHealthPercent,
    retries: retryPolicyFrom(o.retries.attempts, o.retries.retryOn),
    debounce: {
      debounceAfter: o.debounceAfter,
      debounceMax: o.debounceMax,
      enabled: o.enableEdsDebounce,
    },
    node: o.node,
    connectTimeout: o.connectTimeout,
    sidecarLatency: o.sidecarLatency,
    pushDelay: o.pushDelay,
  };
}
