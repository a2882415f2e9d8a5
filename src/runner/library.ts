/**
 * The runner as a library (re-exported by src/index.ts, documented in docs/API.md): run
 * scenarios from user code, in this thread or on worker threads, and run single jobs into
 * memory for loops that call the model many times (an optimisation around a scenario).
 */
import * as fs from 'node:fs';
import * as path from 'node:path';
import { type RowSink, TABLES, type TableName } from '../output/columns.js';
import { packageRoot } from '../output/run-info.js';
import type { ResolvedScenario } from '../scenario/types.js';
import { type BatchResult, type JobExecutor, runBatch } from './batch.js';
import { executeJob } from './execute.js';
import { planJobs } from './jobs.js';
import { loadModel } from './model.js';
import { createWorkerPool } from './pool.js';
import type { JobSpec, WorkerResult } from './protocol.js';
import { simulateJob } from './simulate.js';

/** Options of runScenarios. */
export interface RunScenariosOptions {
  /** Output root: each scenario writes `<outDir>/<scenario name>/` (CSVs and run.json). */
  readonly outDir: string;
  /**
   * Worker threads. 0 runs the jobs in this thread, one after another, so balancers registered
   * here with registerBalancer() are known to them; with threads, each worker imports `model`.
   * @default 0
   */
  readonly threads?: number;
  /**
   * URL (file:) of a module exporting `simulateJob`, imported once per thread: a module that
   * calls registerBalancer() and re-exports simulateJob from 'lbsim' brings a custom balancer
   * to the worker threads. @default lbsim's own model
   */
  readonly model?: string;
  /** Run only these balancers (labels or names). @default every balancer of the scenario */
  readonly balancers?: readonly string[];
  /** Run only shard `index` of `count` (as `lbsim run --shard i/n`). @default all jobs */
  readonly shard?: { readonly index: number; readonly count: number };
  /** Called as each job ends, in completion order. @default none */
  readonly onJobDone?: (job: JobSpec, result: WorkerResult) => void;
  /** Aborting it stops the run: nothing is written and the promise rejects. @default none */
  readonly signal?: AbortSignal;
}

/** The executor of threads: 0: each job in this thread, yielding to the event loop between. */
function inThisThread(model: string | undefined): JobExecutor {
  return async (task) => {
    await new Promise((resolve) => setImmediate(resolve));
    return executeJob(task, model === undefined ? simulateJob : await loadModel(model));
  };
}

/**
 * Runs every (scenario x variant x balancer x replication) job and writes each scenario's
 * outputs, exactly as `lbsim run` does (same bytes for any number of threads). Resolves when
 * every output is written; a failed job is reported in the result (`failed`, `results`) and
 * leaves no rows, as in the CLI.
 */
export async function runScenarios(
  scenarios: ResolvedScenario | readonly ResolvedScenario[],
  options: RunScenariosOptions,
): Promise<BatchResult> {
  const list: readonly ResolvedScenario[] = Array.isArray(scenarios)
    ? scenarios
    : [scenarios as ResolvedScenario];
  const threads = options.threads ?? 0;
  if (!Number.isInteger(threads) || threads < 0) {
    throw new RangeError(`runScenarios: threads: expected an integer >= 0, got \`${threads}\``);
  }
  const pool = threads === 0 ? undefined : createWorkerPool(threads);
  try {
    return await runBatch(list, {
      outDir: options.outDir,
      executor: pool?.run ?? inThisThread(options.model),
      threads: Math.max(1, threads),
      command: ['runScenarios'],
      ...(pool === undefined ? {} : { stop: () => pool.close() }),
      ...(options.model === undefined ? {} : { model: options.model }),
      ...(options.balancers === undefined ? {} : { balancers: options.balancers }),
      ...(options.shard === undefined ? {} : { shard: options.shard }),
      ...(options.onJobDone === undefined ? {} : { onJobDone: options.onJobDone }),
      ...(options.signal === undefined ? {} : { signal: options.signal }),
    });
  } finally {
    await pool?.close();
  }
}

/**
 * The jobs of a scenario, in output order, with the ids and seeds `lbsim run` gives them: the
 * input of simulateJob. Options as runScenarios' `balancers` and `shard`.
 */
export function jobsOf(
  scenario: ResolvedScenario,
  options: Pick<RunScenariosOptions, 'balancers' | 'shard'> = {},
): JobSpec[] {
  return planJobs([scenario], options).flatMap((p) => p.jobs);
}

/** One row as a record: model column name -> value (the job key columns are not included). */
export type RowRecord = Record<string, string | number>;

/**
 * A RowSink that keeps every row in memory, by table, as records keyed by column name (for
 * simulateJob in a loop; the CLI streams rows to files instead). Tables without a row are [].
 */
export class MemorySink implements RowSink {
  readonly tables: Record<TableName, RowRecord[]>;

  constructor() {
    const tables = {} as Record<TableName, RowRecord[]>;
    for (const t of Object.keys(TABLES) as TableName[]) tables[t] = [];
    this.tables = tables;
  }

  row(table: TableName, values: readonly (string | number)[]): void {
    const columns = TABLES[table];
    if (columns === undefined) throw new Error(`unknown table ${String(table)}`);
    const names = columns.slice(4);
    if (values.length !== names.length) {
      throw new Error(`${table} row: expected ${names.length} values, got ${values.length}`);
    }
    const record: RowRecord = {};
    names.forEach((n, i) => {
      record[n] = values[i] as string | number;
    });
    this.tables[table].push(record);
  }
}

/**
 * Path of a scenario file shipped with lbsim (`scenarios/` of the package, see `lbsim list
 * scenarios`), e.g. shippedScenario('example.yaml'). Throws listing the shipped files otherwise.
 */
export function shippedScenario(file: string): string {
  const dir = path.join(packageRoot(), 'scenarios');
  const full = path.join(dir, file);
  if (path.dirname(full) !== dir || !fs.existsSync(full)) {
    const names = fs.readdirSync(dir).filter((f) => /\.(ya?ml|json)$/.test(f));
    throw new Error(`shippedScenario: no ${file}; shipped: ${names.sort().join(', ')}`);
  }
  return full;
}
