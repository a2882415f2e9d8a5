import type { Distribution, DistributionSpec } from '../engine/distributions/index.js';
import type { Rng } from '../engine/index.js';

/**
 * Open-loop arrival processes: the times at which user requests arrive, all clients together.
 * Each draws only from the stream it is given (`arrivals`), so every balancer in a comparison
 * sees the same arrival times (common random numbers). Closed-loop users are not an arrival
 * process: the request path drives them from responses (see ClosedLoopSpec).
 */
export interface ArrivalProcess {
  /** Absolute time of the next arrival after one at `now` (>= now), or +Infinity when done. */
  next(now: number, rng: Rng): number;
  describe(): string;
}

/** Exponential variate with the given rate; 1 - U avoids log(0). */
function exp(rate: number, rng: Rng): number {
  return -Math.log(1 - rng.next()) / rate;
}

function checkRate(name: string, rate: number, allowZero = false): void {
  if (!(rate > 0 || (allowZero && rate === 0)) || !Number.isFinite(rate)) {
    throw new RangeError(
      `${name}: expected a finite rate ${allowZero ? '>=' : '>'} 0 per second, got ${rate}`,
    );
  }
}

/** Homogeneous Poisson process: exponential gaps with mean 1/rate. */
export class PoissonArrivals implements ArrivalProcess {
  constructor(readonly rate: number) {
    checkRate('poisson.rate', rate);
  }
  next(now: number, rng: Rng): number {
    return now + exp(this.rate, rng);
  }
  describe(): string {
    return `poisson(rate=${this.rate})`;
  }
}

/** Evenly spaced arrivals, the first at 1/rate (draws nothing). */
export class ConstantArrivals implements ArrivalProcess {
  constructor(readonly rate: number) {
    checkRate('constant.rate', rate);
  }
  next(now: number): number {
    return now + 1 / this.rate;
  }
  describe(): string {
    return `constant(rate=${this.rate})`;
  }
}

/**
 * On-off bursts (a Markov-modulated process when the period lengths are exponential): on
 * periods at `rate`, off periods at `offRate` (default 0), period lengths from `on` / `off`.
 * Within a period arrivals are Poisson (restarting the exponential clock at a period boundary
 * is exact by memorylessness) or evenly spaced. The run starts at the beginning of an on period.
 */
export class OnOffArrivals implements ArrivalProcess {
  private periodEnd = Number.NaN;
  private on = true;
  constructor(
    readonly rate: number,
    readonly offRate: number,
    readonly onLength: Distribution,
    readonly offLength: Distribution,
    readonly within: 'poisson' | 'constant' = 'poisson',
  ) {
    checkRate('on-off.rate', rate);
    checkRate('on-off.offRate', offRate, true);
  }
  next(now: number, rng: Rng): number {
    if (Number.isNaN(this.periodEnd)) this.periodEnd = now + this.onLength.sample(rng);
    let t = now;
    // Bounded: each turn either returns or advances to the next period.
    for (;;) {
      const r = this.on ? this.rate : this.offRate;
      if (r > 0) {
        const cand = t + (this.within === 'poisson' ? exp(r, rng) : 1 / r);
        if (cand < this.periodEnd) return cand;
      }
      t = this.periodEnd;
      this.on = !this.on;
      this.periodEnd = t + (this.on ? this.onLength : this.offLength).sample(rng);
    }
  }
  describe(): string {
    return `on-off(rate=${this.rate}, offRate=${this.offRate}, on=${this.onLength.describe()}, off=${this.offLength.describe()})`;
  }
}

/** A rate that varies with time, with a known upper bound (for thinning). */
export interface RateFunction {
  rate(t: number): number;
  readonly maxRate: number;
  describe(): string;
}

/** rate(t) = min + (max - min) (1 - cos(2 pi (t / period + phase))) / 2: a daily cycle. */
export function sinusoidRate(
  minRate: number,
  maxRate: number,
  period: number,
  phase = 0,
): RateFunction {
  checkRate('diurnal.minRate', minRate, true);
  checkRate('diurnal.maxRate', maxRate);
  if (!(maxRate >= minRate)) {
    throw new RangeError(`diurnal.maxRate: expected >= minRate (${minRate}), got ${maxRate}`);
  }
  if (!(period > 0)) throw new RangeError(`diurnal.period: expected > 0 seconds, got ${period}`);
  return {
    maxRate,
    rate: (t) =>
      minRate + ((maxRate - minRate) * (1 - Math.cos(2 * Math.PI * (t / period + phase)))) / 2,
    describe: () => `sinusoid(min=${minRate}, max=${maxRate}, period=${period}, phase=${phase})`,
  };
}

/**
 * Piecewise-linear rate through points (t_i, r_i), t ascending; constant before the first and
 * after the last point.
 */
export function piecewiseLinearRate(points: readonly { at: number; rate: number }[]): RateFunction {
  if (points.length === 0) throw new RangeError('piecewise rate: expected at least one point');
  let maxRate = 0;
  for (let i = 0; i < points.length; i++) {
    const p = points[i] as { at: number; rate: number };
    checkRate(`piecewise rate points[${i}].rate`, p.rate, true);
    if (i > 0 && !(p.at >= (points[i - 1] as { at: number }).at)) {
      throw new RangeError(`piecewise rate points[${i}].at: expected ascending times, got ${p.at}`);
    }
    maxRate = Math.max(maxRate, p.rate);
  }
  if (maxRate === 0) throw new RangeError('piecewise rate: expected some rate > 0');
  const at = points.map((p) => p.at);
  const rates = points.map((p) => p.rate);
  return {
    maxRate,
    rate(t: number): number {
      if (t <= (at[0] as number)) return rates[0] as number;
      const last = at.length - 1;
      if (t >= (at[last] as number)) return rates[last] as number;
      let i = 0;
      while ((at[i + 1] as number) < t) i++;
      const t0 = at[i] as number;
      const t1 = at[i + 1] as number;
      const r0 = rates[i] as number;
      const r1 = rates[i + 1] as number;
      return t1 === t0 ? r1 : r0 + ((r1 - r0) * (t - t0)) / (t1 - t0);
    },
    describe: () => `piecewise(${points.map((p) => `${p.at}:${p.rate}`).join(',')})`,
  };
}

/**
 * Non-homogeneous Poisson process by thinning (Lewis and Shedler 1979): candidates at the
 * maximum rate, each kept with probability rate(t) / maxRate. Two draws per candidate.
 */
export class ThinnedArrivals implements ArrivalProcess {
  constructor(readonly fn: RateFunction) {}
  next(now: number, rng: Rng): number {
    const max = this.fn.maxRate;
    let t = now;
    for (;;) {
      t += exp(max, rng);
      if (rng.next() * max < this.fn.rate(t)) return t;
    }
  }
  describe(): string {
    return `nhpp(${this.fn.describe()})`;
  }
}

/** Replays recorded arrival times (seconds, ascending); optionally loops with the trace's span. */
export class TraceArrivals implements ArrivalProcess {
  private readonly times: Float64Array;
  private i = 0;
  private offset = 0;
  private readonly span: number;
  constructor(
    times: ArrayLike<number>,
    readonly loop = false,
  ) {
    this.times = Float64Array.from(times);
    for (let k = 1; k < this.times.length; k++) {
      if (!((this.times[k] as number) >= (this.times[k - 1] as number))) {
        throw new RangeError(
          `trace: times must be ascending, got ${this.times[k]} after ${this.times[k - 1]}`,
        );
      }
    }
    if (loop && this.times.length === 0) throw new RangeError('trace: cannot loop an empty trace');
    const n = this.times.length;
    // Looping: the next round starts one mean gap after the last arrival, so gaps are preserved.
    const first = n > 0 ? (this.times[0] as number) : 0;
    const last = n > 0 ? (this.times[n - 1] as number) : 0;
    this.span = n > 1 ? last - first + (last - first) / (n - 1) : 1;
  }
  next(now: number): number {
    if (this.i >= this.times.length) {
      if (!this.loop) return Number.POSITIVE_INFINITY;
      this.i = 0;
      this.offset += this.span;
    }
    const t = (this.times[this.i++] as number) + this.offset;
    return Math.max(t, now);
  }
  describe(): string {
    return `trace(${this.times.length} arrivals${this.loop ? ', loop' : ''})`;
  }
}

/**
 * Closed-loop users (wrk, ab, slow_cooker): `users` users, each with one request outstanding,
 * sending the next `thinkTime` after the previous one ended (success or final failure). Users
 * start at time `start` plus a uniform offset in [0, rampUp) (0: all at once, as wrk does).
 * With `rate`, each user also waits for the next tick of its own ticker of period 1/rate
 * (slow_cooker: one time.Ticker per goroutine, -qps each): a tick that passes while the request
 * is outstanding is kept (Go's ticker channel holds one) and releases the next send at once when
 * the user is ready; further ticks are dropped.
 */
export interface ClosedLoopSpec {
  readonly process: 'closed-loop';
  readonly users: number;
  /** null = no think time. */
  readonly thinkTime: Distribution | null;
  /** @default 0 */
  readonly rampUp: number;
  /**
   * Each user's rate cap, requests per second (slow_cooker `-qps` per connection): the user
   * sends on a ticker of period 1/rate; null = no cap. @default null
   */
  readonly rate?: number | null;
}

/** Open-loop process or closed-loop users, resolved (Distribution objects built). */
export type WorkloadArrivals =
  | { readonly process: 'open'; readonly arrivals: ArrivalProcess }
  | ClosedLoopSpec;

/**
 * Arrival specs as the scenario file resolves them (the scenario layer's ResolvedArrivals is
 * derived from this type). Rates are requests per second, all clients together; times in
 * seconds; distributions still as specs.
 */
export type ArrivalSpec =
  | { readonly process: 'poisson'; readonly rate: number }
  | { readonly process: 'constant'; readonly rate: number }
  | {
      readonly process: 'on-off';
      /** Rate while on. */
      readonly rate: number;
      /** Rate while off. @default 0 */
      readonly offRate: number;
      readonly on: DistributionSpec;
      readonly off: DistributionSpec;
      /** Poisson or evenly spaced arrivals within a phase. @default 'poisson' */
      readonly within: 'poisson' | 'constant';
    }
  | {
      readonly process: 'diurnal';
      /** Non-homogeneous Poisson, rate(t) = min + (max - min) (1 - cos(2 pi (t / period + phase))) / 2. */
      readonly minRate: number;
      readonly maxRate: number;
      /** @default the scenario's duration */
      readonly period: number;
      /** Fraction of a period at t = 0. @default 0 */
      readonly phase: number;
    }
  | {
      readonly process: 'trace';
      /** Arrival times in seconds from the start of the run, ascending. */
      readonly times: readonly number[];
      /** Replay the trace again after its last arrival. @default false */
      readonly loop: boolean;
    }
  | {
      readonly process: 'closed-loop';
      /** Concurrent users, each with one request outstanding. */
      readonly users: number;
      /** Think time between a response and the next request. @default constant 0 */
      readonly thinkTime: DistributionSpec;
      /** Users start at a uniform offset in [0, rampUp) (0: all at once, as wrk). @default 0 */
      readonly rampUp?: number;
      /** At most this many requests per second per user (slow_cooker `-qps`); null = no cap. @default null */
      readonly rate?: number | null;
    }
  | {
      readonly process: 'piecewise';
      /** Non-homogeneous Poisson with a piecewise-linear rate through these points (ascending `at`). */
      readonly points: readonly { readonly at: number; readonly rate: number }[];
    };

/** Builds the arrival process of a spec; `make` is engine/distributions' makeDistribution. */
export function buildArrivals(
  spec: ArrivalSpec,
  make: (d: DistributionSpec) => Distribution,
): WorkloadArrivals {
  switch (spec.process) {
    case 'poisson':
      return { process: 'open', arrivals: new PoissonArrivals(spec.rate) };
    case 'constant':
      return { process: 'open', arrivals: new ConstantArrivals(spec.rate) };
    case 'on-off':
      return {
        process: 'open',
        arrivals: new OnOffArrivals(
          spec.rate,
          spec.offRate,
          make(spec.on),
          make(spec.off),
          spec.within,
        ),
      };
    case 'diurnal':
      return {
        process: 'open',
        arrivals: new ThinnedArrivals(
          sinusoidRate(spec.minRate, spec.maxRate, spec.period, spec.phase),
        ),
      };
    case 'trace':
      return { process: 'open', arrivals: new TraceArrivals(spec.times, spec.loop) };
    case 'piecewise':
      return { process: 'open', arrivals: new ThinnedArrivals(piecewiseLinearRate(spec.points)) };
    case 'closed-loop': {
      const think = make(spec.thinkTime);
      return {
        process: 'closed-loop',
        users: spec.users,
        // A constant 0 think time needs no draw per request.
        thinkTime: think.kind === 'constant' && think.mean === 0 ? null : think,
        rampUp: spec.rampUp ?? 0,
        rate: spec.rate ?? null,
      };
    }
    default: {
      const never: never = spec;
      throw new Error(`unknown arrival process ${JSON.stringify(never)}`);
    }
  }
}
