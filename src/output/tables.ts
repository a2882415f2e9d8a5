import { ERROR_CAUSE_NAMES, ERROR_KIND_NAMES } from '../dataplane/types.js';
import type { MetricsRecorder, RecorderSummary, WindowListener } from '../metrics/index.js';
import {
  ERRORS_COLUMNS,
  JOB_KEY,
  PODS_COLUMNS,
  type RowSink,
  SUMMARY_COLUMNS,
  TIMESERIES_COLUMNS,
} from './columns.js';

/**
 * Turns metrics into rows of the CSV contract (src/output/columns.ts). A model calls these; the
 * runner's sink adds the job key. Values are in the columns' units (ms, s, rps).
 */

type Row = (string | number)[];

const MS = 1000;

/** Columns a model writes for `table`: everything after the job key. */
function modelColumns(columns: readonly string[]): readonly string[] {
  return columns.slice(JOB_KEY.length);
}

/** Builds a row in the contract's order from a name -> value map (throws on a missing column). */
function rowFrom(columns: readonly string[], values: Record<string, string | number>): Row {
  return modelColumns(columns).map((c) => {
    const v = values[c];
    if (v === undefined) throw new Error(`no value for column ${c}`);
    return v;
  });
}

/** A WindowListener writing one timeseries.csv row per closed window. */
export function timeseriesWriter(sink: RowSink): WindowListener {
  const cols = modelColumns(TIMESERIES_COLUMNS);
  const kindColumn = ERROR_KIND_NAMES.map((name) => {
    const i = cols.indexOf(`errors_${name}`);
    if (i < 0) throw new Error(`timeseries.csv has no column errors_${name}`);
    return i;
  });
  const at = (name: string): number => cols.indexOf(name);
  const iStart = at('window_start_s');
  const iEnd = at('window_end_s');
  const iReq = at('requests');
  const iCompleted = at('completed');
  const iErrors = at('errors');
  const iThroughput = at('throughput_rps');
  const iP50 = at('latency_p50_ms');
  const iP99 = at('latency_p99_ms');
  const iReady = at('ready_pods');
  const iStale = at('stale_nodes');
  const iArrivals = at('arrivals');
  const iEjected = at('ejected_hosts');
  const iSpread = at('ewma_spread_ms');
  return (w) => {
    const row: Row = new Array(cols.length).fill(0);
    row[iStart] = w.start;
    row[iEnd] = w.end;
    row[iReq] = w.completed + w.errors;
    row[iCompleted] = w.completed;
    row[iErrors] = w.errors;
    row[iThroughput] = w.completed / (w.end - w.start);
    row[iP50] = w.latencyP50 * MS;
    row[iP99] = w.latencyP99 * MS;
    for (let k = 0; k < kindColumn.length; k++)
      row[kindColumn[k] as number] = w.errorsByKind[k] ?? 0;
    row[iReady] = w.readyPods;
    row[iStale] = w.staleNodes;
    row[iArrivals] = w.arrivals;
    row[iEjected] = w.ejectedHosts;
    row[iSpread] = w.ewmaSpread * MS;
    sink.row('timeseries', row);
  };
}

/** Writes the job's summary.csv row. `seed` is the job seed (JobSpec.seed). */
export function writeSummaryRow(
  sink: RowSink,
  seed: number,
  s: RecorderSummary,
  inFlight: { readonly client: number; readonly sent: number; readonly returning: number } = {
    client: 0,
    sent: s.inFlight,
    returning: 0,
  },
): void {
  sink.row(
    'summary',
    rowFrom(SUMMARY_COLUMNS, {
      seed,
      requests: s.requests,
      completed: s.completed,
      errors: s.failed,
      error_rate: s.errorRate,
      latency_mean_ms: s.latencyMean * MS,
      latency_p50_ms: s.latencyP50 * MS,
      latency_p90_ms: s.latencyP90 * MS,
      latency_p99_ms: s.latencyP99 * MS,
      latency_p999_ms: s.latencyP999 * MS,
      latency_max_ms: s.latencyMax * MS,
      throughput_rps: s.throughput,
      offered_rps: s.end > s.warmup ? s.arrivals / (s.end - s.warmup) : Number.NaN,
      attempts_failed: s.attemptsFailed,
      in_flight_at_end: s.inFlight,
      in_flight_client: inFlight.client,
      in_flight_sent: inFlight.sent,
      in_flight_returning: inFlight.returning,
      mean_in_system: s.meanInSystem,
      duration_s: s.end,
      warmup_s: s.warmup,
    }),
  );
}

/**
 * Writes errors.csv rows: one per (level, kind, cause) with a non-zero count, `final` before
 * `attempt`, kinds and causes in their enum order.
 */
export function writeErrorRows(sink: RowSink, recorder: MetricsRecorder): void {
  const cols = ERRORS_COLUMNS;
  for (const level of ['final', 'attempt'] as const) {
    for (let k = 0; k < ERROR_KIND_NAMES.length; k++) {
      for (let c = 0; c < ERROR_CAUSE_NAMES.length; c++) {
        const count =
          level === 'final' ? recorder.finalErrorCount(k, c) : recorder.attemptErrorCount(k, c);
        if (count === 0) continue;
        sink.row(
          'errors',
          rowFrom(cols, {
            level,
            kind: ERROR_KIND_NAMES[k] as string,
            cause: ERROR_CAUSE_NAMES[c] as string,
            count,
          }),
        );
      }
    }
  }
}

/** What the cluster and the pod servers know of one pod, for pods.csv. */
export interface PodFacts {
  /** PodId (dense, never reused in a run): the `pod` column and the recorder's index. */
  readonly pod: number;
  /** The `pod` column when given (the pod's name, as in events.csv and propagation.csv). */
  readonly name?: string;
  readonly node: number | string;
  /** Dotted quad (see ipToString in src/cluster/types.ts). */
  readonly ip: string;
  readonly revision: number | string;
  /** Pod template version: 1 = deployment.pod, k + 1 = the k-th rollout `template`. */
  readonly version: number | string;
  readonly createdAt: number;
  /** NaN (empty cell) while the pod still exists at the end. */
  readonly deletedAt: number;
  /** Fraction of worker-time busy over the pod's measured lifetime, from its pod server. */
  readonly busyFraction: number;
}

/**
 * Writes pods.csv rows, one per pod in the order given; requests_served comes from the recorder
 * (requests arrived at or after warmup that this pod completed), busy_fraction from `facts`.
 */
export function writePodRows(
  sink: RowSink,
  pods: Iterable<PodFacts>,
  recorder: Pick<MetricsRecorder, 'requestsServed'>,
): void {
  for (const p of pods) {
    sink.row(
      'pods',
      rowFrom(PODS_COLUMNS, {
        pod: p.name ?? p.pod,
        node: p.node,
        ip: p.ip,
        revision: p.revision,
        version: p.version,
        created_at_s: p.createdAt,
        deleted_at_s: p.deletedAt,
        requests_served: recorder.requestsServed(p.pod),
        busy_fraction: p.busyFraction,
      }),
    );
  }
}
