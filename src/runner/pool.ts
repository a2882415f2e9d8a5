import * as fs from 'node:fs';
import { availableParallelism } from 'node:os';
import * as path from 'node:path';
import { pathToFileURL } from 'node:url';
import { Piscina } from 'piscina';
import { packageRoot } from '../output/run-info.js';
import type { JobExecutor } from './batch.js';
import { erroredResult } from './execute.js';
import type { WorkerResult, WorkerTask } from './protocol.js';

/**
 * The built worker, dist/src/runner/worker.js under the package root. Resolved from the package
 * root, not from this file, so it is found both from the build (npx lbsim) and from tests that
 * import src/ through vitest after `npm run build`.
 */
export function workerFile(): string {
  return path.join(packageRoot(), 'dist', 'src', 'runner', 'worker.js');
}

/** Default number of worker threads: one per core. */
export function defaultJobs(): number {
  return availableParallelism();
}

export interface WorkerPool {
  readonly run: JobExecutor;
  readonly threads: number;
  /** Terminates the workers; jobs still running or queued end as errored results. */
  close(): Promise<void>;
}

/** A piscina pool of `threads` workers running dist/src/runner/worker.js. */
export function createWorkerPool(threads: number = defaultJobs()): WorkerPool {
  const filename = workerFile();
  if (!fs.existsSync(filename)) {
    throw new Error(`${filename} not found: run \`npm run build\` first`);
  }
  const pool = new Piscina<WorkerTask, WorkerResult>({
    filename: pathToFileURL(filename).href,
    minThreads: threads,
    maxThreads: threads,
    // Every task is queued at once; piscina's default queue bound would reject the rest.
    maxQueue: Number.POSITIVE_INFINITY,
    // One job per thread at a time: a job is CPU-bound from start to end.
    concurrentTasksPerWorker: 1,
  });
  let closed: Promise<void> | undefined;
  return {
    threads,
    // A worker that dies (out of memory, native crash) rejects; the job then counts as failed.
    run: (task) => pool.run(task).catch((err: unknown) => erroredResult(task.job.id, err, 0)),
    // Idempotent: an interrupted batch closes the pool, then the CLI's `finally` does again.
    close: () => {
      closed ??= pool.destroy();
      return closed;
    },
  };
}
