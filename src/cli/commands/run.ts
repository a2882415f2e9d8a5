/** `lbsim run`: every (file x variant x balancer x replication) job on a worker pool. */
import * as path from 'node:path';
import { Option } from 'commander';
import type { Threshold } from '../../fields/thresholds.js';
import { outputFolderProblem } from '../../output/files.js';
import { OutputLockedError } from '../../output/output-set.js';
import { formatSummaryTable } from '../../output/report-formats.js';
import { lostWorkWarnings, summarizeDir } from '../../output/summarize.js';
import {
  checkThresholds,
  formatThresholdChecks,
  parseThresholds,
} from '../../output/thresholds.js';
import { BatchInterruptedError, OutputWriteError, runBatch } from '../../runner/batch.js';
import { planJobs, resolveAutoShard } from '../../runner/jobs.js';
import { LiveProgress } from '../../runner/live-progress.js';
import { createWorkerPool, defaultJobs } from '../../runner/pool.js';
import { offeredLoadReport } from '../../scenario/offered-load.js';
import { latencyWarnings, runSizeLines } from '../../scenario/run-size.js';
import type { ScenarioOverrides } from '../../scenario/types.js';
import type { CliContext } from '../context.js';
import { CI_NOTE, displayPath } from '../display.js';
import { EXIT_SIGNAL, EXIT_SIMULATION_FAILED, EXIT_THRESHOLD, EXIT_USAGE } from '../exit-codes.js';
import {
  collect,
  collectPath,
  list,
  MAX_SWEEP_FLAG,
  MAX_SWEEP_HELP,
  positiveInt,
  seedArg,
  shardArg,
} from '../options.js';
import { createProgress } from '../progress.js';
import { pendingSignals, resumeCommand, setInterruptedBy } from '../signals.js';

interface RunOpts {
  out: string;
  filename: string[];
  jobs?: number;
  seed?: number;
  replications?: number;
  set: string[];
  balancers?: string[];
  quiet?: boolean;
  shard?: { index: number; count: number } | 'auto';
  shards?: number;
  model?: string;
  failIf: string[];
  resume?: boolean;
  maxSweepPoints?: number;
}

export function registerRun({ program, io, setExit, needInput, load }: CliContext): void {
  program
    .command('run')
    .description('run every (file x variant x balancer x replication) job on a worker pool')
    .argument('[files...]', 'scenario files (YAML or JSON)')
    .option(
      '-f, --filename <path>',
      'Kubernetes manifests (file or folder, repeatable), under the scenario files',
      collectPath,
      [],
    )
    .option('-o, --out <dir>', 'output folder (one sub-folder per scenario)', 'results')
    .option(
      '-j, --jobs <n>',
      `worker threads (default: cores, here ${defaultJobs()})`,
      positiveInt('--jobs'),
    )
    .option('--seed <n>', "replace each scenario's seed", seedArg)
    .option(
      '--replications <n>',
      "replace each scenario's replications",
      positiveInt('--replications'),
    )
    .option('--set <path=value>', 'override a scenario key (repeatable)', collect, [])
    .option(
      '--balancers <a,b>',
      "run these balancers instead of the scenario's list (its labels keep their options; any registered name runs with its defaults)",
      list,
    )
    .option(
      '--fail-if <condition>',
      "exit 3 when `<summary column> <op> <number>` holds for a (variant, balancer)'s replication mean, e.g. 'error_rate > 0.1%' (repeatable)",
      (v: string, prev: string[]) => [...prev, v],
      [],
    )
    .option(
      '--shard <i/n|auto>',
      'run only shard i of n of the job list (0-based); auto: i from JOB_COMPLETION_INDEX (Kubernetes Indexed Job), n from --shards or LBSIM_SHARDS',
      shardArg,
    )
    .option('--shards <n>', 'number of shards of --shard auto', positiveInt('--shards'))
    .option('-q, --quiet', 'no progress and no comparison table')
    .option(MAX_SWEEP_FLAG, MAX_SWEEP_HELP, positiveInt('--max-sweep-points'))
    .option(
      '--resume',
      'reuse the finished jobs of an interrupted run into the same --out; run only the rest',
    )
    .addOption(new Option('--model <url>', 'module exporting simulateJob (testing)').hideHelp())
    .action(async (files: string[], opts: RunOpts) => {
      let shard: { index: number; count: number } | undefined;
      if (opts.shard === 'auto') {
        try {
          shard = resolveAutoShard(process.env, opts.shards);
        } catch (err) {
          program.error((err as Error).message, { exitCode: EXIT_USAGE });
        }
      } else {
        if (opts.shards !== undefined) {
          program.error('--shards N goes with --shard auto (--shard i/n gives the count itself)', {
            exitCode: EXIT_USAGE,
          });
        }
        shard = opts.shard;
      }
      const overrides: ScenarioOverrides = {
        set: opts.set,
        ...(opts.seed === undefined ? {} : { seed: opts.seed }),
        ...(opts.replications === undefined ? {} : { replications: opts.replications }),
        ...(opts.balancers === undefined ? {} : { balancers: opts.balancers }),
      };
      needInput(files, opts.filename);
      const scenarios = load(files, overrides, opts.filename, opts.maxSweepPoints);
      let failIf: Threshold[];
      const ownThresholds = new Map<string, Threshold[]>();
      try {
        failIf = parseThresholds(opts.failIf);
        for (const s of scenarios) ownThresholds.set(s.name, parseThresholds(s.thresholds));
      } catch (err) {
        return program.error(`--fail-if / thresholds: ${(err as Error).message}`, {
          exitCode: EXIT_USAGE,
        });
      }
      const names = scenarios.map((s) => s.name);
      const dup = names.find((n, i) => names.indexOf(n) !== i);
      if (dup !== undefined) {
        program.error(
          `two scenarios are named ${dup}: their outputs would collide in ${opts.out}/${dup}`,
          {
            exitCode: EXIT_USAGE,
          },
        );
      }
      if (opts.out === '-') {
        program.error(
          '--out -: expected a folder (lbsim run writes six CSVs and run.json per scenario; `-`, stdout, cannot hold them)',
          { exitCode: EXIT_USAGE },
        );
      }
      // The output root and each scenario's folder in it (`--out` may hold a file named like a
      // scenario): checked before anything runs.
      for (const dir of [opts.out, ...names.map((n) => path.join(opts.out, n))]) {
        const problem = outputFolderProblem(dir);
        if (problem !== undefined) {
          program.error(`--out ${opts.out}: ${problem}`, { exitCode: EXIT_USAGE });
        }
      }
      const plan = planJobs(scenarios, {
        ...(shard === undefined ? {} : { shard }),
      });
      const total = plan.reduce((n, p) => n + p.jobs.length, 0);
      const offered = offeredLoadReport(scenarios);
      if (!opts.quiet) for (const l of offered.lines) io.out(`offered load: ${l}\n`);
      for (const w of offered.warnings) io.err(`warning: ${w}\n`);
      const threads = Math.max(1, Math.min(opts.jobs ?? defaultJobs(), total));
      for (const w of latencyWarnings(scenarios)) io.err(`warning: ${w}\n`);
      const jobConfigs = plan.flatMap((p) => p.jobs.map((j) => j.config));
      if (!opts.quiet)
        for (const l of runSizeLines(jobConfigs, threads)) io.out(`run size: ${l}\n`);
      let pool: ReturnType<typeof createWorkerPool>;
      try {
        pool = createWorkerPool(threads);
      } catch (err) {
        io.err(`${(err as Error).message}\n`);
        setExit(EXIT_SIMULATION_FAILED);
        return;
      }
      const quiet = opts.quiet === true;
      if (!quiet) io.out(`${total} job(s) on ${threads} worker thread(s)\n`);
      const live = new LiveProgress(total);
      const simulatedSeconds = plan.reduce(
        (sum, p) => sum + p.jobs.reduce((t, j) => t + j.config.duration, 0),
        0,
      );
      const progress = createProgress(total, io, {
        tty: process.stderr.isTTY === true,
        quiet,
        live: { progress: live, simulatedSeconds },
      });
      // Ctrl-C or a SIGTERM (a CI timeout, `kill`) stops the workers and removes the batch's
      // temporary files: nothing half-written is left. A second signal ends the process at once.
      const abort = new AbortController();
      let interruptedBy: keyof typeof EXIT_SIGNAL | undefined;
      const removeHandlers = () => {
        process.off('SIGINT', onSignal);
        process.off('SIGTERM', onSignal);
      };
      const onSignal = (sig: keyof typeof EXIT_SIGNAL) => {
        if (interruptedBy !== undefined) {
          removeHandlers();
          process.kill(process.pid, sig);
          return;
        }
        interruptedBy = sig;
        progress.stop();
        io.err(`\nlbsim: ${sig}: stopping the workers; finished jobs are kept\n`);
        abort.abort();
      };
      process.on('SIGINT', onSignal);
      process.on('SIGTERM', onSignal);
      let result: Awaited<ReturnType<typeof runBatch>>;
      try {
        result = await runBatch(scenarios, {
          outDir: opts.out,
          executor: pool.run,
          // Requests still in flight at the end are reported once per (variant, balancer) after
          // the run (lostWorkWarnings), not per job as well.
          onJobDone: (job, r) => progress.jobDone(job, r),
          command: ['lbsim', ...process.argv.slice(2)],
          threads,
          signal: abort.signal,
          stop: () => pool.close(),
          live,
          resume: opts.resume === true,
          ...(shard === undefined ? {} : { shard }),
          ...(opts.model === undefined ? {} : { model: opts.model }),
        });
        // Writing the CSVs is synchronous: a signal that came meanwhile is still queued. Let it
        // run before the handlers go, or Node would drop it.
        await pendingSignals();
      } catch (err) {
        if (err instanceof OutputLockedError) {
          io.err(`lbsim: ${err.message}\n`);
          setExit(EXIT_USAGE);
          return;
        }
        if (err instanceof OutputWriteError) {
          io.err(`lbsim: ${err.message}\n`);
          io.err(
            `finished jobs are kept; once fixed, finish with:\n  ${resumeCommand(process.argv.slice(2))}\n`,
          );
          setExit(EXIT_SIMULATION_FAILED);
          return;
        }
        if (!(err instanceof BatchInterruptedError) || interruptedBy === undefined) throw err;
        io.err(
          `lbsim: interrupted: no results replaced; ${err.kept} finished job(s) kept in ${err.partDirs.map(displayPath).join(', ')}\n`,
        );
        io.err(`to finish, run:\n  ${resumeCommand(process.argv.slice(2))}\n`);
        setExit(EXIT_SIGNAL[interruptedBy]);
        setInterruptedBy(interruptedBy);
        return;
      } finally {
        removeHandlers();
        progress.stop();
        await pool.close();
      }
      if (interruptedBy !== undefined) {
        // Too late to stop anything: every job had ended and the outputs are complete.
        io.err(
          `lbsim: ${interruptedBy} came as the outputs were being written: they are complete\n`,
        );
        setExit(EXIT_SIGNAL[interruptedBy]);
        setInterruptedBy(interruptedBy);
        return;
      }
      for (const note of result.notes) io.err(`lbsim: ${note}\n`);
      const groups = (await Promise.all(result.dirs.map((d) => summarizeDir(d)))).flat();
      if (!quiet && groups.length > 0) io.out(`\n${formatSummaryTable(groups)}\n${CI_NOTE}\n`);
      for (const w of lostWorkWarnings(groups)) io.err(`warning: ${w}\n`);
      if (failIf.length > 0 || [...ownThresholds.values()].some((t) => t.length > 0)) {
        const checks = await checkThresholds(result.dirs, failIf, ownThresholds);
        const failed = checks.filter((c) => c.failed).length;
        io.out(`\nthresholds (replication means):\n${formatThresholdChecks(checks)}\n`);
        if (failed > 0) {
          io.err(
            `${failed} of ${checks.length} threshold check(s) failed: exit ${EXIT_THRESHOLD}\n`,
          );
          setExit(EXIT_THRESHOLD);
        }
      }
      if (result.dirs.length > 0) {
        io.out(`\nCSVs written to ${result.dirs.map(displayPath).join(', ')}\n`);
      }
      if (!quiet && result.dirs.length > 0) {
        const out = displayPath(path.resolve(opts.out));
        io.out(
          `charts: lbsim report ${out} (writes ${path.join(out, 'report.html')}); notebooks/run.sh ${out} (PNGs in ${path.join(out, 'figures')})\n`,
        );
      }
      if (result.failed > 0) {
        io.err(
          `${result.failed} of ${result.jobs.length} job(s) failed (see above and run.json)\n`,
        );
        setExit(EXIT_SIMULATION_FAILED);
      }
    });
}
