export {
  BaseDistribution,
  DISTRIBUTION_NAMES,
  type Distribution,
  type DistributionSpec,
  DistributionSpecError,
  makeDistribution,
  type SpecIssue,
} from './distributions/index.js';
export { EventQueue } from './queue.js';
export { deriveSeed, type KeyedStream, RandomSource, type Rng } from './random.js';
export {
  type EventHandle,
  type EventKind,
  type Handler,
  NO_EVENT,
  Simulation,
  type SimulationOptions,
} from './simulation.js';
