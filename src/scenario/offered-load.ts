/**
 * Offered load against capacity, before anything runs: rho = lambda x E[S] / (replicas x
 * concurrency), the utilisation of an M/G/c station with c = replicas x concurrency workers
 * (Kleinrock, Queueing Systems vol. 1, 2.1). rho >= 1 means the queue grows without bound: the
 * run measures a backlog, not a balancer, and many requests are still queued at the end.
 *
 * lambda is the mean arrival rate over the measured interval [warmup, duration] (open-loop
 * arrivals); a closed-loop workload offers what its users can send, never more than the
 * servers answer, so it has no rho up front (undefined).
 */
import { makeDistribution } from '../engine/index.js';
import { piecewiseLinearRate, type RateFunction, sinusoidRate } from '../workload/arrivals.js';
import type { ResolvedScenario, ScenarioConfig } from './types.js';
/**
 * The workload's pods at the start (what `ordinals` index): one per node for a DaemonSet,
 * `replicas` for the other kinds.
 */
export function initialPodCount(s: Pick<ScenarioConfig, 'cluster' | 'deployment'>): number {
  return s.deployment.kind === 'DaemonSet' ? s.cluster.nodes : s.deployment.replicas;
}

export interface OfferedLoad {
  /** Mean arrival rate over [warmup, duration], requests per second; undefined for closed loop. */
  readonly offeredRps: number | undefined;
  /** replicas x concurrency / E[service time], requests per second. */
  readonly capacityRps: number;
  /** offeredRps / capacityRps; undefined for closed loop. */
  readonly rho: number | undefined;
  /** Workers: replicas x concurrency. */
  readonly workers: number;
  /** E[service time], seconds. */
  readonly meanServiceTime: number;
}

/** Time average of rate(t) over [a, b] by the trapezoid rule on 2000 steps (exact for linear pieces between steps). */
function averageRate(f: RateFunction, a: number, b: number): number {
  if (!(b > a)) return f.rate(a);
  const n = 2000;
  const h = (b - a) / n;
  let sum = (f.rate(a) + f.rate(b)) / 2;
  for (let i = 1; i < n; i++) sum += f.rate(a + i * h);
  return (sum * h) / (b - a);
}

/** The mean arrival rate of the scenario's workload over [warmup, duration]. */
export function offeredRate(config: ScenarioConfig): number | undefined {
  const a = config.workload.arrivals;
  const from = config.warmup;
  const to = config.duration;
  switch (a.process) {
    case 'poisson':
    case 'constant':
      return a.rate;
    case 'on-off': {
      // Long-run average of an alternating renewal process: each phase weighted by its mean length.
      const on = makeDistribution(a.on).mean;
      const off = makeDistribution(a.off).mean;
      return (a.rate * on + a.offRate * off) / (on + off);
    }
    case 'diurnal':
      return averageRate(sinusoidRate(a.minRate, a.maxRate, a.period, a.phase), from, to);
    case 'piecewise':
      return averageRate(piecewiseLinearRate(a.points), from, to);
    case 'trace': {
      const t = a.times;
      const last = t.length > 0 ? (t[t.length - 1] as number) : 0;
      if (a.loop && last > 0) return t.length / last;
      const inside = t.filter((x) => x >= from && x < to).length;
      return to > from ? inside / (to - from) : 0;
    }
    case 'closed-loop':
      return undefined;
    default: {
      const never: never = a;
      throw new Error(`unknown arrival process ${String(never)}`);
    }
  }
}

/** Offered load, capacity and rho of one (variant's) configuration. */
export function offeredLoad(config: ScenarioConfig): OfferedLoad {
  const pod = config.deployment.pod;
  const workers = initialPodCount(config) * pod.concurrency;
  const meanServiceTime = makeDistribution(pod.serviceTime).mean;
  const capacityRps = workers / meanServiceTime;
  const offeredRps = offeredRate(config);
  return {
    offeredRps,
    capacityRps,
    rho: offeredRps === undefined ? undefined : offeredRps / capacityRps,
    workers,
    meanServiceTime,
  };
}

const g4 = (v: number): string => String(Number(v.toPrecision(4)));

/**
 * One line per (scenario, variant): offered load, capacity and rho; and a warning per variant
 * with rho >= 1. `lbsim run` prints the lines before it runs (the warnings even with --quiet).
 */
export function offeredLoadReport(scenarios: readonly ResolvedScenario[]): {
  lines: string[];
  warnings: string[];
} {
  const lines: string[] = [];
  const warnings: string[] = [];
  for (const s of scenarios)
    for (const v of s.variants) {
      const l = offeredLoad(v.scenario);
      const who = s.variants.length > 1 ? `${s.name} ${v.label}` : s.name;
      const cap = `capacity ${g4(l.capacityRps)} rps (${l.workers} worker(s) / ${g4(l.meanServiceTime * 1000)} ms mean service)`;
      if (l.offeredRps === undefined || l.rho === undefined) {
        lines.push(`${who}: closed loop (offered load set by the users), ${cap}`);
        continue;
      }
      lines.push(`${who}: offered ${g4(l.offeredRps)} rps, ${cap}: rho ${l.rho.toFixed(2)}`);
      if (l.rho >= 1)
        warnings.push(
          `${who}: rho = ${l.rho.toFixed(2)} >= 1: offered ${g4(l.offeredRps)} rps exceeds the capacity of ${g4(l.capacityRps)} rps; queues grow for the whole run and requests are left unfinished (raise deployment.replicas or deployment.pod.concurrency, or lower the rate)`,
        );
    }
  return { lines, warnings };
}
