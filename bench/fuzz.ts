/**
 * Loader fuzzing: mutated scenario files (from the shipped scenarios: deleted keys, wrong types,
 * extremes, deep nesting, aliases, odd encodings, forbidden keys, hostile sweeps, truncation)
 * fed to the loader in-process. Every case must end in success or in problems that name the
 * file, never in an exception or an "lbsim bug" line, and within a second of CPU time (ten of
 * wall time: a loaded machine stretches the latter).
 *
 *   npm run bench -- fuzz --cases 100000 --seed 7     the long run (test/scenario/fuzz.test.ts
 *                                                      runs a few thousand in npm test)
 */
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { performance } from 'node:perf_hooks';
import seedrandom from 'seedrandom';
import { parse as parseYaml, stringify as stringifyYaml } from 'yaml';
import { packageRoot } from '../src/output/run-info.js';
import { formatProblem } from '../src/scenario/errors.js';
import { validateScenarioFiles } from '../src/scenario/load.js';
import type { Benchmark, BenchResult } from './types.js';

export interface FuzzCase {
  readonly kind: string;
  readonly ext: '.yaml' | '.json';
  readonly bytes: Buffer;
}

export interface FuzzFailure {
  readonly kind: string;
  readonly file: string;
  readonly why: string;
}

export interface FuzzReport {
  readonly cases: number;
  readonly ok: number;
  readonly rejected: number;
  readonly failures: FuzzFailure[];
  /** Largest CPU time of one case, in ms. */
  readonly maxMs: number;
  readonly slowestKind: string;
  readonly seconds: number;
}

type Rand = () => number;

const EXTREMES: readonly unknown[] = [
  0,
  -1,
  1e308,
  -1e308,
  5e-324,
  2 ** 53 + 1,
  '1e400',
  `${'9'.repeat(400)}s`,
  '.nan',
  '-.inf',
  '',
  ' ',
  'x'.repeat(10_000),
  '1e-9',
  '-5s',
  '25%',
  '1000%',
  true,
  null,
  [],
  {},
  [1, [2, [3]]],
  { distribution: 'nope' },
];

function pick<T>(r: Rand, xs: readonly T[]): T {
  return xs[Math.floor(r() * xs.length)] as T;
}

/** Every (container, key) of a parsed tree, root excluded. */
function slots(raw: unknown): [Record<string | number, unknown>, string | number][] {
  const out: [Record<string | number, unknown>, string | number][] = [];
  const stack: unknown[] = [raw];
  while (stack.length > 0) {
    const v = stack.pop();
    if (v === null || typeof v !== 'object') continue;
    const c = v as Record<string | number, unknown>;
    for (const k of Array.isArray(v) ? v.keys() : Object.keys(v)) {
      out.push([c, k]);
      stack.push(c[k]);
    }
  }
  return out;
}

function nested(depth: number, flow: boolean): string {
  if (flow) return `${'['.repeat(depth)}1${']'.repeat(depth)}`;
  return Array.from({ length: depth }, (_, i) => `${' '.repeat(i + 2)}- `).join('\n');
}

/** The shipped scenarios' texts and parsed contents (the seeds of every mutation). */
export function shippedScenarios(): { text: string; raw: unknown }[] {
  const dir = path.join(packageRoot(), 'scenarios');
  return fs
    .readdirSync(dir)
    .filter((f) => /\.ya?ml$/.test(f))
    .sort()
    .map((f) => {
      const text = fs.readFileSync(path.join(dir, f), 'utf8');
      return { text, raw: parseYaml(text) };
    });
}

/** A mutated scenario, deterministic for (seeds, r's state). */
export function mutate(r: Rand, seeds: readonly { text: string; raw: unknown }[]): FuzzCase {
  const seed = pick(r, seeds);
  const raw = structuredClone(seed.raw) as Record<string, unknown>;
  const yaml = (v: unknown) => Buffer.from(stringifyYaml(v, { aliasDuplicateObjects: false }));
  const kinds = [
    'delete',
    'wrong-type',
    'extreme',
    'deep-flow',
    'deep-block',
    'aliases',
    'encoding',
    'forbidden-key',
    'unknown-keys',
    'sweep',
    'truncate',
    'json',
    'duplicate-key',
  ] as const;
  const kind = pick(r, kinds);
  const s = slots(raw);
  const slot = s.length > 0 ? pick(r, s) : undefined;
  switch (kind) {
    case 'delete':
      if (slot !== undefined) {
        if (Array.isArray(slot[0])) (slot[0] as unknown[]).splice(Number(slot[1]), 1);
        else delete slot[0][slot[1]];
      }
      return { kind, ext: '.yaml', bytes: yaml(raw) };
    case 'wrong-type':
    case 'extreme': {
      const values = kind === 'extreme' ? EXTREMES : ['text', 42, true, null, [1], { a: 1 }];
      if (slot !== undefined) slot[0][slot[1]] = pick(r, values);
      let text = stringifyYaml(raw);
      // YAML spellings of special numbers (stringify would quote them).
      text = text.replace(/"\.nan"|"-\.inf"/g, (m) => m.slice(1, -1));
      return { kind, ext: '.yaml', bytes: Buffer.from(text) };
    }
    case 'deep-flow':
    case 'deep-block': {
      // A block nested d deep is O(d^2) characters (each level indents one more): 3,000 deep is
      // 4.5 MB (past the 1 MB scenario limit) and 20,000 would be 200 MB, so blocks stop at
      // 3,000 (1,000 deep, 0.5 MB, is parsed) and only flow nesting goes to 20,000.
      const depth = pick(
        r,
        kind === 'deep-flow'
          ? [10, 63, 64, 65, 200, 3000, 20_000]
          : [10, 63, 64, 65, 200, 1000, 3000],
      );
      const body =
        kind === 'deep-flow' ? `x: ${nested(depth, true)}\n` : `x:\n${nested(depth, false)}1\n`;
      return { kind, ext: '.yaml', bytes: Buffer.from(`${seed.text}\n${body}`) };
    }
    case 'aliases': {
      const n = pick(r, [1, 1001, 20_000]);
      const lines = [seed.text, 'anchors: &a [x, x, x, x, x, x, x, x, x, x]'];
      if (r() < 0.3) lines.push('dangling: *nowhere');
      else lines.push(`many: [${Array.from({ length: n }, () => '*a').join(', ')}]`);
      return { kind, ext: '.yaml', bytes: Buffer.from(`${lines.join('\n')}\n`) };
    }
    case 'encoding': {
      const text = seed.text;
      const variants = [
        Buffer.concat([Buffer.from([0xef, 0xbb, 0xbf]), Buffer.from(text)]),
        Buffer.concat([Buffer.from([0xff, 0xfe]), Buffer.from(text, 'utf16le')]),
        Buffer.from(text, 'latin1'),
        Buffer.concat([Buffer.from(text), Buffer.from([0xc3, 0x28, 0x00])]),
        Buffer.from(text.replace(/\n/g, '\r\n')),
        Buffer.from(text.replace(/ {2}/g, '\t')),
        Buffer.from(`${text}\n# \u202e\u0007 odd characters ✓\n`),
      ];
      return { kind, ext: '.yaml', bytes: pick(r, variants) };
    }
    case 'forbidden-key': {
      const k = pick(r, ['__proto__', 'constructor', 'prototype']);
      const target = slot !== undefined && isObject(slot[0][slot[1]]) ? slot[0][slot[1]] : raw;
      const body = stringifyYaml(raw);
      const text =
        r() < 0.5
          ? `${body}sweep:\n  ${k}.polluted: [1, 2]\n`
          : `${body}${JSON.stringify(k)}: {polluted: 1}\n`;
      void target;
      return { kind, ext: '.yaml', bytes: Buffer.from(text) };
    }
    case 'unknown-keys': {
      const n = pick(r, [1, 50, 900, 1001]);
      const keys = Array.from({ length: n }, (_, i) => `k${i}: ${i}`).join('\n');
      return { kind, ext: '.yaml', bytes: Buffer.from(`${stringifyYaml(raw)}${keys}\n`) };
    }
    case 'sweep': {
      const key = pick(r, [
        'workload.arrivals.rate',
        'churn[99999999].mtbf',
        'churn.0.mtbf',
        'seed',
        'name',
        'a..b',
        '[0]',
        'deployment.replicas',
      ]);
      const count = pick(r, [0, 1, 3, 50]);
      const values = Array.from({ length: count }, (_, i) => pick(r, [i + 1, `${i}s`, -i, 'x']));
      raw.sweep = r() < 0.2 ? { [key]: values, 'churn[0].mtbf': [1] } : { [key]: values };
      if (r() < 0.2) {
        raw.sweep = Object.fromEntries(
          ['workload.arrivals.rate', 'deployment.replicas', 'replications'].map((k) => [
            k,
            Array.from({ length: 100 }, (_, i) => i + 1),
          ]),
        );
      }
      return { kind, ext: '.yaml', bytes: yaml(raw) };
    }
    case 'truncate': {
      const cut = Math.floor(r() * seed.text.length);
      return { kind, ext: '.yaml', bytes: Buffer.from(seed.text.slice(0, cut)) };
    }
    case 'json': {
      if (slot !== undefined && r() < 0.5) slot[0][slot[1]] = pick(r, EXTREMES);
      let text = JSON.stringify(raw);
      if (r() < 0.3) text = text.replace(/1e\+308/g, '1e400');
      if (r() < 0.3) text = text.slice(0, Math.floor(r() * text.length));
      return { kind, ext: '.json', bytes: Buffer.from(text) };
    }
    case 'duplicate-key': {
      const json = r() < 0.5;
      const text = json
        ? JSON.stringify(raw).replace(/^\{/, '{"duration": 5, "duration": 6, ')
        : `duration: 5\n${seed.text}\nduration: 6\n`;
      return { kind, ext: json ? '.json' : '.yaml', bytes: Buffer.from(text) };
    }
    default: {
      const never: never = kind;
      throw new Error(`unknown mutation ${String(never)}`);
    }
  }
}

function isObject(v: unknown): boolean {
  return v !== null && typeof v === 'object';
}

/**
 * Runs `cases` mutated files (or until `budgetSeconds`) through validateScenarioFiles and
 * collects every failure: an exception, an "lbsim bug" line, a problem not naming its file, a
 * case slower than `maxCaseMs`.
 */
export function fuzzLoader(options: {
  cases: number;
  seed: number;
  budgetSeconds?: number;
  maxCaseMs?: number;
}): FuzzReport {
  const r = seedrandom(`lbsim-fuzz-${options.seed}`);
  const seeds = shippedScenarios();
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'lbsim-fuzz-'));
  const failures: FuzzFailure[] = [];
  const started = performance.now();
  let ok = 0;
  let rejected = 0;
  let maxMs = 0;
  let slowestKind = '';
  let n = 0;
  try {
    for (; n < options.cases; n++) {
      if (
        options.budgetSeconds !== undefined &&
        performance.now() - started > options.budgetSeconds * 1000
      ) {
        break;
      }
      const c = mutate(r, seeds);
      const file = path.join(dir, `case-${n}${c.ext}`);
      fs.writeFileSync(file, c.bytes);
      const t0 = performance.now();
      const cpu0 = process.cpuUsage();
      let why: string | undefined;
      try {
        const v = validateScenarioFiles([file]);
        if (v.ok) ok++;
        else rejected++;
        for (const p of v.problems) {
          const line = formatProblem(p);
          if (p.file !== file || !line.startsWith(`${file}: `))
            why = `does not name the file: ${line}`;
          else if (/lbsim bug/.test(line)) why = line;
          else if (typeof p.path !== 'string') why = `no path: ${line}`;
          if (why !== undefined) break;
        }
      } catch (e) {
        why = `threw: ${e instanceof Error ? (e.stack ?? e.message) : String(e)}`;
      }
      // CPU time of the case (a loaded machine stretches wall time, not work), and wall time
      // against hangs (a FIFO read, a sleep) at ten times the bound.
      const cpu = process.cpuUsage(cpu0);
      const ms = (cpu.user + cpu.system) / 1000;
      const wallMs = performance.now() - t0;
      if (ms > maxMs) {
        maxMs = ms;
        slowestKind = c.kind;
      }
      const bound = options.maxCaseMs ?? 1000;
      if (ms > bound) why ??= `took ${ms.toFixed(0)} ms of CPU`;
      else if (wallMs > 10 * bound) why ??= `took ${wallMs.toFixed(0)} ms of wall time`;
      if (why !== undefined) {
        const keep = path.join(dir, `failed-${n}${c.ext}`);
        fs.renameSync(file, keep);
        failures.push({ kind: c.kind, file: keep, why: why.slice(0, 2000) });
      } else fs.rmSync(file);
    }
  } finally {
    if (failures.length === 0) fs.rmSync(dir, { recursive: true, force: true });
  }
  return {
    cases: n,
    ok,
    rejected,
    failures,
    maxMs,
    slowestKind,
    seconds: (performance.now() - started) / 1000,
  };
}

export const fuzz: Benchmark = {
  name: 'fuzz',
  description: 'mutated scenario files through the loader: no throw, every problem names its file',
  run: ({ quick, args }): BenchResult => {
    const cases = Number(args.cases ?? (quick ? 300 : 20_000));
    const report = fuzzLoader({ cases, seed: Number(args.seed ?? 1) });
    for (const f of report.failures.slice(0, 20)) {
      process.stderr.write(`FAIL ${f.kind} ${f.file}: ${f.why}\n`);
    }
    return {
      benchmark: 'fuzz',
      cases: report.cases,
      ok: report.ok,
      rejected: report.rejected,
      failures: report.failures.length,
      max_case_cpu_ms: Math.round(report.maxMs),
      slowest_kind: report.slowestKind,
      wall_s: Math.round(report.seconds * 10) / 10,
    };
  },
};
