import type { Rng } from '../random.js';

/**
 * A probability distribution of a non-negative quantity (a duration in seconds, a count...).
 * Scenario files name one with a spec; `makeDistribution` turns the spec into a sampler once, at
 * build time. Sampling allocates nothing.
 */
export interface Distribution {
  /** The spec's `distribution` name. */
  readonly kind: DistributionSpec['distribution'];
  /** Draws one value using `rng` (the caller's named stream). */
  sample(rng: Rng): number;
  /** Exact mean of the distribution (for validation and for offered-load computations). */
  readonly mean: number;
  /** Exact variance (Infinity where it does not exist). */
  readonly variance: number;
  /** Quantile function, p in (0, 1); exact where a closed form exists. */
  quantile(p: number): number;
  /** Human-readable form, e.g. `exponential(mean=0.01)`. */
  describe(): string;
}

/**
 * Distribution specs, all values already normalised to seconds (or plain numbers) by the
 * scenario layer. Field names are what scenario files use.
 */
export type DistributionSpec =
  | { distribution: 'constant'; value: number }
  | { distribution: 'exponential'; mean: number }
  | { distribution: 'uniform'; min: number; max: number }
  /** Lognormal by median and 99th percentile, or by mean and coefficient of variation. */
  | { distribution: 'lognormal'; median: number; p99: number }
  | { distribution: 'lognormal'; mean: number; cv: number }
  /** Gamma by mean and shape k; `erlang` requires an integer shape. */
  | { distribution: 'gamma'; mean: number; shape: number }
  | { distribution: 'erlang'; mean: number; shape: number }
  /** Finite mixture, e.g. 99% 1 ms and 1% 1 s: weights are normalised to sum to 1. */
  | { distribution: 'mixture'; components: { weight: number; spec: DistributionSpec }[] }
  /** Resampling of observed values (uniform over the list). */
  | { distribution: 'empirical'; values: number[] };

/** Names accepted in `distribution:` (for `lbsim list distributions` and error messages). */
export const DISTRIBUTION_NAMES = [
  'constant',
  'exponential',
  'uniform',
  'lognormal',
  'gamma',
  'erlang',
  'mixture',
  'empirical',
] as const;

/** One problem in a spec: `path` names the field (`serviceTime.p99`), `message` says why. */
export interface SpecIssue {
  readonly path: string;
  readonly message: string;
}

/**
 * Thrown by `makeDistribution`'s runtime guard for a spec built in code that would break a
 * sampler's assumptions: `issues` holds the problem, as `path: expected ..., got ...`. Specs
 * from scenario files never get here invalid: the schema (src/scenario/schema/distribution.ts)
 * owns the rules users see and their messages.
 */
export class DistributionSpecError extends Error {
  readonly issues: readonly SpecIssue[];
  constructor(issues: readonly SpecIssue[]) {
    super(issues.map((i) => `${i.path}: ${i.message}`).join('\n'));
    this.name = 'DistributionSpecError';
    this.issues = issues;
  }
}
