/**
 * End to end: bench/scenarios/seed-scale.yaml (the seed article's setup at 10 nodes, 100 pods,
 * 10,000 req/s, per-request connections, crashes and a rollout), one job per balancer, each in
 * its own process on one thread through the production model (`simulateJob`) with a sink that
 * drops the rows (so CSV formatting and I/O are not counted).
 *
 *   npm run --silent bench -- e2e                       600 s simulated per balancer (~6 M requests)
 *   npm run --silent bench -- e2e --duration 60 --balancers iptables,ipvs-rr
 *
 * Per balancer: simulated requests per wall second and per CPU second, engine events per
 * request, bytes allocated per request (V8's own count: the sum of `allocated=` over the GCs of
 * `--trace-gc-nvp` between two forced GCs around the run) and peak RSS. `memory` runs the same
 * job (iptables) at 1 M, 10 M and 100 M requests and compares the peak RSS.
 */
import * as fs from 'node:fs';
import * as os from 'node:os';
import { fileURLToPath } from 'node:url';
import { planJobs } from '../src/runner/jobs.js';
import { simulateJob } from '../src/runner/simulate.js';
import { loadScenarioFile } from '../src/scenario/load.js';
import { probeResult, runProbe, runProbeRawAsync } from './paired.js';
import type { ProbeParams, ProbeResult } from './probe.js';
import type { Benchmark, BenchOptions, BenchResult } from './types.js';

export const SEED_SCALE = fileURLToPath(
  new URL('../../bench/scenarios/seed-scale.yaml', import.meta.url),
);
/** The scenario's arrival rate, req/s (to turn a request count into a duration). */
export const SEED_SCALE_RATE = 10_000;
export const SEED_SCALE_BALANCERS = ['iptables', 'nftables', 'ipvs-rr', 'ipvs-lc', 'nginx-static'];
/** Printed by the probe around the measured run; the GC trace between them is summed. */
export const MARK_START = '@@lbsim-bench-start';
export const MARK_END = '@@lbsim-bench-end';

const gc = (globalThis as { gc?: () => void }).gc;

/**
 * One seed-scale job (balancer `p.balancer`, an index into SEED_SCALE_BALANCERS) of `p.duration`
 * simulated seconds, the rollout at half of it. Run it under `--trace-gc-nvp --expose-gc`.
 */
export function e2eProbe(p: ProbeParams): ProbeResult {
  const duration = p.duration ?? 600;
  const label = SEED_SCALE_BALANCERS[p.balancer ?? 0] as string;
  const scenario = loadScenarioFile(SEED_SCALE, {
    set: [`duration=${duration}s`, `churn[1].at=${duration / 2}s`, 'warmup=0s'],
  });
  const job = planJobs([scenario])[0]?.jobs.find((j) => j.balancer.label === label);
  if (job === undefined) throw new Error(`seed-scale has no balancer ${label}`);
  const sink = { row() {} };
  gc?.();
  fs.writeSync(1, `${MARK_START}\n`);
  const t0 = process.hrtime.bigint();
  const cpu0 = process.cpuUsage();
  const s = simulateJob(job, sink);
  const wall = Number(process.hrtime.bigint() - t0) / 1e9;
  const cpu = process.cpuUsage(cpu0);
  gc?.();
  fs.writeSync(1, `${MARK_END}\n`);
  const cpuS = (cpu.user + cpu.system) / 1e6;
  // warmup 0: the summary counts every request the engine simulated.
  return {
    requests: s.arrivals,
    events: s.events,
    wall_s: wall,
    cpu_s: cpuS,
    rss_mb: process.resourceUsage().maxRSS / 1024,
  };
}

/** Bytes V8 allocated between the probe's two marks, from its `--trace-gc-nvp` output. */
export function allocatedBetweenMarks(stdout: string): number {
  const start = stdout.indexOf(MARK_START);
  const end = stdout.indexOf(MARK_END);
  if (start < 0 || end < start) throw new Error('bench: the probe printed no start/end marks');
  // V8 prints the counter as a size_t: a mark-compact that corrects it downwards prints a small
  // negative number as 2^64 - n (seen: allocated=18446744073709550000, once per few runs of
  // nginx-static, which read as 9e13 bytes per request). Read each as a signed 64-bit integer.
  let bytes = 0n;
  for (const m of stdout.slice(start, end).matchAll(/ allocated=(\d+)/g)) {
    bytes += BigInt.asIntN(64, BigInt(m[1] as string));
  }
  return Number(bytes);
}

/** One balancer's end-to-end figures. */
export interface E2eFigures {
  requests: number;
  requests_per_s: number;
  requests_per_cpu_s: number;
  events_per_request: number;
  bytes_per_request: number;
  rss_mb: number;
}

/** Runs the seed-scale job of balancer index `balancer` for `duration` s in its own process. */
export async function runE2e(balancer: number, duration: number): Promise<E2eFigures> {
  const out = await runProbeRawAsync('e2e', { balancer, duration }, [
    '--expose-gc',
    '--trace-gc-nvp',
  ]);
  const r = probeResult(out);
  const requests = r.requests as number;
  return {
    requests,
    requests_per_s: requests / (r.wall_s as number),
    requests_per_cpu_s: requests / (r.cpu_s as number),
    events_per_request: (r.events as number) / requests,
    bytes_per_request: allocatedBetweenMarks(out) / requests,
    rss_mb: r.rss_mb as number,
  };
}

function balancerList(arg: string | undefined): number[] {
  if (arg === undefined) return SEED_SCALE_BALANCERS.map((_, i) => i);
  return arg.split(',').map((name) => {
    const i = SEED_SCALE_BALANCERS.indexOf(name.trim());
    if (i < 0) {
      throw new RangeError(
        `--balancers: expected names from ${SEED_SCALE_BALANCERS.join(', ')}, got ${name}`,
      );
    }
    return i;
  });
}

export const e2e: Benchmark = {
  name: 'e2e',
  description: 'seed-scale scenario (10 nodes, 100 pods, 10k req/s), one job per balancer',
  async run({ quick, args }: BenchOptions): Promise<BenchResult> {
    const duration = Number(args.duration ?? (quick ? 30 : 600));
    const result: BenchResult = {
      benchmark: 'e2e',
      simulated_s: duration,
      load_avg_1m: os.loadavg()[0] as number,
    };
    let iptables = Number.NaN;
    for (const b of balancerList(args.balancers)) {
      const name = SEED_SCALE_BALANCERS[b] as string;
      const f = await runE2e(b, duration);
      process.stderr.write(
        `bench: e2e ${name}: ${Math.round(f.requests_per_s).toLocaleString('en-US')} req/s wall, ` +
          `${Math.round(f.requests_per_cpu_s).toLocaleString('en-US')} req/CPU-s, ` +
          `${f.events_per_request.toFixed(3)} events/req, ${f.bytes_per_request.toFixed(1)} B/req\n`,
      );
      for (const [k, v] of Object.entries(f)) result[`${name}_${k}`] = v;
      if (name === 'iptables') iptables = f.requests_per_cpu_s;
      else if (!Number.isNaN(iptables))
        result[`${name}_cpu_cost_vs_iptables`] = iptables / f.requests_per_cpu_s;
    }
    return result;
  },
};

/** Request counts of the memory bench: full run and CI size. */
const MEMORY_SIZES = [1e6, 1e7, 1e8];
const MEMORY_SIZES_QUICK = [1e5, 2e5, 5e5];

/** Peak RSS of the iptables seed-scale job at each request count; the spread is max/min - 1. */
export function runMemory(sizes: readonly number[]): { requests: number; rss_mb: number }[] {
  return sizes.map((n) => {
    const r = runProbe('e2e', { balancer: 0, duration: n / SEED_SCALE_RATE });
    process.stderr.write(
      `bench: memory ${n.toLocaleString('en-US')} requests: peak RSS ${(r.rss_mb as number).toFixed(1)} MB\n`,
    );
    return { requests: r.requests as number, rss_mb: r.rss_mb as number };
  });
}

export const memory: Benchmark = {
  name: 'memory',
  description: 'peak RSS of one seed-scale job (iptables) at 1 M, 10 M, 100 M requests',
  run({ quick, args }: BenchOptions): BenchResult {
    const sizes =
      args.sizes === undefined
        ? quick
          ? MEMORY_SIZES_QUICK
          : MEMORY_SIZES
        : args.sizes.split(',').map(Number);
    const runs = runMemory(sizes);
    const rss = runs.map((r) => r.rss_mb);
    const result: BenchResult = { benchmark: 'memory' };
    for (const r of runs) result[`rss_mb_at_${r.requests}`] = r.rss_mb;
    result.rss_spread = Math.max(...rss) / Math.min(...rss) - 1;
    result.rss_max_mb = Math.max(...rss);
    return result;
  },
};
