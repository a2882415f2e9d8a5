/**
 * The validation suite (docs/VALIDATION.md): every case runs its scenario file through the
 * CLI's code path (`lbsim run FILES --out DIR --quiet -j 2`: schema, job planning, seeds, the
 * worker pool over dist/, the CSV writers) with replications, then compares the CSVs with
 * queueing theory under the tolerance rule of theory.ts checkAgainstTheory. One CLI call runs
 * all five scenario files (one worker pool, both cores busy throughout); the cases then only
 * read CSVs. Measured: ~45 s wall on the shared 2-core machine for the whole run.
 */
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { evaluateValidation, runValidationScenarios, type ValidationCheck } from './cases.js';

let outDir = '';
let checks: ValidationCheck[] = [];

beforeAll(async () => {
  outDir = fs.mkdtempSync(path.join(os.tmpdir(), 'lbsim-validation-'));
  const r = await runValidationScenarios(outDir, 2);
  if (r.code !== 0) throw new Error(`lbsim run exited ${r.code}:\n${r.err}`);
  checks = evaluateValidation(outDir);
}, 300_000);

afterAll(() => {
  if (outDir !== '') fs.rmSync(outDir, { recursive: true, force: true });
});

const TITLES: Record<number, string> = {
  1: 'random dispatch (iptables): each pod is M/M/1',
  2: 'IPVS rr from one client node: each pod is E_N/M/1',
  3: 'one pod with c workers: M/M/c (Erlang C)',
  4: "Little's law on every failure-free run",
  5: 'Nginx static without ejection under pod replacement: failing fraction 1 - exp(-r t)',
  6: 'one pod killed, propagation delay D: L D / N requests fail on the dead IP',
};

describe('validation against queueing theory', () => {
  for (const [no, title] of Object.entries(TITLES)) {
    it(`case ${no}: ${title}`, () => {
      const mine = checks.filter((c) => c.caseNo === Number(no));
      expect(mine.length).toBeGreaterThan(0);
      const failed = mine.filter((c) => !c.ok).map((c) => c.describe);
      expect(failed, failed.join('\n')).toEqual([]);
    });
  }
});
