/** `lbsim summarize`: compare balancers from summary.csv, or pair them with a baseline. */
import * as path from 'node:path';
import { Option } from 'commander';
import { disruptionLines } from '../../output/disruptions.js';
import { writeFileAtomic } from '../../output/files.js';
import { type PairedComparison, pairedComparisons } from '../../output/paired.js';
import {
  FORMATS,
  type Format,
  pairedTable,
  render,
  summaryTable,
} from '../../output/report-formats.js';
import { findSummaryFiles, readCsv, summarizeDir } from '../../output/summarize.js';
import type { CliContext } from '../context.js';
import { CI_NOTE, displayPath, PAIRED_NOTE } from '../display.js';
import { EXIT_USAGE } from '../exit-codes.js';

export function registerSummarize({ program, io }: CliContext): void {
  program
    .command('summarize')
    .description(
      'compare balancers: requests, error rate, latency p50/p99/p999, offered and served rps with 95% CIs; --baseline for paired differences',
    )
    .argument('<dir>', 'an output folder (of one scenario, or holding several)')
    .option(
      '--baseline <balancer>',
      "each balancer's paired difference and ratio to this one (same seeds: common random numbers)",
    )
    .addOption(new Option('--format <format>', 'output format').choices(FORMATS).default('table'))
    .option('-o, --out <file>', 'write to this file instead of stdout (`-`: stdout)')
    .action(async (dir: string, o: { baseline?: string; format: Format; out?: string }) => {
      const files = findSummaryFiles(dir);
      if (files.length === 0) {
        program.error(
          `${dir}: no summary.csv found (expected DIR/summary.csv or DIR/<scenario>/summary.csv)`,
          { exitCode: EXIT_USAGE },
        );
      }
      let text: string;
      if (o.baseline === undefined) {
        text = render(summaryTable(await summarizeDir(dir)), o.format);
      } else {
        const rows: PairedComparison[] = [];
        try {
          for (const f of files) {
            const csv = await readCsv(f);
            rows.push(...pairedComparisons(csv.header, csv.rows, o.baseline));
          }
        } catch (err) {
          return program.error((err as Error).message, { exitCode: EXIT_USAGE });
        }
        text = render(pairedTable(rows), o.format);
      }
      if (o.format === 'table') {
        text += `\n${o.baseline === undefined ? CI_NOTE : PAIRED_NOTE}`;
        const lines =
          o.baseline === undefined ? await disruptionLines(files.map((f) => path.dirname(f))) : [];
        if (lines.length > 0)
          text += `\n\ndisruptions (mean over events, from disruptions.csv):\n${lines.join('\n')}`;
      }
      if (o.out === undefined || o.out === '-') io.out(`${text}\n`);
      else {
        writeFileAtomic(o.out, `${text}\n`);
        io.out(`written to ${displayPath(path.resolve(o.out))}\n`);
      }
    });
}
