import { z } from 'zod';
import { formatDuration, type IntOrPercent, parseDuration, parseIntOrPercent } from './units.js';

/**
 * Zod field types shared by every layer's option schemas. They accept the loose forms scenario
 * files use and output normalised values (seconds, fractions), so nothing deeper ever parses
 * units. Error messages follow the `expected ..., got ...` form the CLI prints.
 */

function show(v: unknown): string {
  if (typeof v === 'string') return `\`${v}\``;
  if (v === undefined) return 'nothing';
  try {
    return `\`${JSON.stringify(v)}\``;
  } catch {
    return String(v);
  }
}

export interface DurationBounds {
  /** Smallest accepted value in seconds (inclusive). @default 0 */
  min?: number;
  /** Largest accepted value in seconds (inclusive). @default Infinity */
  max?: number;
  /** Reject 0. @default false */
  positive?: boolean;
}

/** A duration: number of seconds or a string with units (`250ms`, `5s`, `1m30s`) -> seconds. */
export function duration(bounds: DurationBounds = {}) {
  const min = bounds.min ?? 0;
  const max = bounds.max ?? Number.POSITIVE_INFINITY;
  const what =
    `a duration (seconds, or a string such as \`250ms\`, \`5s\`, \`10m\`)` +
    (bounds.positive ? ' > 0' : min > 0 ? ` >= ${formatDuration(min)}` : ' >= 0') +
    (max < Number.POSITIVE_INFINITY ? ` and <= ${formatDuration(max)}` : '');
  return z.unknown().transform((v, ctx): number => {
    const s = parseDuration(v);
    if (s === undefined || s < min || s > max || (bounds.positive && s <= 0)) {
      ctx.addIssue({ code: 'custom', message: `expected ${what}, got ${show(v)}` });
      return z.NEVER;
    }
    return s;
  });
}

/** An integer or a percentage (`25%`), as Kubernetes IntOrString. */
export function intOrPercent() {
  return z.unknown().transform((v, ctx): IntOrPercent => {
    const p = parseIntOrPercent(v);
    if (p === undefined) {
      ctx.addIssue({
        code: 'custom',
        message: `expected an integer >= 0 or a percentage such as \`25%\`, got ${show(v)}`,
      });
      return z.NEVER;
    }
    return p;
  });
}

/** A fraction in [0, 1], given as a number or a percentage string (`99%` -> 0.99). */
export function fraction() {
  return z.unknown().transform((v, ctx): number => {
    let x: number | undefined;
    if (typeof v === 'number') x = v;
    else if (typeof v === 'string') {
      const m = /^\s*(\d+(?:\.\d+)?)\s*%\s*$/.exec(v);
      x = m ? Number(m[1]) / 100 : undefined;
    }
    if (x === undefined || !(x >= 0 && x <= 1)) {
      ctx.addIssue({
        code: 'custom',
        message: `expected a fraction in [0, 1] or a percentage such as \`5%\`, got ${show(v)}`,
      });
      return z.NEVER;
    }
    return x;
  });
}

/** Exported for other schema modules that build their own messages. */
export { show as showValue };
