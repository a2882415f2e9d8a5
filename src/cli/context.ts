/**
 * What every command of the program gets: the root program (for `program.error`), the output,
 * the exit-code sink, and the shared steps of loading scenario files and reporting problems.
 */
import type { Command } from 'commander';
import { CommanderError } from 'commander';
import { formatProblem } from '../scenario/errors.js';
import { MANIFESTS_DISPLAY, validateScenarioFiles } from '../scenario/load.js';
import type { ResolvedScenario, ScenarioOverrides } from '../scenario/types.js';
import { EXIT_USAGE } from './exit-codes.js';
import type { Output } from './progress.js';

export interface CliContext {
  /** The root program: its `error()` prints the usage hint and carries the exit code. */
  readonly program: Command;
  readonly io: Output;
  /** Raises the exit code of this invocation (the highest code set wins). */
  readonly setExit: (code: number) => void;
  /** Prints every problem and exits 2 (not program.error(): its hint would only distract). */
  readonly fail: (problems: readonly Parameters<typeof formatProblem>[0][]) => never;
  readonly warn: (warnings: readonly string[]) => void;
  /** At least one scenario file or `-f`. */
  readonly needInput: (files: string[], manifests: string[]) => void;
  /** Loads and validates every file (over the manifests); prints every problem and exits 2 on any. */
  readonly load: (
    files: string[],
    overrides: ScenarioOverrides,
    manifests?: string[],
    maxSweepPoints?: number,
  ) => ResolvedScenario[];
}

export function createContext(
  program: Command,
  io: Output,
  setExit: (code: number) => void,
): CliContext {
  const fail = (problems: readonly Parameters<typeof formatProblem>[0][]): never => {
    for (const p of problems) io.err(`${formatProblem(p)}\n`);
    const msg = `${problems.length} problem(s) found: nothing was run`;
    io.err(`${msg}\n`);
    throw new CommanderError(EXIT_USAGE, 'lbsim.invalidScenario', msg);
  };
  const warn = (warnings: readonly string[]) => {
    for (const w of warnings) io.err(`warning: ${w}\n`);
  };
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
  return { program, io, setExit, fail, warn, needInput, load };
}
