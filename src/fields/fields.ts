import { distance as levenshtein } from 'fastest-levenshtein';
import { z } from 'zod';
import { formatDuration, type IntOrPercent, parseDuration, parseIntOrPercent } from './units.js';

/**
 * Zod field types shared by every layer's option schemas. They accept the loose forms scenario
 * files use and output normalised values (seconds, fractions), so nothing deeper ever parses
 * units. Error messages follow the `expected ..., got ...` form the CLI prints.
 */

/** Keeps NaN and ±Infinity visible (JSON would print them as null). */
function nonFinite(_key: string, v: unknown): unknown {
  return typeof v === 'number' && !Number.isFinite(v) ? String(v) : v;
}

function show(v: unknown): string {
  if (typeof v === 'string') return `\`${v}\``;
  if (v === undefined) return 'nothing';
  if (typeof v === 'number') return `\`${String(v)}\``;
  try {
    return `\`${JSON.stringify(v, nonFinite)}\``;
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

/**
 * The range a numeric field accepts, as metadata beside its `type` text: what `lbsim explain`
 * shows is prose, this is what a test can walk (test/scenario/rule-set.test.ts builds models at
 * every bound of every field). `positive` means > min (min is then 0).
 */
export interface FieldBounds {
  readonly kind: 'duration' | 'number' | 'integer' | 'fraction';
  readonly min: number;
  readonly max: number;
  readonly positive: boolean;
}

/** A duration: number of seconds or a string with units (`250ms`, `5s`, `1m30s`) -> seconds. */
export function duration(bounds: DurationBounds = {}) {
  const min = bounds.min ?? 0;
  const max = bounds.max ?? Number.POSITIVE_INFINITY;
  const what =
    `a duration (seconds, or a string such as \`250ms\`, \`5s\`, \`10m\`)` +
    (bounds.positive ? ' > 0' : min > 0 ? ` >= ${formatDuration(min)}` : ' >= 0') +
    (max < Number.POSITIVE_INFINITY ? ` and <= ${formatDuration(max)}` : '');
  const type =
    'duration' +
    (bounds.positive ? ' > 0' : min > 0 ? ` >= ${formatDuration(min)}` : ' >= 0') +
    (max < Number.POSITIVE_INFINITY ? `, <= ${formatDuration(max)}` : '');
  return z
    .unknown()
    .meta({ type, bounds: { kind: 'duration', min, max, positive: bounds.positive === true } })
    .transform((v, ctx): number => {
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
  return z
    .unknown()
    .meta({ type: 'integer >= 0 or percentage (`25%`)' })
    .transform((v, ctx): IntOrPercent => {
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
  return z
    .unknown()
    .meta({
      type: 'fraction in [0, 1] or percentage (`5%`)',
      bounds: { kind: 'fraction', min: 0, max: 1, positive: false },
    })
    .transform((v, ctx): number => {
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

export interface NumberBounds {
  /** Smallest accepted value (inclusive). @default -Infinity */
  min?: number;
  /** Largest accepted value (inclusive). @default Infinity */
  max?: number;
  /** Reject 0 and below. @default false */
  positive?: boolean;
}

function boundsText(b: NumberBounds): string {
  const parts: string[] = [];
  if (b.positive) parts.push('> 0');
  else if (b.min !== undefined) parts.push(`>= ${b.min}`);
  if (b.max !== undefined) parts.push(`<= ${b.max}`);
  return parts.length === 0 ? '' : ` ${parts.join(' and ')}`;
}

function metaBounds(kind: 'number' | 'integer', b: NumberBounds): FieldBounds {
  return {
    kind,
    min: b.positive ? 0 : (b.min ?? Number.NEGATIVE_INFINITY),
    max: b.max ?? Number.POSITIVE_INFINITY,
    positive: b.positive === true,
  };
}

function inBounds(x: number, b: NumberBounds): boolean {
  return (
    Number.isFinite(x) &&
    !(b.positive && x <= 0) &&
    !(b.min !== undefined && x < b.min) &&
    !(b.max !== undefined && x > b.max)
  );
}

/** A finite number within bounds: `expected a number > 0, got ...`. */
export function number(bounds: NumberBounds = {}) {
  const what = `a number${boundsText(bounds)}`;
  return z
    .unknown()
    .meta({ type: `number${boundsText(bounds)}`, bounds: metaBounds('number', bounds) })
    .transform((v, ctx): number => {
      if (typeof v !== 'number' || !inBounds(v, bounds)) {
        ctx.addIssue({ code: 'custom', message: `expected ${what}, got ${show(v)}` });
        return z.NEVER;
      }
      return v;
    });
}

/** An integer within bounds: `expected an integer >= 1, got `0``. */
export function integer(bounds: NumberBounds = {}) {
  const what = `an integer${boundsText(bounds)}`;
  return z
    .unknown()
    .meta({ type: `integer${boundsText(bounds)}`, bounds: metaBounds('integer', bounds) })
    .transform((v, ctx): number => {
      if (typeof v !== 'number' || !Number.isInteger(v) || !inBounds(v, bounds)) {
        ctx.addIssue({ code: 'custom', message: `expected ${what}, got ${show(v)}` });
        return z.NEVER;
      }
      return v;
    });
}

/** `true` or `false`. */
export function boolean() {
  return z
    .unknown()
    .meta({ type: 'true | false' })
    .transform((v, ctx): boolean => {
      if (typeof v !== 'boolean') {
        ctx.addIssue({ code: 'custom', message: `expected true or false, got ${show(v)}` });
        return z.NEVER;
      }
      return v;
    });
}

/**
 * The closest of `candidates` to `word` by edit distance, if close enough to be a likely typo
 * (distance <= max(1, a third of the word's length)); else undefined.
 */
export function didYouMean(word: string, candidates: readonly string[]): string | undefined {
  let best: string | undefined;
  let bestD = Number.POSITIVE_INFINITY;
  const w = word.toLowerCase();
  for (const c of candidates) {
    const d = levenshtein(w, c.toLowerCase());
    if (d < bestD) {
      bestD = d;
      best = c;
    }
  }
  return bestD <= Math.max(1, Math.floor(word.length / 3)) ? best : undefined;
}

/**
 * The "did you mean" of a name: the family it abbreviates when `word` is a prefix of whole
 * names before a `-` (`ipvs` -> `ipvs-rr`, `ipvs-lc`, ...), else the closest name by edit
 * distance (didYouMean), else nothing. As a message suffix, empty when there is no suggestion.
 */
export function suggestion(word: string, candidates: readonly string[]): string {
  const w = word.toLowerCase();
  const family = candidates.filter((c) => c.toLowerCase().startsWith(`${w}-`));
  if (family.length > 0) return ` (did you mean one of ${listNames(family)}?)`;
  const near = didYouMean(word, candidates);
  return near ? ` (did you mean \`${near}\`?)` : '';
}

/** Lists names for messages: `` `a`, `b`, `c` ``. */
export function listNames(names: readonly string[]): string {
  return names.map((n) => `\`${n}\``).join(', ');
}

/** One of a fixed set of strings, with "did you mean" on a near miss. */
export function oneOf<const T extends readonly string[]>(values: T, what = 'one of') {
  return z
    .unknown()
    .meta({ type: values.map((x) => `\`${x}\``).join(' | ') })
    .transform((v, ctx): T[number] => {
      if (typeof v !== 'string' || !values.includes(v)) {
        ctx.addIssue({
          code: 'custom',
          message:
            `expected ${what} ${listNames(values)}, got ${show(v)}` +
            (typeof v === 'string' ? suggestion(v, values) : ''),
        });
        return z.NEVER;
      }
      return v as T[number];
    });
}
