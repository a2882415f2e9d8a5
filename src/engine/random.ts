import seedrandom from 'seedrandom';

/**
 * A stream of uniform variates in [0, 1). Every random draw in lbsim comes from one of these,
 * obtained by name from the run's RandomSource: never Math.random().
 */
export interface Rng {
  /** Uniform in [0, 1) with 32 bits of resolution. */
  next(): number;
  /** Uniform signed 32-bit integer. */
  int32(): number;
  /** The stream's name, for traces and error messages. */
  readonly name: string;
}

/**
 * Which seedrandom generator backs every stream: Tyche-i (Neves & Araujo 2011, a ChaCha
 * quarter-round as a 128-bit state update).
 *
 * Chosen by measurement (bench/rng.ts, `npm run bench -- rng`; median ns per uniform draw on this
 * 2-core machine, each call site monomorphic; full table in docs/ARCHITECTURE.md):
 *   xor128 1.7 | tychei 2.5 | xorwow 2.0 | xor4096 3.3 | xorshift7 4.4 | alea 5.6 | ARC4 29
 * and by seedrandom's own quality notes (node_modules/seedrandom/index.js): alea "reported to
 * pass all BigCrush tests"; tychei, xor4096 and xorshift7 "no systematic BigCrush failures";
 * xor128 fails MatrixRank and LinearComp, xorwow fails CollisionOver, SimpPoker and LinearComp.
 * Tyche-i is the fastest of the BigCrush-passing generators, about 2x faster than alea (our
 * previous choice), and has 32 bits of resolution per draw, like alea.
 */
const generator = seedrandom.tychei;

/**
 * Turns a stream's seed text into 128 bits (hex) with alea's Mash seeding hash, and seeds
 * Tyche-i with that. seedrandom's tychei seeding only XORs the seed's characters into one word
 * of state between rounds; hashing first means names that differ in one character
 * (`balancer:node-1`, `balancer:node-2`) start from unrelated states, not nearby ones.
 */
function hashSeed(text: string): string {
  const h = seedrandom.alea(text);
  let out = '';
  for (let i = 0; i < 4; i++) out += (h.int32() >>> 0).toString(16).padStart(8, '0');
  return out;
}

/** An Rng over one seedrandom generator. */
class SeedrandomRng implements Rng {
  readonly name: string;
  // The seedrandom prng is a closure over its state; holding it in a field of a single class
  // keeps every `rng.next()` call site monomorphic.
  private readonly prng: seedrandom.PRNG;

  constructor(seedText: string, name: string) {
    this.name = name;
    this.prng = generator(hashSeed(seedText));
  }

  next(): number {
    return this.prng();
  }

  int32(): number {
    return this.prng.int32();
  }
}

/**
 * The run's source of randomness: one master seed, and independent named substreams derived
 * from it. Each substream is seeded from (master seed, name) alone, so adding a draw in one
 * model never shifts another model's sequence, and asking for the same name twice returns the
 * same stream object.
 */
export class RandomSource {
  readonly seed: number;
  private readonly streams = new Map<string, Rng>();

  constructor(seed: number) {
    if (!Number.isSafeInteger(seed)) {
      throw new RangeError(`seed: expected a safe integer, got ${seed}`);
    }
    this.seed = seed;
  }

  /** The stream named `name` (created on first use). Names: `arrivals`, `balancer:node-3`... */
  stream(name: string): Rng {
    let s = this.streams.get(name);
    if (s === undefined) {
      s = new SeedrandomRng(`lbsim/${this.seed}/${name}`, name);
      this.streams.set(name, s);
    }
    return s;
  }

  /** Names of the streams used so far (sorted), for run metadata. */
  streamNames(): string[] {
    return [...this.streams.keys()].sort();
  }
}

/**
 * Derives a child seed (a non-negative 32-bit integer, printable in CSVs) from a parent seed and
 * a path of parts, e.g. deriveSeed(42, 'variant', 3, 'replication', 1). Pure and deterministic:
 * never depends on wall time, thread or order of evaluation. The parts are encoded as JSON, so
 * ('a/b') and ('a', 'b') and ('1') and (1) are all different paths. The result is the first
 * 32-bit output of an alea generator seeded with that path: alea's Mash seeding hash spreads
 * nearby paths (replication 1, 2, 3...) over the whole 32-bit range (tested).
 */
export function deriveSeed(parent: number, ...parts: (string | number)[]): number {
  const prng = seedrandom.alea(`lbsim-derive/${parent}/${JSON.stringify(parts)}`);
  return prng.int32() >>> 0;
}
