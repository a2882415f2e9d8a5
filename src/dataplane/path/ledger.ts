import type { RequestRecorder } from '../../metrics/types.js';
import { ERROR_CAUSE_NAMES, ERROR_KIND_NAMES, type ErrorCause, type ErrorKind } from '../types.js';

const NK = ERROR_KIND_NAMES.length;
const NC = ERROR_CAUSE_NAMES.length;

/**
 * The request path's one ledger: every outcome of a user request and of a failed try is
 * recorded here, and only here, then handed on to the run's recorder (which keeps the
 * warmup-filtered, windowed statistics the outputs need). It holds the whole-run counts the
 * conservation check uses (arrivals = completed + failed + in flight) and the error matrices by
 * kind x cause that tests and debugging read. Hops and the coordinator call it; nothing else in
 * the path counts.
 */
export class PathLedger {
  arrivals = 0;
  completed = 0;
  failed = 0;
  attemptsFailed = 0;
  /** Final errors by kind x cause (index kind * causes + cause). */
  readonly finalErrors = new Float64Array(NK * NC);
  /** Tries that failed and were retried (client retries, a proxy's next upstream). */
  readonly attemptErrors = new Float64Array(NK * NC);

  constructor(private readonly recorder: RequestRecorder) {}

  /** A user request arrived; returns its ordinal (a draw key for its retries). */
  arrival(now: number): number {
    this.arrivals++;
    this.recorder.arrival(now);
    return this.arrivals - 1;
  }

  /** The user request that arrived at `arrivedAt` completed, served by `pod`. */
  complete(now: number, arrivedAt: number, pod: number): void {
    this.completed++;
    this.recorder.completed(now, arrivedAt, pod);
  }

  /** The user request failed for good. */
  fail(now: number, arrivedAt: number, kind: ErrorKind, cause: ErrorCause): void {
    this.failed++;
    bump(this.finalErrors, kind * NC + cause);
    this.recorder.failed(now, arrivedAt, kind, cause);
  }

  /** A try failed and will be retried (by the client, or by a hop on another upstream). */
  attemptFailed(now: number, kind: ErrorKind, cause: ErrorCause): void {
    this.attemptsFailed++;
    bump(this.attemptErrors, kind * NC + cause);
    this.recorder.attemptFailed(now, kind, cause);
  }

  finalErrorCount(kind: ErrorKind, cause?: ErrorCause): number {
    return sumErrors(this.finalErrors, kind, cause);
  }

  attemptErrorCount(kind: ErrorKind, cause?: ErrorCause): number {
    return sumErrors(this.attemptErrors, kind, cause);
  }

  /** Names for reports: `kind/cause` -> count (tests, debugging). */
  errorSummary(level: 'final' | 'attempt' = 'final'): Record<string, number> {
    const a = level === 'final' ? this.finalErrors : this.attemptErrors;
    const out: Record<string, number> = {};
    for (let k = 0; k < NK; k++) {
      for (let c = 0; c < NC; c++) {
        const v = a[k * NC + c] as number;
        if (v > 0) out[`${ERROR_KIND_NAMES[k]}/${ERROR_CAUSE_NAMES[c]}`] = v;
      }
    }
    return out;
  }
}

function bump(a: Float64Array, i: number): void {
  a[i] = (a[i] as number) + 1;
}

function sumErrors(a: Float64Array, kind: ErrorKind, cause?: ErrorCause): number {
  if (cause !== undefined) return a[kind * NC + cause] as number;
  let s = 0;
  for (let c = 0; c < NC; c++) s += a[kind * NC + c] as number;
  return s;
}
