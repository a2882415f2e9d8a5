/**
 * Running a scenario text through the CLI (worker pool, built dist/) into a temporary folder,
 * and reading its CSVs by balancer: shared by the end-to-end tests of the wired families.
 */
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { afterAll, expect } from 'vitest';
import { main } from '../../src/cli/main.js';

/** A runner for scenario `name` (its text), with the temporary folders removed after the file. */
export function scenarioRunner(name: string, text: string): (threads: number) => Promise<string> {
  const dirs: string[] = [];
  afterAll(() => {
    for (const d of dirs) fs.rmSync(d, { recursive: true, force: true });
  });
  return async (threads) => {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), `lbsim-${name}-`));
    dirs.push(dir);
    const file = path.join(dir, `${name}.yaml`);
    fs.writeFileSync(file, text);
    const out = path.join(dir, 'out');
    const io = { out: () => {}, err: (s: string) => process.stderr.write(s) };
    const code = await main(
      ['node', 'lbsim', 'run', file, '--out', out, '--quiet', '-j', String(threads)],
      io,
    );
    expect(code).toBe(0);
    return path.join(out, name);
  };
}

/** The rows of `csv` (split on commas) whose `balancer` column is `balancer`. */
export function rowsOf(csv: string, balancer: string): string[][] {
  const lines = csv.trim().split('\n');
  const header = (lines[0] ?? '').split(',');
  const b = header.indexOf('balancer');
  return lines
    .slice(1)
    .map((l) => l.split(','))
    .filter((r) => r[b] === balancer);
}
