/** `lbsim report`: a self-contained HTML page with the analysis charts. */
import { writeReport } from '../../report/index.js';
import type { CliContext } from '../context.js';
import { displayPath } from '../display.js';
import { EXIT_USAGE } from '../exit-codes.js';

export function registerReport({ program, io }: CliContext): void {
  program
    .command('report')
    .description('write a self-contained HTML page with the analysis charts')
    .argument('<dir>', 'results folder (lbsim run --out)')
    .option('-o, --out <file>', 'output file (default <dir>/report.html)')
    .action(async (dir: string, o: { out?: string }) => {
      let written: string;
      try {
        written = await writeReport(dir, o.out);
      } catch (err) {
        return program.error(`report: ${(err as Error).message}`, { exitCode: EXIT_USAGE });
      }
      io.out(`report written to ${displayPath(written)}\n`);
    });
}
