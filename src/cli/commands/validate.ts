/** `lbsim validate`: check scenario files without running them. */
import { planJobs } from '../../runner/jobs.js';
import { latencyWarnings } from '../../scenario/run-size.js';
import type { ResolvedScenario } from '../../scenario/types.js';
import type { CliContext } from '../context.js';
import { collect, collectPath, MAX_SWEEP_FLAG, MAX_SWEEP_HELP, positiveInt } from '../options.js';

export function registerValidate({ program, io, needInput, load }: CliContext): void {
  program
    .command('validate')
    .description('check scenario files without running them')
    .argument('[files...]', 'scenario files')
    .option(
      '-f, --filename <path>',
      'Kubernetes manifests (file or folder, repeatable)',
      collectPath,
      [],
    )
    .option('--set <path=value>', 'override a scenario key (repeatable)', collect, [])
    .option(MAX_SWEEP_FLAG, MAX_SWEEP_HELP, positiveInt('--max-sweep-points'))
    .action(
      (files: string[], opts: { set: string[]; filename: string[]; maxSweepPoints?: number }) => {
        needInput(files, opts.filename);
        const scenarios = load(files, { set: opts.set }, opts.filename, opts.maxSweepPoints);
        for (const w of latencyWarnings(scenarios)) io.err(`warning: ${w}\n`);
        const shown = files.length === 0 ? [opts.filename.join(' ')] : files;
        for (const [file, s] of shown.map(
          (f, i) => [f, scenarios[i] as ResolvedScenario] as const,
        )) {
          const jobs = planJobs([s])[0]?.jobs.length ?? 0;
          io.out(`${file}: ok (${s.name}: ${s.variants.length} variant(s), ${jobs} job(s))\n`);
        }
      },
    );
}
