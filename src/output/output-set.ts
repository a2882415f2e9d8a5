/**
 * A scenario's output folder replaced as a set, the way a database commits a transaction.
 *
 * A run never writes into `OUT/<name>/`. It takes the folder's lock, writes the whole new set
 * (every CSV and run.json) into a staging folder beside it, then swaps the two with renames:
 *
 *   OUT/.<name>.lock            the owner's pid; a second run into the same folder is refused
 *   OUT/.<name>.parts/          finished jobs' rows, kept across an interrupt (see runner/parts.ts)
 *   OUT/.<name>.staging-<pid>/  the new set being written
 *   OUT/.<name>.replaced-<pid>/ the old set, for the instant between the two renames
 *
 * commit: rename OUT/<name> -> .replaced-<pid>, rename .staging-<pid> -> OUT/<name>, remove
 * .replaced-<pid>. A crash (kill -9, OOM kill, power loss of the process) at any point leaves
 * the complete old set or the complete new one, plus at most a staging or replaced folder. The
 * next run into that folder (under the lock) repairs it with recoverOutput(): a staging folder is
 * unfinished output and is removed; a replaced folder is restored when OUT/<name> is missing (the
 * crash fell between the two renames) and removed otherwise. Each repair is reported.
 *
 * Files left in OUT/<name> by hand (an old report.html, figures/) do not survive a commit: the
 * new set is exactly what the run wrote, so nothing stale sits beside new CSVs.
 */
import * as fs from 'node:fs';
import * as path from 'node:path';

/** A second run into a folder whose lock is held by a live process. */
export class OutputLockedError extends Error {
  readonly dir: string;
  readonly pid: number;

  constructor(dir: string, pid: number, lockPath: string) {
    super(
      `${dir} is being written by another lbsim run (pid ${pid}); wait for it to end, or remove ${lockPath} if that process is not lbsim`,
    );
    this.name = 'OutputLockedError';
    this.dir = dir;
    this.pid = pid;
  }
}

/** Path of a sibling of `target` named `.<base>.<suffix>`. */
export function siblingPath(target: string, suffix: string): string {
  return path.join(path.dirname(target), `.${path.basename(target)}.${suffix}`);
}

/** The folder that keeps finished jobs' parts of `target` (survives an interrupt). */
export function partsFolder(target: string): string {
  return siblingPath(target, 'parts');
}

let faultCountdown: number | undefined = (() => {
  const v = process.env.LBSIM_FAULT_KILL_AT;
  return v === undefined || !/^\d+$/.test(v) ? undefined : Number(v);
})();

/**
 * A point of the final write where a crash is survivable. Testing hook: with the environment
 * variable LBSIM_FAULT_KILL_AT=n the process kills itself with SIGKILL at the n-th point (0-based)
 * so the fault tests can crash the commit at every step (test/output/output-set.test.ts).
 */
export function faultPoint(): void {
  if (faultCountdown === undefined) return;
  if (faultCountdown === 0) process.kill(process.pid, 'SIGKILL');
  faultCountdown--;
}

function isAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (err) {
    // EPERM: it exists, owned by another user.
    return (err as NodeJS.ErrnoException).code === 'EPERM';
  }
}

function readPid(file: string): number | undefined {
  try {
    const n = Number(fs.readFileSync(file, 'utf8').trim());
    return Number.isSafeInteger(n) && n > 0 ? n : undefined;
  } catch {
    return undefined;
  }
}

let lockAttempts = 0;

/** A held lock of an output folder. */
export interface OutputLock {
  readonly target: string;
  readonly path: string;
  /** Removes the lock (if it is still ours). Idempotent. */
  release(): void;
}

/**
 * Takes the lock of `target` (`.<name>.lock` beside it, holding this process's pid). A lock
 * whose pid is alive (this process included: another batch of it) is refused with
 * OutputLockedError; a stale one (its process is gone) is taken over and reported in `notes`.
 * The lock file is created whole by link(2), which fails if it exists: there is no instant at
 * which it exists empty.
 */
export function lockOutput(target: string, notes: string[]): OutputLock {
  const lockPath = siblingPath(target, 'lock');
  const mine = `${lockPath}.${process.pid}-${lockAttempts++}`;
  fs.writeFileSync(mine, `${process.pid}\n`);
  try {
    for (let attempt = 0; ; attempt++) {
      try {
        fs.linkSync(mine, lockPath);
        break;
      } catch (err) {
        if ((err as NodeJS.ErrnoException).code !== 'EEXIST' || attempt >= 5) throw err;
      }
      const owner = readPid(lockPath);
      if (owner !== undefined && isAlive(owner)) {
        throw new OutputLockedError(target, owner, lockPath);
      }
      // Stale: move it aside, and remove it only if it is still the stale one (another run may
      // have broken it and taken the lock in between: then put that one back and retry).
      const grave = `${lockPath}.stale-${process.pid}`;
      try {
        fs.renameSync(lockPath, grave);
      } catch {
        continue;
      }
      if (readPid(grave) === owner) {
        fs.rmSync(grave, { force: true });
        notes.push(
          `${target}: removed the lock of a run that is gone (pid ${owner ?? 'unreadable'})`,
        );
      } else {
        try {
          fs.renameSync(grave, lockPath);
        } catch {
          fs.rmSync(grave, { force: true });
        }
      }
    }
  } finally {
    fs.rmSync(mine, { force: true });
  }
  let released = false;
  return {
    target,
    path: lockPath,
    release: () => {
      if (released) return;
      released = true;
      if (readPid(lockPath) === process.pid) fs.rmSync(lockPath, { force: true });
    },
  };
}

/** Escapes `s` for a RegExp. */
function escapeRe(s: string): string {
  return s.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
}

/**
 * Repairs what a crashed run left beside `target` (call with the lock held): removes staging
 * folders, restores or removes a replaced folder. Returns one sentence per repair.
 */
export function recoverOutput(target: string): string[] {
  const parent = path.dirname(target);
  const base = path.basename(target);
  const re = new RegExp(`^\\.${escapeRe(base)}\\.(staging|replaced)-(\\d+)$`);
  let entries: string[];
  try {
    entries = fs.readdirSync(parent);
  } catch {
    return [];
  }
  const notes: string[] = [];
  const found = entries.map((e) => [e, re.exec(e)] as const).filter(([, m]) => m !== null);
  // Staging first: a replaced folder restored below must not be taken for one.
  found.sort(([, a], [, b]) => (a?.[1] === 'staging' ? -1 : 0) - (b?.[1] === 'staging' ? -1 : 0));
  for (const [entry, m] of found) {
    const p = path.join(parent, entry);
    if (m?.[1] === 'staging') {
      fs.rmSync(p, { recursive: true, force: true });
      notes.push(
        `${target}: removed ${entry}, the unfinished output of a run that stopped before committing it (pid ${m[2]})`,
      );
    } else if (!fs.existsSync(target)) {
      fs.renameSync(p, target);
      notes.push(
        `${target}: restored the previous results from ${entry} (a run stopped while replacing them, pid ${m?.[2]})`,
      );
    } else {
      fs.rmSync(p, { recursive: true, force: true });
      notes.push(`${target}: removed ${entry}, the previous results a run had already replaced`);
    }
  }
  return notes;
}

/** Creates (empty) and returns this process's staging folder for `target`. */
export function beginStaging(target: string): string {
  const staging = siblingPath(target, `staging-${process.pid}`);
  fs.rmSync(staging, { recursive: true, force: true });
  fs.mkdirSync(staging, { recursive: true });
  return staging;
}

/** Removes a staging folder (after a failure): the old set stays as it was. Never throws. */
export function discardStaging(staging: string): void {
  try {
    fs.rmSync(staging, { recursive: true, force: true, maxRetries: 3 });
  } catch {
    // nothing more to do; the next run removes it
  }
}

/** Replaces `target` by the complete `staging` folder (see the module comment). */
export function commitStaging(staging: string, target: string): void {
  const replaced = siblingPath(target, `replaced-${process.pid}`);
  let had = false;
  try {
    fs.renameSync(target, replaced);
    had = true;
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code !== 'ENOENT') throw err;
  }
  faultPoint();
  try {
    fs.renameSync(staging, target);
  } catch (err) {
    // Put the old set back: the run failed, the previous results stay.
    if (had) fs.renameSync(replaced, target);
    throw err;
  }
  faultPoint();
  if (had) fs.rmSync(replaced, { recursive: true, force: true, maxRetries: 3 });
}

/**
 * Why `target` cannot be replaced by a folder, or undefined: it must be a folder or not exist
 * (a file of that name is the user's, never removed).
 */
export function targetProblem(target: string): string | undefined {
  try {
    if (!fs.lstatSync(target).isDirectory()) return `${target} exists and is not a folder`;
  } catch {
    // absent: fine
  }
  return undefined;
}
