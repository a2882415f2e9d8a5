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
 * A family of streams indexed by integer keys: `rngFor(k1, k2...)` returns a generator whose
 * sequence depends only on (master seed, stream name, keys), whatever was drawn before, in
 * whatever order. Use it where a draw belongs to an identity that is the same across the runs
 * being compared (a node and a pod transition) while the order in which those identities come
 * up may differ between runs (it depends on the balancer): ordinary streams hand out draws in
 * call order, so one extra or missing call shifts every later draw; a keyed stream does not
 * (common random numbers at the level of each identity).
 */
export interface KeyedStream {
  /** The stream's name, for traces and error messages. */
  readonly name: string;
  /**
   * Re-keys the stream's one generator to (k1, k2, k3, k4) and returns it. Keys are safe
   * integers (negative allowed); an omitted key differs from every number, so (1) and (1, 0)
   * are different keys. The returned Rng is shared: it continues that key's sequence until
   * the next rngFor call on this stream. No allocation.
   */
  rngFor(k1: number, k2?: number, k3?: number, k4?: number): Rng;
}

const TWO_POW_32 = 4294967296;
const TWO_POW_MINUS_32 = 1 / TWO_POW_32;
/** Rounds after the last key: Tyche's own initialisation runs 20 (Neves & Araujo 2011). */
const KEYED_FINAL_ROUNDS = 20;
/** Rounds after each key, so that key order matters before the next key is mixed in. */
const KEYED_ABSORB_ROUNDS = 2;

/**
 * Tyche-i rounds on a 4-word state, in place (S. Neves, F. Araujo, "Fast and small nonlinear
 * pseudorandom number generators for computer simulation", PPAM 2011; the same round as
 * RandomCL's tyche_i.cl). The round is the inverse of ChaCha's quarter-round, so a bijection
 * of the 128-bit state. Note: seedrandom's tychei computes `d = (d << 16) ^ (c >>> 16) ^ a` in
 * the last step (c, not d), which is not the paper's rotation; the keyed streams use the
 * paper's round.
 */
function tycheIRounds(s: Int32Array, rounds: number): void {
  let a = s[0] as number;
  let b = s[1] as number;
  let c = s[2] as number;
  let d = s[3] as number;
  for (let i = 0; i < rounds; i++) {
    b = ((b >>> 7) | (b << 25)) ^ c;
    c = (c - d) | 0;
    d = ((d >>> 8) | (d << 24)) ^ a;
    a = (a - b) | 0;
    b = ((b >>> 12) | (b << 20)) ^ c;
    c = (c - d) | 0;
    d = ((d >>> 16) | (d << 16)) ^ a;
    a = (a - b) | 0;
  }
  s[0] = a;
  s[1] = b;
  s[2] = c;
  s[3] = d;
}

/** XORs one key (low and high 32-bit words of a safe integer) into the state, then mixes. */
function absorbKey(s: Int32Array, k: number, stream: string): void {
  if (!Number.isSafeInteger(k)) {
    throw new RangeError(`${stream}: keys must be safe integers, got ${k}`);
  }
  s[0] = (s[0] as number) ^ (k | 0); // ToInt32: k mod 2^32, exact for safe integers
  s[1] = (s[1] as number) ^ (Math.floor(k / TWO_POW_32) | 0); // high word (exact division)
  tycheIRounds(s, KEYED_ABSORB_ROUNDS);
}

/** The generator a KeyedStream hands out: Tyche-i over a state the stream sets. */
class TycheIRng implements Rng {
  readonly name: string;
  /** a, b, c, d. A typed array keeps the words int32 and every draw allocation-free. */
  readonly state = new Int32Array(4);

  constructor(name: string) {
    this.name = name;
  }

  next(): number {
    tycheIRounds(this.state, 1);
    return ((this.state[0] as number) >>> 0) * TWO_POW_MINUS_32;
  }

  int32(): number {
    tycheIRounds(this.state, 1);
    return this.state[0] as number;
  }
}

/**
 * Keyed streams by hash-seeding a small generator on every rngFor, not by seedrandom: a
 * seedrandom generator's state is private to a closure created per seed, and seeding goes
 * through a string (Mash hash over its characters), so re-keying one per (watcher, event)
 * would build a string and allocate a generator each time (measured in docs/ARCHITECTURE.md).
 *
 * Construction: the 128-bit Mash hash of `lbsim-keyed/<seed>/<name>` (the same hash as ordinary
 * streams, different prefix) is the base state; rngFor XORs the key count into one word, then
 * XORs each key's two words into the state followed by 2 Tyche-i rounds, then runs 20 rounds,
 * Tyche's own initialisation for its (seed, idx) parallel streams, which is what makes nearby
 * keys (node 1, node 2; ordinal 0, 1) start from unrelated states. Since each round is a
 * bijection, two keys that differ only in their last key always give different states.
 * Quality: Tyche-i is reported to pass TestU01 BigCrush by its authors; each keyed sequence is
 * a Tyche-i sequence (expected period ~2^127, no guaranteed minimum). Tested here for
 * determinism, uniformity (chi-square) of the first draw over consecutive keys and of
 * sequences, correlation between neighbouring keys, and no allocation per rngFor.
 */
class TycheKeyedStream implements KeyedStream {
  readonly name: string;
  private readonly base = new Int32Array(4);
  private readonly rng: TycheIRng;

  constructor(seedText: string, name: string) {
    this.name = name;
    this.rng = new TycheIRng(name);
    const h = seedrandom.alea(seedText);
    for (let i = 0; i < 4; i++) this.base[i] = h.int32();
  }

  rngFor(k1: number, k2?: number, k3?: number, k4?: number): Rng {
    const s = this.rng.state;
    const count = k2 === undefined ? 1 : k3 === undefined ? 2 : k4 === undefined ? 3 : 4;
    s[0] = this.base[0] as number;
    s[1] = this.base[1] as number;
    s[2] = this.base[2] as number;
    s[3] = (this.base[3] as number) ^ count;
    absorbKey(s, k1, this.name);
    if (k2 !== undefined) absorbKey(s, k2, this.name);
    if (k3 !== undefined) absorbKey(s, k3, this.name);
    if (k4 !== undefined) absorbKey(s, k4, this.name);
    tycheIRounds(s, KEYED_FINAL_ROUNDS);
    return this.rng;
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
  private readonly keyed = new Map<string, KeyedStream>();

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

  /**
   * The keyed stream named `name` (created on first use; same object for the same name). Its
   * draws depend on (master seed, name, keys) only: see KeyedStream. Names live apart from
   * ordinary streams' (`watch` may be both without sharing draws).
   */
  keyedStream(name: string): KeyedStream {
    let s = this.keyed.get(name);
    if (s === undefined) {
      s = new TycheKeyedStream(`lbsim-keyed/${this.seed}/${name}`, name);
      this.keyed.set(name, s);
    }
    return s;
  }

  /** Names of the streams used so far (sorted), for run metadata. */
  streamNames(): string[] {
    return [...this.streams.keys()].sort();
  }

  /** Names of the keyed streams used so far (sorted), for run metadata. */
  keyedStreamNames(): string[] {
    return [...this.keyed.keys()].sort();
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
