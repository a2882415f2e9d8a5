/** `lbsim init`: the scenario that Kubernetes manifests resolve to, as commented YAML. */
import * as path from 'node:path';
import { ScenarioError } from '../../scenario/errors.js';
import { loadScenarioInputs } from '../../scenario/load.js';
import { writeScenarioYaml } from '../../scenario/manifests/init.js';
import type { ScenarioOverrides } from '../../scenario/types.js';
import type { CliContext } from '../context.js';
import { collect, collectPath } from '../options.js';

export function registerInit({ program, io, fail, warn }: CliContext): void {
  program
    .command('init')
    .description('write the scenario that Kubernetes manifests resolve to, as commented YAML')
    .argument('[file]', 'a scenario file whose keys go over the manifests')
    .requiredOption(
      '-f, --filename <path>',
      'Kubernetes manifests (file or folder, repeatable)',
      collectPath,
    )
    .option('--set <path=value>', 'override a scenario key (repeatable)', collect, [])
    .action((file: string | undefined, opts: { set: string[]; filename: string[] }) => {
      const overrides: ScenarioOverrides = { set: opts.set };
      try {
        const loaded = loadScenarioInputs(
          { ...(file === undefined ? {} : { file }), manifests: opts.filename },
          overrides,
        );
        warn(loaded.warnings);
        io.out(
          writeScenarioYaml({
            raw: loaded.raw,
            provenance: loaded.provenance,
            ...(file === undefined ? {} : { scenarioFile: file, scenarioRaw: loaded.fileRaw }),
            overrides,
            manifests: opts.filename,
            dir: file === undefined ? process.cwd() : path.dirname(path.resolve(file)),
          }),
        );
      } catch (e) {
        if (e instanceof ScenarioError) fail(e.problems);
        throw e;
      }
    });
}
