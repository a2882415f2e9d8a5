/**
 * Column contract of every CSV lbsim writes (one header row, tidy, units in names). The notebook
 * and the HTML report read these names: change them only together with those readers.
 *
 * Every table starts with the job key: scenario, variant, balancer, replication. For sweeps,
 * summary.csv adds one column per swept key path (named by the path, e.g.
 * `workload.arrivals.rate`, the value as written) right after `variant`, and every table then
 * adds one `sweep_*` column per swept key with the value as a number in base units
 * (src/runner/sweep-columns.ts).
 */
export const JOB_KEY = ['scenario', 'variant', 'balancer', 'replication'] as const;

export const SUMMARY_COLUMNS = [
  ...JOB_KEY,
  'seed',
  'requests',
  'completed',
  'errors',
  'error_rate',
  'latency_mean_ms',
  'latency_p50_ms',
  'latency_p90_ms',
  'latency_p99_ms',
  'latency_p999_ms',
  'latency_max_ms',
  'throughput_rps',
  /** Requests that arrived after warmup per measured second (the load offered). */
  'offered_rps',
  'attempts_failed',
  'in_flight_at_end',
  'in_flight_client',
  'in_flight_sent',
  'in_flight_returning',
  'mean_in_system',
  'duration_s',
  'warmup_s',
] as const;

export const TIMESERIES_COLUMNS = [
  ...JOB_KEY,
  'window_start_s',
  'window_end_s',
  'requests',
  'completed',
  'errors',
  'throughput_rps',
  'latency_p50_ms',
  'latency_p99_ms',
  'errors_refused',
  'errors_connect_timeout',
  'errors_host_unreachable',
  'errors_reset',
  'errors_no_endpoints',
  'errors_http_502',
  'errors_http_503',
  'errors_http_504',
  'errors_client_timeout',
  'errors_http_500',
  'errors_http_error',
  'ready_pods',
  'stale_nodes',
  /** Requests that arrived in the window (offered load); `requests` = completed + errors. */
  'arrivals',
  /** Envoy: hosts outlier detection holds ejected at the window's end (mean over proxies); 0 otherwise. */
  'ejected_hosts',
  /** EWMA balancers: max - min of the latency estimates at the window's end (mean over proxies or workers); 0 otherwise. */
  'ewma_spread_ms',
] as const;

/** `level` is `final` (the user saw it) or `attempt` (a try that a retry hid). */
export const ERRORS_COLUMNS = [...JOB_KEY, 'level', 'kind', 'cause', 'count'] as const;

export const PODS_COLUMNS = [
  ...JOB_KEY,
  'pod',
  'node',
  'ip',
  'revision',
  'version',
  'created_at_s',
  'deleted_at_s',
  'requests_served',
  'busy_fraction',
] as const;

export const PROPAGATION_COLUMNS = [
  ...JOB_KEY,
  'change_id',
  'change',
  'pod',
  'ip',
  'node',
  'happened_at_s',
  'programmed_at_s',
  'delay_ms',
] as const;

/** Churn and control-plane events, for marking plots (rollout start, crash, node failure...). */
export const EVENTS_COLUMNS = [...JOB_KEY, 'time_s', 'event', 'pod', 'node', 'detail'] as const;

export const TABLES = {
  summary: SUMMARY_COLUMNS,
  timeseries: TIMESERIES_COLUMNS,
  errors: ERRORS_COLUMNS,
  pods: PODS_COLUMNS,
  propagation: PROPAGATION_COLUMNS,
  events: EVENTS_COLUMNS,
} as const;
export type TableName = keyof typeof TABLES;

/**
 * Where a job writes its rows. A model writes only its own columns (everything after the job
 * key); the runner's sink prefixes the job key. Rows are written in the job's own deterministic order; the runner
 * concatenates jobs in (variant, balancer, replication) order, so files never depend on threads.
 * Values are written as given (numbers formatted by the writer deterministically).
 */
export interface RowSink {
  row(table: TableName, values: readonly (string | number)[]): void;
}
