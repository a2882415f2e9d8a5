import cliProgress from 'cli-progress';
import type { LiveProgress } from '../runner/live-progress.js';
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

export interface ProgressOptions {
  tty: boolean;
  quiet: boolean;
  /**
   * Progress inside running jobs (written by the workers) and the batch's total simulated
   * seconds: gives a request rate and an ETA that move while long jobs run.
   */
  live?: { readonly progress: LiveProgress; readonly simulatedSeconds: number };
  /** Without a TTY: a status line this often (ms) while jobs run; 0 = none. Default 30 s. */
  heartbeatMs?: number;
}

function rate(n: number): string {
  if (n >= 1e6) return `${(n / 1e6).toFixed(2)} M`;
  if (n >= 1e3) return `${(n / 1e3).toFixed(0)} k`;
  return n.toFixed(0);
}

/** `42s`, `3m05s`, `2h07m`; `-` when unknown. */
export function formatEta(seconds: number): string {
  if (!Number.isFinite(seconds) || seconds < 0) return '-';
  const s = Math.round(seconds);
  if (s < 60) return `${s}s`;
  if (s < 3600) return `${Math.floor(s / 60)}m${String(s % 60).padStart(2, '0')}s`;
  return `${Math.floor(s / 3600)}h${String(Math.floor((s % 3600) / 60)).padStart(2, '0')}m`;
}

/** The batch's state from the shared progress slots: share simulated, rate, time left. */
export function liveStatus(
  live: NonNullable<ProgressOptions['live']>,
  wallSeconds: number,
): { fraction: number; rate: number; etaSeconds: number } {
  const t = live.progress.totals();
  const fraction =
    live.simulatedSeconds > 0 ? Math.min(1, t.simulatedSeconds / live.simulatedSeconds) : 0;
  return {
    fraction,
    rate: wallSeconds > 0 ? t.arrivals / wallSeconds : 0,
    etaSeconds: fraction > 0 ? (wallSeconds * (1 - fraction)) / fraction : Number.NaN,
  };
}

/**
 * On a TTY: a progress bar (jobs done, share of simulated time done, simulated requests per
 * wall second, ETA), refreshed four times a second while jobs run. Otherwise one line per
 * finished job, plus a status line every `heartbeatMs` (CI logs and Kubernetes Jobs show
 * something during long jobs). Quiet: failures only.
 */
export function createProgress(total: number, io: Output, options: ProgressOptions): Progress {
  const started = Date.now();
  const wall = () => (Date.now() - started) / 1000;
  let done = 0;
  let requests = 0;
  const live = options.live;
  const describe = (job: JobSpec) =>
    `${job.scenario} variant ${job.variant} ${job.balancer.label} replication ${job.replication}`;
  const failure = (job: JobSpec, result: WorkerResult) =>
    result.state === 'errored'
      ? `FAILED ${describe(job)} (seed ${job.seed}): ${result.message}`
      : '';

  if (options.tty && !options.quiet) {
    const bar = new cliProgress.SingleBar(
      {
        format: live
          ? 'jobs {bar} {value}/{total} | {simulated}% simulated | {rate} simulated req/s | ETA {left}'
          : 'jobs {bar} {value}/{total} | {rate} simulated req/s | ETA {eta_formatted}',
        hideCursor: true,
        etaBuffer: 20,
      },
      cliProgress.Presets.shades_classic,
    );
    const payload = () => {
      if (live === undefined) return { rate: rate(wall() > 0 ? requests / wall() : 0) };
      const s = liveStatus(live, wall());
      return {
        simulated: (100 * s.fraction).toFixed(0),
        rate: rate(s.rate),
        left: formatEta(s.etaSeconds),
      };
    };
    bar.start(total, 0, payload());
    const timer = live ? setInterval(() => bar.update(done, payload()), 250) : undefined;
    timer?.unref();
    return {
      jobDone(job, result) {
        done++;
        if (result.state === 'completed') requests += result.summary.arrivals;
        else io.err(`\n${failure(job, result)}\n`);
        bar.update(done, payload());
      },
      stop() {
        if (timer !== undefined) clearInterval(timer);
        bar.stop();
      },
    };
  }
  const heartbeatMs = options.heartbeatMs ?? 30_000;
  const timer =
    live !== undefined && !options.quiet && heartbeatMs > 0
      ? setInterval(() => {
          const s = liveStatus(live, wall());
          io.out(
            `[${done}/${total} jobs done] ${(100 * s.fraction).toFixed(0)}% simulated, ` +
              `${rate(s.rate)} simulated req/s, ETA ${formatEta(s.etaSeconds)}\n`,
          );
        }, heartbeatMs)
      : undefined;
  timer?.unref();
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
    stop() {
      if (timer !== undefined) clearInterval(timer);
    },
  };
}
