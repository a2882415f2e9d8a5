import * as fs from 'node:fs';
import * as path from 'node:path';
import { parseFile } from 'fast-csv';
import { TABLES, type TableName } from '../output/columns.js';
import { warmupOf, writeDisruptions } from '../output/disruptions.js';
import { SyncTextWriter, writeFileAtomic } from '../output/files.js';
import { csvLine } from '../output/format.js';
import {
  beginStaging,
  commitStaging,
  discardStaging,
  lockOutput,
  recoverOutput,
  targetProblem,
} from '../output/output-set.js';
import { runMetadata } from '../output/run-info.js';
import { partFileName } from './protocol.js';

/** A job as run.json records it. */
export interface JobRecord {
  readonly id: number;
  readonly variant: number;
  readonly balancer: string;
  readonly replication: number;
  readonly state: string;
}

interface RunJson {
  readonly jobs: JobRecord[];
  readonly scenario: { readonly name: string } & Record<string, unknown>;
  readonly job_ids: { first: number; count: number } | null;
  readonly wall_s: number;
}

export interface MergeResult {
  /** Output directory of each merged scenario. */
  readonly dirs: string[];
  /** Job ids of the full job list that no shard ran (empty when the shards cover it all). */
  readonly missing: Record<string, number[]>;
  /** Jobs that failed in their shard, per scenario (their rows are absent). */
  readonly failed: Record<string, JobRecord[]>;
  /** What the merge repaired in the output folder (see output/output-set.ts). */
  readonly notes: string[];
}

/**
 * Joins the outputs of `lbsim run --shard i/n` runs (each a folder of scenario sub-folders) into
 * `outDir`: rows are re-ordered by job id, so the merged CSVs are byte-identical to an unsharded
 * run of the same jobs. Throws when shards disagree on a scenario or overlap. Each scenario's
 * folder is replaced as a set, under its lock, as a run's is (output/output-set.ts).
 */
export async function mergeShards(inputs: readonly string[], outDir: string): Promise<MergeResult> {
  const byScenario = new Map<string, string[]>();
  for (const input of inputs) {
    const entries = fs.existsSync(path.join(input, 'run.json'))
      ? [input]
      : fs
          .readdirSync(input, { withFileTypes: true })
          .filter((e) => e.isDirectory() && fs.existsSync(path.join(input, e.name, 'run.json')))
          .map((e) => path.join(input, e.name));
    if (entries.length === 0) throw new Error(`${input}: no run.json found`);
    for (const dir of entries) {
      const name = readRun(dir).scenario.name;
      byScenario.set(name, [...(byScenario.get(name) ?? []), dir]);
    }
  }
  const dirs: string[] = [];
  const missing: Record<string, number[]> = {};
  const failed: Record<string, JobRecord[]> = {};
  const notes: string[] = [];
  for (const [name, shardDirs] of byScenario) {
    const runs = shardDirs.map(readRun);
    const first = runs[0] as RunJson;
    const scenarioText = JSON.stringify(first.scenario);
    const jobs = new Map<number, JobRecord>();
    runs.forEach((r, i) => {
      if (JSON.stringify(r.scenario) !== scenarioText) {
        throw new Error(`${shardDirs[i]}: scenario ${name} differs from ${shardDirs[0]}'s`);
      }
      for (const j of r.jobs) {
        if (jobs.has(j.id))
          throw new Error(`${shardDirs[i]}: job ${j.id} of ${name} is in two shards`);
        jobs.set(j.id, j);
      }
    });
    const ids = [...jobs.keys()].sort((a, b) => a - b);
    const dir = path.resolve(outDir, name);
    const problem = targetProblem(dir);
    if (problem !== undefined) throw new Error(problem);
    fs.mkdirSync(path.dirname(dir), { recursive: true });
    const lock = lockOutput(dir, notes);
    try {
      notes.push(...recoverOutput(dir));
      const staging = beginStaging(dir);
      try {
        await writeMerged(staging, shardDirs, jobs, ids, first, runs, inputs);
        commitStaging(staging, dir);
      } catch (err) {
        discardStaging(staging);
        throw err;
      }
      // Derived from timeseries.csv and events.csv: rebuilt, not concatenated.
      await writeDisruptions(dir, warmupOf(first.scenario));
    } finally {
      lock.release();
    }
    const range = first.job_ids ?? { first: ids[0] ?? 0, count: ids.length };
    const absent: number[] = [];
    for (let id = range.first; id < range.first + range.count; id++) {
      if (!jobs.has(id)) absent.push(id);
    }
    missing[name] = absent;
    failed[name] = ids
      .map((id) => jobs.get(id) as JobRecord)
      .filter((j) => j.state !== 'completed');
    dirs.push(dir);
  }
  return { dirs, missing, failed, notes };
}

/** Writes the merged CSVs and run.json of one scenario into `dir` (a staging folder). */
async function writeMerged(
  dir: string,
  shardDirs: readonly string[],
  jobs: Map<number, JobRecord>,
  ids: readonly number[],
  first: RunJson,
  runs: readonly RunJson[],
  inputs: readonly string[],
): Promise<void> {
  const partDir = fs.mkdtempSync(path.join(dir, '.merge-'));
  try {
    const headers = new Map<TableName, string[]>();
    for (const table of Object.keys(TABLES) as TableName[]) {
      for (const shard of shardDirs) {
        headers.set(
          table,
          await splitByJob(path.join(shard, `${table}.csv`), table, jobs, partDir),
        );
      }
    }
    for (const table of Object.keys(TABLES) as TableName[]) {
      const out = new SyncTextWriter(path.join(dir, `${table}.csv`));
      out.write(csvLine(headers.get(table) ?? [...TABLES[table]]));
      for (const id of ids) {
        const part = path.join(partDir, partFileName(id, table));
        if (fs.existsSync(part)) out.appendFile(part);
      }
      out.commit();
    }
  } finally {
    fs.rmSync(partDir, { recursive: true, force: true });
  }
  const allJobs = ids.map((id) => jobs.get(id) as JobRecord);
  const range = first.job_ids ?? { first: ids[0] ?? 0, count: ids.length };
  const meta = runMetadata({
    scenario: first.scenario,
    jobs: allJobs,
    startedAt: new Date().toISOString(),
    wallSeconds: runs.reduce((s, r) => s + r.wall_s, 0),
    command: ['lbsim', 'merge', ...inputs],
    jobIds: range,
  });
  writeFileAtomic(
    path.join(dir, 'run.json'),
    `${JSON.stringify({ ...meta, merged_from: shardDirs }, null, 2)}\n`,
  );
}

function readRun(dir: string): RunJson {
  return JSON.parse(fs.readFileSync(path.join(dir, 'run.json'), 'utf8')) as RunJson;
}

/** Writes each row of `file` to its job's part file; returns the header. */
function splitByJob(
  file: string,
  table: TableName,
  jobs: Map<number, JobRecord>,
  partDir: string,
): Promise<string[]> {
  const byKey = new Map<string, number>();
  for (const j of jobs.values())
    byKey.set(JSON.stringify([j.variant, j.balancer, j.replication]), j.id);
  return new Promise((resolve, reject) => {
    let header: string[] = [];
    let iVariant = 1;
    let iBalancer = 2;
    let iReplication = 3;
    let writer: SyncTextWriter | null = null;
    let writerId = -1;
    const fail = (err: unknown) => {
      writer?.abort();
      reject(err);
    };
    parseFile<string[], string[]>(file, { headers: false })
      .on('error', fail)
      .on('data', (row: string[]) => {
        if (header.length === 0) {
          header = row;
          iVariant = header.indexOf('variant');
          iBalancer = header.indexOf('balancer');
          iReplication = header.indexOf('replication');
          return;
        }
        const key = JSON.stringify([
          Number(row[iVariant]),
          row[iBalancer],
          Number(row[iReplication]),
        ]);
        const id = byKey.get(key);
        if (id === undefined) return fail(new Error(`${file}: row of unknown job ${key}`));
        if (id !== writerId) {
          writer?.commit();
          writer = new SyncTextWriter(path.join(partDir, partFileName(id, table)), {
            atomic: false,
          });
          writerId = id;
        }
        writer?.write(csvLine(row));
      })
      .on('end', () => {
        writer?.commit();
        resolve(header);
      });
  });
}
