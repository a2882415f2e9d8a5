/**
 * Piscina worker entry (built to dist/src/runner/worker.js). It only adapts: load the model
 * once per thread, then run the pure executeJob.
 */
import { erroredResult, executeJob } from './execute.js';
import { loadModel } from './model.js';
import type { WorkerResult, WorkerTask } from './protocol.js';

export default async function runTask(task: WorkerTask): Promise<WorkerResult> {
  let simulate: Awaited<ReturnType<typeof loadModel>>;
  try {
    simulate = await loadModel(task.model);
  } catch (err) {
    return erroredResult(task.job.id, err, 0);
  }
  return executeJob(task, simulate);
}
