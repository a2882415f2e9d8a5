/**
 * The worker boundary: plain, structured-clone-safe types only. The main thread sends a
 * WorkerTask, the worker answers a WorkerResult; nothing else crosses.
 */
import type { Simulation } from '../engine/simulation.js';
import type { RecorderSummary } from '../metrics/recorder.js';
import type { RowSink, TableName } from '../output/columns.js';
import type { ResolvedBalancer, ScenarioConfig } from '../scenario/types.js';

/** One simulation: a scenario variant x one balancer x one replication. */
export interface JobSpec {
  /** Position in the batch's job list (also orders the output rows). */
  readonly id: number;
  /** Scenario name (the `scenario` CSV column and the output sub-directory). */
  readonly scenario: string;
  /** Variant index (the `variant` CSV column). */
  readonly variant: number;
  /** Variant label, e.g. `workload.arrivals.rate=500` or `default`. */
  readonly variantLabel: string;
  /** The balancer under test; `label` is the `balancer` CSV column. */
  readonly balancer: ResolvedBalancer;
  /** Replication index, 0-based. */
  readonly replication: number;
  /**
   * Master seed of this simulation: deriveSeed(config.seed, variant, replication). Never
   * depends on the balancer, so every balancer sees the same arrivals, demands and churn.
   */
  readonly seed: number;
  /** The variant's resolved scenario (balancers included; simulate the one in `balancer`). */
  readonly config: ScenarioConfig;
}

/** What a finished simulation reports back (its rows went to the RowSink). */
export interface JobSummary {
  /** User requests that arrived after warmup. */
  readonly arrivals: number;
  /** completed + errors, counted after warmup (summary.csv `requests`). */
  readonly requests: number;
  readonly completed: number;
  readonly errors: number;
  /** Engine events fired. */
  readonly events: number;
  /** Simulated seconds run. */
  readonly simulatedSeconds: number;
}

/** A model's JobSummary from its finished recorder's summary and its engine. */
export function jobSummary(s: RecorderSummary, sim: Simulation): JobSummary {
  return {
    arrivals: s.arrivals,
    requests: s.requests,
    completed: s.completed,
    errors: s.failed,
    events: sim.eventsProcessed,
    simulatedSeconds: sim.now,
  };
}

/**
 * The one function that runs a job: pure in the sense that its rows and summary depend on `job`
 * alone. The production implementation is `simulateJob` exported by src/runner/simulate.ts;
 * tests substitute small models of their own.
 *
 *   export function simulateJob(job: JobSpec, sink: RowSink, progress?: ProgressFn): JobSummary
 *
 * It writes every table's rows through `sink` (model columns only, the sink adds the job key)
 * and throws on failure (the runner then discards the job's rows). It may call `progress` as
 * simulated time advances (runReporting in live-progress.ts does).
 */
export type SimulateFn = (job: JobSpec, sink: RowSink, progress?: ProgressFn) => JobSummary;

/** A running job's progress: simulated seconds reached, and requests arrived (after warmup). */
export type ProgressFn = (simulatedSeconds: number, arrivals: number) => void;

/** Name of the export a model module must provide. */
export const SIMULATE_EXPORT = 'simulateJob';

/** Main thread -> worker. */
export interface WorkerTask {
  readonly job: JobSpec;
  /** Absolute directory for this batch's part files. */
  readonly partDir: string;
  /**
   * Names the job's part files in partDir: the hash of the resolved job (runner/parts.ts), so
   * an interrupted run's finished jobs are found again by `--resume`. Absent: the padded job id.
   */
  readonly partKey?: string;
  /** Formatted job-key values for every table: [scenario, variant, balancer, replication]. */
  readonly key: readonly (string | number)[];
  /** Job key of summary.csv: the sweep values inserted after `variant`. */
  readonly summaryKey: readonly (string | number)[];
  /**
   * URL (file:) of the module exporting `simulateJob`; undefined = the production model,
   * dist/src/runner/simulate.js.
   */
  readonly model?: string;
  /** Where the job reports its progress (LiveProgress): a shared buffer and the job's slot. */
  readonly live?: { readonly buffer: SharedArrayBuffer; readonly slot: number };
}

/** Worker -> main thread. */
export type WorkerResult =
  | {
      readonly state: 'completed';
      readonly id: number;
      readonly summary: JobSummary;
      /** Rows written per table. */
      readonly rows: Readonly<Partial<Record<TableName, number>>>;
      readonly wallSeconds: number;
      /**
       * CPU seconds of the worker's own thread during the job (10 ms resolution; null off Linux).
       * Below wallSeconds when the thread waited for a core: see bench/batch.ts.
       */
      readonly cpuSeconds: number | null;
    }
  | {
      readonly state: 'errored';
      readonly id: number;
      readonly message: string;
      readonly stack: string | undefined;
      readonly wallSeconds: number;
    };

/** Name of a job's part file for `table` inside the batch's part directory. */
export function partFileName(jobId: number | string, table: TableName): string {
  const key = typeof jobId === 'number' ? String(jobId).padStart(7, '0') : jobId;
  return `${key}.${table}.csv`;
}
