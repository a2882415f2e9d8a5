/**
 * The benchmark harness: `npm run bench` (builds, then runs dist/bench/run.js under
 * `node --expose-gc`).
 *
 *   npm run bench                         every benchmark, full size, one table
 *   npm run bench -- --quick              every benchmark, CI size (a few seconds in all)
 *   npm run bench -- hold model-a         only the named ones
 *   npm run bench -- --quick --gate       the speed gate (bench/gate.ts): CI calls it
 *   npm run bench -- --update-baseline    rewrite bench/baseline.json from a run of the gate
 *   npm run --silent bench -- model-a --departures 1000000 --json
 *                                         one JSON object per benchmark on stdout, nothing else
 *
 * Any other `--key value` pair is passed to every selected benchmark in `args`.
 * Progress and notes go to stderr, so stdout stays machine-readable with --json.
 * When several benchmarks are selected, each runs in its own child process, so rss_mb (peak
 * RSS is per process) and JIT warm-up belong to that benchmark alone.
 *
 * Adding a benchmark: write bench/<name>.ts exporting a `Benchmark` (bench/types.ts), then add
 * one import and one line to BENCHMARKS below.
 */

import { spawnSync } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { batch } from './batch.js';
import { cluster } from './cluster.js';
import { e2e, memory } from './e2e.js';
import { fuzz } from './fuzz.js';
import { runGate, updateBaseline } from './gate.js';
import { hold } from './hold.js';
import { modelA } from './model-a.js';
import { rng } from './rng.js';
import { runSize } from './run-size.js';
import type { Benchmark, BenchResult } from './types.js';

const BENCHMARKS: readonly Benchmark[] = [
  modelA,
  hold,
  rng,
  cluster,
  batch,
  e2e,
  memory,

  fuzz,
  runSize,
  // one line per benchmark (this comment keeps the formatter from joining the lines)
];

interface CliArgs {
  names: string[];
  quick: boolean;
  json: boolean;
  gate: boolean;
  updateBaseline: boolean;
  args: Record<string, string>;
}

function parseArgs(argv: readonly string[]): CliArgs {
  const out: CliArgs = {
    names: [],
    quick: false,
    json: false,
    gate: false,
    updateBaseline: false,
    args: {},
  };
  for (let i = 0; i < argv.length; i++) {
    const a = argv[i] as string;
    if (a === '--quick') out.quick = true;
    else if (a === '--json') out.json = true;
    else if (a === '--gate') out.gate = true;
    else if (a === '--update-baseline') out.updateBaseline = true;
    else if (a === '--help' || a === '-h') {
      usage(0);
    } else if (a.startsWith('--')) {
      const eq = a.indexOf('=');
      if (eq > 0) {
        out.args[a.slice(2, eq)] = a.slice(eq + 1);
      } else {
        const value = argv[i + 1];
        if (value === undefined || value.startsWith('--')) {
          fail(`option ${a}: expected a value`);
        }
        out.args[a.slice(2)] = value;
        i++;
      }
    } else out.names.push(a);
  }
  return out;
}

function usage(code: number): never {
  const lines = [
    'usage: npm run bench -- [names...] [--quick] [--json] [--key value]...',
    '       npm run bench -- --quick --gate     (CI: compare with bench/baseline.json)',
    '       npm run bench -- --update-baseline  (rewrite bench/baseline.json)',
    'benchmarks:',
    ...BENCHMARKS.map((b) => `  ${b.name.padEnd(14)} ${b.description}`),
  ];
  (code === 0 ? process.stdout : process.stderr).write(`${lines.join('\n')}\n`);
  process.exit(code);
}

function fail(message: string): never {
  process.stderr.write(`bench: ${message}\n`);
  process.exit(2);
}

function formatValue(v: number | string | boolean): string {
  if (typeof v !== 'number') return String(v);
  if (Number.isInteger(v)) return v.toLocaleString('en-US');
  const abs = Math.abs(v);
  if (abs >= 1000) return Math.round(v).toLocaleString('en-US');
  if (abs >= 1) return v.toFixed(3);
  return v.toPrecision(4);
}

/** Long table: one row per (benchmark, metric). Results differ in shape, so rows beat columns. */
function printTable(results: readonly BenchResult[]): void {
  const rows: [string, string, string][] = [];
  for (const r of results) {
    for (const [key, value] of Object.entries(r)) {
      if (key === 'benchmark') continue;
      rows.push([r.benchmark, key, formatValue(value)]);
    }
  }
  const header: [string, string, string] = ['benchmark', 'metric', 'value'];
  const w0 = Math.max(header[0].length, ...rows.map((r) => r[0].length));
  const w1 = Math.max(header[1].length, ...rows.map((r) => r[1].length));
  const w2 = Math.max(header[2].length, ...rows.map((r) => r[2].length));
  const line = (r: [string, string, string]) =>
    `${r[0].padEnd(w0)}  ${r[1].padEnd(w1)}  ${r[2].padStart(w2)}`;
  const out = [line(header), `${'-'.repeat(w0)}  ${'-'.repeat(w1)}  ${'-'.repeat(w2)}`];
  let previous = '';
  for (const r of rows) {
    out.push(line([r[0] === previous ? '' : r[0], r[1], r[2]]));
    previous = r[0];
  }
  process.stdout.write(`${out.join('\n')}\n`);
}

async function main(): Promise<void> {
  const cli = parseArgs(process.argv.slice(2));
  if (cli.gate || cli.updateBaseline) {
    // The gate has one size (CI's; its figures are ratios and costs per request, which the size
    // barely moves), so --quick is accepted for the documented command line and changes nothing.
    process.exitCode = await (cli.updateBaseline ? updateBaseline() : runGate());
    return;
  }
  const byName = new Map(BENCHMARKS.map((b) => [b.name, b]));
  for (const n of cli.names) {
    if (!byName.has(n)) {
      fail(`unknown benchmark '${n}'; valid: ${BENCHMARKS.map((b) => b.name).join(', ')}`);
    }
  }
  const selected =
    cli.names.length > 0 ? cli.names.map((n) => byName.get(n) as Benchmark) : BENCHMARKS;
  const results: BenchResult[] = [];
  for (const b of selected) {
    const result =
      selected.length === 1
        ? await runHere(b, cli)
        : runInChild(
            b,
            process.argv.slice(2).filter((a) => !byName.has(a)),
          );
    results.push(result);
    if (cli.json) process.stdout.write(`${JSON.stringify(result)}\n`);
  }
  if (!cli.json) printTable(results);
}

async function runHere(b: Benchmark, cli: CliArgs): Promise<BenchResult> {
  process.stderr.write(`bench: running ${b.name}${cli.quick ? ' (quick)' : ''}...\n`);
  (globalThis as { gc?: () => void }).gc?.();
  return b.run({ quick: cli.quick, args: cli.args });
}

/**
 * Runs one benchmark in a fresh Node process (same flags), so that its peak RSS
 * (process.resourceUsage().maxRSS is per process) and its JIT state are its own.
 */
function runInChild(b: Benchmark, passThrough: readonly string[]): BenchResult {
  const args = [...process.execArgv, fileURLToPath(import.meta.url), b.name, ...passThrough];
  if (!passThrough.includes('--json')) args.push('--json');
  const child = spawnSync(process.execPath, args, {
    stdio: ['ignore', 'pipe', 'inherit'],
    encoding: 'utf8',
    maxBuffer: 16 * 1024 * 1024,
  });
  if (child.status !== 0) {
    throw new Error(`benchmark ${b.name} exited with status ${child.status ?? child.signal}`);
  }
  return JSON.parse(child.stdout.trim()) as BenchResult;
}

main().catch((err: unknown) => {
  // Bad arguments (RangeError from a benchmark's option parsing) get one line; bugs a stack.
  const text =
    err instanceof RangeError
      ? err.message
      : err instanceof Error
        ? (err.stack ?? err.message)
        : String(err);
  process.stderr.write(`bench: ${text}\n`);
  process.exit(err instanceof RangeError ? 2 : 1);
});
