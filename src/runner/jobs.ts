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

/**
 * Environment variable holding the shard index under `--shard auto`: the one a Kubernetes
 * Indexed Job sets in each pod (KEP-2214, `batch.kubernetes.io/job-completion-index` exposed
 * through the downward API by the Job controller). Array jobs of other schedulers set it from
 * their own variable (docs/SCALE.md).
 */
export const SHARD_INDEX_ENV = 'JOB_COMPLETION_INDEX';
/** Environment variable giving the shard count under `--shard auto` when `--shards` is absent. */
export const SHARD_COUNT_ENV = 'LBSIM_SHARDS';

/** A whole number >= min written in decimal digits only (`07` allowed, `1e3`, `-1`, `` not). */
function wholeNumber(text: string, min: number): number | undefined {
  const t = text.trim();
  if (!/^\d+$/.test(t)) return undefined;
  const n = Number(t);
  return Number.isSafeInteger(n) && n >= min ? n : undefined;
}

/**
 * The shard of `--shard auto`: index from JOB_COMPLETION_INDEX, count from `--shards N`
 * (`count`) or else LBSIM_SHARDS. Throws a message that says what is missing or wrong and what
 * is expected, so a pod's log (or a terminal outside any Job) tells the user what to set.
 */
export function resolveAutoShard(
  env: Readonly<Record<string, string | undefined>>,
  count?: number,
): { index: number; count: number } {
  const indexText = env[SHARD_INDEX_ENV];
  if (indexText === undefined || indexText.trim() === '') {
    throw new Error(
      `--shard auto: ${SHARD_INDEX_ENV} is not set; it takes the shard index from that variable, ` +
        'which a Kubernetes Indexed Job sets in each pod (completionMode: Indexed). Outside a Job, ' +
        `give --shard i/n, or set ${SHARD_INDEX_ENV} from your scheduler's array index ` +
        `(e.g. ${SHARD_INDEX_ENV}=$SLURM_ARRAY_TASK_ID)`,
    );
  }
  const index = wholeNumber(indexText, 0);
  if (index === undefined) {
    throw new Error(
      `--shard auto: ${SHARD_INDEX_ENV}: expected an integer >= 0, got \`${indexText}\``,
    );
  }
  let n = count;
  if (n === undefined) {
    const countText = env[SHARD_COUNT_ENV];
    if (countText === undefined || countText.trim() === '') {
      throw new Error(
        `--shard auto: the number of shards is not given: pass --shards N or set ${SHARD_COUNT_ENV}=N ` +
          "(N = the Job's spec.completions)",
      );
    }
    n = wholeNumber(countText, 1);
    if (n === undefined) {
      throw new Error(
        `--shard auto: ${SHARD_COUNT_ENV}: expected an integer >= 1, got \`${countText}\``,
      );
    }
  }
  if (index >= n) {
    throw new Error(
      `--shard auto: ${SHARD_INDEX_ENV}=${index} is not below the number of shards ${n} ` +
        `(${count === undefined ? SHARD_COUNT_ENV : '--shards'}); the Job's completions and the shard count must agree`,
    );
  }
  return { index, count: n };
}
