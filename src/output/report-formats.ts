/**
 * `lbsim summarize --format table|csv|json|markdown`: one tidy record per line of the
 * comparison (numbers as numbers: mean and 95% half-width in their own fields), rendered as an
 * aligned text table (the `±` form), CSV (the CSV writer's number format), JSON (an array of
 * records, NaN as null) or a GitHub-flavoured Markdown table.
 */
import { type ConfidenceInterval, MAX_REPLICATIONS_NEEDED } from '../metrics/stats.js';
import { csvLine } from './format.js';
import type { PairedComparison } from './paired.js';
import { formatInterval, type SummaryGroup } from './summarize.js';

export const FORMATS = ['table', 'csv', 'json', 'markdown'] as const;
export type Format = (typeof FORMATS)[number];

type Cell = string | number | boolean;
/** A record's fields in order, and how the table and markdown show each (text). */
interface Table {
  readonly columns: readonly string[];
  readonly records: readonly Record<string, Cell>[];
  /** Display columns: heading and the text of one record. */
  readonly display: readonly (readonly [string, (r: Record<string, Cell>) => string])[];
  /** Printed under the table and markdown renderings (not part of csv/json). */
  readonly footnote?: string;
}

const ci = (prefix: string, c: ConfidenceInterval | undefined, scale = 1) => ({
  [`${prefix}_mean`]: c === undefined ? Number.NaN : c.mean * scale,
  [`${prefix}_ci95`]: c === undefined ? Number.NaN : c.halfWidth * scale,
});
const shown =
  (prefix: string, digits = 4) =>
  (r: Record<string, Cell>) =>
    Number.isNaN(r[`${prefix}_mean`])
      ? '-'
      : formatInterval(
          { n: 2, mean: r[`${prefix}_mean`] as number, halfWidth: r[`${prefix}_ci95`] as number },
          1,
          digits,
        );
const variantText = (sweep: Readonly<Record<string, string>>, variant: string) =>
  Object.keys(sweep).length === 0
    ? variant
    : Object.entries(sweep)
        .map(([k, v]) => `${k}=${v}`)
        .join(' ');

/** The summary groups as a table of records. */
export function summaryTable(groups: readonly SummaryGroup[]): Table {
  const records = groups.map((g) => ({
    scenario: g.scenario,
    variant: variantText(g.sweep, g.variant),
    balancer: g.balancer,
    n: g.n,
    ...ci('requests', g.requests),
    ...ci('error_pct', g.errorRate, 100),
    ...ci('p50_ms', g.p50Ms),
    ...ci('p99_ms', g.p99Ms),
    ...ci('p999_ms', g.p999Ms),
    ...ci('offered_rps', g.offeredRps),
    ...ci('throughput_rps', g.throughputRps),
  }));
  const metrics: [string, string, number?][] = [
    ['requests', 'requests', 6],
    ['error_pct', 'error %'],
    ['p50_ms', 'p50 ms'],
    ['p99_ms', 'p99 ms'],
    ['p999_ms', 'p999 ms'],
    ['offered_rps', 'offered rps'],
    ['throughput_rps', 'throughput rps'],
  ];
  return {
    columns: Object.keys(records[0] ?? { scenario: '', variant: '', balancer: '', n: 0 }),
    records,
    display: [
      ['scenario', (r) => String(r.scenario)],
      ['variant', (r) => String(r.variant)],
      ['balancer', (r) => String(r.balancer)],
      ['n', (r) => String(r.n)],
      ...metrics.map(([p, h, d]) => [h, shown(p, d)] as const),
    ],
  };
}

/** The paired comparisons as a table of records. */
export function pairedTable(rows: readonly PairedComparison[]): Table {
  const records = rows.map((c) => ({
    scenario: c.scenario,
    variant: variantText(c.sweep, c.variant),
    balancer: c.balancer,
    baseline: c.baseline,
    metric: c.metric,
    n: c.n,
    baseline_mean: c.baselineMean,
    balancer_mean: c.mean,
    ...ci('difference', c.difference),
    ...ci('ratio', c.ratio),
    significant: c.significant,
    replications_needed: c.replicationsNeeded,
    n_too_small: c.tooFew,
  }));
  const num = (k: string) => (r: Record<string, Cell>) =>
    Number.isNaN(r[k]) ? '-' : String(Number((r[k] as number).toPrecision(4)));
  return {
    columns: Object.keys(
      records[0] ?? { scenario: '', variant: '', balancer: '', baseline: '', metric: '' },
    ),
    records,
    display: [
      ['scenario', (r) => String(r.scenario)],
      ['variant', (r) => String(r.variant)],
      ['balancer', (r) => String(r.balancer)],
      ['vs', (r) => String(r.baseline)],
      ['metric', (r) => String(r.metric)],
      ['n', (r) => String(r.n)],
      ['baseline', num('baseline_mean')],
      ['value', num('balancer_mean')],
      ['difference', shown('difference')],
      ['ratio', (r) => (Number.isNaN(r.ratio_mean) ? '-' : `${shown('ratio')(r)} times`)],
      ['note', pairedNote],
    ],
    ...(records.some((r) => r.n_too_small) ? { footnote: TOO_FEW_NOTE } : {}),
  };
}

/** `*` when the difference is resolved; else how many replications would resolve it. */
function pairedNote(r: Record<string, Cell>): string {
  if (r.significant) return '*';
  if (!r.n_too_small) return '';
  const need = r.replications_needed as number;
  if (Number.isNaN(need)) return 'n too small: no interval';
  return Number.isFinite(need)
    ? `n too small: ~${need} needed`
    : `n too small: > ${MAX_REPLICATIONS_NEEDED.toLocaleString('en-US')} needed`;
}

const TOO_FEW_NOTE =
  'n too small: the interval of the difference includes 0 at this n (with n = 2 it spans t(0.975, 1) = 12.7 ' +
  'standard errors each side); ~N needed is how many replications would resolve a difference of this size if its ' +
  'mean and spread stay as measured (Law & Kelton 9.4.1): rerun with --replications N or more, or read the ' +
  'value as unresolved';

/** Text columns, aligned left (numbers align right). */
const LEFT: ReadonlySet<string> = new Set([
  'scenario',
  'variant',
  'balancer',
  'vs',
  'metric',
  'note',
]);

/** Renders a table in one of the formats (text ends without a newline). */
export function render(t: Table, format: Format): string {
  switch (format) {
    case 'json':
      return JSON.stringify(
        t.records,
        (_k, v) => (typeof v === 'number' && !Number.isFinite(v) ? null : v),
        2,
      );
    case 'csv':
      return (
        csvLine(t.columns) +
        t.records
          .map((r) =>
            csvLine(
              t.columns.map((c) =>
                typeof r[c] === 'boolean' ? String(r[c]) : (r[c] as string | number),
              ),
            ),
          )
          .join('')
      ).trimEnd();
    case 'markdown': {
      const head = t.display.map(([h]) => h);
      const esc = (s: string) => s.replace(/\|/g, '\\|');
      return [
        `| ${head.map(esc).join(' | ')} |`,
        `| ${head.map((h) => (LEFT.has(h) ? '---' : '---:')).join(' | ')} |`,
        ...t.records.map((r) => `| ${t.display.map(([, f]) => esc(f(r))).join(' | ')} |`),
        ...(t.footnote === undefined ? [] : ['', t.footnote]),
      ].join('\n');
    }
    case 'table': {
      const head = t.display.map(([h]) => h);
      const body = t.records.map((r) => t.display.map(([, f]) => f(r)));
      const widths = head.map((h, i) =>
        Math.max(h.length, ...body.map((b) => (b[i] ?? '').length)),
      );
      const line = (cells: readonly string[]) =>
        cells
          .map((c, i) =>
            LEFT.has(head[i] as string)
              ? c.padEnd(widths[i] as number)
              : c.padStart(widths[i] as number),
          )
          .join('  ')
          .trimEnd();
      return [
        line(head),
        ...body.map(line),
        ...(t.footnote === undefined ? [] : [t.footnote]),
      ].join('\n');
    }
    default: {
      const never: never = format;
      throw new Error(`unknown format ${String(never)}`);
    }
  }
}

/** The comparison table `lbsim summarize` and `lbsim run` print. */
export function formatSummaryTable(groups: readonly SummaryGroup[]): string {
  return render(summaryTable(groups), 'table');
}
