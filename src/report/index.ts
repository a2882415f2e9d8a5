/**
 * `lbsim report`: one self-contained HTML page with the notebook's charts, for users without
 * Python. Reads an output folder (DIR/<scenario>/<table>.csv, or one scenario folder) and writes
 * DIR/report.html atomically (temp file in the same folder, then rename).
 */
import { readFile, rename, rm, stat, writeFile } from 'node:fs/promises';
import { createRequire } from 'node:module';
import { basename, dirname, join, resolve } from 'node:path';
import { buildCharts } from './charts/index.js';
import { type ReportScenario, renderHtml } from './html.js';
import { findScenarioFolders, loadScenario } from './load.js';

export { buildCharts, type ChartGroup, type ChartSpec } from './charts/index.js';
export { findScenarioFolders, loadScenario, type ScenarioData } from './load.js';

/** Chart.js's UMD build, found the way Node resolves the package (works from src/ and dist/). */
async function chartJsSource(): Promise<string> {
  const main = createRequire(import.meta.url).resolve('chart.js');
  return readFile(join(dirname(main), 'chart.umd.min.js'), 'utf8');
}

/**
 * Writes the HTML report of `resultsDir` to `outFile` (default `<resultsDir>/report.html`) and
 * returns the written path. Missing or empty tables are skipped with a note on the page.
 * Throws when `resultsDir` is not a folder or holds no lbsim tables at all.
 */
export async function writeReport(resultsDir: string, outFile?: string): Promise<string> {
  const root = resolve(resultsDir);
  let isDir = false;
  try {
    isDir = (await stat(root)).isDirectory();
  } catch {
    // reported below
  }
  if (!isDir) throw new Error(`results folder: expected a directory, got \`${resultsDir}\``);
  const folders = await findScenarioFolders(root);
  if (folders.length === 0)
    throw new Error(
      `results folder \`${resultsDir}\`: expected <scenario>/summary.csv (or other lbsim tables), found none`,
    );
  const scenarios: ReportScenario[] = [];
  for (const f of folders) {
    const data = await loadScenario(f, f === root);
    scenarios.push({ data, groups: buildCharts(data) });
  }
  const title =
    folders.length === 1 && scenarios[0]
      ? `lbsim report: ${scenarios[0].data.name}`
      : `lbsim report: ${basename(root)}`;
  const html = renderHtml(title, scenarios, await chartJsSource());
  const out = resolve(outFile ?? join(root, 'report.html'));
  const tmp = `${out}.${process.pid}.tmp`;
  try {
    await writeFile(tmp, html, 'utf8');
    await rename(tmp, out);
  } catch (e) {
    await rm(tmp, { force: true });
    throw e;
  }
  return out;
}
