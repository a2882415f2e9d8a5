import cliProgress from 'cli-progress';
import type { JobSpec, WorkerResult } from '../runner/protocol.js';

/** What the CLI shows while jobs run. */
export interface Progress {
  jobDone(job: JobSpec, result: WorkerResult): void;
  stop(): void;
}

export interface Output {
  out(text: string): void;
  err(text: string): void;
}

function rate(n: number): string {
  if (n >= 1e6) return `${(n / 1e6).toFixed(2)} M`;
  if (n >= 1e3) return `${(n / 1e3).toFixed(0)} k`;
  return n.toFixed(0);
}

/**
 * On a TTY: a progress bar (jobs done, simulated requests per wall second, ETA). Otherwise one
 * line per finished job. Quiet: failures only.
 */
export function createProgress(
  total: number,
  io: Output,
  options: { tty: boolean; quiet: boolean },
): Progress {
  const started = Date.now();
  let done = 0;
  let requests = 0;
  const describe = (job: JobSpec) =>
    `${job.scenario} variant ${job.variant} ${job.balancer.label} replication ${job.replication}`;
  const failure = (job: JobSpec, result: WorkerResult) =>
    result.state === 'errored'
      ? `FAILED ${describe(job)} (seed ${job.seed}): ${result.message}`
      : '';

  if (options.tty && !options.quiet) {
    const bar = new cliProgress.SingleBar(
      {
        format: 'jobs {bar} {value}/{total} | {rate} simulated req/s | ETA {eta_formatted}',
        hideCursor: true,
        etaBuffer: 20,
      },
      cliProgress.Presets.shades_classic,
    );
    bar.start(total, 0, { rate: '0' });
    return {
      jobDone(job, result) {
        done++;
        if (result.state === 'completed') requests += result.summary.arrivals;
        else io.err(`\n${failure(job, result)}\n`);
        const wall = (Date.now() - started) / 1000;
        bar.update(done, { rate: rate(wall > 0 ? requests / wall : 0) });
      },
      stop() {
        bar.stop();
      },
    };
  }
  return {
    jobDone(job, result) {
      done++;
      if (result.state === 'errored') {
        io.err(`[${done}/${total}] ${failure(job, result)}\n`);
        return;
      }
      if (options.quiet) return;
      const s = result.summary;
      const errPct = s.requests > 0 ? ((100 * s.errors) / s.requests).toFixed(3) : '-';
      io.out(
        `[${done}/${total}] ${describe(job)}: ${s.requests} requests, ${errPct}% errors, ` +
          `${result.wallSeconds.toFixed(2)} s (${rate(s.arrivals / Math.max(result.wallSeconds, 1e-9))} req/s)\n`,
      );
    },
    stop() {},
  };
}
