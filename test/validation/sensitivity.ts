/**
 * Shows that the validation suite can fail: re-runs one validation scenario with a deliberate
 * change (`--set path=value`, as `lbsim run` takes it) while the theory still comes from the
 * unchanged file, and prints that scenario's checks. Usage (after `npm run build` and a full
 * run kept by `npx tsx test/validation/report.ts DIR`):
 *   npx tsx test/validation/sensitivity.ts DIR v-mm1-iptables 'deployment.pod.serviceTime.mean=10.1ms'
 * docs/VALIDATION.md lists the mutations tried and what they broke.
 */
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { evaluateValidation, runValidationScenarios, SCENARIO_DIR } from './cases.js';

async function run(): Promise<number> {
  const [base, scenario, ...sets] = process.argv.slice(2);
  if (base === undefined || scenario === undefined) {
    process.stderr.write('usage: sensitivity.ts BASE_DIR SCENARIO path=value...\n');
    return 2;
  }
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'lbsim-sensitivity-'));
  fs.cpSync(base, dir, { recursive: true });
  fs.rmSync(path.join(dir, scenario), { recursive: true, force: true });
  const file = path.join(SCENARIO_DIR, `${scenario}.yaml`);
  const r = await runValidationScenarios(dir, 2, [file, ...sets.flatMap((s) => ['--set', s])]);
  if (r.code !== 0) {
    process.stderr.write(r.err);
    return r.code;
  }
  process.stdout.write(`${scenario} with ${sets.join(' ')}:\n`);
  for (const c of evaluateValidation(dir)) {
    if (c.scenario === scenario) {
      process.stdout.write(
        `${c.ok ? 'ok  ' : 'FAIL'} ${c.quantity}: ${c.simulated} vs ${c.theory}\n`,
      );
    }
  }
  fs.rmSync(dir, { recursive: true, force: true });
  return 0;
}

process.exitCode = await run();
