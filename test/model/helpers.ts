/**
 * Builds the whole wired model (cluster, control plane, kube-proxy, balancers, request path,
 * workload) from scenario text, as `lbsim run` does for one job, for model-level tests.
 */
import type { RowSink } from '../../src/output/columns.js';
import { buildModel, type Model } from '../../src/scenario/build.js';
import { loadScenarioText } from '../../src/scenario/load.js';
import type { ScenarioConfig } from '../../src/scenario/types.js';

export interface Built {
  readonly model: Model;
  readonly config: ScenarioConfig;
  /** Rows written per table (events, propagation, timeseries ...). */
  readonly rows: Record<string, unknown[][]>;
}

export function build(yaml: string, balancer = 0, seed = 1): Built {
  const config = (loadScenarioText(yaml).variants[0] as { scenario: ScenarioConfig }).scenario;
  const rows: Record<string, unknown[][]> = {};
  const sink = {
    row(table: string, row: readonly unknown[]) {
      rows[table] ??= [];
      (rows[table] as unknown[][]).push([...row]);
    },
  } as unknown as RowSink;
  const b = config.balancers[balancer];
  if (b === undefined) throw new RangeError(`no balancer ${balancer}`);
  return { model: buildModel(config, b, seed, sink), config, rows };
}
