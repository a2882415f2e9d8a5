import * as path from 'node:path';
import { performance } from 'node:perf_hooks';
import { type RowSink, TABLES, type TableName } from '../output/columns.js';
import { SyncTextWriter } from '../output/files.js';
import { csvLine } from '../output/format.js';
import { progressWriter } from './live-progress.js';
import { partFileName, type SimulateFn, type WorkerResult, type WorkerTask } from './protocol.js';
import { threadCpuSeconds } from './thread-cpu.js';

/**
 * The RowSink of one job: prefixes the job key and writes each table to its own part file,
 * created on the first row. Part files stay under temporary names until commit(), so a failed
 * job leaves none behind.
 */
export class PartSink implements RowSink {
  private readonly writers = new Map<TableName, SyncTextWriter>();
  private readonly counts: Partial<Record<TableName, number>> = {};
  private readonly keyText: string;
  private readonly summaryKeyText: string;
  private readonly task: WorkerTask;

  constructor(task: WorkerTask) {
    this.task = task;
    // The key is formatted once per job; each row appends its own fields.
    this.keyText = csvLine(task.key).slice(0, -1);
    this.summaryKeyText = csvLine(task.summaryKey).slice(0, -1);
  }

  row(table: TableName, values: readonly (string | number)[]): void {
    const columns = TABLES[table];
    if (columns === undefined) throw new Error(`unknown table ${String(table)}`);
    const expected = columns.length - 4;
    if (values.length !== expected) {
      throw new Error(
        `${table}.csv row: expected ${expected} values (${columns.slice(4).join(',')}), got ${values.length}`,
      );
    }
    let w = this.writers.get(table);
    if (w === undefined) {
      w = new SyncTextWriter(
        path.join(this.task.partDir, partFileName(this.task.partKey ?? this.task.job.id, table)),
      );
      this.writers.set(table, w);
    }
    const key = table === 'summary' ? this.summaryKeyText : this.keyText;
    w.write(`${key},${csvLine(values)}`);
    this.counts[table] = (this.counts[table] ?? 0) + 1;
  }

  /** Rows written per table. */
  get rows(): Partial<Record<TableName, number>> {
    return { ...this.counts };
  }

  commit(): void {
    for (const w of this.writers.values()) w.commit();
  }

  abort(): void {
    for (const w of this.writers.values()) w.abort();
  }
}

/**
 * Runs one job: what the worker thread does, callable in-process. Never throws: a failing
 * simulation becomes an `errored` result and its part files are deleted.
 */
export function executeJob(task: WorkerTask, simulate: SimulateFn): WorkerResult {
  const started = performance.now();
  const cpuStarted = threadCpuSeconds();
  const sink = new PartSink(task);
  try {
    const progress =
      task.live === undefined ? undefined : progressWriter(task.live.buffer, task.live.slot);
    const summary = simulate(task.job, sink, progress);
    sink.commit();
    const cpuEnded = threadCpuSeconds();
    return {
      state: 'completed',
      id: task.job.id,
      summary,
      rows: sink.rows,
      wallSeconds: (performance.now() - started) / 1000,
      cpuSeconds:
        cpuStarted === undefined || cpuEnded === undefined
          ? null
          : Math.round((cpuEnded - cpuStarted) * 100) / 100,
    };
  } catch (err) {
    sink.abort();
    return erroredResult(task.job.id, err, (performance.now() - started) / 1000);
  }
}

export function erroredResult(id: number, err: unknown, wallSeconds: number): WorkerResult {
  const e = err instanceof Error ? err : new Error(String(err));
  return { state: 'errored', id, message: e.message, stack: e.stack, wallSeconds };
}
