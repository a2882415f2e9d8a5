/**
 * The part folder of a scenario (`OUT/.<name>.parts/`): each finished job's rows, one file per
 * table, and a small record that says it finished. It outlives an interrupted run, so
 * `lbsim run ... --resume` reruns only the jobs that have no record.
 *
 * Parts are keyed by a hash of the resolved job (its whole variant config, balancer, seed,
 * replication, the CSV key it writes, the model module and the lbsim version and commit), not by
 * its position: a job whose inputs changed since has another key, so it is rerun, never reused.
 */
import { createHash } from 'node:crypto';
import * as fs from 'node:fs';
import * as path from 'node:path';
import type { TableName } from '../output/columns.js';
import { writeFileAtomic } from '../output/files.js';
import { partFileName, type WorkerResult, type WorkerTask } from './protocol.js';

/** Bumped when the content of part files or records changes meaning. */
const PART_FORMAT = 1;

/** The hash (32 hex digits) keying a job's parts. `build` names the code that runs it. */
export function jobPartKey(
  task: Pick<WorkerTask, 'job' | 'key' | 'summaryKey' | 'model'>,
  build: string,
): string {
  const { id: _id, ...job } = task.job;
  const text = JSON.stringify({
    format: PART_FORMAT,
    build,
    model: task.model ?? null,
    key: task.key,
    summaryKey: task.summaryKey,
    job,
  });
  return createHash('sha256').update(text).digest('hex').slice(0, 32);
}

/** File of a job's rows of `table` in a part folder. */
export function partFile(partDir: string, partKey: string, table: TableName): string {
  return path.join(partDir, partFileName(partKey, table));
}

function recordFile(partDir: string, partKey: string): string {
  return path.join(partDir, `${partKey}.done.json`);
}

type Completed = Extract<WorkerResult, { state: 'completed' }>;

/** Records that the job keyed `partKey` finished (after its part files were committed). */
export function recordFinished(partDir: string, partKey: string, result: Completed): void {
  const { id: _id, ...rest } = result;
  writeFileAtomic(recordFile(partDir, partKey), `${JSON.stringify({ partKey, ...rest })}\n`);
}

/**
 * The finished result of the job keyed `partKey` (with `id` as its id now), or undefined when
 * it has no record or a part file its record counts rows for is missing.
 */
export function finishedResult(
  partDir: string,
  partKey: string,
  id: number,
): Completed | undefined {
  let rec: Omit<Completed, 'id'> & { partKey?: string };
  try {
    rec = JSON.parse(fs.readFileSync(recordFile(partDir, partKey), 'utf8'));
  } catch {
    return undefined;
  }
  if (rec.partKey !== partKey || rec.state !== 'completed' || typeof rec.rows !== 'object') {
    return undefined;
  }
  for (const [table, n] of Object.entries(rec.rows)) {
    if ((n ?? 0) > 0 && !fs.existsSync(partFile(partDir, partKey, table as TableName))) {
      return undefined;
    }
  }
  const { partKey: _k, ...result } = rec;
  return { ...result, id };
}

/** Number of finished-job records in a part folder (0 when it does not exist). */
export function countFinished(partDir: string): number {
  try {
    return fs.readdirSync(partDir).filter((f) => f.endsWith('.done.json')).length;
  } catch {
    return 0;
  }
}

/**
 * Removes what unfinished jobs left in a part folder: temporary files (hidden names) of jobs
 * that were stopped, and part files without a record. Finished jobs stay.
 */
export function removeUnfinished(partDir: string): void {
  let entries: string[];
  try {
    entries = fs.readdirSync(partDir);
  } catch {
    return;
  }
  const done = new Set(
    entries.filter((f) => f.endsWith('.done.json')).map((f) => f.slice(0, -'.done.json'.length)),
  );
  for (const f of entries) {
    const key = f.split('.')[0] as string;
    if (f.startsWith('.') || !done.has(key)) fs.rmSync(path.join(partDir, f), { force: true });
  }
}
