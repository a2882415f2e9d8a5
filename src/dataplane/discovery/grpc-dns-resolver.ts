import type { Rng } from '../../engine/index.js';

/**
 * grpc-go's DNS resolver for one channel (internal/resolver/dns/dns_resolver.go, `watcher`;
 * grpc-go v1.81): it never polls. After a successful lookup it waits for `ResolveNow` (sent by
 * the channel when a connection is lost or every address failed) and then for the rest of
 * MinResolutionInterval (30 s) since that lookup: the next lookup runs at
 * max(ResolveNow time, last lookup + 30 s). `ResolveNow` writes to a channel with a buffer of
 * one: a call while a lookup is pending or being waited for is kept once (further calls are
 * dropped) and starts the next wait right after the following successful lookup. A failed
 * lookup (error, or an empty answer the channel rejects) retries after the default exponential
 * back-off (internal/backoff: base 1 s, x1.6 per retry, +-20% jitter, at most 120 s), counting
 * from 1, without waiting for ResolveNow.
 *
 * A pure state machine: `scheduledAt` is when the caller must run the next lookup (NaN: none
 * scheduled, the resolver waits for ResolveNow).
 */
export const GRPC_MIN_RESOLUTION_INTERVAL = 30;

export const GRPC_BACKOFF = { baseDelay: 1, multiplier: 1.6, jitter: 0.2, maxDelay: 120 } as const;

/** grpc-go internal/backoff Exponential.Backoff(retries). One draw from `rng` (none for 0). */
export function grpcBackoff(
  retries: number,
  rng: Rng,
  b: {
    readonly baseDelay: number;
    readonly multiplier: number;
    readonly jitter: number;
    readonly maxDelay: number;
  } = GRPC_BACKOFF,
): number {
  if (retries === 0) return b.baseDelay;
  let backoff: number = b.baseDelay;
  let r = retries;
  while (backoff < b.maxDelay && r > 0) {
    backoff *= b.multiplier;
    r--;
  }
  if (backoff > b.maxDelay) backoff = b.maxDelay;
  backoff *= 1 + b.jitter * (rng.next() * 2 - 1);
  return Math.max(backoff, 0);
}

export class GrpcDnsResolver {
  /** When the caller must run the next lookup; NaN while waiting for ResolveNow. */
  scheduledAt: number;
  lookups = 0;
  private lastSuccess = Number.NEGATIVE_INFINITY;
  private waitingForSignal = false;
  private signalBuffered = false;
  private backoffIndex = 1;

  /** The channel is built at `now`: the first lookup runs at once. */
  constructor(
    now: number,
    readonly minResolutionInterval = GRPC_MIN_RESOLUTION_INTERVAL,
  ) {
    this.scheduledAt = now;
  }

  /** ResolveNow from the channel at `now`. Returns a newly scheduled lookup time, or NaN. */
  resolveNow(now: number): number {
    if (this.waitingForSignal) {
      this.waitingForSignal = false;
      this.scheduledAt = Math.max(now, this.lastSuccess + this.minResolutionInterval);
      return this.scheduledAt;
    }
    this.signalBuffered = true;
    return Number.NaN;
  }

  /**
   * The lookup scheduled for `scheduledAt` finished at `now`; `ok` false for an error or an
   * answer the channel rejected. Returns the next lookup time, or NaN (waiting for ResolveNow).
   */
  lookupDone(now: number, ok: boolean, rng: Rng): number {
    this.lookups++;
    if (!ok) {
      this.scheduledAt = now + grpcBackoff(this.backoffIndex, rng);
      this.backoffIndex++;
      return this.scheduledAt;
    }
    this.backoffIndex = 1;
    this.lastSuccess = now;
    if (this.signalBuffered) {
      this.signalBuffered = false;
      this.scheduledAt = now + this.minResolutionInterval;
      return this.scheduledAt;
    }
    this.waitingForSignal = true;
    this.scheduledAt = Number.NaN;
    return Number.NaN;
  }
}
