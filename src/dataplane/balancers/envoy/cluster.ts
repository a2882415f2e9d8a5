import type { Rng } from '../../../engine/index.js';
import { carryOver } from '../endpoint-carry.js';
import { EnvoyHostSet } from './host-set.js';
import { EnvoyLeastRequest, type LeastRequestOptions } from './least-request.js';
import { type OutlierDetectionOptions, OutlierDetector } from './outlier-detection.js';
import { EnvoyRoundRobin } from './round-robin.js';

export interface EnvoyClusterOptions {
  readonly lbPolicy: 'round_robin' | 'least_request';
  /** Worker threads: one load balancer (and host set view) each. */
  readonly concurrency: number;
  readonly leastRequest: LeastRequestOptions;
  /** undefined: no outlier detection. */
  readonly outlierDetection: OutlierDetectionOptions | undefined;
  /** Panic threshold in percent (0 disables panic). */
  readonly healthyPanicThreshold: number;
  /** previous_hosts re-picks (Istio: host_selection_retry_max_attempts 5). */
  readonly hostSelectionRetryMaxAttempts: number;
}

/**
 * One Envoy's view of one upstream cluster (one sidecar or gateway and one Service): the
 * hosts EDS delivered, their proxy-wide `rq_active`, the outlier detector (main thread), and a
 * load balancer per worker thread, each with its own host set view (healthy hosts or, in
 * panic, all) and its own rr index / EDF schedule. What a hop owns per proxy; the hop
 * schedules `onInterval` every `outlierDetection.interval` and reports outcomes.
 *
 * `pick(worker, tried, rng)` applies the previous_hosts retry predicate: with `tried` (bit
 * h & 31 per host already tried by this request) it re-picks up to
 * hostSelectionRetryMaxAttempts times to find a host not tried, then keeps the last pick
 * (ZoneAwareLoadBalancerBase::chooseHost). Allocation-free except in `setEndpoints`.
 */
export class EnvoyCluster {
  size = 0;
  ips: Uint32Array = new Uint32Array(0);
  /** rq_active per host, shared by all workers (host stats are per proxy). */
  active = new Int32Array(0);
  readonly detector: OutlierDetector | undefined;
  private readonly hostSets: EnvoyHostSet[];
  private readonly rr: EnvoyRoundRobin[];
  private readonly lr: EnvoyLeastRequest[];
  private readonly leastRequest: boolean;
  /** Host-list version when outlier detection is off (bumped by setEndpoints). */
  private listVersion = 0;

  constructor(
    ips: Uint32Array,
    readonly options: EnvoyClusterOptions,
    seedRng: Rng,
  ) {
    this.leastRequest = options.lbPolicy === 'least_request';
    this.detector =
      options.outlierDetection === undefined
        ? undefined
        : new OutlierDetector(new Uint32Array(0), options.outlierDetection);
    const w = options.concurrency;
    this.hostSets = Array.from(
      { length: w },
      () => new EnvoyHostSet(options.healthyPanicThreshold),
    );
    this.rr = Array.from({ length: w }, () => new EnvoyRoundRobin(seedRng));
    this.lr = Array.from({ length: w }, () => new EnvoyLeastRequest(options.leastRequest));
    this.setEndpoints(ips);
  }

  /** EDS update: hosts that stay keep their stats and outlier state. */
  setEndpoints(ips: Uint32Array): void {
    const from = carryOver(this.ips, ips);
    const active = new Int32Array(ips.length);
    for (let j = 0; j < ips.length; j++) {
      const i = from[j] as number;
      if (i >= 0) active[j] = this.active[i] as number;
    }
    this.ips = Uint32Array.from(ips);
    this.size = ips.length;
    this.active = active;
    this.detector?.setEndpoints(ips);
    this.listVersion++;
  }

  private version(): number {
    return this.detector === undefined
      ? this.listVersion
      : this.detector.version + this.listVersion * 1e9;
  }

  /** One pick on worker `worker`, ignoring `tried`. -1: no host (no healthy upstream). */
  private pickOnce(worker: number, rng: Rng): number {
    const hs = this.hostSets[worker] as EnvoyHostSet;
    const v = this.version();
    hs.refresh(this.size, this.detector?.ejected, v);
    if (this.leastRequest) {
      return (this.lr[worker] as EnvoyLeastRequest).pick(
        hs.hostsToUse,
        hs.count,
        this.active,
        rng,
        undefined,
        v,
      );
    }
    const k = (this.rr[worker] as EnvoyRoundRobin).pick(hs.count);
    return k < 0 ? -1 : (hs.hostsToUse[k] as number);
  }

  /** The host for a try on `worker` (previous_hosts applied with `tried`). */
  pick(worker: number, tried: number, rng: Rng): number {
    let h = this.pickOnce(worker, rng);
    if (tried === 0) return h;
    for (let k = 0; k < this.options.hostSelectionRetryMaxAttempts; k++) {
      if (h < 0 || (tried & (1 << (h & 31))) === 0) return h;
      h = this.pickOnce(worker, rng);
    }
    return h;
  }

  requestStarted(h: number): void {
    this.active[h] = (this.active[h] as number) + 1;
  }

  /** The request to h ended; `failed` (5xx or local connect failure/timeout) feeds outlier detection. */
  requestEnded(h: number, failed: boolean, now: number, rng?: Rng): void {
    const a = this.active[h] as number;
    if (a > 0) this.active[h] = a - 1;
    this.detector?.putResult(h, failed, now, rng);
  }

  /** The outlier detection interval timer fired. */
  onInterval(now: number): void {
    this.detector?.onInterval(now);
  }

  /** Metric: hosts ejected now. */
  get ejectedHosts(): number {
    return this.detector?.ejectedCount ?? 0;
  }

  /** Metric: whether worker w's host set is in panic. */
  inPanic(worker: number): boolean {
    return (this.hostSets[worker] as EnvoyHostSet).panic;
  }
}
