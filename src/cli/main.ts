/**
 * The `lbsim` command line (commander): the program assembled from one file per command
 * (src/cli/commands/). Argument parsing and printing only: the work is in src/runner,
 * src/scenario and src/output. Exit codes: 0 success, 1 a simulation failed (or writing its
 * outputs), 2 bad input or usage (or an output folder locked by another run), 3 a threshold
 * failed (`--fail-if`, `thresholds:`), 130/143 interrupted (docs/OUTPUTS.md).
 */
import { Command, CommanderError } from 'commander';
import { lbsimVersion } from '../output/run-info.js';
import { registerExplain } from './commands/explain.js';
import { registerInit } from './commands/init.js';
import { registerList } from './commands/list.js';
import { registerMerge } from './commands/merge.js';
import { registerReport } from './commands/report.js';
import { registerRun } from './commands/run.js';
import { registerSummarize } from './commands/summarize.js';
import { registerValidate } from './commands/validate.js';
import { createContext } from './context.js';
import { EXIT_OK, EXIT_SIMULATION_FAILED, EXIT_USAGE } from './exit-codes.js';
import type { Output } from './progress.js';
import { setInterruptedBy } from './signals.js';

export {
  EXIT_OK,
  EXIT_SIGNAL,
  EXIT_SIMULATION_FAILED,
  EXIT_THRESHOLD,
  EXIT_USAGE,
} from './exit-codes.js';
export { interruptedBy, pendingSignals, resumeCommand } from './signals.js';

/** Builds the program. `io` receives everything printed; `setExit` the exit code. */
export function buildProgram(io: Output, setExit: (code: number) => void): Command {
  const program = new Command('lbsim');
  program
    .description('Discrete-event simulator of Kubernetes Service load balancing under pod churn')
    .version(lbsimVersion())
    .exitOverride()
    .configureOutput({ writeOut: io.out, writeErr: io.err })
    .showHelpAfterError('(run with --help for usage)');

  const ctx = createContext(program, io, setExit);
  // Registered in this order: `lbsim --help` lists the commands so.
  registerRun(ctx);
  registerValidate(ctx);
  registerInit(ctx);
  registerExplain(ctx);
  registerList(ctx);
  registerSummarize(ctx);
  registerReport(ctx);
  registerMerge(ctx);
  return program;
}

/** Runs the CLI with `argv` (as process.argv) and returns the exit code. */
export async function main(
  argv: readonly string[],
  io: Output = { out: (s) => process.stdout.write(s), err: (s) => process.stderr.write(s) },
): Promise<number> {
  let code = EXIT_OK;
  setInterruptedBy(undefined);
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
