import { chiSquaredDistributionTable } from 'simple-statistics';
import type { Ip } from '../../../src/cluster/types.js';
import { ProgrammedTable } from '../../../src/dataplane/endpoint-table.js';
import type { L4Balancer, L4BalancerDescriptor } from '../../../src/dataplane/types.js';
import { RandomSource, type Rng, Simulation } from '../../../src/engine/index.js';

/** 10.244.0.i: pod IPs of the test tables. */
export const podIp = (i: number): Ip => 0x0af40000 + i;

export function table(version: number, ips: readonly Ip[], node = 0): ProgrammedTable {
  return new ProgrammedTable(
    version,
    ips.map((ip) => ({ ip, node })),
  );
}

export interface Rig {
  sim: Simulation;
  source: RandomSource;
  make(node: number, options?: unknown): L4Balancer;
}

/** A simulation and random source; balancers get the `balancer:node-<n>` stream as in a run. */
export function rig(descriptor: L4BalancerDescriptor, seed = 7, sim = new Simulation()): Rig {
  const source = new RandomSource(seed);
  return {
    sim,
    source,
    make(node: number, options: unknown = {}) {
      return descriptor.create(
        { sim, rng: source.stream(`balancer:node-${node}`), node },
        descriptor.options.parse(options),
      );
    },
  };
}

/** Pearson's statistic of observed counts against expected probabilities. */
export function chiSquare(counts: readonly number[], probabilities: readonly number[]): number {
  const total = counts.reduce((a, b) => a + b, 0);
  let x2 = 0;
  counts.forEach((c, i) => {
    const e = total * (probabilities[i] as number);
    x2 += ((c - e) * (c - e)) / e;
  });
  return x2;
}

/**
 * Upper 0.5% point of chi-square with `df` degrees of freedom (simple-statistics' table). With a
 * fixed seed every test is deterministic; a correct sampler would exceed this for 1 seed in 200.
 */
export function chiSquareCritical(df: number): number {
  const row = (chiSquaredDistributionTable as unknown as Record<number, Record<string, number>>)[
    df
  ];
  if (row === undefined) throw new Error(`no chi-square table row for df ${df}`);
  return row['0.005'] as number;
}

/** A separate stream for the test's own choices (which client, which IPs), never the balancer's. */
export function scriptRng(seed: number): Rng {
  return new RandomSource(seed).stream('test-script');
}
