/**
 * Probability distributions for durations and counts (a folder since wave 2):
 * - spec.ts: the `Distribution` interface, `DistributionSpec`, the names, the guard's error;
 * - ziggurat.ts: the standard exponential and normal samplers every distribution builds on;
 * - special.ts: normal quantile and CDF, erfc, the incomplete gamma (for cdf/quantile only);
 * - base.ts, parametric.ts, mixture.ts, empirical.ts: one class per distribution;
 * - make.ts: spec -> sampler, with the engine's runtime guard (the schema owns the messages).
 */
export { BaseDistribution } from './base.js';
export { EmpiricalDistribution } from './empirical.js';
export { makeDistribution } from './make.js';
export { MixtureDistribution } from './mixture.js';
export {
  ConstantDistribution,
  ExponentialDistribution,
  GammaDistribution,
  LognormalDistribution,
  UniformDistribution,
} from './parametric.js';
export {
  DISTRIBUTION_NAMES,
  type Distribution,
  type DistributionSpec,
  DistributionSpecError,
  type SpecIssue,
} from './spec.js';
export { erfc, normalCdf, normalQuantile, regularizedGammaP } from './special.js';
export { standardExponential, standardNormal, zigguratTopLayerError } from './ziggurat.js';
