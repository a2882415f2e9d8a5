/**
 * Reads one column of numbers from a small CSV (empirical samples, trace timestamps). Tolerant
 * on purpose: blank lines and `#` comments are skipped, a non-numeric first row is a header,
 * cells may be plain numbers (in `unit`) or durations with units (`12ms`).
 */
import * as path from 'node:path';
import type { z } from 'zod';
import { parseDuration } from '../../fields/units.js';
import type { SchemaContext } from './common.js';

export type ValuesResult =
  | { readonly ok: true; readonly values: number[] }
  | { readonly ok: false; readonly message: string };

/**
 * @param text the file's content
 * @param column 0-based index or header name; @default 0
 * @param unit seconds per plain number (1e-3 when the file holds milliseconds); @default 1
 */
export function readValuesColumn(
  text: string,
  column: number | string = 0,
  unit = 1,
): ValuesResult {
  const values: number[] = [];
  let col = typeof column === 'number' ? column : -1;
  let first = true;
  const lines = text.split(/\r?\n/);
  for (let i = 0; i < lines.length; i++) {
    const line = (lines[i] as string).trim();
    if (line === '' || line.startsWith('#')) continue;
    const cells = line.split(',').map((c) => c.trim().replace(/^"(.*)"$/, '$1'));
    if (first) {
      first = false;
      if (typeof column === 'string') {
        col = cells.indexOf(column);
        if (col < 0) {
          return {
            ok: false,
            message: `expected a column \`${column}\` in the header, got ${cells.map((c) => `\`${c}\``).join(', ')}`,
          };
        }
        continue;
      }
      const probe = cells[col];
      if (probe !== undefined && parseDuration(probe) === undefined) continue; // header row
    }
    const cell = cells[col];
    if (cell === undefined) {
      return { ok: false, message: `expected a value in column ${col + 1} on line ${i + 1}` };
    }
    const isPlain = /^[+-]?(\d+(\.\d*)?|\.\d+)(e[+-]?\d+)?$/i.test(cell);
    const v = isPlain ? Number(cell) * unit : parseDuration(cell);
    if (v === undefined || !Number.isFinite(v)) {
      return {
        ok: false,
        message: `expected a number on line ${i + 1}, got \`${cell}\``,
      };
    }
    values.push(v);
  }
  if (values.length === 0) return { ok: false, message: 'expected at least one value, got none' };
  return { ok: true, values };
}

/**
 * Reads column `column` of the CSV file `name` (relative to the scenario file) inside a zod
 * transform: on failure adds one issue at `file` (`expected a readable <what>, got ...`, or the
 * column's problem prefixed by the file name) and returns undefined.
 */
export function readValuesFile(
  ctx: SchemaContext,
  c: z.RefinementCtx,
  name: string,
  column: number | string,
  unit: number,
  what: string,
): { readonly file: string; readonly values: number[] } | undefined {
  const file = path.resolve(ctx.baseDir, name);
  let text: string;
  try {
    text = ctx.readFile(file);
  } catch (e) {
    c.addIssue({
      code: 'custom',
      path: ['file'],
      message: `expected a readable ${what}, got \`${name}\` (${e instanceof Error ? e.message : String(e)})`,
    });
    return undefined;
  }
  const r = readValuesColumn(text, column, unit);
  if (!r.ok) {
    c.addIssue({ code: 'custom', path: ['file'], message: `${name}: ${r.message}` });
    return undefined;
  }
  return { file, values: r.values };
}
