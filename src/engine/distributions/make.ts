import type { BaseDistribution } from './base.js';
import { EmpiricalDistribution } from './empirical.js';
import { MixtureDistribution } from './mixture.js';
import {
  ConstantDistribution,
  ExponentialDistribution,
  GammaDistribution,
  LognormalDistribution,
  UniformDistribution,
} from './parametric.js';
import { DISTRIBUTION_NAMES, type DistributionSpec, DistributionSpecError } from './spec.js';

// One home per rule: the scenario schema (src/scenario/schema/distribution.ts) validates what
// users write and owns the messages they read, reporting every problem at once. The engine only
// guards its samplers against specs built in code (tests, benches, tools): the first field that
// would break a sampler's assumptions throws, naming the field, what was expected and the value.

function show(v: unknown): string {
  if (typeof v === 'string') return JSON.stringify(v);
  if (Array.isArray(v)) return `an array of ${v.length}`;
  if (v === undefined) return 'nothing';
  if (typeof v === 'object' && v !== null) return 'an object';
  return String(v);
}

function fail(path: string, message: string): never {
  throw new DistributionSpecError([{ path, message }]);
}

/** The field as a finite number > 0 (or >= 0 with `allowZero`), else throws. */
function positive(obj: object, field: string, path: string, allowZero = false): number {
  const v = (obj as Record<string, unknown>)[field];
  const ok = typeof v === 'number' && Number.isFinite(v) && (allowZero ? v >= 0 : v > 0);
  if (!ok)
    fail(`${path}.${field}`, `expected a number ${allowZero ? '>=' : '>'} 0, got ${show(v)}`);
  return v;
}

/** A non-empty array at `obj[field]`, else throws. */
function nonEmpty(obj: object, field: string, path: string, what: string): unknown[] {
  const v = (obj as Record<string, unknown>)[field];
  if (!Array.isArray(v) || v.length === 0) {
    fail(`${path}.${field}`, `expected a non-empty list${what}, got ${show(v)}`);
  }
  return v;
}

/**
 * Turns a spec into a sampler. Throws a `DistributionSpecError` naming the first invalid field
 * under `path` (e.g. `deployment.pod.serviceTime.mean: expected a number > 0, got -1`).
 */
export function makeDistribution(spec: DistributionSpec, path = 'distribution'): BaseDistribution {
  if (typeof spec !== 'object' || spec === null) {
    fail(path, `expected a distribution spec (an object), got ${show(spec)}`);
  }
  switch (spec.distribution) {
    case 'constant':
      return new ConstantDistribution(positive(spec, 'value', path, true));
    case 'exponential':
      return new ExponentialDistribution(positive(spec, 'mean', path));
    case 'uniform': {
      const lo = positive(spec, 'min', path, true);
      const hi = positive(spec, 'max', path, true);
      if (!(hi > lo)) fail(`${path}.max`, `expected a number > min (${lo}), got ${hi}`);
      return new UniformDistribution(lo, hi);
    }
    case 'lognormal': {
      const byMedian = 'median' in spec || 'p99' in spec;
      const byMean = 'mean' in spec || 'cv' in spec;
      if (byMedian === byMean) {
        const got = byMedian ? 'both' : 'neither';
        fail(path, `expected lognormal by {median, p99} or by {mean, cv}, got ${got}`);
      }
      if (byMedian) {
        const median = positive(spec, 'median', path);
        const p99 = positive(spec, 'p99', path);
        if (!(p99 > median))
          fail(`${path}.p99`, `expected a number > median (${median}), got ${p99}`);
        return LognormalDistribution.fromMedianP99(median, p99);
      }
      return LognormalDistribution.fromMeanCv(
        positive(spec, 'mean', path),
        positive(spec, 'cv', path),
      );
    }
    case 'gamma':
    case 'erlang': {
      const mean = positive(spec, 'mean', path);
      const shape = positive(spec, 'shape', path);
      if (spec.distribution === 'erlang' && !Number.isInteger(shape)) {
        fail(`${path}.shape`, `expected an integer >= 1 for erlang, got ${shape}`);
      }
      return new GammaDistribution(mean, shape, spec.distribution);
    }
    case 'mixture': {
      const comps = nonEmpty(spec, 'components', path, '');
      const built: BaseDistribution[] = [];
      const weights: number[] = [];
      comps.forEach((c, i) => {
        const cp = `${path}.components[${i}]`;
        if (typeof c !== 'object' || c === null)
          fail(cp, `expected {weight, spec}, got ${show(c)}`);
        weights.push(positive(c, 'weight', cp));
        built.push(makeDistribution((c as { spec: DistributionSpec }).spec, `${cp}.spec`));
      });
      return new MixtureDistribution(built, weights);
    }
    case 'empirical': {
      const values = nonEmpty(spec, 'values', path, ' of numbers');
      values.forEach((v, i) => {
        if (!(typeof v === 'number' && Number.isFinite(v) && v >= 0)) {
          fail(`${path}.values[${i}]`, `expected a number >= 0, got ${show(v)}`);
        }
      });
      return new EmpiricalDistribution(values as number[]);
    }
    default: {
      const name = (spec as { distribution?: unknown }).distribution;
      return fail(
        `${path}.distribution`,
        `expected one of ${DISTRIBUTION_NAMES.join(', ')}, got ${show(name)}`,
      );
    }
  }
}
