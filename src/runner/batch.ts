import * as fs from 'node:fs';
import * as path from 'node:path';
import { JOB_KEY, TABLES, type TableName } from '../output/columns.js';
import { warmupOf, writeDisruptions } from '../output/disruptions.js';
import { SyncTextWriter, writeFileAtomic } from '../output/files.js';
import { csvLine } from '../output/format.js';
import {
  beginStaging,
  commitStaging,
  discardStaging,
  faultPoint,
  lockOutput,
  type OutputLock,
  partsFolder,
  recoverOutput,
  targetProblem,
} from '../output/output-set.js';
import { gitCommit, lbsimVersion, runMetadata } from '../output/run-info.js';
import type { ResolvedScenario } from '../scenario/types.js';
import { type PlanOptions, planJobs, type ScenarioJobs, sweepValue } from './jobs.js';
import type { LiveProgress } from './live-progress.js';
import {
  countFinished,
  finishedResult,
  jobPartKey,
  partFile,
  recordFinished,
  removeUnfinished,
} from './parts.js';
import type { JobSpec, WorkerResult, WorkerTask } from './protocol.js';
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
   * Aborting it (the CLI does on SIGINT/SIGTERM) stops the batch: `stop` is awaited, then the
   * unfinished jobs' temporary files are removed, the finished jobs' parts are kept (for
   * `resume`), and runBatch rejects with BatchInterruptedError. No output folder is touched.
   */
  signal?: AbortSignal;
  /**
   * Reuse the finished jobs of an interrupted run of the same jobs (their parts, keyed by a
   * hash of the resolved job) and run only the others. @default false
   */
  resume?: boolean;
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
  /** Finished jobs kept in the part folders, for `--resume`. */
  readonly kept: number;
  readonly partDirs: readonly string[];

  constructor(kept: number, partDirs: readonly string[]) {
    super(
      `batch interrupted: no output replaced; ${kept} finished job(s) kept for --resume, temporary files removed`,
    );
    this.name = 'BatchInterruptedError';
    this.kept = kept;
    this.partDirs = partDirs;
  }
}

/** Writing a scenario's output set failed (disk full, ...): its previous results are intact. */
export class OutputWriteError extends Error {
  readonly dir: string;
  readonly partDirs: readonly string[];

  constructor(dir: string, cause: unknown, partDirs: readonly string[]) {
    super(
      `${dir}: writing the results failed, the previous results are untouched: ${(cause as Error)?.message ?? String(cause)}`,
      { cause },
    );
    this.name = 'OutputWriteError';
    this.dir = dir;
    this.partDirs = partDirs;
  }
}

/** Resolves with `p`, or rejects with BatchInterruptedError as soon as `signal` aborts. */
function unlessAborted<T>(p: Promise<T>, signal: AbortSignal | undefined): Promise<T> {
  if (signal === undefined) return p;
  return new Promise<T>((resolve, reject) => {
    const onAbort = () => reject(new BatchInterruptedError(0, []));
    if (signal.aborted) return onAbort();
    signal.addEventListener('abort', onAbort, { once: true });
    p.then(resolve, reject).finally(() => signal.removeEventListener('abort', onAbort));
  });
}

export interface BatchResult {
  readonly jobs: readonly JobSpec[];
  readonly results: readonly WorkerResult[];
  readonly failed: number;
  /** Output folder of each scenario written, in input order (not those whose every job failed). */
  readonly dirs: readonly string[];
  readonly wallSeconds: number;
  /** What the batch repaired, discarded or reused on the way (one sentence each). */
  readonly notes: readonly string[];
  /** Jobs taken from an interrupted run's parts (`resume`) instead of run. */
  readonly reused: number;
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
 * concatenated in job order (variant, balancer, replication) under one header, so output bytes
 * never depend on the number of threads or the order in which jobs finish. A failed job
 * contributes no rows; the others complete.
 *
 * Each scenario's folder is replaced as a set (output/output-set.ts): locked for the whole
 * batch, written into a staging folder, swapped in by rename. A scenario whose every job failed
 * is not written at all: its previous results stay as they were. Finished jobs' parts are kept
 * in `.<name>.parts/` until the commit, so an interrupted batch can be resumed (`resume`).
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
  if (options.signal?.aborted === true) throw new BatchInterruptedError(0, []);
  const notes: string[] = [];
  const dirs = plans.map((p) => path.resolve(options.outDir, p.scenario.name));
  const partDirs = dirs.map(partsFolder);
  const locks: OutputLock[] = [];
  /** Folders this batch created (the first new ancestor of each), removed if left empty. */
  const created: string[] = [];
  /** Whether each scenario's part folder is kept at the end (interrupted, or a write failed). */
  let keepParts = false;
  let committed = false;
  try {
    for (const dir of dirs) {
      const problem = targetProblem(dir);
      if (problem !== undefined) throw new Error(problem);
      const first = fs.mkdirSync(path.dirname(dir), { recursive: true });
      if (first !== undefined) created.push(first);
      locks.push(lockOutput(dir, notes));
      notes.push(...recoverOutput(dir));
    }
    partDirs.forEach((partDir, s) => {
      const kept = countFinished(partDir);
      if (options.resume === true) {
        removeUnfinished(partDir);
      } else {
        fs.rmSync(partDir, { recursive: true, force: true, maxRetries: 3 });
        if (kept > 0) {
          notes.push(
            `${dirs[s]}: discarded ${kept} finished job(s) of an interrupted run (--resume reuses them)`,
          );
        }
      }
      fs.mkdirSync(partDir, { recursive: true });
    });
    const build = `${lbsimVersion()} ${gitCommit() ?? 'no-git'}`;
    const promises: Promise<WorkerResult>[] = [];
    const live = options.live;
    const jobCount = plans.reduce((n, p) => n + p.jobs.length, 0);
    if (live !== undefined && live.slots < jobCount) {
      throw new Error(`LiveProgress has ${live.slots} slots for ${jobCount} jobs`);
    }
    let reused = 0;
    const reusedIds = new Set<number>();
    const partKeys = new Map<number, string>();
    plans.forEach((plan, s) => {
      const partDir = partDirs[s] as string;
      for (const job of plan.jobs) {
        const slot = promises.length;
        const base = taskFor(
          job,
          plan,
          partDir,
          options.model,
          live === undefined ? undefined : { buffer: live.buffer, slot },
        );
        const task: WorkerTask = { ...base, partKey: jobPartKey(base, build) };
        const partKey = task.partKey as string;
        partKeys.set(job.id, partKey);
        const done = options.resume === true ? finishedResult(partDir, partKey, job.id) : undefined;
        if (done !== undefined) {
          reused++;
          reusedIds.add(job.id);
          options.onJobDone?.(job, done);
          promises.push(Promise.resolve(done));
          continue;
        }
        promises.push(
          options.executor(task).then((result) => {
            // After an interrupt the jobs end as "worker terminated": not worth reporting.
            if (options.signal?.aborted === true) return result;
            if (result.state === 'completed') recordFinished(partDir, partKey, result);
            options.onJobDone?.(job, result);
            return result;
          }),
        );
      }
    });
    if (reused > 0)
      notes.push(`resumed: ${reused} finished job(s) reused, ${jobCount - reused} to run`);
    let results: WorkerResult[];
    try {
      results = await unlessAborted(Promise.all(promises), options.signal);
    } catch (err) {
      // Workers still running would write into the part folders: stop them first.
      if (err instanceof BatchInterruptedError) {
        await options.stop?.();
        keepParts = true;
        let kept = 0;
        for (const d of partDirs) {
          removeUnfinished(d);
          const n = countFinished(d);
          if (n === 0) fs.rmSync(d, { recursive: true, force: true, maxRetries: 3 });
          kept += n;
        }
        throw new BatchInterruptedError(kept, partDirs);
      }
      throw err;
    }
    const byId = new Map(results.map((r) => [r.id, r]));
    const wallSeconds = (Date.now() - started) / 1000;
    const cpu = process.cpuUsage(cpuStarted);
    const cpuSeconds = Math.round((cpu.user + cpu.system) / 1e4) / 100;
    const written: string[] = [];
    keepParts = true;
    for (const [s, plan] of plans.entries()) {
      const dir = dirs[s] as string;
      const ok = plan.jobs.filter((j) => byId.get(j.id)?.state === 'completed').length;
      if (plan.jobs.length > 0 && ok === 0) {
        notes.push(`${dir}: every job failed: nothing written, the previous results are untouched`);
        continue;
      }
      const staging = beginStaging(dir);
      try {
        assemble(plan, partDirs[s] as string, staging, byId, partKeys);
        await writeDisruptions(staging, warmupOf(plan.scenario));
        const meta = runMetadata({
          scenario: plan.scenario,
          jobs: plan.jobs.map((j) => jobRecord(j, byId.get(j.id), reusedIds.has(j.id))),
          jobIds: plan.jobIds,
          startedAt: new Date(started).toISOString(),
          wallSeconds,
          cpuSeconds,
          command: options.command,
          threads: options.threads,
          shard: options.shard,
        });
        writeFileAtomic(path.join(staging, 'run.json'), `${JSON.stringify(meta, null, 2)}\n`);
        faultPoint();
        commitStaging(staging, dir);
      } catch (err) {
        discardStaging(staging);
        throw new OutputWriteError(dir, err, partDirs);
      }
      written.push(dir);
      fs.rmSync(partDirs[s] as string, { recursive: true, force: true, maxRetries: 3 });
    }
    keepParts = false;
    committed = true;
    notes.push(...degenerate(plans, byId));
    const failed = results.filter((r) => r.state === 'errored').length;
    const jobs = plans.flatMap((p) => p.jobs);
    return { jobs, results, failed, dirs: written, wallSeconds, notes, reused };
  } finally {
    // Only the part folders of scenarios this batch locked: another run's are not ours.
    if (!keepParts) {
      for (const l of locks) {
        fs.rmSync(partsFolder(l.target), { recursive: true, force: true, maxRetries: 3 });
      }
    }
    for (const l of locks) l.release();
    if (!committed) removeEmptyFolders(created, dirs.map(path.dirname));
  }
}

/** Warnings about valid but degenerate results: jobs that simulated no request at all. */
function degenerate(plans: readonly ScenarioJobs[], byId: Map<number, WorkerResult>): string[] {
  const out: string[] = [];
  for (const plan of plans) {
    const empty = plan.jobs.filter((j) => {
      const r = byId.get(j.id);
      return r?.state === 'completed' && r.summary.requests === 0;
    });
    if (empty.length === 0) continue;
    const labels = [...new Set(empty.map((j) => j.variantLabel))].slice(0, 3).join(', ');
    out.push(
      `warning: ${plan.scenario.name}: ${empty.length} of ${plan.jobs.length} job(s) simulated 0 requests after warmup (variant ${labels}): its latencies and error rates are empty; check duration, warmup, the arrival rate and latencies far above the duration`,
    );
  }
  return out;
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
  partKeys: Map<number, string>,
): void {
  for (const table of Object.keys(TABLES) as TableName[]) {
    faultPoint();
    const out = new SyncTextWriter(path.join(dir, `${table}.csv`));
    try {
      out.write(csvLine(tableHeader(table, plan.sweepKeys, plan.sweepColumns)));
      for (const job of plan.jobs) {
        if (results.get(job.id)?.state !== 'completed') continue;
        const part = partFile(partDir, partKeys.get(job.id) as string, table);
        if (fs.existsSync(part)) out.appendFile(part);
      }
      out.commit();
    } catch (err) {
      out.abort();
      throw err;
    }
  }
}

function jobRecord(
  job: JobSpec,
  result: WorkerResult | undefined,
  resumed = false,
): Record<string, unknown> {
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
      // Taken from an interrupted run's parts (--resume): its timing is that run's.
      ...(resumed ? { resumed: true } : {}),
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
