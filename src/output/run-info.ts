import { execFileSync } from 'node:child_process';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { fileURLToPath } from 'node:url';

/** The package root (the directory holding lbsim's package.json), from this file's location. */
export function packageRoot(): string {
  let dir = path.dirname(fileURLToPath(import.meta.url));
  for (;;) {
    const pkg = path.join(dir, 'package.json');
    if (fs.existsSync(pkg)) {
      try {
        if ((JSON.parse(fs.readFileSync(pkg, 'utf8')) as { name?: string }).name === 'lbsim') {
          return dir;
        }
      } catch {
        // not ours; keep climbing
      }
    }
    const up = path.dirname(dir);
    if (up === dir) throw new Error('cannot find lbsim package.json above this module');
    dir = up;
  }
}

let cachedVersion: string | undefined;

/** lbsim's version from package.json. */
export function lbsimVersion(): string {
  if (cachedVersion === undefined) {
    const pkg = JSON.parse(fs.readFileSync(path.join(packageRoot(), 'package.json'), 'utf8')) as {
      version?: string;
    };
    cachedVersion = pkg.version ?? '0.0.0';
  }
  return cachedVersion;
}

/** Commit of the lbsim checkout (with `-dirty` if it has local changes), or null without git. */
export function gitCommit(): string | null {
  const run = (args: string[]): string =>
    execFileSync('git', args, {
      cwd: packageRoot(),
      encoding: 'utf8',
      stdio: ['ignore', 'pipe', 'ignore'],
      timeout: 5000,
    }).trim();
  try {
    const commit = run(['rev-parse', 'HEAD']);
    let dirty = false;
    try {
      dirty = run(['status', '--porcelain', '--untracked-files=no']) !== '';
    } catch {
      // status unavailable: report the commit alone
    }
    return dirty ? `${commit}-dirty` : commit;
  } catch {
    return null;
  }
}

export interface RunMetadataInput {
  readonly scenario: unknown;
  readonly jobs: readonly unknown[];
  /** Ids of the scenario's whole job list (a shard runs some of them). */
  readonly jobIds?: { readonly first: number; readonly count: number } | undefined;
  readonly startedAt: string;
  readonly wallSeconds: number;
  /** CPU seconds of the whole process (every thread) during the batch; absent for merges. */
  readonly cpuSeconds?: number | undefined;
  readonly command?: readonly string[] | undefined;
  readonly threads?: number | undefined;
  readonly shard?: { readonly index: number; readonly count: number } | undefined;
}

/** Content of run.json: the resolved scenario, every job's seed and outcome, provenance, timing. */
export function runMetadata(input: RunMetadataInput): Record<string, unknown> {
  return {
    lbsim: { version: lbsimVersion(), commit: gitCommit() },
    node: process.version,
    command: input.command ?? null,
    started_at: input.startedAt,
    wall_s: input.wallSeconds,
    cpu_s: input.cpuSeconds ?? null,
    threads: input.threads ?? null,
    shard: input.shard ?? null,
    job_ids: input.jobIds ?? null,
    jobs: input.jobs,
    scenario: input.scenario,
  };
}
