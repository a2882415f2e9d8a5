/**
 * How an ingress-nginx controller pod learns of endpoint changes, after its informer saw them:
 *
 * 1. The controller's sync queue runs `syncIngress` through a token-bucket rate limiter,
 *    `--sync-rate-limit` 0.3 syncs per second, burst 1 (cmd/nginx/flags.go;
 *    internal/ingress/controller/nginx.go `syncRateLimiter =
 *    flowcontrol.NewTokenBucketRateLimiter(syncRateLimit, 1)`, `Accept()` blocks until a token).
 *    Events are de-duplicated by the queue: those that arrive before a waiting sync runs are
 *    covered by it (the sync reads the informer store when it runs).
 * 2. A change of endpoints only is applied without reload: the sync POSTs the backends to the
 *    Lua endpoint /configuration/backends, stored in a shared dict with its time.
 * 3. Each nginx worker polls that dict every BACKENDS_SYNC_INTERVAL = 1 s
 *    (rootfs/etc/nginx/lua/balancer.lua, `ngx.timer.every`) from its own start, and syncs its
 *    balancers when the stored time is newer than its own.
 *
 * `IngressNginxSyncQueue` is step 1 as a pure state machine; `nextWorkerPoll` gives step 3.
 */
export const INGRESS_NGINX_SYNC_RATE_LIMIT = 0.3;
export const INGRESS_NGINX_BACKENDS_SYNC_INTERVAL = 1;

export class IngressNginxSyncQueue {
  /** When the waiting sync runs; NaN when none waits. */
  syncAt = Number.NaN;
  private nextToken = Number.NEGATIVE_INFINITY;
  syncs = 0;

  constructor(readonly syncRateLimit = INGRESS_NGINX_SYNC_RATE_LIMIT) {
    if (!(syncRateLimit > 0))
      throw new RangeError(`syncRateLimit must be > 0, got ${syncRateLimit}`);
  }

  /**
   * The informer delivered a change at `now`. Returns the time the caller must schedule a
   * sync for, or NaN when a waiting sync already covers this change.
   */
  changed(now: number): number {
    if (!Number.isNaN(this.syncAt)) return Number.NaN;
    this.syncAt = Math.max(now, this.nextToken);
    return this.syncAt;
  }

  /** The scheduled sync runs at `now` (the caller reads the informer store and POSTs). */
  run(now: number): void {
    this.syncAt = Number.NaN;
    this.nextToken = now + 1 / this.syncRateLimit;
    this.syncs++;
  }
}

/**
 * The first poll of a worker strictly after `t`, for a worker whose timer started at `phase`
 * and fires every `interval` seconds: phase + k x interval, k >= 1 integer.
 */
export function nextWorkerPoll(
  t: number,
  phase: number,
  interval = INGRESS_NGINX_BACKENDS_SYNC_INTERVAL,
): number {
  const k = Math.max(1, Math.floor((t - phase) / interval) + 1);
  return phase + k * interval;
}
