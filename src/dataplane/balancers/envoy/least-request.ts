import type { Rng } from '../../../engine/index.js';
import { uniformIndex } from '../choice.js';

/** Envoy LEAST_REQUEST options (api/envoy/extensions/load_balancing_policies/least_request/v3). */
export interface LeastRequestOptions {
  /** choice_count: hosts sampled (with replacement) per pick. @default 2 */
  readonly choiceCount: number;
  /**
   * active_request_bias: exponent of `weight / (active + 1)^bias` in the weighted (EDF) form.
   * `undefined` (not configured) keeps the unweighted N-choices pick for equal weights.
   * @default undefined (1.0 when the weighted form is used)
   */
  readonly activeRequestBias: number | undefined;
  /** selection_method FULL_SCAN instead of N_CHOICES. @default false */
  readonly fullScan: boolean;
}

export const LEAST_REQUEST_DEFAULTS: LeastRequestOptions = {
  choiceCount: 2,
  activeRequestBias: undefined,
  fullScan: false,
};

/**
 * Envoy's LEAST_REQUEST load balancer, one per worker thread (least_request_lb.cc/.h).
 *
 * - Equal weights (every Kubernetes endpoint weighs 1) and no explicit active_request_bias:
 *   `unweightedHostPickNChoices`: choice_count samples *with replacement*
 *   (`random() % hosts`), the first is the candidate, a later sample replaces it only with
 *   strictly fewer active requests. So P2C may compare a host with itself.
 * - FULL_SCAN: the least active host over all, ties broken uniformly by reservoir sampling.
 * - Weighted form (weights differ, or active_request_bias configured): an EDF schedule where
 *   each host's weight at insert time is `weight / (active + 1)^bias` (bias 1.0 if not set;
 *   bias 0 behaves as weighted round robin).
 * `active` is the host's rq_active, counted per host across the whole proxy (host stats are
 * shared by worker threads). Allocation-free.
 */
export class EnvoyLeastRequest {
  private readonly weighted: boolean;
  private readonly bias: number;
  // EDF schedule (weighted form): deadline per host index, insertion order for ties.
  private deadline = new Float64Array(0);
  private order = new Float64Array(0);
  private edfTime = 0;
  private edfSeq = 0;
  private edfVersion = -1;

  constructor(readonly options: LeastRequestOptions = LEAST_REQUEST_DEFAULTS) {
    this.weighted = options.activeRequestBias !== undefined;
    this.bias = options.activeRequestBias ?? 1;
  }

  /**
   * Picks among `hostsToUse[0..count)`; `active[h]` is host h's active requests. Returns the
   * chosen host index (into the cluster's list, not into hostsToUse), or -1 when count is 0.
   * `version` identifies the host set (EDF is rebuilt when it changes).
   */
  pick(
    hostsToUse: Int32Array,
    count: number,
    active: Int32Array,
    rng: Rng,
    weights?: Float64Array,
    version = 0,
  ): number {
    if (count === 0) return -1;
    if (this.weighted || weights !== undefined) {
      return this.pickEdf(hostsToUse, count, active, weights, version);
    }
    if (this.options.fullScan) return this.pickFullScan(hostsToUse, count, active, rng);
    let candidate = -1;
    for (let c = 0; c < this.options.choiceCount; c++) {
      const h = hostsToUse[uniformIndex(rng, count)] as number;
      if (candidate < 0 || (active[h] as number) < (active[candidate] as number)) candidate = h;
    }
    return candidate;
  }

  private pickFullScan(
    hostsToUse: Int32Array,
    count: number,
    active: Int32Array,
    rng: Rng,
  ): number {
    let candidate = -1;
    let tied = 0;
    for (let k = 0; k < count; k++) {
      const h = hostsToUse[k] as number;
      if (candidate < 0) {
        candidate = h;
        tied = 1;
      } else if ((active[h] as number) < (active[candidate] as number)) {
        candidate = h;
        tied = 1;
      } else if (active[h] === active[candidate]) {
        tied++;
        if (uniformIndex(rng, tied) === 0) candidate = h;
      }
    }
    return candidate;
  }

  /** Host weight at insert time: `weight / (active + 1)^bias` (least_request_lb.cc hostWeight). */
  hostWeight(h: number, active: Int32Array, weights?: Float64Array): number {
    const w = weights === undefined ? 1 : (weights[h] as number);
    const a = (active[h] as number) + 1;
    if (this.bias === 1) return w / a;
    if (this.bias === 0) return w;
    return w / a ** this.bias;
  }

  /**
   * EDF (source/common/upstream/edf_scheduler.h): each host is due at `deadline`; the pick is
   * the earliest (insertion order on ties); the clock moves to its deadline and the host is
   * re-added at `clock + 1 / weight` with its weight at that moment. The schedule is rebuilt
   * from clock 0 when the host set changes.
   */
  private pickEdf(
    hostsToUse: Int32Array,
    count: number,
    active: Int32Array,
    weights: Float64Array | undefined,
    version: number,
  ): number {
    if (version !== this.edfVersion || this.deadline.length < active.length) {
      this.edfVersion = version;
      if (this.deadline.length < active.length) {
        this.deadline = new Float64Array(active.length);
        this.order = new Float64Array(active.length);
      }
      this.edfTime = 0;
      for (let k = 0; k < count; k++) {
        const h = hostsToUse[k] as number;
        this.deadline[h] = 1 / this.hostWeight(h, active, weights);
        this.order[h] = this.edfSeq++;
      }
    }
    let best = -1;
    for (let k = 0; k < count; k++) {
      const h = hostsToUse[k] as number;
      if (
        best < 0 ||
        (this.deadline[h] as number) < (this.deadline[best] as number) ||
        (this.deadline[h] === this.deadline[best] &&
          (this.order[h] as number) < (this.order[best] as number))
      ) {
        best = h;
      }
    }
    this.edfTime = this.deadline[best] as number;
    // pickAndAdd re-adds the host with its weight at pick time, before this request counts in
    // its rq_active.
    this.deadline[best] = this.edfTime + 1 / this.hostWeight(best, active, weights);
    this.order[best] = this.edfSeq++;
    return best;
  }
}
