import type { Rng } from '../../../engine/index.js';

/**
 * Istio's default HTTP retry policy for sidecars and gateways when a VirtualService sets none
 * (pilot/pkg/networking/core/route/retry/retry.go `DefaultPolicy`): num_retries 2, retry_on
 * `connect-failure,refused-stream,unavailable,cancelled,retriable-status-codes` with
 * retriable status 503, retry host predicate `previous_hosts` with
 * host_selection_retry_max_attempts 5. Back-off is Envoy's default (router docs,
 * x-envoy-max-retries / config.route.v3.RetryPolicy.retry_back_off): base 25 ms, max 10 x base,
 * each retry waits a uniform time in [0, (2^N - 1) x base) capped at max, N the retry number.
 */
export interface EnvoyRetryOptions {
  /** retries.attempts (num_retries). 0 disables retries. @default 2 */
  readonly attempts: number;
  /** Retry when the connection failed (connect-failure). @default true */
  readonly connectFailure: boolean;
  /** Retry a reset after the request was sent (`reset`, `5xx`: "disconnect/reset"). @default false */
  readonly reset: boolean;
  /** HTTP statuses that are retried (retriable-status-codes). @default [503] */
  readonly retriableStatusCodes: readonly number[];
  /** Re-pick up to this many times to avoid hosts already tried (previous_hosts). @default 5 */
  readonly hostSelectionRetryMaxAttempts: number;
  /** retry_back_off.base_interval, seconds. @default 0.025 */
  readonly baseInterval: number;
  /** retry_back_off.max_interval, seconds. @default 0.25 */
  readonly maxInterval: number;
}

export const ISTIO_RETRY_DEFAULTS: EnvoyRetryOptions = {
  attempts: 2,
  connectFailure: true,
  reset: false,
  retriableStatusCodes: [503],
  hostSelectionRetryMaxAttempts: 5,
  baseInterval: 0.025,
  maxInterval: 0.25,
};

/** What ended a try, as far as the retry policy cares. */
export const TryOutcome = {
  /** The connection could not be made (refused, connect timeout, unreachable). */
  connectFailure: 0,
  /** A response arrived with an HTTP status (see `status`). */
  response: 1,
  /** The connection was reset after the request was sent (not in Istio's retry_on). */
  reset: 2,
} as const;
export type TryOutcome = (typeof TryOutcome)[keyof typeof TryOutcome];

/** Envoy's router retry decision and back-off for one policy (no state of its own). */
export class EnvoyRetryPolicy {
  constructor(readonly options: EnvoyRetryOptions = ISTIO_RETRY_DEFAULTS) {}

  /**
   * May a request whose `retriesDone` retries are spent be retried after this outcome?
   * `status` is the HTTP status for `TryOutcome.response`.
   */
  shouldRetry(outcome: TryOutcome, status: number, retriesDone: number): boolean {
    if (retriesDone >= this.options.attempts) return false;
    switch (outcome) {
      case TryOutcome.connectFailure:
        return this.options.connectFailure;
      case TryOutcome.response:
        return this.options.retriableStatusCodes.includes(status);
      case TryOutcome.reset:
        return this.options.reset;
      default: {
        const never: never = outcome;
        return never;
      }
    }
  }

  /** Back-off before retry number `n` (1 = first retry), seconds, fully jittered. */
  backoff(n: number, rng: Rng): number {
    const o = this.options;
    const ceiling = Math.min((2 ** n - 1) * o.baseInterval, o.maxInterval);
    return rng.next() * ceiling;
  }
}
