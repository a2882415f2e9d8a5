/**
 * How `lbsim run` ends on SIGINT/SIGTERM: the signal it records for bin/lbsim.js, the wait that
 * lets a queued signal reach its listener, and the command that resumes the run.
 */
import type { EXIT_SIGNAL } from './exit-codes.js';

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

/** Records (or, with undefined, forgets) the signal that interrupted `run`. */
export function setInterruptedBy(sig: keyof typeof EXIT_SIGNAL | undefined): void {
  signalled = sig;
}

/**
 * The signal that interrupted `lbsim run`, after its clean-up; bin/lbsim.js then raises it again
 * on itself, so that the shell sees a death by that signal (its exit status is 128 + n either
 * way) and a shell loop over runs stops too, as with any program killed by Ctrl-C.
 */
export function interruptedBy(): NodeJS.Signals | undefined {
  return signalled;
}
