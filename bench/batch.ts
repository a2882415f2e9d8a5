/**
 * Batch scaling: the whole CLI (`lbsim run <scenario> -j N --quiet`) at each thread count, runs
 * interleaved (1, 2, 2, 1, 1, 2, ...) so that a noisy host hurts every count alike; medians.
 * This is how issue 5's "two workers on a batch of 8 jobs" is measured (the example scenario is
 * 4 balancers x 2 replications).
 *
 *   npm run --silent bench -- batch --runs 5 --json
 *   npm run --silent bench -- batch --scenario scenarios/seed-article.yaml --threads 1,2
 *   npm run --silent bench -- batch --set duration=1200s
 *
 * Besides the speed-up it splits each run's time, from run.json, so that a shortfall can be
 * explained rather than guessed at:
 * - jobs_cpu_s: CPU time of the workers' own threads inside their jobs (simulation work);
 * - jobs_wall_s: wall time of the same jobs; the difference is time a worker waited for a core;
 * - process_cpu_s: CPU of the whole process while the jobs ran, every thread: minus jobs_cpu_s it
 *   is V8's background work (JIT compilation, GC helpers) plus the workers' start-up;
 * - fixed_s: process wall time outside that (start, module loading, validation, merging the
 *   part files into the CSVs, exit).
 */
import { spawnSync } from 'node:child_process';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { median } from 'simple-statistics';
import { packageRoot } from '../src/output/run-info.js';
import type { Benchmark, BenchOptions, BenchResult } from './types.js';

interface RunJsonTimes {
  wall_s: number;
  cpu_s: number | null;
  jobs: { wall_s?: number; cpu_s?: number | null; state: string }[];
}

/** One CLI run's timings. */
export interface BatchRun {
  threads: number;
  processWallSeconds: number;
  batchWallSeconds: number;
  processCpuSeconds: number;
  jobsWallSeconds: number;
  jobsCpuSeconds: number;
  jobs: number;
}

/** Runs `lbsim run` once and reads back its run.json. */
export function runCli(scenario: string, threads: number, extra: readonly string[] = []): BatchRun {
  const root = packageRoot();
  const out = fs.mkdtempSync(path.join(os.tmpdir(), 'lbsim-bench-batch-'));
  try {
    const t0 = performance.now();
    const r = spawnSync(
      process.execPath,
      [
        path.join(root, 'bin', 'lbsim.js'),
        'run',
        scenario,
        '-j',
        String(threads),
        '--out',
        out,
        '--quiet',
        ...extra,
      ],
      { cwd: root, encoding: 'utf8' },
    );
    const processWallSeconds = (performance.now() - t0) / 1000;
    if (r.status !== 0) {
      throw new Error(`lbsim run exited with ${r.status}: ${r.stderr.trim().slice(0, 500)}`);
    }
    const dirs = fs.readdirSync(out);
    if (dirs.length !== 1) throw new Error(`expected one scenario folder in ${out}, got ${dirs}`);
    const run = JSON.parse(
      fs.readFileSync(path.join(out, dirs[0] as string, 'run.json'), 'utf8'),
    ) as RunJsonTimes;
    const done = run.jobs.filter((j) => j.state === 'completed');
    return {
      threads,
      processWallSeconds,
      batchWallSeconds: run.wall_s,
      processCpuSeconds: run.cpu_s ?? Number.NaN,
      jobsWallSeconds: done.reduce((s, j) => s + (j.wall_s ?? 0), 0),
      jobsCpuSeconds: done.reduce((s, j) => s + (j.cpu_s ?? Number.NaN), 0),
      jobs: done.length,
    };
  } finally {
    fs.rmSync(out, { recursive: true, force: true });
  }
}

function parseThreads(text: string): number[] {
  const t = text.split(',').map((s) => Number(s.trim()));
  if (t.length < 2 || t.some((n) => !Number.isInteger(n) || n < 1)) {
    throw new Error(`--threads: expected two or more integers >= 1 like 1,2, got ${text}`);
  }
  return t;
}

export const batch: Benchmark = {
  name: 'batch',
  description:
    'lbsim run at -j 1 vs -j 2 (whole CLI, interleaved runs): speed-up and where time goes',
  run({ quick, args }: BenchOptions): BenchResult {
    const scenario = args.scenario ?? 'scenarios/example.yaml';
    const threads = parseThreads(args.threads ?? '1,2');
    const runs = Number(args.runs ?? (quick ? 1 : 5));
    if (!Number.isInteger(runs) || runs < 1) throw new Error(`--runs: expected >= 1, got ${runs}`);
    // Quick (CI) on the example: its first 60 s, its rollout moved inside; checks the plumbing.
    // Other scenarios run as they are, once.
    const extra =
      quick && args.scenario === undefined
        ? ['--set', 'duration=60s', '--set', 'churn[1].at=40s']
        : [];
    // `--set path=value` (one; `;` separates several) is passed on, e.g. longer jobs:
    // `--set duration=1200s` amortises each worker's JIT warm-up over four times the work.
    for (const kv of (args.set ?? '').split(';').filter((x) => x !== '')) extra.push('--set', kv);
    const byThreads = new Map<number, BatchRun[]>(threads.map((t) => [t, []]));
    for (let r = 0; r < runs; r++) {
      // Alternate the order as well, so neither count always runs right after the other.
      const order = r % 2 === 0 ? threads : [...threads].reverse();
      for (const t of order) {
        const run = runCli(scenario, t, extra);
        process.stderr.write(
          `bench: batch -j ${t} run ${r + 1}/${runs}: ${run.processWallSeconds.toFixed(2)} s\n`,
        );
        byThreads.get(t)?.push(run);
      }
    }
    const result: BenchResult = {
      benchmark: 'batch',
      scenario,
      runs,
      cores: os.availableParallelism(),
    };
    const base = threads[0] as number;
    const baseWall = median((byThreads.get(base) ?? []).map((r) => r.processWallSeconds));
    const baseBatch = median((byThreads.get(base) ?? []).map((r) => r.batchWallSeconds));
    for (const t of threads) {
      const rs = byThreads.get(t) ?? [];
      const m = (f: (r: BatchRun) => number) => Number(median(rs.map(f)).toFixed(3));
      const p = `j${t}_`;
      result[`${p}jobs`] = rs[0]?.jobs ?? 0;
      result[`${p}wall_s`] = m((r) => r.processWallSeconds);
      result[`${p}wall_s_all`] = rs.map((r) => r.processWallSeconds.toFixed(2)).join(' ');
      result[`${p}fixed_s`] = m((r) => r.processWallSeconds - r.batchWallSeconds);
      result[`${p}jobs_wall_s`] = m((r) => r.jobsWallSeconds);
      result[`${p}jobs_cpu_s`] = m((r) => r.jobsCpuSeconds);
      result[`${p}waiting_share`] = m((r) => 1 - r.jobsCpuSeconds / r.jobsWallSeconds);
      result[`${p}process_cpu_s`] = m((r) => r.processCpuSeconds);
      result[`${p}background_cpu_s`] = m((r) => r.processCpuSeconds - r.jobsCpuSeconds);
      if (t !== base) {
        result[`${p}speedup`] = Number((baseWall / m((r) => r.processWallSeconds)).toFixed(3));
        result[`${p}speedup_batch_only`] = Number(
          (baseBatch / m((r) => r.batchWallSeconds)).toFixed(3),
        );
      }
    }
    return result;
  },
};
