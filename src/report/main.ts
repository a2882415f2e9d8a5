/**
 * Stand-alone entry for CI and for use before `lbsim report` is wired in:
 *   npx tsx src/report/main.ts DIR [OUT]
 * Prints the written path. The `lbsim report` command calls the same writeReport.
 */
import { pathToFileURL } from 'node:url';
import { writeReport } from './index.js';

async function main(argv: readonly string[]): Promise<number> {
  const [dir, out] = argv;
  if (!dir) {
    process.stderr.write('usage: report DIR [OUT]  (writes DIR/report.html by default)\n');
    return 2;
  }
  try {
    process.stdout.write(`${await writeReport(dir, out)}\n`);
    return 0;
  } catch (e) {
    process.stderr.write(`report: ${(e as Error).message}\n`);
    return 1;
  }
}

if (process.argv[1] && import.meta.url === pathToFileURL(process.argv[1]).href) {
  main(process.argv.slice(2)).then((code) => {
    process.exitCode = code;
  });
}
