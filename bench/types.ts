/** One benchmark of the harness (bench/run.ts registers them by name). */
export interface Benchmark {
  /** Name used on the command line: `npm run bench -- <name>`. */
  readonly name: string;
  readonly description: string;
  /**
   * Runs once and returns one flat JSON-serialisable result (first key `benchmark`).
   * `quick` asks for a size small enough for CI (a few seconds at most); `args` holds the
   * command line's `--key value` pairs (e.g. `departures`).
   */
  run(options: BenchOptions): Promise<BenchResult> | BenchResult;
}

export interface BenchOptions {
  readonly quick: boolean;
  readonly args: Readonly<Record<string, string>>;
}

export type BenchResult = { benchmark: string } & Record<string, number | string | boolean>;
