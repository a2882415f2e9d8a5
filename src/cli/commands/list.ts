/** `lbsim list`: the balancers, distributions and shipped scenarios. */
import * as path from 'node:path';
import { Argument } from 'commander';
import { BALANCERS } from '../../dataplane/balancers/registry.js';
import { DISTRIBUTION_NAMES } from '../../engine/distributions/index.js';
import { packageRoot } from '../../output/run-info.js';
import { listShippedScenarios } from '../../scenario/load.js';
import type { CliContext } from '../context.js';

/** Width of the name column of `lbsim list balancers` (the longest name, at least 14). */
const NAME_WIDTH = Math.max(14, ...BALANCERS.map((b) => b.name.length));

export function registerList({ program, io }: CliContext): void {
  program
    .command('list')
    .description('list what lbsim offers')
    .addArgument(
      new Argument('<what>', 'what to list').choices(['balancers', 'distributions', 'scenarios']),
    )
    .action((what: 'balancers' | 'distributions' | 'scenarios') => {
      switch (what) {
        case 'balancers':
          for (const b of BALANCERS) io.out(`${b.name.padEnd(NAME_WIDTH)} ${b.description}\n`);
          break;
        case 'distributions':
          for (const d of DISTRIBUTION_NAMES) io.out(`${d}\n`);
          break;
        case 'scenarios':
          for (const s of listShippedScenarios(path.join(packageRoot(), 'scenarios'))) {
            io.out(
              `${path.relative(process.cwd(), s.file).padEnd(36)} ${s.name}${s.description ? `: ${s.description}` : ''}\n`,
            );
          }
          break;
        default: {
          const never: never = what;
          throw new Error(`unknown list ${String(never)}`);
        }
      }
    });
}
