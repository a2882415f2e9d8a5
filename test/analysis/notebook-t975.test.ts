/**
 * Issue 14: the notebook's confidence intervals use the same t quantile as lbsim summarize and
 * the report (src/metrics/stats.ts studentTQuantile975). The notebook's `def t975` is taken out
 * of notebooks/analysis.ipynb as it is and evaluated by Python, on both sides of the table's end
 * (30 degrees of freedom) where the old notebook used 1.96 + 2.4/df.
 * Runs wherever python3 is on PATH (stdlib only: no pandas); CI's notebook step sets
 * LBSIM_NOTEBOOK_TEST=1, which makes a missing python3 a failure instead of a skip.
 */
import { spawnSync } from 'node:child_process';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { describe, expect, it } from 'vitest';
import { studentTQuantile975 } from '../../src/metrics/stats.js';
import { packageRoot } from '../../src/output/run-info.js';

const DFS = [1, 2, 4, 9, 29, 30, 31, 35, 40, 60, 120, 1000];

const python = ['python3', 'python'].find(
  (p) => spawnSync(p, ['-c', 'print(1)'], { encoding: 'utf8' }).stdout?.trim() === '1',
);
const required = process.env.LBSIM_NOTEBOOK_TEST === '1';
if (!python && !required)
  console.warn('test/analysis/notebook-t975: SKIPPED: no python3 on PATH (CI requires it)');

/** The source of the notebook's `def t975(df)`, up to the next top-level statement. */
function notebookT975(): string {
  const nb = JSON.parse(
    fs.readFileSync(path.join(packageRoot(), 'notebooks', 'analysis.ipynb'), 'utf8'),
  ) as { cells: { cell_type: string; source: string[] | string }[] };
  for (const c of nb.cells) {
    if (c.cell_type !== 'code') continue;
    const lines = (Array.isArray(c.source) ? c.source.join('') : c.source).split('\n');
    const start = lines.findIndex((l) => l.startsWith('def t975('));
    if (start < 0) continue;
    let end = start + 1;
    while (end < lines.length && (lines[end] === '' || /^\s/.test(lines[end]!))) end++;
    return lines.slice(start, end).join('\n');
  }
  throw new Error('notebooks/analysis.ipynb: no `def t975(df)` in its code cells');
}

describe.runIf(python !== undefined || required)("the notebook's t975", () => {
  it('equals studentTQuantile975 at df 1..1000 (table and the Cornish-Fisher expansion beyond 30)', () => {
    expect(python, 'python3 on PATH').toBeDefined();
    const code = `${notebookT975()}\nimport json\nprint(json.dumps([repr(t975(d)) for d in ${JSON.stringify(DFS)}]))\n`;
    const r = spawnSync(python!, ['-c', code], { encoding: 'utf8' });
    expect(r.stderr).toBe('');
    const py = (JSON.parse(r.stdout) as string[]).map(Number);
    DFS.forEach((df, i) => {
      const ts = studentTQuantile975(df);
      // Same formula in both: equal to the last bits but for the order of float operations.
      expect(Math.abs(py[i]! - ts), `df ${df}: notebook ${py[i]}, stats.ts ${ts}`).toBeLessThan(
        1e-12,
      );
      // And so to every precision either prints (4 significant digits in the tables).
      expect(py[i]!.toPrecision(6)).toBe(ts.toPrecision(6));
    });
    // Beyond 30 the old 1.96 + 2.4/df gave 2.0371 at 31 (t = 2.0395) and 2.0000 at 60 (2.0003).
    expect(py[DFS.indexOf(31)]).toBeCloseTo(2.0395, 4);
    expect(py[DFS.indexOf(60)]).toBeCloseTo(2.000298, 5);
  });
});
