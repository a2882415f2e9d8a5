/** `lbsim explain`: the type, default and meaning of a scenario key. */
import { didYouMean } from '../../fields/fields.js';
import { explainKey, scenarioKeys } from '../../scenario/explain.js';
import type { CliContext } from '../context.js';
import { EXIT_USAGE } from '../exit-codes.js';

export function registerExplain({ program, io }: CliContext): void {
  program
    .command('explain')
    .description('the type, default and meaning of a scenario key (as kubectl explain)')
    .argument('[key]', 'a key path such as kubeProxy.minSyncPeriod (none: the top-level keys)')
    .action((key: string | undefined) => {
      const text = explainKey(key ?? '');
      if (text === undefined) {
        const near = didYouMean(key ?? '', scenarioKeys());
        program.error(
          `explain: no scenario key \`${key}\`${near ? ` (did you mean \`${near}\`?)` : ''}; \`lbsim explain\` lists the top-level keys`,
          { exitCode: EXIT_USAGE },
        );
      }
      io.out(text as string);
    });
}
