/**
 * Random-generator benchmark: ns per uniform draw of each seedrandom generator, called raw
 * (`prng()`) and through the same one-method wrapper shape as lbsim's Rng; then lbsim's own stream
 * (RandomSource: tychei), and the exponential and normal samplers (ziggurat vs inversion with
 * Math.log). docs/ARCHITECTURE.md quotes these numbers and the quality claims that go with
 * them.
 *
 * Each measured loop is compiled from its own source text (`new Function`), so every call site
 * sees exactly one generator (monomorphic), as it does in a simulation. Sharing one loop between
 * generators would make its call site megamorphic and time V8's inline cache, not the generator.
 * Each figure is the median over `reps` interleaved rounds of `draws` draws.
 */
import seedrandom from 'seedrandom';
import {
  ExponentialDistribution,
  standardExponential,
  standardNormal,
} from '../src/engine/distributions/index.js';
import { RandomSource, type Rng } from '../src/engine/random.js';
import type { Benchmark, BenchOptions, BenchResult } from './types.js';

type Factory = (seed: string) => () => number;

/** The generators seedrandom 3.0.5 ships, with its own quality notes (node_modules/seedrandom/index.js). */
export const GENERATORS: readonly { name: string; make: Factory; quality: string }[] = [
  { name: 'alea', make: seedrandom.alea, quality: 'reported to pass all BigCrush tests' },
  { name: 'xor128', make: seedrandom.xor128, quality: 'fails MatrixRank and LinearComp' },
  {
    name: 'xorwow',
    make: seedrandom.xorwow,
    quality: 'fails CollisionOver, SimpPoker and LinearComp',
  },
  { name: 'xorshift7', make: seedrandom.xorshift7, quality: 'no systematic BigCrush failures' },
  { name: 'xor4096', make: seedrandom.xor4096, quality: 'no systematic BigCrush failures' },
  { name: 'tychei', make: seedrandom.tychei, quality: 'no systematic BigCrush failures' },
  { name: 'arc4', make: (s) => seedrandom(s), quality: 'ARC4 (RC4) keystream, 53-bit doubles' },
];

type Loop = (target: unknown, n: number) => number;

/** A loop of `n` calls, compiled from its own source text so its call site stays monomorphic. */
function compileLoop(label: string, body: string): Loop {
  // A fresh function per measurement (see the file comment).
  return new Function(
    't',
    'n',
    `/* ${label} */ let acc = 0; for (let i = 0; i < n; i++) acc += ${body}; return acc;`,
  ) as Loop;
}

/** A wrapper object with the same shape as lbsim's SeedrandomRng (a field holding the prng). */
function compileWrapper(label: string): new (p: () => number) => { next(): number } {
  // One class per generator (see the file comment).
  return new Function(
    `/* ${label} */ return class { constructor(p) { this.prng = p; } next() { return this.prng(); } };`,
  )() as new (
    p: () => number,
  ) => { next(): number };
}

let sink = 0; // consumed results, so the loops cannot be optimised away

interface Measurement {
  readonly key: string;
  readonly loop: Loop;
  readonly target: unknown;
}

/**
 * Median ns per call of each measurement. Rounds are interleaved (every measurement once per
 * round, `reps` rounds, after one warm-up call each), so a burst of load from another process
 * spreads over all of them instead of skewing one.
 */
function measure(ms: readonly Measurement[], draws: number, reps: number): Map<string, number> {
  for (const m of ms) sink += m.loop(m.target, Math.min(draws, 200_000));
  const times = new Map<string, number[]>(ms.map((m) => [m.key, []]));
  for (let r = 0; r < reps; r++) {
    for (const m of ms) {
      const start = process.hrtime.bigint();
      sink += m.loop(m.target, draws);
      times.get(m.key)?.push(Number(process.hrtime.bigint() - start) / draws);
    }
  }
  const out = new Map<string, number>();
  for (const [key, t] of times) {
    t.sort((a, b) => a - b);
    out.set(key, Number((t[t.length >> 1] as number).toFixed(2)));
  }
  return out;
}

export function runRngBench(draws: number, reps: number): BenchResult {
  const ms: Measurement[] = [];
  // lbsim's own stream (tychei through SeedrandomRng).
  const rng: Rng = new RandomSource(1).stream('bench');
  ms.push({ key: 'lbsim_rng_ns', loop: compileLoop('lbsim', 't.next()'), target: rng });
  for (const g of GENERATORS) {
    ms.push({
      key: `${g.name}_raw_ns`,
      loop: compileLoop(`${g.name} raw`, 't()'),
      target: g.make('bench'),
    });
    const Wrapper = compileWrapper(g.name);
    ms.push({
      key: `${g.name}_rng_ns`,
      loop: compileLoop(`${g.name} wrapped`, 't.next()'),
      target: new Wrapper(g.make('bench')),
    });
  }
  // Samplers on lbsim's stream. The inversion loop is what ExponentialDistribution would do
  // without the ziggurat.
  const sampler = { rng, fns: { standardExponential, standardNormal } };
  const dist = { d: new ExponentialDistribution(0.01), rng };
  ms.push(
    {
      key: 'exp_inversion_ns',
      loop: compileLoop('exp inversion', '-Math.log(1 - t.rng.next())'),
      target: sampler,
    },
    {
      key: 'exp_ziggurat_ns',
      loop: compileLoop('exp ziggurat', 't.fns.standardExponential(t.rng)'),
      target: sampler,
    },
    {
      key: 'normal_ziggurat_ns',
      loop: compileLoop('normal ziggurat', 't.fns.standardNormal(t.rng)'),
      target: sampler,
    },
    {
      key: 'exponential_sample_ns',
      loop: compileLoop('exponential sample', 't.d.sample(t.rng)'),
      target: dist,
    },
  );
  const times = measure(ms, draws, reps);
  const out: BenchResult = { benchmark: 'rng', generator: 'tychei', draws, reps };
  for (const m of ms) out[m.key] = times.get(m.key) as number;
  out.exp_ziggurat_speedup = Number(
    ((out.exp_inversion_ns as number) / (out.exp_ziggurat_ns as number)).toFixed(2),
  );
  out.checksum = Number.isFinite(sink);
  return out;
}

export const rng: Benchmark = {
  name: 'rng',
  description: 'ns per draw: seedrandom generators raw and wrapped; exponential/normal samplers',
  run(options: BenchOptions): BenchResult {
    const draws = Number(options.args.draws ?? (options.quick ? 5e5 : 5e6));
    const reps = Number(options.args.reps ?? (options.quick ? 3 : 7));
    if (!(Number.isInteger(draws) && draws > 0)) {
      throw new RangeError(`--draws: expected an integer > 0, got ${options.args.draws}`);
    }
    if (!(Number.isInteger(reps) && reps > 0)) {
      throw new RangeError(`--reps: expected an integer > 0, got ${options.args.reps}`);
    }
    return runRngBench(draws, reps);
  },
};
