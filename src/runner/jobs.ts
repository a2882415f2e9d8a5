import { deriveSeed } from '../engine/random.js';
import type { ResolvedScenario } from '../scenario/types.js';
import type { JobSpec } from './protocol.js';
import { type SweepColumn, sweepColumns } from './sweep-columns.js';

/** A scenario with the jobs it contributes to a batch. */
export interface ScenarioJobs {
  readonly scenario: ResolvedScenario;
  /** Swept key paths, in the file's order (summary.csv columns after `variant`). */
  readonly sweepKeys: readonly string[];
  /** Each swept key's numeric `sweep_*` column (every table, after `variant`). */
  readonly sweepColumns: readonly SweepColumn[];
  readonly jobs: readonly JobSpec[];
  /** Ids of the scenario's whole (unsharded) job list: first .. first + count - 1. */
  readonly jobIds: { readonly first: number; readonly count: number };
}

/** Options of planJobs. */
export interface PlanOptions {
  /**
   * Keep only these balancers (by label or registry name); undefined = all.
   * @default undefined
   */
  balancers?: readonly string[];
  /**
   * Run only shard `index` of `count`: job ids congruent to index modulo count. The job list,
   * ids and seeds are the same whatever the sharding, so shards merge into the unsharded output.
   * @default undefined
   */
  shard?: { readonly index: number; readonly count: number };
}

/**
 * The seed of a job: from (scenario seed, variant, replication) and never from the balancer,
 * so every balancer in a comparison sees the same arrivals, demands and churn (common random
 * numbers), and replication k is the same run whatever else is in the batch.
 */
export function jobSeed(scenarioSeed: number, variant: number, replication: number): number {
  return deriveSeed(scenarioSeed, variant, replication);
}

/**
 * Every (file x variant x balancer x replication) job, in that nesting order, with global ids.
 * That order is also the order of rows in every output file.
 */
export function planJobs(
  scenarios: readonly ResolvedScenario[],
  options: PlanOptions = {},
): ScenarioJobs[] {
  const wanted = options.balancers;
  let id = 0;
  const out: ScenarioJobs[] = [];
  for (const scenario of scenarios) {
    const jobs: JobSpec[] = [];
    const first = id;
    for (const variant of scenario.variants) {
      const config = variant.scenario;
      for (const balancer of config.balancers) {
        if (
          wanted !== undefined &&
          !wanted.some((w) => w === balancer.label || w === balancer.name)
        ) {
          continue;
        }
        for (let r = 0; r < config.replications; r++) {
          const job: JobSpec = {
            id: id++,
            scenario: scenario.name,
            variant: variant.index,
            variantLabel: variant.label,
            balancer,
            replication: r,
            seed: jobSeed(config.seed, variant.index, r),
            config,
          };
          if (options.shard === undefined || job.id % options.shard.count === options.shard.index) {
            jobs.push(job);
          }
        }
      }
    }
    out.push({
      scenario,
      sweepKeys: Object.keys(scenario.sweep),
      sweepColumns: sweepColumns(scenario.sweep),
      jobs,
      jobIds: { first, count: id - first },
    });
  }
  return out;
}

/** A swept value as a CSV field: numbers and strings as they are, anything else as JSON. */
export function sweepValue(v: unknown): string | number {
  if (typeof v === 'number' || typeof v === 'string') return v;
  return JSON.stringify(v) ?? '';
}

/** Parses `i/n` (0-based i < n). Throws a message naming the value. */
export function parseShard(text: string): { index: number; count: number } {
  const m = /^(\d+)\/(\d+)$/.exec(text);
  const index = m ? Number(m[1]) : Number.NaN;
  const count = m ? Number(m[2]) : Number.NaN;
  if (!(count >= 1) || !(index >= 0) || index >= count) {
    throw new Error(`expected i/n with 0 <= i < n, got \`${text}\``);
  }
  return { index, count };
}
