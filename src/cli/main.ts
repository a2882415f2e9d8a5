/**
 * The `lbsim` command line (commander). Argument parsing and printing only: the work is in
 * src/runner, src/scenario and src/output. Exit codes: 0 success, 1 a simulation failed (or
 * writing its outputs), 2 bad input or usage (or an output folder locked by another run), 3 a
 * threshold failed (`--fail-if`, `thresholds:`), 130/143 interrupted (docs/OUTPUTS.md).
 */
import * as path from 'node:path';
import { Argument, Command, CommanderError, InvalidArgumentError, Option } from 'commander';
import { BALANCERS } from '../dataplane/balancers/registry.js';

/** Width of the name column of `lbsim list balancers` (the longest name, at least 14). */
const NAME_WIDTH = Math.max(14, ...BALANCERS.map((b) => b.name.length));

import { DISTRIBUTION_NAMES } from '../engine/distributions/index.js';
import { didYouMean } from '../fields/fields.js';
import type { Threshold } from '../fields/thresholds.js';
import { disruptionLines } from '../output/disruptions.js';
import { outputFolderProblem, writeFileAtomic } from '../output/files.js';
import { OutputLockedError } from '../output/output-set.js';
import { type PairedComparison, pairedComparisons } from '../output/paired.js';
import {
  FORMATS,
  type Format,
  formatSummaryTable,
  pairedTable,
  render,
  summaryTable,
} from '../output/report-formats.js';
import { lbsimVersion, packageRoot } from '../output/run-info.js';
import { findSummaryFiles, lostWorkWarnings, readCsv, summarizeDir } from '../output/summarize.js';
import { checkThresholds, formatThresholdChecks, parseThresholds } from '../output/thresholds.js';
import { writeReport } from '../report/index.js';
import { BatchInterruptedError, OutputWriteError, runBatch } from '../runner/batch.js';
import { parseShard, planJobs, resolveAutoShard } from '../runner/jobs.js';
import { LiveProgress } from '../runner/live-progress.js';
import { mergeShards } from '../runner/merge.js';
import { createWorkerPool, defaultJobs } from '../runner/pool.js';
import { formatProblem, ScenarioError } from '../scenario/errors.js';
import { explainKey, scenarioKeys } from '../scenario/explain.js';
import { LIMITS } from '../scenario/limits.js';
import {
  listShippedScenarios,
  loadScenarioInputs,
  MANIFESTS_DISPLAY,
  validateScenarioFiles,
} from '../scenario/load.js';
import { writeScenarioYaml } from '../scenario/manifests/init.js';
import { offeredLoadReport } from '../scenario/offered-load.js';
import type { ResolvedScenario, ScenarioOverrides } from '../scenario/types.js';
import { createProgress, type Output } from './progress.js';

export const EXIT_OK = 0;
export const EXIT_SIMULATION_FAILED = 1;
export const EXIT_USAGE = 2;
/** A `--fail-if` or scenario `thresholds:` condition held for some (variant, balancer). */
export const EXIT_THRESHOLD = 3;
/** Interrupted by a signal: 128 + its number, as shells report it (130 SIGINT, 143 SIGTERM). */
export const EXIT_SIGNAL: Readonly<Record<'SIGINT' | 'SIGTERM', number>> = {
  SIGINT: 130,
  SIGTERM: 143,
};

function positiveInt(name: string) {
  return (value: string): number => {
    const n = Number(value);
    if (!/^\d+$/.test(value.trim()) || !Number.isSafeInteger(n) || n < 1) {
      throw new InvalidArgumentError(`${name}: expected an integer >= 1, got \`${value}\``);
    }
    return n;
  };
}

function seedArg(value: string): number {
  const n = Number(value);
  if (!/^\d+$/.test(value.trim()) || !Number.isSafeInteger(n)) {
    throw new InvalidArgumentError(`seed: expected an integer >= 0, got \`${value}\``);
  }
  return n;
}

function collect(value: string, previous: string[]): string[] {
  if (!/^[^=]+=/.test(value)) {
    throw new InvalidArgumentError(`--set: expected path=value, got \`${value}\``);
  }
  return [...previous, value];
}

function collectPath(value: string, previous: string[] | undefined): string[] {
  return [...(previous ?? []), value];
}

function list(value: string): string[] {
  const items = value
    .split(',')
    .map((s) => s.trim())
    .filter((s) => s !== '');
  if (items.length === 0)
    throw new InvalidArgumentError(`expected a comma-separated list, got \`${value}\``);
  return items;
}

function shardArg(value: string): { index: number; count: number } | 'auto' {
  if (value.trim() === 'auto') return 'auto';
  try {
    return parseShard(value);
  } catch (err) {
    throw new InvalidArgumentError((err as Error).message);
  }
}

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

const MAX_SWEEP_FLAG = '--max-sweep-points <n>';
const MAX_SWEEP_HELP = `most sweep variants a file may expand to (default ${LIMITS.sweepPoints})`;

/** `s` quoted for a POSIX shell when it needs it. */
function shellQuote(s: string): string {
  return /^[\w@%+=:,./-]+$/.test(s) ? s : `'${s.replaceAll("'", `'\\''`)}'`;
}

/** The command that finishes an interrupted run: this one with `--resume`. */
export function resumeCommand(args: readonly string[]): string {
  const rest = args.includes('--resume') ? args : [...args, '--resume'];
  return ['lbsim', ...rest].map(shellQuote).join(' ');
}

/**
 * Resolves once Node has read the signals that arrived so far and run their listeners. Signals
 * are read in the event loop's poll phase; a callback already past it (a worker's message, then
 * synchronous work) must wait for the next one: one setImmediate runs in the same loop turn,
 * before it, the second in the next turn, after it (tested with a signal sent during busy work).
 */
export async function pendingSignals(): Promise<void> {
  await new Promise((resolve) => setImmediate(resolve));
  await new Promise((resolve) => setImmediate(resolve));
}

/** The signal that interrupted the last `run`, if any (see interruptedBy()). */
let signalled: keyof typeof EXIT_SIGNAL | undefined;

/**
 * The signal that interrupted `lbsim run`, after its clean-up; bin/lbsim.js then raises it again
 * on itself, so that the shell sees a death by that signal (its exit status is 128 + n either
 * way) and a shell loop over runs stops too, as with any program killed by Ctrl-C.
 */
export function interruptedBy(): NodeJS.Signals | undefined {
  return signalled;
}

/** Builds the program. `io` receives everything printed; `setExit` the exit code. */
export function buildProgram(io: Output, setExit: (code: number) => void): Command {
  const program = new Command('lbsim');
  program
    .description('Discrete-event simulator of Kubernetes Service load balancing under pod churn')
    .version(lbsimVersion())
    .exitOverride()
    .configureOutput({ writeOut: io.out, writeErr: io.err })
    .showHelpAfterError('(run with --help for usage)');

  /** Prints every problem and exits 2 (not program.error(): its hint would only distract). */
  const fail = (problems: readonly Parameters<typeof formatProblem>[0][]): never => {
    for (const p of problems) io.err(`${formatProblem(p)}\n`);
    const msg = `${problems.length} problem(s) found: nothing was run`;
    io.err(`${msg}\n`);
    throw new CommanderError(EXIT_USAGE, 'lbsim.invalidScenario', msg);
  };
  const warn = (warnings: readonly string[]) => {
    for (const w of warnings) io.err(`warning: ${w}\n`);
  };
  /** At least one scenario file or `-f`. */
  const needInput = (files: string[], manifests: string[]) => {
    if (files.length === 0 && manifests.length === 0) {
      program.error(
        'expected scenario files or -f MANIFEST (a file or folder of Kubernetes manifests)',
        {
          exitCode: EXIT_USAGE,
        },
      );
    }
  };
  /** Loads and validates every file (over the manifests); prints every problem and exits 2 on any. */
  const load = (
    files: string[],
    overrides: ScenarioOverrides,
    manifests: string[] = [],
    maxSweepPoints?: number,
  ): ResolvedScenario[] => {
    const v = validateScenarioFiles(files, overrides, {
      ...(manifests.length > 0 ? { manifests } : {}),
      ...(maxSweepPoints === undefined ? {} : { maxSweepPoints }),
    });
    warn(v.warnings);
    if (!v.ok) fail(v.problems);
    const keys = files.length === 0 ? [MANIFESTS_DISPLAY] : files;
    return keys.map((f) => v.scenarios.get(f) as ResolvedScenario);
  };

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
        signalled = interruptedBy;
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
        signalled = interruptedBy;
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

  program
    .command('validate')
    .description('check scenario files without running them')
    .argument('[files...]', 'scenario files')
    .option(
      '-f, --filename <path>',
      'Kubernetes manifests (file or folder, repeatable)',
      collectPath,
      [],
    )
    .option('--set <path=value>', 'override a scenario key (repeatable)', collect, [])
    .option(MAX_SWEEP_FLAG, MAX_SWEEP_HELP, positiveInt('--max-sweep-points'))
    .action(
      (files: string[], opts: { set: string[]; filename: string[]; maxSweepPoints?: number }) => {
        needInput(files, opts.filename);
        const scenarios = load(files, { set: opts.set }, opts.filename, opts.maxSweepPoints);
        const shown = files.length === 0 ? [opts.filename.join(' ')] : files;
        for (const [file, s] of shown.map(
          (f, i) => [f, scenarios[i] as ResolvedScenario] as const,
        )) {
          const jobs = planJobs([s])[0]?.jobs.length ?? 0;
          io.out(`${file}: ok (${s.name}: ${s.variants.length} variant(s), ${jobs} job(s))\n`);
        }
      },
    );

  program
    .command('init')
    .description('write the scenario that Kubernetes manifests resolve to, as commented YAML')
    .argument('[file]', 'a scenario file whose keys go over the manifests')
    .requiredOption(
      '-f, --filename <path>',
      'Kubernetes manifests (file or folder, repeatable)',
      collectPath,
    )
    .option('--set <path=value>', 'override a scenario key (repeatable)', collect, [])
    .action((file: string | undefined, opts: { set: string[]; filename: string[] }) => {
      const overrides: ScenarioOverrides = { set: opts.set };
      try {
        const loaded = loadScenarioInputs(
          { ...(file === undefined ? {} : { file }), manifests: opts.filename },
          overrides,
        );
        warn(loaded.warnings);
        io.out(
          writeScenarioYaml({
            raw: loaded.raw,
            provenance: loaded.provenance,
            ...(file === undefined ? {} : { scenarioFile: file, scenarioRaw: loaded.fileRaw }),
            overrides,
            manifests: opts.filename,
            dir: file === undefined ? process.cwd() : path.dirname(path.resolve(file)),
          }),
        );
      } catch (e) {
        if (e instanceof ScenarioError) fail(e.problems);
        throw e;
      }
    });

  program
    .command('explain')
    .description('the type, default and meaning of a scenario key (as kubectl explain)')
    .argument('[key]', 'a key path such as kubeProxy.minSyncPeriod (none: the top-level keys)')
    .action((key: string | undefined) => {
      const text = explainKey(key ?? '');
      if (text === undefined) {
        const near = didYouMean(key ?? '', scenarioKeys());
        program.error(
          `explain: no scenario key \`${key}\`${near ? ` (did you mean \`${near}\`?)` : ''}; \`lbsim explain\` lists the top-level keys`,
          { exitCode: EXIT_USAGE },
        );
      }
      io.out(text as string);
    });

  program
    .command('list')
    .description('list what lbsim offers')
    .addArgument(
      new Argument('<what>', 'what to list').choices(['balancers', 'distributions', 'scenarios']),
    )
    .action((what: 'balancers' | 'distributions' | 'scenarios') => {
      switch (what) {
        case 'balancers':
          for (const b of BALANCERS) io.out(`${b.name.padEnd(NAME_WIDTH)} ${b.description}\n`);
          break;
        case 'distributions':
          for (const d of DISTRIBUTION_NAMES) io.out(`${d}\n`);
          break;
        case 'scenarios':
          for (const s of listShippedScenarios(path.join(packageRoot(), 'scenarios'))) {
            io.out(
              `${path.relative(process.cwd(), s.file).padEnd(36)} ${s.name}${s.description ? `: ${s.description}` : ''}\n`,
            );
          }
          break;
        default: {
          const never: never = what;
          throw new Error(`unknown list ${String(never)}`);
        }
      }
    });

  program
    .command('summarize')
    .description(
      'compare balancers: requests, error rate, latency p50/p99/p999, offered and served rps with 95% CIs; --baseline for paired differences',
    )
    .argument('<dir>', 'an output folder (of one scenario, or holding several)')
    .option(
      '--baseline <balancer>',
      "each balancer's paired difference and ratio to this one (same seeds: common random numbers)",
    )
    .addOption(new Option('--format <format>', 'output format').choices(FORMATS).default('table'))
    .option('-o, --out <file>', 'write to this file instead of stdout (`-`: stdout)')
    .action(async (dir: string, o: { baseline?: string; format: Format; out?: string }) => {
      const files = findSummaryFiles(dir);
      if (files.length === 0) {
        program.error(
          `${dir}: no summary.csv found (expected DIR/summary.csv or DIR/<scenario>/summary.csv)`,
          { exitCode: EXIT_USAGE },
        );
      }
      let text: string;
      if (o.baseline === undefined) {
        text = render(summaryTable(await summarizeDir(dir)), o.format);
      } else {
        const rows: PairedComparison[] = [];
        try {
          for (const f of files) {
            const csv = await readCsv(f);
            rows.push(...pairedComparisons(csv.header, csv.rows, o.baseline));
          }
        } catch (err) {
          return program.error((err as Error).message, { exitCode: EXIT_USAGE });
        }
        text = render(pairedTable(rows), o.format);
      }
      if (o.format === 'table') {
        text += `\n${o.baseline === undefined ? CI_NOTE : PAIRED_NOTE}`;
        const lines =
          o.baseline === undefined ? await disruptionLines(files.map((f) => path.dirname(f))) : [];
        if (lines.length > 0)
          text += `\n\ndisruptions (mean over events, from disruptions.csv):\n${lines.join('\n')}`;
      }
      if (o.out === undefined || o.out === '-') io.out(`${text}\n`);
      else {
        writeFileAtomic(o.out, `${text}\n`);
        io.out(`written to ${displayPath(path.resolve(o.out))}\n`);
      }
    });

  program
    .command('report')
    .description('write a self-contained HTML page with the analysis charts')
    .argument('<dir>', 'results folder (lbsim run --out)')
    .option('-o, --out <file>', 'output file (default <dir>/report.html)')
    .action(async (dir: string, o: { out?: string }) => {
      let written: string;
      try {
        written = await writeReport(dir, o.out);
      } catch (err) {
        return program.error(`report: ${(err as Error).message}`, { exitCode: EXIT_USAGE });
      }
      io.out(`report written to ${displayPath(written)}\n`);
    });

  program
    .command('merge')
    .description('join the outputs of `run --shard i/n` runs into one output folder')
    .argument('<out>', 'output folder of the merged result')
    .argument('<dirs...>', 'output folders of the shards')
    .action(async (out: string, dirs: string[]) => {
      let merged: Awaited<ReturnType<typeof mergeShards>>;
      try {
        merged = await mergeShards(dirs, out);
      } catch (err) {
        return program.error(`merge: ${(err as Error).message}`, { exitCode: EXIT_USAGE });
      }
      for (const [name, ids] of Object.entries(merged.missing)) {
        if (ids.length > 0) {
          io.err(
            `${name}: ${ids.length} job(s) in no shard (ids ${ids.slice(0, 10).join(', ')}${ids.length > 10 ? ', ...' : ''})\n`,
          );
          setExit(EXIT_SIMULATION_FAILED);
        }
      }
      for (const note of merged.notes) io.err(`lbsim: ${note}\n`);
      for (const [name, jobs] of Object.entries(merged.failed)) {
        if (jobs.length === 0) continue;
        const shown = jobs
          .slice(0, 10)
          .map(
            (j) => `id ${j.id} (variant ${j.variant}, ${j.balancer}, replication ${j.replication})`,
          );
        io.err(
          `${name}: ${jobs.length} job(s) failed in their shard, their rows are absent: ${shown.join(', ')}${jobs.length > 10 ? ', ...' : ''}\n`,
        );
        setExit(EXIT_SIMULATION_FAILED);
      }
      io.out(`merged into ${merged.dirs.map(displayPath).join(', ')}\n`);
    });

  return program;
}

/** A path relative to the working directory when it is below it, else absolute. */
function displayPath(p: string): string {
  const rel = path.relative(process.cwd(), p);
  return rel === '' ? '.' : rel.startsWith('..') || path.isAbsolute(rel) ? p : rel;
}

const PAIRED_NOTE =
  'paired over replications with the same seed: mean of (balancer - baseline) and of their ratio, ± the 95% Student-t half-width; * the difference interval excludes 0';

const CI_NOTE =
  'mean over replications; ± is the half-width of the 95% Student-t confidence interval (n >= 2)';

/** Runs the CLI with `argv` (as process.argv) and returns the exit code. */
export async function main(
  argv: readonly string[],
  io: Output = { out: (s) => process.stdout.write(s), err: (s) => process.stderr.write(s) },
): Promise<number> {
  let code = EXIT_OK;
  signalled = undefined;
  const program = buildProgram(io, (c) => {
    code = Math.max(code, c);
  });
  try {
    await program.parseAsync([...argv]);
  } catch (err) {
    if (err instanceof CommanderError) {
      // Help and version exit 0; program.error() carries its own code; every other commander
      // error is a usage error (unknown option, missing argument, invalid value): 2.
      if (err.exitCode === 0) return EXIT_OK;
      return err.code === 'commander.error' || err.code.startsWith('lbsim.')
        ? err.exitCode
        : EXIT_USAGE;
    }
    io.err(`lbsim: ${err instanceof Error ? (err.stack ?? err.message) : String(err)}\n`);
    return EXIT_SIMULATION_FAILED;
  }
  return code;
}

/**
 * A warning when more than 0.1% of a job's requests were still in flight at the end of the run:
 * they are in no total but summary.csv in_flight_at_end, so the error rate may be understated.
 */
export function inFlightWarning(
  job: {
    readonly scenario: string;
    readonly balancer: { readonly label: string };
    readonly variantLabel: string;
    readonly replication: number;
  },
  r: {
    readonly state: string;
    readonly summary?: { readonly arrivals: number; readonly requests: number };
  },
): string | undefined {
  if (r.state !== 'completed' || r.summary === undefined) return undefined;
  const stuck = r.summary.arrivals - r.summary.requests;
  if (!(stuck > 0.001 * r.summary.arrivals)) return undefined;
  const pct = ((100 * stuck) / r.summary.arrivals).toPrecision(3);
  return `lbsim: warning: ${job.scenario} ${job.variantLabel} ${job.balancer.label} replication ${job.replication}: ${stuck} requests (${pct}%) still in flight at the end of the run (summary.csv in_flight_at_end): they count in no total; lengthen the run or shorten the timeouts\n`;
}
