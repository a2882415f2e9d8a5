/**
 * Paired runs of two probes (bench/probe.ts), each in its own process, the two of a pair started
 * together and run side by side: on a shared host absolute speed swings by 3x within minutes
 * (and run-to-run by 20-40% at load average 18), but two processes running at the same moment
 * see the same machine, so the ratio of their rates per CPU second is steady. Pairs run one
 * after the other; figures are medians over the pairs.
 */
import { spawn, spawnSync } from 'node:child_process';
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

/** runProbeRaw without blocking, so that two probes can run at once. */
export function runProbeRawAsync(
  name: string,
  params: ProbeParams,
  nodeFlags: readonly string[] = [],
): Promise<string> {
  return new Promise((resolve, reject) => {
    const child = spawn(
      process.execPath,
      [...nodeFlags, PROBE_SCRIPT, name, JSON.stringify(params)],
      {
        stdio: ['ignore', 'pipe', 'inherit'],
      },
    );
    const chunks: Buffer[] = [];
    child.stdout.on('data', (c: Buffer) => chunks.push(c));
    child.on('error', reject);
    child.on('close', (code, signal) => {
      if (code !== 0) reject(new Error(`probe ${name} exited with ${code ?? signal}`));
      else resolve(Buffer.concat(chunks).toString('utf8'));
    });
  });
}

/** runProbe without blocking. */
export async function runProbeAsync(name: string, params: ProbeParams): Promise<ProbeResult> {
  return probeResult(await runProbeRawAsync(name, params));
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

/** `pairs` paired runs of `engine` and `reference`, compared on `metric` (higher = faster). */
export function paired(
  engine: string,
  reference: string,
  params: ProbeParams,
  pairs: number,
  metric = 'events_per_cpu_s',
): Promise<PairedFigures> {
  return pairedBy(
    pairs,
    async () => {
      const r = await runProbeAsync(engine, params);
      return [r[metric] as number, r];
    },
    async () => (await runProbeAsync(reference, params))[metric] as number,
  );
}

/**
 * The same with any two measurements, started together: `runEngine` resolves to its figure and
 * its whole result, `runReference` to its figure (both higher = faster).
 */
export async function pairedBy(
  pairs: number,
  runEngine: () => Promise<[number, ProbeResult]>,
  runReference: () => Promise<number>,
): Promise<PairedFigures> {
  const e: number[] = [];
  const r: number[] = [];
  const runs: ProbeResult[] = [];
  const ratios: number[] = [];
  for (let i = 0; i < pairs; i++) {
    const [a, b] = await Promise.all([runEngine(), runReference()]);
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
