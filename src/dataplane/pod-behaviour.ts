import type { PodId } from '../cluster/types.js';
import type { Distribution } from '../engine/distributions/index.js';
import type { KeyedStream } from '../engine/random.js';
import { ErrorCause } from './types.js';

/** What one pod template makes the application do (deployment.pod or a rollout's template). */
export interface PodProfile {
  /** Service-time distribution of this template; undefined = the request's own demand. */
  readonly serviceTime: Distribution | undefined;
  /** Share of requests answered with `errorStatus` after their service time. */
  readonly errorProbability: number;
  readonly errorStatus: number;
  readonly concurrency: number;
  /** Infinity = unlimited. */
  readonly queueLimit: number;
  readonly slowStart: number;
  readonly slowStartFactor: number;
}

/** A pod-side fault's effect (faults: entries of type slow, errors, blackhole, refuse). */
export type PodFaultEffect =
  | {
      readonly type: 'slow';
      readonly serviceTime: Distribution | undefined;
      readonly factor: number;
    }
  | { readonly type: 'errors'; readonly probability: number; readonly status: number }
  | { readonly type: 'blackhole' }
  /** Handled by ground truth (the listener refuses); nothing for the application. */
  | { readonly type: 'refuse' };

const HTTP_OK = 200;

/**
 * Per-pod application behaviour beyond the queue: the pod's template (profile) and the faults
 * that hold it. The pod servers ask it at service start (service time) and at completion
 * (status); both questions are a few array reads when nothing is configured.
 *
 * Draws (common random numbers: the same request meets the same draw on the same pod in every
 * balancer's run): a template's service time from keyed stream `pod:serviceTime:<profile>` by
 * (request); an application error from `pod:errors:<profile>` by (request, try, pod); a slow
 * fault's replacement service time from `fault:<i>:serviceTime` by (request, try, pod); an
 * errors fault's draw from `fault:<i>:errors` by (request, try, pod).
 */
export class PodBehaviour {
  readonly profiles: readonly PodProfile[];
  private readonly faults: readonly (PodFaultEffect | undefined)[];
  private readonly profileTime: KeyedStream[];
  private readonly profileErr: KeyedStream[];
  private readonly faultTime: (KeyedStream | undefined)[];
  private readonly faultErr: (KeyedStream | undefined)[];
  private cap = 0;
  private profile: Int32Array = new Int32Array(0);
  /** The slow / errors fault holding each pod (the latest started), -1 = none. */
  private slowFault: Int32Array = new Int32Array(0);
  private errFault: Int32Array = new Int32Array(0);
  /** Blackhole faults holding each pod. */
  private holes: Int32Array = new Int32Array(0);
  /** Other faults of the same kind that hold the pod, in start order (overlaps are rare). */
  private readonly stacked = new Map<number, number[]>();
  /** Why the last non-200 status() was chosen. */
  lastCause: ErrorCause = ErrorCause.overload;

  constructor(
    profiles: readonly PodProfile[],
    faults: readonly (PodFaultEffect | undefined)[],
    keyedStream: (name: string) => KeyedStream,
  ) {
    if (profiles.length === 0) throw new RangeError('PodBehaviour: expected at least one profile');
    this.profiles = profiles;
    this.faults = faults;
    this.profileTime = profiles.map((_, k) => keyedStream(`pod:serviceTime:${k}`));
    this.profileErr = profiles.map((_, k) => keyedStream(`pod:errors:${k}`));
    this.faultTime = faults.map((f, i) =>
      f?.type === 'slow' && f.serviceTime !== undefined
        ? keyedStream(`fault:${i}:serviceTime`)
        : undefined,
    );
    this.faultErr = faults.map((f, i) =>
      f?.type === 'errors' ? keyedStream(`fault:${i}:errors`) : undefined,
    );
    this.ensure(64);
  }

  private ensure(n: number): void {
    if (n <= this.cap) return;
    let c = Math.max(64, this.cap);
    while (c < n) c *= 2;
    const grow = (a: Int32Array, fill: number): Int32Array => {
      const b = new Int32Array(c).fill(fill);
      b.set(a);
      return b;
    };
    this.profile = grow(this.profile, 0);
    this.slowFault = grow(this.slowFault, -1);
    this.errFault = grow(this.errFault, -1);
    this.holes = grow(this.holes, 0);
    this.cap = c;
  }

  /** The pod runs template `k` (0 = deployment.pod). Call when the pod is created. */
  setProfile(pod: PodId, k: number): void {
    if (!(k >= 0 && k < this.profiles.length)) throw new RangeError(`no pod profile ${k}`);
    this.ensure(pod + 1);
    this.profile[pod] = k;
  }

  profileOf(pod: PodId): PodProfile {
    return this.profiles[this.profile[pod] ?? 0] as PodProfile;
  }

  faultStarted(pod: PodId, i: number): void {
    const f = this.faults[i];
    if (f === undefined) return;
    this.ensure(pod + 1);
    if (f.type === 'blackhole') this.holes[pod] = (this.holes[pod] as number) + 1;
    else if (f.type === 'slow') this.push(this.slowFault, pod, i, 0);
    else if (f.type === 'errors') this.push(this.errFault, pod, i, 1);
  }

  faultEnded(pod: PodId, i: number): void {
    const f = this.faults[i];
    if (f === undefined) return;
    if (f.type === 'blackhole') this.holes[pod] = Math.max(0, (this.holes[pod] as number) - 1);
    else if (f.type === 'slow') this.pop(this.slowFault, pod, i, 0);
    else if (f.type === 'errors') this.pop(this.errFault, pod, i, 1);
  }

  /** A later fault of a kind overrides an earlier one while both hold; the earlier resumes. */
  private push(cur: Int32Array, pod: PodId, i: number, kind: number): void {
    const prev = cur[pod] as number;
    if (prev >= 0) {
      const key = pod * 2 + kind;
      const s = this.stacked.get(key) ?? [];
      s.push(prev);
      this.stacked.set(key, s);
    }
    cur[pod] = i;
  }

  private pop(cur: Int32Array, pod: PodId, i: number, kind: number): void {
    const key = pod * 2 + kind;
    const s = this.stacked.get(key);
    if (cur[pod] === i) {
      cur[pod] = s !== undefined && s.length > 0 ? (s.pop() as number) : -1;
    } else if (s !== undefined) {
      const j = s.indexOf(i);
      if (j >= 0) s.splice(j, 1);
    }
    if (s !== undefined && s.length === 0) this.stacked.delete(key);
  }

  /** Whether a blackhole fault holds the pod (it accepts and never answers). */
  blackholed(pod: PodId): boolean {
    return (this.holes[pod] ?? 0) > 0;
  }

  /** Whether a slow fault holds the pod. */
  slowed(pod: PodId): boolean {
    return (this.slowFault[pod] ?? -1) >= 0;
  }

  /** Service time of request `req` (try `tryNo`) whose own demand is `demand`. */
  serviceTime(pod: PodId, demand: number, req: number, tryNo: number): number {
    const k = this.profile[pod] ?? 0;
    let d = demand;
    const own = (this.profiles[k] as PodProfile).serviceTime;
    if (own !== undefined) d = own.sample((this.profileTime[k] as KeyedStream).rngFor(req));
    const sf = this.slowFault[pod] ?? -1;
    if (sf >= 0) {
      const f = this.faults[sf] as Extract<PodFaultEffect, { type: 'slow' }>;
      if (f.serviceTime !== undefined) {
        d = f.serviceTime.sample((this.faultTime[sf] as KeyedStream).rngFor(req, tryNo, pod));
      } else d *= f.factor;
    }
    return d;
  }

  /** The HTTP status the application answers (200, or an error; `lastCause` says why). */
  status(pod: PodId, req: number, tryNo: number): number {
    const ef = this.errFault[pod] ?? -1;
    if (ef >= 0) {
      const f = this.faults[ef] as Extract<PodFaultEffect, { type: 'errors' }>;
      if ((this.faultErr[ef] as KeyedStream).rngFor(req, tryNo, pod).next() < f.probability) {
        this.lastCause = ErrorCause.fault_errors;
        return f.status;
      }
      return HTTP_OK;
    }
    const k = this.profile[pod] ?? 0;
    const p = this.profiles[k] as PodProfile;
    if (p.errorProbability > 0) {
      if ((this.profileErr[k] as KeyedStream).rngFor(req, tryNo, pod).next() < p.errorProbability) {
        this.lastCause = ErrorCause.app_error;
        return p.errorStatus;
      }
    }
    return HTTP_OK;
  }
}
