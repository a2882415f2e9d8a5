/**
 * Prints docs/VALIDATION.md's table of measured values. Usage:
 *   npx tsx test/validation/report.ts [OUT_DIR]
 * With OUT_DIR holding a previous run's outputs it only evaluates them; otherwise it runs every
 * validation scenario first (npm run build before: the CLI's worker pool runs dist/).
 */
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { evaluateValidation, runValidationScenarios, scenarioFiles } from './cases.js';

async function run(): Promise<number> {
  let dir = process.argv[2];
  if (dir === undefined || !fs.existsSync(dir)) {
    dir ??= fs.mkdtempSync(path.join(os.tmpdir(), 'lbsim-validation-'));
    const t0 = performance.now();
    const r = await runValidationScenarios(dir);
    if (r.code !== 0) {
      process.stderr.write(r.err);
      return r.code;
    }
    const wall = (performance.now() - t0) / 1e3;
    process.stderr.write(
      `ran ${scenarioFiles().length} scenarios in ${wall.toFixed(1)} s into ${dir}\n`,
    );
  }
  const checks = evaluateValidation(dir);
  const lines = [
    '| case | scenario | quantity | simulated (mean ± CI half-width) | theory | allowed | ok |',
    '| --- | --- | --- | --- | --- | --- | --- |',
    ...checks.map(
      (c) =>
        `| ${c.caseNo} | ${c.scenario} | ${c.quantity} | ${c.simulated} | ${c.theory} | ${c.allowed} | ${c.ok ? 'yes' : '**NO**'} |`,
    ),
  ];
  process.stdout.write(`${lines.join('\n')}\n`);
  return checks.every((c) => c.ok) ? 0 : 1;
}

process.exitCode = await run();
