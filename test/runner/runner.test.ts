import * as fs from 'node:fs';
import * as path from 'node:path';
import { pathToFileURL } from 'node:url';
import { describe, expect, it } from 'vitest';
import { deriveSeed } from '../../src/engine/index.js';
import { TABLES } from '../../src/output/columns.js';
import { packageRoot } from '../../src/output/run-info.js';
import {
  BatchInterruptedError,
  type JobExecutor,
  runBatch,
  tableHeader,
} from '../../src/runner/batch.js';
import { executeJob, PartSink } from '../../src/runner/execute.js';
import { jobSeed, parseShard, planJobs } from '../../src/runner/jobs.js';
import { createWorkerPool } from '../../src/runner/pool.js';
import type { SimulateFn, WorkerTask } from '../../src/runner/protocol.js';
import { sweepColumns } from '../../src/runner/sweep-columns.js';
import { threadCpuSeconds } from '../../src/runner/thread-cpu.js';
import { simulateJob } from '../../src/runner/toy-model.js';
import { listFiles, tempDir, toyScenario } from './helpers.js';

const inProcess =
  (simulate: SimulateFn = simulateJob): JobExecutor =>
  (task) =>
    Promise.resolve(executeJob(task, simulate));

const TOY_MODEL_URL = pathToFileURL(
  path.join(packageRoot(), 'dist', 'src', 'runner', 'toy-model.js'),
).href;

describe('job list', () => {
  it('derives seeds from (scenario seed, variant, replication), never the balancer', () => {
    const [plan] = planJobs([
      toyScenario({
        balancers: ['iptables', 'ipvs-rr', 'ipvs-lc'],
        replications: 3,
        rates: [1, 2],
      }),
    ]);
    const jobs = plan?.jobs ?? [];
    expect(jobs).toHaveLength(2 * 3 * 3);
    for (const j of jobs) {
      expect(j.seed).toBe(deriveSeed(42, j.variant, j.replication));
      expect(j.seed).toBe(jobSeed(42, j.variant, j.replication));
      const peers = jobs.filter((k) => k.variant === j.variant && k.replication === j.replication);
      expect(new Set(peers.map((k) => k.seed)).size).toBe(1);
    }
    // Distinct (variant, replication) pairs get distinct seeds.
    expect(new Set(jobs.map((j) => j.seed)).size).toBe(2 * 3);
  });

  it('orders jobs by variant, balancer, replication and filters balancers', () => {
    const [plan] = planJobs(
      [toyScenario({ balancers: ['a', 'b'], replications: 2, rates: [1, 2] })],
      {
        balancers: ['b'],
      },
    );
    expect(plan?.jobs.map((j) => [j.id, j.variant, j.balancer.label, j.replication])).toEqual([
      [0, 0, 'b', 0],
      [1, 0, 'b', 1],
      [2, 1, 'b', 0],
      [3, 1, 'b', 1],
    ]);
  });

  it('shards the job list deterministically', () => {
    const s = toyScenario({ balancers: ['a', 'b', 'c'], replications: 3 });
    const all = planJobs([s])[0]?.jobs.map((j) => j.id);
    const shards = [0, 1, 2].map(
      (index) => planJobs([s], { shard: { index, count: 3 } })[0]?.jobs.map((j) => j.id) ?? [],
    );
    expect(shards.flat().sort((x, y) => x - y)).toEqual(all);
    expect(shards[1]).toEqual([1, 4, 7]);
    expect(parseShard('2/5')).toEqual({ index: 2, count: 5 });
    expect(() => parseShard('5/5')).toThrow(/0 <= i < n/);
  });
});

const RATE_COLUMN = sweepColumns({ 'workload.arrivals.rate': [100, 200] });

describe('runBatch in-process', () => {
  it('writes every table with its header, sweep columns after variant, no temp files', async () => {
    const out = tempDir();
    const scenario = toyScenario({ rates: [100, 200], replications: 2 });
    const r = await runBatch([scenario], { outDir: out, executor: inProcess() });
    expect(r.failed).toBe(0);
    expect(r.jobs).toHaveLength(2 * 2 * 2);
    const dir = path.join(out, 'toy');
    expect(listFiles(out)).toEqual(
      [
        ...Object.keys(TABLES).map((t) => `toy/${t}.csv`),
        'toy/disruptions.csv',
        'toy/run.json',
      ].sort(),
    );
    for (const table of Object.keys(TABLES) as (keyof typeof TABLES)[]) {
      const header = fs.readFileSync(path.join(dir, `${table}.csv`), 'utf8').split('\n')[0];
      expect(header).toBe(tableHeader(table, ['workload.arrivals.rate'], RATE_COLUMN).join(','));
      // Every table carries the swept value as a number, after `variant`.
      expect(header?.split(',').slice(0, 3)).toEqual(
        table === 'summary'
          ? ['scenario', 'variant', 'workload.arrivals.rate']
          : ['scenario', 'variant', 'sweep_arrivals_rate_rps'],
      );
    }
    const summary = fs.readFileSync(path.join(dir, 'summary.csv'), 'utf8').trim().split('\n');
    expect(
      summary[0]?.startsWith(
        'scenario,variant,workload.arrivals.rate,sweep_arrivals_rate_rps,balancer,replication,seed,',
      ),
    ).toBe(true);
    // One row per job, in (variant, balancer, replication) order.
    expect(summary.slice(1).map((l) => l.split(',').slice(0, 6).join(','))).toEqual([
      'toy,0,100,100,iptables,0',
      'toy,0,100,100,iptables,1',
      'toy,0,100,100,ipvs-rr,0',
      'toy,0,100,100,ipvs-rr,1',
      'toy,1,200,200,iptables,0',
      'toy,1,200,200,iptables,1',
      'toy,1,200,200,ipvs-rr,0',
      'toy,1,200,200,ipvs-rr,1',
    ]);
    // timeseries: 20 windows per job.
    const ts = fs.readFileSync(path.join(dir, 'timeseries.csv'), 'utf8').trim().split('\n');
    expect(ts).toHaveLength(1 + 8 * 20);
    const run = JSON.parse(fs.readFileSync(path.join(dir, 'run.json'), 'utf8'));
    expect(run.lbsim.version).toMatch(/^\d+\.\d+\.\d+/);
    expect(run.jobs).toHaveLength(8);
    expect(run.jobs[3].seed).toBe(deriveSeed(42, 0, 1));
    expect(run.scenario.name).toBe('toy');
    expect(run.cpu_s).toBeGreaterThan(0);
    // Each job's own-thread CPU time: a number on Linux (null elsewhere), never above its wall
    // time by more than two 10 ms ticks (each of the two readings is rounded to a tick).
    for (const j of run.jobs) {
      if (process.platform !== 'linux') expect(j.cpu_s).toBeNull();
      else expect(j.cpu_s).toBeLessThanOrEqual(j.wall_s + 0.021);
    }
  });

  it('isolates a failed job: others complete, no partial file, failure counted', async () => {
    const out = tempDir();
    const seen: string[] = [];
    const r = await runBatch([toyScenario({ balancers: ['iptables', 'fail'], replications: 2 })], {
      outDir: out,
      executor: inProcess(),
      onJobDone: (job, res) => seen.push(`${job.balancer.label}:${res.state}`),
    });
    expect(r.failed).toBe(2);
    expect(seen.sort()).toEqual([
      'fail:errored',
      'fail:errored',
      'iptables:completed',
      'iptables:completed',
    ]);
    const summary = fs
      .readFileSync(path.join(out, 'toy', 'summary.csv'), 'utf8')
      .trim()
      .split('\n');
    expect(summary.slice(1).map((l) => l.split(',')[2])).toEqual(['iptables', 'iptables']);
    // The failed jobs wrote timeseries rows before throwing: none may survive.
    const ts = fs.readFileSync(path.join(out, 'toy', 'timeseries.csv'), 'utf8');
    expect(ts).not.toMatch(/,fail,/);
    expect(listFiles(out).filter((f) => path.basename(f).startsWith('.'))).toEqual([]);
    const run = JSON.parse(fs.readFileSync(path.join(out, 'toy', 'run.json'), 'utf8'));
    expect(run.jobs.filter((j: { state: string }) => j.state === 'errored')).toHaveLength(2);
    expect(run.jobs[2].error).toMatch(/always fails/);
  });
});

describe('runBatch interrupted', () => {
  it('stops the executor, then removes unfinished parts and the folders it created', async () => {
    const out = path.join(tempDir(), 'new', 'deeper');
    const abort = new AbortController();
    const order: string[] = [];
    let submitted = 0;
    // Jobs that never end, like long simulations still running in their workers.
    const executor: JobExecutor = (task) => {
      submitted++;
      fs.writeFileSync(path.join(task.partDir, `${task.job.id}.tmp`), 'half a job');
      return new Promise(() => {});
    };
    const batch = runBatch([toyScenario()], {
      outDir: out,
      executor,
      signal: abort.signal,
      stop: async () => {
        // The part files are still there while the workers are being stopped.
        order.push(`stop: ${listFiles(path.dirname(path.dirname(out))).length} file(s)`);
      },
      onJobDone: () => order.push('job done'),
    });
    expect(submitted).toBe(4);
    abort.abort();
    await expect(batch).rejects.toBeInstanceOf(BatchInterruptedError);
    // 4 jobs' files and the folder's lock.
    expect(order).toEqual(['stop: 5 file(s)']);
    // `new` did not exist before the batch: removed with everything below it.
    expect(fs.existsSync(path.dirname(out))).toBe(false);
  });

  it('cleans up after a failure to create a later scenario folder', async () => {
    const out = path.join(tempDir(), 'new');
    fs.mkdirSync(out);
    fs.writeFileSync(path.join(out, 'second'), 'a file where a folder should go');
    await expect(
      runBatch([toyScenario({ name: 'first' }), toyScenario({ name: 'second' })], {
        outDir: out,
        executor: inProcess(),
      }),
    ).rejects.toThrow(/second exists and is not a folder/);
    // first/ and its part folder were made by the batch: gone. The file stays.
    expect(fs.readdirSync(out)).toEqual(['second']);
  });

  it('keeps a folder that existed, and the outputs of an earlier run in it', async () => {
    const out = tempDir();
    fs.mkdirSync(path.join(out, 'toy'));
    fs.writeFileSync(path.join(out, 'toy', 'summary.csv'), 'earlier run\n');
    const abort = new AbortController();
    abort.abort();
    await expect(
      runBatch([toyScenario()], {
        outDir: out,
        executor: () => new Promise(() => {}),
        signal: abort.signal,
      }),
    ).rejects.toBeInstanceOf(BatchInterruptedError);
    expect(listFiles(out)).toEqual(['toy/summary.csv']);
    expect(fs.readFileSync(path.join(out, 'toy', 'summary.csv'), 'utf8')).toBe('earlier run\n');
  });
});

describe('threadCpuSeconds', () => {
  it.runIf(process.platform === 'linux')('counts this thread busy, not asleep', async () => {
    // Busy until the counter has moved by 0.1 s (on a loaded host that takes longer than 0.1 s
    // of wall time, never less): it grows with this thread's work.
    const t0 = threadCpuSeconds() as number;
    const wall0 = performance.now();
    let x = 0;
    while ((threadCpuSeconds() as number) - t0 < 0.1) {
      for (let i = 0; i < 100_000; i++) x += Math.sqrt(x + 1);
      if (performance.now() - wall0 > 20_000) throw new Error('CPU time does not advance');
    }
    expect(x).toBeGreaterThan(0);
    expect(performance.now() - wall0).toBeGreaterThanOrEqual(90);
    // Asleep for 200 ms: at most a tick or two of CPU.
    const t1 = threadCpuSeconds() as number;
    await new Promise((r) => setTimeout(r, 200));
    expect((threadCpuSeconds() as number) - t1).toBeLessThan(0.05);
  });
});

describe('executeJob', () => {
  it('leaves no part file when the simulation throws after writing rows', () => {
    const partDir = tempDir();
    const [plan] = planJobs([toyScenario()]);
    const job = plan?.jobs[0];
    if (job === undefined) throw new Error('no job');
    const task: WorkerTask = {
      job,
      partDir,
      key: ['toy', 0, 'x', 0],
      summaryKey: ['toy', 0, 'x', 0],
    };
    const result = executeJob(task, (_job, sink) => {
      for (let i = 0; i < 10_000; i++) sink.row('events', [i, 'e', '', '', 'x'.repeat(50)]);
      throw new Error('boom');
    });
    expect(result.state).toBe('errored');
    expect(result.state === 'errored' && result.message).toBe('boom');
    expect(fs.readdirSync(partDir)).toEqual([]);
  });

  it('rejects a row whose length does not match the table', () => {
    const sink = new PartSink({
      job: planJobs([toyScenario()])[0]?.jobs[0] as never,
      partDir: tempDir(),
      key: ['a', 0, 'b', 0],
      summaryKey: ['a', 0, 'b', 0],
    });
    expect(() => sink.row('errors', ['final', 'reset'])).toThrow(
      /errors.csv row: expected 4 values \(level,kind,cause,count\), got 2/,
    );
    sink.abort();
  });
});

describe('worker threads (built worker: run `npm run build` first)', () => {
  it('--jobs 1 and --jobs 2 give byte-identical CSVs', async () => {
    const scenarios = [
      toyScenario({ balancers: ['iptables', 'ipvs-rr'], replications: 3, duration: 30 }),
    ];
    const outputs: Record<string, string>[] = [];
    for (const threads of [1, 2]) {
      const out = tempDir();
      const pool = createWorkerPool(threads);
      try {
        const r = await runBatch(scenarios, {
          outDir: out,
          executor: pool.run,
          model: TOY_MODEL_URL,
        });
        expect(r.failed).toBe(0);
      } finally {
        await pool.close();
      }
      const files: Record<string, string> = {};
      for (const f of listFiles(out)) {
        if (f.endsWith('.csv')) files[f] = fs.readFileSync(path.join(out, f), 'utf8');
      }
      outputs.push(files);
    }
    // The six tables and the derived disruptions.csv.
    expect(Object.keys(outputs[0] ?? {})).toHaveLength(7);
    expect(outputs[1]).toEqual(outputs[0]);
    // And the same bytes as in-process execution.
    const out = tempDir();
    await runBatch(scenarios, { outDir: out, executor: inProcess() });
    expect(fs.readFileSync(path.join(out, 'toy', 'summary.csv'), 'utf8')).toBe(
      outputs[0]?.['toy/summary.csv'],
    );
  });

  it('reports a job whose model cannot load as failed', async () => {
    const pool = createWorkerPool(1);
    try {
      const r = await runBatch([toyScenario({ balancers: ['iptables'], replications: 1 })], {
        outDir: tempDir(),
        executor: pool.run,
        model: pathToFileURL('/nonexistent/model.js').href,
      });
      expect(r.failed).toBe(1);
      expect(r.results[0]?.state === 'errored' && r.results[0].message).toMatch(/nonexistent/);
    } finally {
      await pool.close();
    }
  });
});

describe('shards and merge', () => {
  it('merging --shard 0/2 and 1/2 gives the bytes of the unsharded run', async () => {
    const { mergeShards } = await import('../../src/runner/merge.js');
    const scenarios = [
      toyScenario({ balancers: ['iptables', 'ipvs-rr', 'x'], replications: 3, rates: [50, 80] }),
    ];
    const whole = tempDir();
    await runBatch(scenarios, { outDir: whole, executor: inProcess() });
    const shards = [tempDir(), tempDir()];
    for (const [index, dir] of shards.entries()) {
      await runBatch(scenarios, { outDir: dir, executor: inProcess(), shard: { index, count: 2 } });
    }
    const merged = tempDir();
    const partial = await mergeShards([shards[0] as string], path.join(merged, 'partial'));
    expect(partial.missing.toy).toHaveLength(9); // the odd job ids of 0..17
    const r = await mergeShards(shards, merged);
    expect(r.missing.toy).toEqual([]);
    for (const table of [...Object.keys(TABLES), 'disruptions']) {
      expect(fs.readFileSync(path.join(merged, 'toy', `${table}.csv`), 'utf8')).toBe(
        fs.readFileSync(path.join(whole, 'toy', `${table}.csv`), 'utf8'),
      );
    }
  });
});

describe('output set and resume (in-process)', () => {
  it('a rerun whose every job fails leaves the previous results untouched', async () => {
    const out = tempDir();
    await runBatch([toyScenario({ balancers: ['iptables'], replications: 1 })], {
      outDir: out,
      executor: inProcess(),
    });
    const before = listFiles(out).map((f) => [f, fs.readFileSync(path.join(out, f), 'utf8')]);
    const r = await runBatch([toyScenario({ balancers: ['fail'], replications: 2 })], {
      outDir: out,
      executor: inProcess(),
    });
    expect(r.failed).toBe(2);
    expect(r.dirs).toEqual([]);
    expect(r.notes.join('\n')).toMatch(/every job failed: nothing written, the previous results/);
    expect(listFiles(out).map((f) => [f, fs.readFileSync(path.join(out, f), 'utf8')])).toEqual(
      before,
    );
  });

  it('a second batch into a folder being written is refused', async () => {
    const out = tempDir();
    let release: () => void = () => {};
    const gate = new Promise<void>((r) => {
      release = r;
    });
    const first = runBatch([toyScenario()], {
      outDir: out,
      executor: async (task) => {
        await gate;
        return executeJob(task, simulateJob);
      },
    });
    await expect(runBatch([toyScenario()], { outDir: out, executor: inProcess() })).rejects.toThrow(
      /toy is being written by another lbsim run \(pid \d+\)/,
    );
    release();
    expect((await first).failed).toBe(0);
    expect(listFiles(out).filter((f) => f.startsWith('.'))).toEqual([]);
  });

  it('resume reuses finished jobs, reruns the others and a job whose inputs changed', async () => {
    const out = tempDir();
    const whole = tempDir();
    await runBatch([toyScenario()], { outDir: whole, executor: inProcess() });
    // Interrupt after two of the four jobs finished.
    const abort = new AbortController();
    let n = 0;
    const interrupted = runBatch([toyScenario()], {
      outDir: out,
      signal: abort.signal,
      executor: (task) => {
        if (n++ < 2) return Promise.resolve(executeJob(task, simulateJob));
        setImmediate(() => abort.abort());
        return new Promise(() => {});
      },
    });
    await expect(interrupted).rejects.toMatchObject({ kept: 2 });
    expect(fs.existsSync(path.join(out, 'toy'))).toBe(false);
    // A changed input (the rate) changes every job's key: nothing reused.
    const ran: number[] = [];
    const counting: JobExecutor = (task) => {
      ran.push(task.job.id);
      return inProcess()(task);
    };
    const changed = tempDir();
    fs.cpSync(out, changed, { recursive: true });
    const c = await runBatch([toyScenario({ rate: 150 })], {
      outDir: changed,
      executor: counting,
      resume: true,
    });
    expect(c.reused).toBe(0);
    expect(ran).toEqual([0, 1, 2, 3]);
    // Unchanged: the two finished jobs are reused, the bytes are those of the whole run.
    ran.length = 0;
    const r = await runBatch([toyScenario()], { outDir: out, executor: counting, resume: true });
    expect(r.reused).toBe(2);
    expect(ran).toEqual([2, 3]);
    for (const table of Object.keys(TABLES)) {
      expect(fs.readFileSync(path.join(out, 'toy', `${table}.csv`), 'utf8')).toBe(
        fs.readFileSync(path.join(whole, 'toy', `${table}.csv`), 'utf8'),
      );
    }
    expect(fs.existsSync(path.join(out, '.toy.parts'))).toBe(false);
  });

  it('warns when a job simulated 0 requests', async () => {
    const r = await runBatch([toyScenario({ rate: 1e-9, replications: 1 })], {
      outDir: tempDir(),
      executor: inProcess(),
    });
    expect(r.notes.join('\n')).toMatch(
      /warning: toy: 2 of 2 job\(s\) simulated 0 requests after warmup \(variant default\)/,
    );
  });
});
