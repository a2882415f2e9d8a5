/**
 * Deterministic CSV text. Numbers print the same on every machine and thread: integers as
 * integers, other finite numbers rounded to 10 significant digits then printed in JavaScript's
 * shortest round-trip form (so float noise such as 0.30000000000000004 prints as 0.3), NaN as an
 * empty field (pandas reads it as NaN), infinities as `inf` / `-inf`.
 * Strings are quoted per RFC 4180 only when they contain a comma, quote, CR or LF.
 */
export function formatNumber(v: number): string {
  if (Number.isInteger(v)) return v === 0 ? '0' : String(v);
  if (Number.isNaN(v)) return '';
  if (v === Number.POSITIVE_INFINITY) return 'inf';
  if (v === Number.NEGATIVE_INFINITY) return '-inf';
  return String(Number(v.toPrecision(10)));
}

const NEEDS_QUOTES = /[",\r\n]/;

export function formatField(v: string | number): string {
  if (typeof v === 'number') return formatNumber(v);
  if (!NEEDS_QUOTES.test(v)) return v;
  return `"${v.replace(/"/g, '""')}"`;
}

/** One CSV record with its line feed. */
export function csvLine(values: readonly (string | number)[]): string {
  let s = '';
  for (let i = 0; i < values.length; i++) {
    if (i > 0) s += ',';
    s += formatField(values[i] as string | number);
  }
  return `${s}\n`;
}
