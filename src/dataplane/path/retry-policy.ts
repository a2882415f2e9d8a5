import type { KeyedStream } from '../../engine/index.js';
import type { RetryOptions } from '../path-options.js';
import { Stage, type TryPool } from '../pools.js';
import { ErrorKind } from '../types.js';

/**
 * The client's retry policy (`retries` options): whether a failed try is retried, the backoff
 * before the retry, and the fresh record that carries the user request into it. The request path
 * (./request-path.ts) asks it on every failed try.
 */
export class RetryPolicy {
  private readonly o: RetryOptions;
  /** Retry backoff jitter, keyed by (user request, retry number). */
  private readonly rng: KeyedStream;
  /** Bit `ErrorKind` set: that kind of failure is retried. */
  private readonly mask: number;

  constructor(o: RetryOptions, rng: KeyedStream) {
    this.o = o;
    this.rng = rng;
    let mask = 0;
    for (const k of o.on) mask |= 1 << ErrorKind[k];
    this.mask = mask;
  }

  /** Whether try number `tryNo` (0-based) that failed with `kind` is retried. */
  retries(tryNo: number, kind: ErrorKind): boolean {
    return tryNo < this.o.count && ((this.mask >>> kind) & 1) === 1;
  }

  /**
   * Backoff before retry k (0-based) of user request `req`: min(max, initial * multiplier^k),
   * partly jittered, the jitter keyed by (request, k) so that a request retried under two
   * balancers waits the same (common random numbers).
   */
  backoff(k: number, req: number): number {
    const b = this.o.backoff;
    const d = Math.min(b.max, b.initial * b.multiplier ** k);
    return b.jitter > 0 ? d * (1 - b.jitter + b.jitter * this.rng.rngFor(req, k).next()) : d;
  }
}

/**
 * A fresh record for the retry of try `r`: the user request's identity (arrival, demand, request,
 * client, user) copied, the try number one up, held by the client, in backoff.
 */
export function retryRecord(t: TryPool, r: number): number {
  const r2 = t.alloc();
  t.arrivedAt[r2] = t.arrivedAt[r] as number;
  t.demand[r2] = t.demand[r] as number;
  t.req[r2] = t.req[r] as number;
  t.client[r2] = t.client[r] as number;
  t.user[r2] = t.user[r] as number;
  t.tryNo[r2] = (t.tryNo[r] as number) + 1;
  t.clientHeld[r2] = 1;
  t.stage[r2] = Stage.backoff;
  return r2;
}
