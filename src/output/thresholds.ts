/**
 * Checking thresholds (src/fields/thresholds.ts) against written results: per (scenario,
 * variant, balancer) of summary.csv, the mean over replications of the threshold's column.
 * A threshold fails when its comparison holds, or when the mean cannot be computed (no rows,
 * empty cells): a gate that cannot see its number must not pass.
 */
import { mean } from 'simple-statistics';
import { breaches, parseThreshold, type Threshold } from '../fields/thresholds.js';
import { SUMMARY_COLUMNS } from './columns.js';
import { findSummaryFiles, groupRuns, readCsv, sweepLabelColumns } from './summarize.js';

/** summary.csv columns a threshold may name: the measured ones (not the job key or seed). */
export const THRESHOLD_COLUMNS: readonly string[] = [
  ...SUMMARY_COLUMNS.slice(SUMMARY_COLUMNS.indexOf('requests')),
  // Written by the in-flight accounting when present (checked against the file's header).
  'in_flight_at_end',
];

/** Parses `--fail-if` texts; an unknown column is an error listing the valid ones. */
export function parseThresholds(texts: readonly string[]): Threshold[] {
  return texts.map((t) => {
    const th = parseThreshold(t);
    if (!THRESHOLD_COLUMNS.includes(th.column)) {
      throw new Error(
        `\`${t}\`: \`${th.column}\` is not a summary.csv column; expected one of ${THRESHOLD_COLUMNS.join(', ')}`,
      );
    }
    return th;
  });
}

export interface ThresholdCheck {
  readonly scenario: string;
  /** The variant as its swept values (`rate=300`), or `variant N`. */
  readonly variant: string;
  readonly balancer: string;
  readonly threshold: Threshold;
  /** Mean over replications (NaN when it cannot be computed). */
  readonly value: number;
  readonly failed: boolean;
}

/**
 * Every (threshold x (variant, balancer)) of the scenario folders `dirs`, in file order.
 * `perScenario` adds each scenario's own `thresholds:` (by scenario name) to `common`.
 */
export async function checkThresholds(
  dirs: readonly string[],
  common: readonly Threshold[],
  perScenario: ReadonlyMap<string, readonly Threshold[]> = new Map(),
): Promise<ThresholdCheck[]> {
  const out: ThresholdCheck[] = [];
  for (const dir of dirs)
    for (const file of findSummaryFiles(dir)) {
      const { header, rows } = await readCsv(file);
      const sweep = sweepLabelColumns(header);
      const groups = groupRuns(rows);
      for (const g of groups.values()) {
        const first = g[0] as Record<string, string>;
        const scenario = first.scenario ?? '';
        const variant =
          sweep.length === 0
            ? `variant ${first.variant ?? ''}`
            : sweep.map((k) => `${k}=${first[k] ?? ''}`).join(' ');
        for (const t of [...common, ...(perScenario.get(scenario) ?? [])]) {
          const xs = header.includes(t.column)
            ? g.map((r) => (r[t.column] === '' ? Number.NaN : Number(r[t.column])))
            : [];
          const value = xs.length === 0 || xs.some(Number.isNaN) ? Number.NaN : mean(xs);
          const failed = Number.isNaN(value) || breaches(t, value);
          out.push({
            scenario,
            variant,
            balancer: first.balancer ?? '',
            threshold: t,
            value,
            failed,
          });
        }
      }
    }
  return out;
}

/** One line per check: `ok` / `FAIL`, who, the value and the threshold. */
export function formatThresholdChecks(checks: readonly ThresholdCheck[]): string {
  return checks
    .map((c) => {
      const v = Number.isNaN(c.value) ? 'no value' : String(Number(c.value.toPrecision(6)));
      const verdict = c.failed ? 'FAIL' : 'ok  ';
      const why = Number.isNaN(c.value)
        ? `(\`${c.threshold.column}\` missing or empty: counted as failed)`
        : `(fail if ${c.threshold.text}: ${c.failed ? 'failed' : 'passed'})`;
      return `${verdict}  ${c.scenario} ${c.variant} ${c.balancer}: ${c.threshold.column} = ${v} ${why}`;
    })
    .join('\n');
}
