import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import type { ResolvedScenario, ScenarioConfig, Variant } from '../../src/scenario/types.js';

export interface ToyOptions {
  name?: string;
  rate?: number;
  replicas?: number;
  balancers?: string[];
  replications?: number;
  duration?: number;
  warmup?: number;
  seed?: number;
  /** Sweep of workload.arrivals.rate. */
  rates?: number[];
}

/**
 * A ResolvedScenario carrying only the fields the toy model reads (src/runner/toy-model.ts);
 * the runner treats the rest as opaque data.
 */
export function toyScenario(o: ToyOptions = {}): ResolvedScenario {
  const config = (rate: number) =>
    ({
      name: o.name ?? 'toy',
      description: '',
      duration: o.duration ?? 20,
      warmup: o.warmup ?? 2,
      seed: o.seed ?? 42,
      replications: o.replications ?? 2,
      output: { window: 1 },
      cluster: { nodes: 2 },
      deployment: {
        replicas: o.replicas ?? 4,
        pod: { serviceTime: { distribution: 'exponential', mean: 0.01 }, queueLimit: 5 },
      },
      workload: { arrivals: { process: 'poisson', rate } },
      balancers: (o.balancers ?? ['iptables', 'ipvs-rr']).map((name) => ({
        name,
        label: name,
        options: {},
      })),
    }) as unknown as ScenarioConfig;
  const rates = o.rates ?? [o.rate ?? 200];
  const variants: Variant[] = rates.map((rate, index) => ({
    index,
    label: o.rates ? `workload.arrivals.rate=${rate}` : 'default',
    params: o.rates ? { 'workload.arrivals.rate': rate } : {},
    scenario: config(rate),
  }));
  return {
    ...(config(rates[0] as number) as object),
    file: undefined,
    sweep: o.rates ? { 'workload.arrivals.rate': o.rates } : {},
    variants,
  } as unknown as ResolvedScenario;
}

export function tempDir(prefix = 'lbsim-test-'): string {
  return fs.mkdtempSync(path.join(os.tmpdir(), prefix));
}

/** Every file under `dir` (relative paths, sorted), hidden ones included. */
export function listFiles(dir: string): string[] {
  const out: string[] = [];
  const walk = (d: string) => {
    for (const e of fs.readdirSync(d, { withFileTypes: true })) {
      const p = path.join(d, e.name);
      if (e.isDirectory()) walk(p);
      else out.push(path.relative(dir, p));
    }
  };
  walk(dir);
  return out.sort();
}
