/**
 * Swept values as numbers. A sweep is written as the file's own values (`[0, 1s, 2s, 5s, 10s]`),
 * which sort as text (`0, 10s, 1s, 2s, 5s`). Every table therefore gets, per swept key, a
 * `sweep_<name>[_<unit>]` column holding the value resolved to a number in base units, so that
 * charts, the notebook and pandas sort and plot it as a number; summary.csv also keeps the value
 * as written under the key path (the human label).
 *
 * Resolution, from the values alone (the whole list decides, so one column has one unit):
 * - every value a number, or a duration string (`250ms`, `1m30s`) with at least one string:
 *   seconds, unit `s` (a bare number in a duration list is seconds, as in the file format);
 * - every value a percentage (`25%`): the number given, unit `pct`;
 * - every value a plain number: that number; the unit from the key's last segment when the file
 *   format fixes it (`rate` is requests per second: `rps`), otherwise none;
 * - anything else (names, booleans, mixed): the value as written (the column is then text).
 */

import { parseDuration } from '../fields/units.js';
import { formatSweepValue, parsePath } from '../scenario/sweep.js';

/** One swept key's numeric column. */
export interface SweepColumn {
  /** The key path as in `sweep:` (also summary.csv's label column). */
  readonly key: string;
  /** `sweep_preStop_sleep_s`. */
  readonly column: string;
  /** `s`, `pct`, `rps`, or '' when the values carry no unit or are not numbers. */
  readonly unit: string;
  /** True when every value resolved to a number. */
  readonly numeric: boolean;
}

/** Units of plain-number keys whose unit the file format fixes, by last key segment. */
const PLAIN_UNITS: Readonly<Record<string, string>> = {
  rate: 'rps',
  minRate: 'rps',
  maxRate: 'rps',
  offRate: 'rps',
};

const PERCENT = /^\s*(\d+(?:\.\d+)?)\s*%\s*$/;

type Kind = 'duration' | 'percent' | 'plain' | 'text';

function kindOf(values: readonly unknown[]): Kind {
  if (values.length === 0) return 'text';
  if (values.every((v) => typeof v === 'number' && Number.isFinite(v))) return 'plain';
  if (values.every((v) => typeof v === 'string' && PERCENT.test(v))) return 'percent';
  if (
    values.some((v) => typeof v === 'string') &&
    values.every(
      (v) => (typeof v === 'number' || typeof v === 'string') && parseDuration(v) !== undefined,
    )
  )
    return 'duration';
  return 'text';
}

/** `deployment.pod.preStop.sleep` -> `preStop_sleep`; `churn[0].mtbf` -> `churn0_mtbf`. */
function shortName(key: string): string {
  let segments: string[];
  try {
    segments = [];
    for (const s of parsePath(key)) {
      if (typeof s === 'number' && segments.length > 0) segments[segments.length - 1] += String(s);
      else segments.push(String(s));
    }
  } catch {
    segments = [key];
  }
  return segments
    .slice(-2)
    .join('_')
    .replace(/[^A-Za-z0-9_]+/g, '_');
}

/**
 * The numeric column of each swept key, in the sweep's order. Two keys with the same short name
 * (`a.x.rate`, `b.x.rate`) both fall back to their whole path, so names never collide.
 */
export function sweepColumns(sweep: Readonly<Record<string, readonly unknown[]>>): SweepColumn[] {
  const keys = Object.keys(sweep);
  const short = keys.map(shortName);
  return keys.map((key, i) => {
    const values = sweep[key] ?? [];
    const kind = kindOf(values);
    const unit =
      kind === 'duration'
        ? 's'
        : kind === 'percent'
          ? 'pct'
          : kind === 'plain'
            ? (PLAIN_UNITS[key.split('.').at(-1) ?? ''] ?? '')
            : '';
    const name =
      short.filter((s) => s === short[i]).length > 1
        ? key.replace(/\[(\d+)\]/g, '$1').replace(/[^A-Za-z0-9_]+/g, '_')
        : (short[i] as string);
    return {
      key,
      column: `sweep_${name}${unit ? `_${unit}` : ''}`,
      unit,
      numeric: kind !== 'text',
    };
  });
}

/** A swept value in its column's base unit (the value as written when the column is text). */
export function sweepNumber(column: SweepColumn, value: unknown): string | number {
  if (!column.numeric) return formatSweepValue(value);
  if (column.unit === 's') return parseDuration(value) as number;
  if (column.unit === 'pct') return Number(PERCENT.exec(String(value))?.[1]);
  return value as number;
}
