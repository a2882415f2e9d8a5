/**
 * A small streaming CSV reader for the files lbsim writes (RFC 4180: one header row, fields
 * quoted only when they hold a comma, quote, CR or LF; see src/output/format.ts). Streaming keeps
 * memory flat on large tables (propagation.csv of a big cluster): each record goes to a callback
 * and only aggregates are kept.
 */
import { createReadStream } from 'node:fs';
import { stat } from 'node:fs/promises';

/** Incremental parser: feed text chunks, records come out through `onRecord`. */
export class CsvParser {
  private field = '';
  private record: string[] = [];
  private inQuotes = false;
  /** After a closing quote: the next char decides between an escaped quote and the field's end. */
  private quoteSeen = false;
  private sawAny = false;

  constructor(private readonly onRecord: (fields: string[]) => void) {}

  push(chunk: string): void {
    let start = 0;
    const n = chunk.length;
    for (let i = 0; i < n; i++) {
      const c = chunk.charCodeAt(i);
      if (this.inQuotes) {
        if (this.quoteSeen) {
          this.quoteSeen = false;
          if (c === 34 /* " */) {
            // Escaped quote: keep one.
            this.field += '"';
            start = i + 1;
            continue;
          }
          this.inQuotes = false;
          // Fall through: this char is outside the quotes.
        } else {
          if (c === 34) {
            this.field += chunk.slice(start, i);
            this.quoteSeen = true;
            start = i + 1;
          }
          continue;
        }
      }
      this.sawAny = true;
      if (c === 44 /* , */) {
        this.field += chunk.slice(start, i);
        this.record.push(this.field);
        this.field = '';
        start = i + 1;
      } else if (c === 10 /* \n */ || c === 13 /* \r */) {
        this.field += chunk.slice(start, i);
        if (c === 13 && chunk.charCodeAt(i + 1) === 10) i++;
        this.endRecord();
        start = i + 1;
      } else if (c === 34 && this.field === '' && start === i) {
        this.inQuotes = true;
        start = i + 1;
      }
    }
    this.field += chunk.slice(start);
  }

  end(): void {
    if (this.inQuotes && !this.quoteSeen)
      throw new Error('unterminated quoted field at end of file');
    if (this.sawAny || this.record.length > 0 || this.field !== '') this.endRecord();
  }

  private endRecord(): void {
    this.record.push(this.field);
    this.field = '';
    this.inQuotes = false;
    this.quoteSeen = false;
    this.sawAny = false;
    const r = this.record;
    this.record = [];
    // A blank line (one empty field) is not a record.
    if (r.length === 1 && r[0] === '') return;
    this.onRecord(r);
  }
}

/** Parses a whole CSV text (tests, small files). */
export function parseCsv(text: string): string[][] {
  const out: string[][] = [];
  const p = new CsvParser((r) => out.push(r));
  p.push(text);
  p.end();
  return out;
}

/** Column lookup for one table's header. */
export class Header {
  private readonly index = new Map<string, number>();
  constructor(readonly names: readonly string[]) {
    names.forEach((n, i) => {
      if (!this.index.has(n)) this.index.set(n, i);
    });
  }
  has(...names: string[]): boolean {
    return names.every((n) => this.index.has(n));
  }
  /** Index of a column, or -1. */
  at(name: string): number {
    return this.index.get(name) ?? -1;
  }
}

/** A number from a CSV field: empty -> NaN, `inf`/`-inf` -> infinities (format.ts writes them). */
export function toNumber(field: string | undefined): number {
  if (field === undefined || field === '') return Number.NaN;
  if (field === 'inf') return Number.POSITIVE_INFINITY;
  if (field === '-inf') return Number.NEGATIVE_INFINITY;
  return Number(field);
}

/**
 * Streams `path` through `onRow` after `onHeader` accepted the header. Resolves false when the
 * file does not exist (a missing table is normal: no churn, no events).
 */
export async function readCsvFile(
  path: string,
  onHeader: (header: Header) => void,
  onRow: (fields: string[]) => void,
): Promise<boolean> {
  try {
    if (!(await stat(path)).isFile()) return false;
  } catch {
    return false;
  }
  let header: Header | undefined;
  const parser = new CsvParser((fields) => {
    if (header === undefined) {
      header = new Header(fields);
      onHeader(header);
    } else onRow(fields);
  });
  const stream = createReadStream(path, { encoding: 'utf8' });
  for await (const chunk of stream) parser.push(chunk as string);
  parser.end();
  return true;
}
