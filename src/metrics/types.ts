/**
 * What the request path reports to metrics. Called on the hot path: implementations must not
 * allocate per call. Kinds and causes are the small integers of dataplane/types.ts (ErrorKind,
 * ErrorCause); metrics stores them by index and names them only when writing output.
 * Times are simulated seconds; latency is seconds from the user request's arrival.
 */
export interface RequestRecorder {
  /** A user request arrived (counted once, whatever its retries). */
  arrival(now: number): void;
  /** The user request got its response. `pod` served the final, successful try. */
  completed(now: number, arrivedAt: number, pod: number): void;
  /** The user request failed for good (no retry left). */
  failed(now: number, arrivedAt: number, kind: number, cause: number): void;
  /** One try failed and the client (or Nginx) retries it: hidden from the user. */
  attemptFailed(now: number, kind: number, cause: number): void;
}

/** Gauges sampled at the end of each time-series window. */
export interface GaugeSource {
  /** Pods that exist and are Ready. */
  readyPods(): number;
  /** Nodes whose programmed table differs from the ideal (ground-truth) endpoint set. */
  staleNodes(): number;
  /** Hosts an L7 balancer has ejected now (Envoy outlier detection; mean over proxies). */
  ejectedHosts?(): number;
  /** Spread (max - min) of an EWMA balancer's latency estimates, seconds (mean over proxies). */
  ewmaSpread?(): number;
}
