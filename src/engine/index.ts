export { EventQueue } from './queue.js';
export { deriveSeed, RandomSource, type Rng } from './random.js';
export {
  type EventHandle,
  type EventKind,
  type Handler,
  NO_EVENT,
  Simulation,
  type SimulationOptions,
} from './simulation.js';
