/**
 * Reads lbsim's CSV outputs back for the validation suite: RFC 4180 (quoted cells with commas,
 * doubled quotes, line breaks), one header row. The files are small (validation runs), so the
 * whole text is read at once.
 */
import * as fs from 'node:fs';

export type Row = Readonly<Record<string, string>>;

export function parseCsv(text: string): Row[] {
  const records: string[][] = [];
  let record: string[] = [];
  let cell = '';
  let quoted = false;
  for (let i = 0; i < text.length; i++) {
    const ch = text[i] as string;
    if (quoted) {
      if (ch === '"') {
        if (text[i + 1] === '"') {
          cell += '"';
          i++;
        } else quoted = false;
      } else cell += ch;
    } else if (ch === '"') quoted = true;
    else if (ch === ',') {
      record.push(cell);
      cell = '';
    } else if (ch === '\n' || ch === '\r') {
      if (ch === '\r' && text[i + 1] === '\n') i++;
      record.push(cell);
      records.push(record);
      record = [];
      cell = '';
    } else cell += ch;
  }
  if (cell !== '' || record.length > 0) {
    record.push(cell);
    records.push(record);
  }
  const [header, ...rows] = records;
  if (header === undefined) return [];
  return rows.map((r) => {
    if (r.length !== header.length) {
      throw new Error(`CSV row has ${r.length} cells, header has ${header.length}: ${r.join(',')}`);
    }
    return Object.fromEntries(header.map((h, j) => [h, r[j] as string]));
  });
}

export function readCsv(file: string): Row[] {
  return parseCsv(fs.readFileSync(file, 'utf8'));
}

/** A numeric cell; throws naming the column when it is missing or not a number. */
export function num(row: Row, column: string): number {
  const v = row[column];
  if (v === undefined) throw new Error(`no column ${column} in ${Object.keys(row).join(',')}`);
  const n = Number(v);
  if (v === '' || Number.isNaN(n))
    throw new Error(`column ${column}: expected a number, got \`${v}\``);
  return n;
}
