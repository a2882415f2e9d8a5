/**
 * lbsim as a library: `import { loadScenario, runScenarios, registerBalancer } from 'lbsim'`.
 * The whole public surface is this file; docs/API.md documents it with a worked example. Only
 * what is exported here is supported: deeper modules may change between versions.
 */

/** zod, as lbsim uses it: for a registered balancer's `options` schema. */
export { z } from 'zod';
export type { Ip, NodeId } from './cluster/types.js';
export { ipToString } from './cluster/types.js';
export { BALANCER_NAMES, registerBalancer } from './dataplane/balancers/registry.js';
export type {
  BalancerContext,
  BalancerDescriptor,
  EndpointTable,
  L4Balancer,
  L4BalancerDescriptor,
} from './dataplane/types.js';
export type { Rng, Simulation } from './engine/index.js';
export type { ConfidenceInterval } from './metrics/stats.js';
export { type RowSink, TABLES, type TableName } from './output/columns.js';
export { type SummaryGroup, summarizeDir as summarize } from './output/summarize.js';
export type { BatchResult } from './runner/batch.js';
export {
  jobsOf,
  MemorySink,
  type RowRecord,
  type RunScenariosOptions,
  runScenarios,
  shippedScenario,
} from './runner/library.js';
export { mergeShards } from './runner/merge.js';
export type { JobSpec, JobSummary, ProgressFn, WorkerResult } from './runner/protocol.js';
export { simulateJob } from './runner/simulate.js';
export { formatProblem, ScenarioError, type ScenarioProblem } from './scenario/errors.js';
export {
  type LoadOptions,
  loadScenarioFile as loadScenario,
  loadScenarioText,
} from './scenario/load.js';
export type {
  ResolvedScenario,
  ScenarioConfig,
  ScenarioOverrides,
  Variant,
} from './scenario/types.js';
