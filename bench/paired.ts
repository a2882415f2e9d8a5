/**
 * Interleaved A/B runs of two probes (bench/probe.ts), each in its own process: A B, B A, A B...
 * On a shared host absolute speed swings by 3x within minutes, but the two sides of a pair run
 * seconds apart, so their ratio is steady. Figures are medians over the pairs.
 */
import { spawnSync } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { median } from 'simple-statistics';
import type { ProbeParams, ProbeResult } from './probe.js';

const PROBE_SCRIPT = fileURLToPath(new URL('./probe.js', import.meta.url));

/** Runs one probe in a fresh Node process and returns its JSON result (its last line). */
export function runProbe(name: string, params: ProbeParams): ProbeResult {
  return probeResult(runProbeRaw(name, params));
}

/** Runs one probe in a fresh Node process with `nodeFlags`; returns its whole stdout. */
export function runProbeRaw(
  name: string,
  params: ProbeParams,
  nodeFlags: readonly string[] = [],
): string {
  const r = spawnSync(
    process.execPath,
    [...nodeFlags, PROBE_SCRIPT, name, JSON.stringify(params)],
    {
      encoding: 'utf8',
      stdio: ['ignore', 'pipe', 'inherit'],
      maxBuffer: 256 * 1024 * 1024,
    },
  );
  if (r.status !== 0) throw new Error(`probe ${name} exited with ${r.status ?? r.signal}`);
  return r.stdout;
}

/** The JSON result on the last line of a probe's stdout. */
export function probeResult(stdout: string): ProbeResult {
  const lines = stdout.trim().split('\n');
  return JSON.parse(lines[lines.length - 1] as string) as ProbeResult;
}

export interface PairedFigures {
  /** Median of the engine side's `metric`. */
  engine: number;
  /** Median of the reference side's `metric`. */
  reference: number;
  /** Median over pairs of engine / reference. */
  ratio: number;
  /** The per-pair ratios, in run order. */
  ratios: number[];
  /** Every engine-side result (for other fields such as events or mean sojourn). */
  engineRuns: ProbeResult[];
}

/** `pairs` interleaved runs of `engine` and `reference`, compared on `metric` (higher = faster). */
export function paired(
  engine: string,
  reference: string,
  params: ProbeParams,
  pairs: number,
  metric = 'events_per_cpu_s',
): PairedFigures {
  return pairedBy(
    pairs,
    () => {
      const r = runProbe(engine, params);
      return [r[metric] as number, r];
    },
    () => runProbe(reference, params)[metric] as number,
  );
}

/**
 * The same with any two measurements: `runEngine` returns its figure and its whole result,
 * `runReference` its figure (both higher = faster).
 */
export function pairedBy(
  pairs: number,
  runEngine: () => [number, ProbeResult],
  runReference: () => number,
): PairedFigures {
  const e: number[] = [];
  const r: number[] = [];
  const runs: ProbeResult[] = [];
  const ratios: number[] = [];
  for (let i = 0; i < pairs; i++) {
    let a: [number, ProbeResult];
    let b: number;
    if (i % 2 === 0) {
      a = runEngine();
      b = runReference();
    } else {
      b = runReference();
      a = runEngine();
    }
    e.push(a[0]);
    runs.push(a[1]);
    r.push(b);
    ratios.push(a[0] / b);
  }
  return {
    engine: median(e),
    reference: median(r),
    ratio: median(ratios),
    ratios,
    engineRuns: runs,
  };
}
