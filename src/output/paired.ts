/**
 * Paired comparison against a baseline balancer (`lbsim summarize DIR --baseline iptables`).
 * Replication k of every balancer in a (scenario, variant) runs with the same seed, hence the
 * same arrivals, service demands and churn (common random numbers): the difference
 * d_k = x_k(balancer) - x_k(baseline) removes that shared noise, and its interval,
 * mean(d) +- t(0.975, n-1) s_d / sqrt(n), is far tighter than two independent intervals
 * (Law & Kelton, Simulation Modeling and Analysis, 10.2.1 "paired-t confidence interval").
 * The ratio r_k = x_k(balancer) / x_k(baseline) gets the same treatment (hyperfine's
 * "1.05 ± 0.01 times"), when the baseline is positive in every replication.
 */
import {
  type ConfidenceInterval,
  confidenceInterval,
  replicationsForPrecision,
  studentTQuantile975,
} from '../metrics/stats.js';
import { groupRuns, sweepLabelColumns } from './summarize.js';

/** Metrics compared: summary.csv column and its display name. */
export const PAIRED_METRICS: readonly (readonly [string, string])[] = [
  ['error_rate', 'error rate'],
  ['latency_p50_ms', 'p50 ms'],
  ['latency_p99_ms', 'p99 ms'],
  ['latency_p999_ms', 'p999 ms'],
  ['throughput_rps', 'throughput rps'],
];

export interface PairedComparison {
  readonly scenario: string;
  readonly variant: string;
  readonly sweep: Readonly<Record<string, string>>;
  readonly balancer: string;
  readonly baseline: string;
  readonly metric: string;
  /** Replications paired (same replication number and seed in both). */
  readonly n: number;
  readonly baselineMean: number;
  readonly mean: number;
  /** Of x - baseline, paired. */
  readonly difference: ConfidenceInterval;
  /** Of x / baseline, paired; undefined when the baseline is 0 or missing in some replication. */
  readonly ratio: ConfidenceInterval | undefined;
  /** The difference's 95% interval excludes 0 (NaN half-width, n < 2: false). */
  readonly significant: boolean;
  /**
   * Replications whose difference interval would exclude 0 if the mean difference and its
   * spread stayed as measured (replicationsForPrecision with precision |mean|): at most n when
   * significant; Infinity when out of reach; NaN when n < 2.
   */
  readonly replicationsNeeded: number;
  /**
   * Too few replications for the interval to say anything: n < 2, or not significant while
   * replicationsNeeded > n (with n = 2 the interval is t(0.975, 1) = 12.7 standard errors wide).
   */
  readonly tooFew: boolean;
}

const num = (s: string | undefined): number =>
  s === undefined || s === '' ? Number.NaN : Number(s);

/**
 * Every (scenario, variant, balancer != baseline, metric) of a summary.csv, in file order.
 * Throws when `baseline` is not a balancer of some (scenario, variant), naming those it has.
 */
export function pairedComparisons(
  header: readonly string[],
  rows: readonly Record<string, string>[],
  baseline: string,
): PairedComparison[] {
  const sweepKeys = sweepLabelColumns(header);
  const groups = [...groupRuns(rows).values()];
  const byVariant = new Map<string, Record<string, string>[][]>();
  for (const g of groups) {
    const f = g[0] as Record<string, string>;
    const k = JSON.stringify([f.scenario, f.variant]);
    let v = byVariant.get(k);
    if (v === undefined) byVariant.set(k, (v = []));
    v.push(g);
  }
  const out: PairedComparison[] = [];
  for (const variantGroups of byVariant.values()) {
    const base = variantGroups.find((g) => g[0]?.balancer === baseline);
    const first = variantGroups[0]?.[0] as Record<string, string>;
    if (base === undefined) {
      throw new Error(
        `--baseline ${baseline}: not a balancer of ${first.scenario} variant ${first.variant}; it has ${variantGroups.map((g) => g[0]?.balancer).join(', ')}`,
      );
    }
    const baseByRep = new Map(base.map((r) => [r.replication, r]));
    for (const g of variantGroups) {
      if (g === base) continue;
      const pairs = g
        .map((r) => [r, baseByRep.get(r.replication)] as const)
        .filter(([r, b]) => b !== undefined && b.seed === r.seed) as [
        Record<string, string>,
        Record<string, string>,
      ][];
      for (const [col, name] of PAIRED_METRICS) {
        if (!header.includes(col)) continue;
        const xs = pairs.map(([r]) => num(r[col]));
        const bs = pairs.map(([, b]) => num(b[col]));
        const difference = confidenceInterval(xs.map((x, i) => x - (bs[i] as number)));
        const ratio = bs.every((b) => b > 0)
          ? confidenceInterval(xs.map((x, i) => x / (bs[i] as number)))
          : undefined;
        const significant =
          !Number.isNaN(difference.halfWidth) && Math.abs(difference.mean) > difference.halfWidth;
        const replicationsNeeded =
          difference.n < 2
            ? Number.NaN
            : replicationsForPrecision(
                (difference.halfWidth * Math.sqrt(difference.n)) /
                  studentTQuantile975(difference.n - 1),
                Math.abs(difference.mean),
              );
        out.push({
          scenario: first.scenario ?? '',
          variant: first.variant ?? '',
          sweep: Object.fromEntries(sweepKeys.map((k) => [k, first[k] ?? ''])),
          balancer: g[0]?.balancer ?? '',
          baseline,
          metric: name,
          n: pairs.length,
          baselineMean: confidenceInterval(bs).mean,
          mean: confidenceInterval(xs).mean,
          difference,
          ratio: ratio !== undefined && pairs.length > 0 ? ratio : undefined,
          significant,
          replicationsNeeded,
          tooFew: difference.n < 2 || (!significant && !(replicationsNeeded <= difference.n)),
        });
      }
    }
  }
  return out;
}
