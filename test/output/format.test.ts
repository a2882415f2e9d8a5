import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { parseString } from 'fast-csv';
import { describe, expect, it } from 'vitest';
import { SyncTextWriter, writeFileAtomic } from '../../src/output/files.js';
import { csvLine, formatField, formatNumber } from '../../src/output/format.js';

function parse(text: string): Promise<string[][]> {
  return new Promise((resolve, reject) => {
    const rows: string[][] = [];
    parseString(text, { headers: false })
      .on('error', reject)
      .on('data', (r: string[]) => rows.push(r))
      .on('end', () => resolve(rows));
  });
}

describe('CSV formatting', () => {
  it('prints numbers deterministically', () => {
    expect(formatNumber(42)).toBe('42');
    expect(formatNumber(-0)).toBe('0');
    expect(formatNumber(0.1 + 0.2)).toBe('0.3'); // 10 significant digits hide float noise
    expect(formatNumber(1 / 3)).toBe('0.3333333333');
    expect(formatNumber(123456.789012345)).toBe('123456.789');
    expect(formatNumber(1.5e-7)).toBe('1.5e-7');
    expect(formatNumber(Number.NaN)).toBe('');
    expect(formatNumber(Number.POSITIVE_INFINITY)).toBe('inf');
    expect(formatNumber(Number.NEGATIVE_INFINITY)).toBe('-inf');
  });

  it('quotes only fields that need it (RFC 4180) and fast-csv reads them back', async () => {
    expect(formatField('plain')).toBe('plain');
    expect(formatField('a,b')).toBe('"a,b"');
    expect(formatField('say "hi"')).toBe('"say ""hi"""');
    const values = ['x', 'a,b', 'q"uote', 'multi\nline', 3.25, Number.NaN];
    const rows = await parse(csvLine(values) + csvLine(['z', 1, 2, 3, 4, 5]));
    expect(rows).toEqual([
      ['x', 'a,b', 'q"uote', 'multi\nline', '3.25', ''],
      ['z', '1', '2', '3', '4', '5'],
    ]);
  });
});

describe('atomic files', () => {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'lbsim-files-'));

  it('shows nothing under the final name until commit', () => {
    const final = path.join(dir, 'a.csv');
    const w = new SyncTextWriter(final);
    for (let i = 0; i < 20_000; i++) w.write('0123456789\n'); // > 64 kB: flushed to the temp file
    expect(fs.existsSync(final)).toBe(false);
    expect(fs.statSync(w.tempPath).size).toBeGreaterThan(0);
    w.commit();
    expect(fs.statSync(final).size).toBe(20_000 * 11);
    expect(fs.readdirSync(dir)).toEqual(['a.csv']);
  });

  it('abort leaves no file at all', () => {
    const final = path.join(dir, 'b.csv');
    const w = new SyncTextWriter(final);
    w.write('partial\n');
    w.flush();
    w.abort();
    expect(fs.existsSync(final)).toBe(false);
    expect(fs.readdirSync(dir)).toEqual(['a.csv']);
  });

  it('writeFileAtomic replaces a file whole', () => {
    const final = path.join(dir, 'run.json');
    writeFileAtomic(final, 'one');
    writeFileAtomic(final, 'two');
    expect(fs.readFileSync(final, 'utf8')).toBe('two');
    expect(fs.readdirSync(dir).sort()).toEqual(['a.csv', 'run.json']);
  });

  it('appendFile copies another file', () => {
    const src = path.join(dir, 'a.csv');
    const w = new SyncTextWriter(path.join(dir, 'c.csv'));
    w.write('header\n');
    w.appendFile(src);
    w.commit();
    expect(fs.statSync(path.join(dir, 'c.csv')).size).toBe(7 + 20_000 * 11);
  });
});
