/**
 * Problems found in scenario files. Every problem in a file is collected, then reported
 * together, one line each: `FILE: path.to.field: expected ..., got ...`.
 */

export interface ScenarioProblem {
  /** The file as the user named it (or `<inline>`). */
  readonly file: string;
  /** Field path, e.g. `churn[0].mtbf`; '' for the whole file. */
  readonly path: string;
  /** `expected ..., got ...` or another sentence naming what is wrong. */
  readonly message: string;
  /** 1-based line in the file, when known. */
  readonly line?: number;
}

export interface FormatOptions {
  /** Append ` (line N)` where the line is known. @default true */
  readonly lines?: boolean;
}

/** Characters of one message or path printed (longer ones end in an ellipsis). */
export const MESSAGE_CHARS = 500;
/** Problems kept per ScenarioError; the rest are counted in a last one. */
export const MAX_PROBLEMS = 100;

function cap(text: string): string {
  return text.length <= MESSAGE_CHARS ? text : `${text.slice(0, MESSAGE_CHARS - 1)}…`;
}

/** Formats one problem as `FILE: path: message` (path and message capped at MESSAGE_CHARS). */
export function formatProblem(p: ScenarioProblem, options: FormatOptions = {}): string {
  const where = p.path === '' ? '' : `${cap(p.path)}: `;
  const line = (options.lines ?? true) && p.line !== undefined ? ` (line ${p.line})` : '';
  return `${cap(p.file)}: ${where}${cap(p.message)}${line}`;
}

/** Thrown by loadScenarioFile when a file is invalid; carries every problem found. */
export class ScenarioError extends Error {
  readonly problems: readonly ScenarioProblem[];

  constructor(all: readonly ScenarioProblem[]) {
    const problems =
      all.length <= MAX_PROBLEMS
        ? all
        : [
            ...all.slice(0, MAX_PROBLEMS),
            {
              file: all[0]?.file ?? '<inline>',
              path: '',
              message: `${all.length - MAX_PROBLEMS} more problem(s) not shown (the first ${MAX_PROBLEMS} are)`,
            },
          ];
    super(problems.map((p) => formatProblem(p)).join('\n'));
    this.name = 'ScenarioError';
    this.problems = problems;
  }

  /** One `FILE: path: message` line per problem. */
  format(options: FormatOptions = {}): string {
    return this.problems.map((p) => formatProblem(p, options)).join('\n');
  }
}

/** Formats a zod-style path: `['churn', 0, 'mtbf']` -> `churn[0].mtbf`. */
export function formatPath(path: readonly PropertyKey[]): string {
  let out = '';
  for (const k of path) {
    if (typeof k === 'number') out += `[${k}]`;
    else out += out === '' ? String(k) : `.${String(k)}`;
  }
  return out;
}
