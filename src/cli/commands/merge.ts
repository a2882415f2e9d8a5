/** `lbsim merge`: join the outputs of `run --shard i/n` runs into one output folder. */
import { mergeShards } from '../../runner/merge.js';
import type { CliContext } from '../context.js';
import { displayPath } from '../display.js';
import { EXIT_SIMULATION_FAILED, EXIT_USAGE } from '../exit-codes.js';

export function registerMerge({ program, io, setExit }: CliContext): void {
  program
    .command('merge')
    .description('join the outputs of `run --shard i/n` runs into one output folder')
    .argument('<out>', 'output folder of the merged result')
    .argument('<dirs...>', 'output folders of the shards')
    .action(async (out: string, dirs: string[]) => {
      let merged: Awaited<ReturnType<typeof mergeShards>>;
      try {
        merged = await mergeShards(dirs, out);
      } catch (err) {
        return program.error(`merge: ${(err as Error).message}`, { exitCode: EXIT_USAGE });
      }
      for (const [name, ids] of Object.entries(merged.missing)) {
        if (ids.length > 0) {
          io.err(
            `${name}: ${ids.length} job(s) in no shard (ids ${ids.slice(0, 10).join(', ')}${ids.length > 10 ? ', ...' : ''})\n`,
          );
          setExit(EXIT_SIMULATION_FAILED);
        }
      }
      for (const note of merged.notes) io.err(`lbsim: ${note}\n`);
      for (const [name, jobs] of Object.entries(merged.failed)) {
        if (jobs.length === 0) continue;
        const shown = jobs
          .slice(0, 10)
          .map(
            (j) => `id ${j.id} (variant ${j.variant}, ${j.balancer}, replication ${j.replication})`,
          );
        io.err(
          `${name}: ${jobs.length} job(s) failed in their shard, their rows are absent: ${shown.join(', ')}${jobs.length > 10 ? ', ...' : ''}\n`,
        );
        setExit(EXIT_SIMULATION_FAILED);
      }
      io.out(`merged into ${merged.dirs.map(displayPath).join(', ')}\n`);
    });
}
