import * as fs from 'node:fs';
import * as path from 'node:path';
import { JOB_KEY, TABLES, type TableName } from '../output/columns.js';
import { warmupOf, writeDisruptions } from '../output/disruptions.js';
import { SyncTextWriter, writeFileAtomic } from '../output/files.js';
import { csvLine } from '../output/format.js';
import { runMetadata } from '../output/run-info.js';
import type { ResolvedScenario } from '../scenario/types.js';
import { type PlanOptions, planJobs, type ScenarioJobs, sweepValue } from './jobs.js';
import type { LiveProgress } from './live-progress.js';
import { type JobSpec, partFileName, type WorkerResult, type WorkerTask } from './protocol.js';
import { type SweepColumn, sweepNumber } from './sweep-columns.js';

/** Runs one task somewhere (a worker thread, or in-process in tests). Never rejects. */
export type JobExecutor = (task: WorkerTask) => Promise<WorkerResult>;

/** Options of runBatch. */
export interface BatchOptions extends PlanOptions {
  /** Output root: each scenario writes DIR/<scenario name>/. */
  outDir: string;
  executor: JobExecutor;
  /** Model module URL passed to workers; undefined = the production model. */
  model?: string;
  /** Called as each job ends, in completion order. */
  onJobDone?: (job: JobSpec, result: WorkerResult) => void;
  /** Recorded in run.json (e.g. the command line). */
  command?: readonly string[];
  /** Worker threads used, recorded in run.json. */
  threads?: number;
  /**
   * Aborting it (the CLI does on SIGINT/SIGTERM) stops the batch: `stop` is awaited, then every
   * temporary file and folder of the batch is removed and runBatch rejects with
   * BatchInterruptedError. No CSV or run.json is written.
   */
  signal?: AbortSignal;
  /** Stops the executor (terminates the workers) before temporary files are removed. */
  stop?: () => Promise<void>;
  /**
   * Receives every job's progress while it runs: job k of the batch (in submission order, all
   * scenarios' jobs in turn) writes slot k. Needs as many slots as the batch has jobs.
   */
  live?: LiveProgress;
}

/** runBatch's rejection when its signal was aborted. */
export class BatchInterruptedError extends Error {
  constructor() {
    super('batch interrupted: no output written, temporary files removed');
    this.name = 'BatchInterruptedError';
  }
}

/** Resolves with `p`, or rejects with BatchInterruptedError as soon as `signal` aborts. */
function unlessAborted<T>(p: Promise<T>, signal: AbortSignal | undefined): Promise<T> {
  if (signal === undefined) return p;
  return new Promise<T>((resolve, reject) => {
    const onAbort = () => reject(new BatchInterruptedError());
    if (signal.aborted) return onAbort();
    signal.addEventListener('abort', onAbort, { once: true });
    p.then(resolve, reject).finally(() => signal.removeEventListener('abort', onAbort));
  });
}

export interface BatchResult {
  readonly jobs: readonly JobSpec[];
  readonly results: readonly WorkerResult[];
  readonly failed: number;
  /** Output directory of each scenario, in input order. */
  readonly dirs: readonly string[];
  readonly wallSeconds: number;
}

/**
 * Header of `table` in a scenario's output: after `variant`, summary.csv gets the swept keys
 * (values as written), then every table the swept values as numbers (`sweep_*`, sweep-columns.ts).
 */
export function tableHeader(
  table: TableName,
  sweepKeys: readonly string[],
  sweepCols: readonly SweepColumn[] = [],
): string[] {
  const cols: string[] = [...TABLES[table]];
  const extra = [...(table === 'summary' ? sweepKeys : []), ...sweepCols.map((c) => c.column)];
  if (extra.length > 0) cols.splice(2, 0, ...extra);
  return cols;
}

function taskFor(
  job: JobSpec,
  plan: ScenarioJobs,
  partDir: string,
  model: string | undefined,
  live: WorkerTask['live'],
): WorkerTask {
  const variant = plan.scenario.variants[job.variant];
  const sweep = plan.sweepKeys.map((k) => sweepValue(variant?.params[k]));
  const nums = plan.sweepColumns.map((c) => sweepNumber(c, variant?.params[c.key]));
  const key: (string | number)[] = [
    job.scenario,
    job.variant,
    ...nums,
    job.balancer.label,
    job.replication,
  ];
  const summaryKey = [
    job.scenario,
    job.variant,
    ...sweep,
    ...nums,
    job.balancer.label,
    job.replication,
  ];
  return {
    job,
    partDir,
    key,
    summaryKey,
    ...(model === undefined ? {} : { model }),
    ...(live === undefined ? {} : { live }),
  };
}

/**
 * Runs every job of the scenarios, then assembles each scenario's CSVs: the job's part files
 * concatenated in job order (variant, balancer, replication) under one header, written to a
 * temporary name and renamed, so output bytes never depend on the number of threads or the
 * order in which jobs finish. A failed job contributes no rows; the others complete.
 */
export async function runBatch(
  scenarios: readonly ResolvedScenario[],
  options: BatchOptions,
): Promise<BatchResult> {
  const started = Date.now();
  const cpuStarted = process.cpuUsage();
  if (JOB_KEY.length !== 4) throw new Error('job key changed: update the runner');
  const plans = planJobs(scenarios, options);
  const names = new Set<string>();
  for (const p of plans) {
    if (names.has(p.scenario.name)) {
      throw new Error(`two scenarios are named ${p.scenario.name}: their outputs would collide`);
    }
    names.add(p.scenario.name);
  }
  if (options.signal?.aborted === true) throw new BatchInterruptedError();
  const dirs: string[] = [];
  const partDirs: string[] = [];
  /** Folders this batch created (the first new ancestor of each), removed if left empty. */
  const created: string[] = [];
  /** Set when the batch ends without writing its outputs: its new folders are then removed. */
  let abandoned = true;
  try {
    for (const p of plans) {
      const dir = path.resolve(options.outDir, p.scenario.name);
      const first = fs.mkdirSync(dir, { recursive: true });
      if (first !== undefined) created.push(first);
      dirs.push(dir);
      partDirs.push(fs.mkdtempSync(path.join(dir, '.parts-')));
    }
    const promises: Promise<WorkerResult>[] = [];
    const live = options.live;
    const jobCount = plans.reduce((n, p) => n + p.jobs.length, 0);
    if (live !== undefined && live.slots < jobCount) {
      throw new Error(`LiveProgress has ${live.slots} slots for ${jobCount} jobs`);
    }
    plans.forEach((plan, s) => {
      for (const job of plan.jobs) {
        const slot = promises.length;
        const task = taskFor(
          job,
          plan,
          partDirs[s] as string,
          options.model,
          live === undefined ? undefined : { buffer: live.buffer, slot },
        );
        promises.push(
          options.executor(task).then((result) => {
            // After an interrupt the jobs end as "worker terminated": not worth reporting.
            if (options.signal?.aborted !== true) options.onJobDone?.(job, result);
            return result;
          }),
        );
      }
    });
    let results: WorkerResult[];
    try {
      results = await unlessAborted(Promise.all(promises), options.signal);
    } catch (err) {
      // Workers still running would write into the part folders: stop them first.
      if (err instanceof BatchInterruptedError) await options.stop?.();
      throw err;
    }
    const byId = new Map(results.map((r) => [r.id, r]));
    const wallSeconds = (Date.now() - started) / 1000;
    const cpu = process.cpuUsage(cpuStarted);
    const cpuSeconds = Math.round((cpu.user + cpu.system) / 1e4) / 100;
    for (const [s, plan] of plans.entries()) {
      assemble(plan, partDirs[s] as string, dirs[s] as string, byId);
      await writeDisruptions(dirs[s] as string, warmupOf(plan.scenario));
      const meta = runMetadata({
        scenario: plan.scenario,
        jobs: plan.jobs.map((j) => jobRecord(j, byId.get(j.id))),
        jobIds: plan.jobIds,
        startedAt: new Date(started).toISOString(),
        wallSeconds,
        cpuSeconds,
        command: options.command,
        threads: options.threads,
        shard: options.shard,
      });
      writeFileAtomic(
        path.join(dirs[s] as string, 'run.json'),
        `${JSON.stringify(meta, null, 2)}\n`,
      );
    }
    const failed = results.filter((r) => r.state === 'errored').length;
    const jobs = plans.flatMap((p) => p.jobs);
    abandoned = false;
    return { jobs, results, failed, dirs, wallSeconds };
  } finally {
    for (const d of partDirs) fs.rmSync(d, { recursive: true, force: true, maxRetries: 3 });
    if (abandoned) removeEmptyFolders(created, dirs);
  }
}

/** Removes each of `dirs` and its parents up to and including one of `roots`, while empty. */
function removeEmptyFolders(roots: readonly string[], dirs: readonly string[]): void {
  for (const d of dirs) {
    const root = roots.find((r) => d === r || d.startsWith(`${r}${path.sep}`));
    if (root === undefined) continue;
    for (let cur = d; ; cur = path.dirname(cur)) {
      try {
        fs.rmdirSync(cur);
      } catch (err) {
        // Not empty: stop climbing. Already gone (another scenario's climb): go on up.
        if ((err as NodeJS.ErrnoException).code !== 'ENOENT') break;
      }
      if (cur === root) break;
    }
  }
}

function assemble(
  plan: ScenarioJobs,
  partDir: string,
  dir: string,
  results: Map<number, WorkerResult>,
): void {
  for (const table of Object.keys(TABLES) as TableName[]) {
    const out = new SyncTextWriter(path.join(dir, `${table}.csv`));
    try {
      out.write(csvLine(tableHeader(table, plan.sweepKeys, plan.sweepColumns)));
      for (const job of plan.jobs) {
        if (results.get(job.id)?.state !== 'completed') continue;
        const part = path.join(partDir, partFileName(job.id, table));
        if (fs.existsSync(part)) out.appendFile(part);
      }
      out.commit();
    } catch (err) {
      out.abort();
      throw err;
    }
  }
}

function jobRecord(job: JobSpec, result: WorkerResult | undefined): Record<string, unknown> {
  const base = {
    id: job.id,
    variant: job.variant,
    variant_label: job.variantLabel,
    balancer: job.balancer.label,
    replication: job.replication,
    seed: job.seed,
  };
  if (result === undefined) return { ...base, state: 'missing' };
  if (result.state === 'completed') {
    return {
      ...base,
      state: result.state,
      wall_s: result.wallSeconds,
      cpu_s: result.cpuSeconds,
      summary: result.summary,
    };
  }
  return {
    ...base,
    state: result.state,
    wall_s: result.wallSeconds,
    cpu_s: null,
    error: result.message,
  };
}
