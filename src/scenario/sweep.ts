/**
 * Key paths, `--set` overrides and sweep expansion, all on the raw (unvalidated) file content,
 * so a swept or overridden value is validated like any other and its errors carry its path.
 *
 * Paths: `workload.arrivals.rate`, `churn[0].mtbf` (also `churn.0.mtbf`).
 */
import { parse as parseYaml } from 'yaml';
import { forbiddenKeyProblem, LIMITS } from './limits.js';
import { isMapping } from './schema/common.js';

export type PathSegment = string | number;

/** Parses `a.b[0].c` (or `a.b.0.c`) into segments; throws a readable Error when malformed. */
export function parsePath(text: string): PathSegment[] {
  const out: PathSegment[] = [];
  const re = /([^.[\]]+)|\[(\d+)\]/y;
  let i = 0;
  let expectKey = true;
  while (i < text.length) {
    if (!expectKey && text[i] === '.') {
      i++;
      expectKey = true;
      continue;
    }
    re.lastIndex = i;
    const m = re.exec(text);
    if (m === null || (m[1] !== undefined && !expectKey)) {
      throw new Error(`expected a key path such as \`workload.arrivals.rate\`, got \`${text}\``);
    }
    const k = (m[2] ?? m[1]) as string;
    if (/^\d+$/.test(k)) {
      if (k.length > 4 || Number(k) > LIMITS.pathIndex) {
        throw new Error(
          `expected list indices of at most ${LIMITS.pathIndex} (the limit), got \`${k}\` in \`${text}\``,
        );
      }
      out.push(Number(k));
    } else {
      const bad = forbiddenKeyProblem(k);
      if (bad !== undefined) throw new Error(`${bad} in \`${text}\``);
      out.push(k);
    }
    i = re.lastIndex;
    expectKey = false;
  }
  if (out.length === 0 || expectKey) {
    throw new Error(`expected a key path such as \`workload.arrivals.rate\`, got \`${text}\``);
  }
  return out;
}

/** Canonical text of a path: `churn[0].mtbf`. */
export function pathToString(path: readonly PathSegment[]): string {
  let s = '';
  for (const p of path) s += typeof p === 'number' ? `[${p}]` : s === '' ? p : `.${p}`;
  return s;
}

/** Deep copy of plain YAML/JSON data. */
export function cloneRaw<T>(v: T): T {
  return structuredClone(v);
}

/**
 * Sets `value` at `path` in `root` (mutating it), creating mappings (or lists, before a
 * numeric segment) on the way. Throws when the path crosses a scalar.
 */
export function setAtPath(
  root: Record<string, unknown>,
  path: readonly PathSegment[],
  value: unknown,
): void {
  let cur: unknown = root;
  for (let i = 0; i < path.length; i++) {
    const seg = path[i] as PathSegment;
    const last = i === path.length - 1;
    const container = cur as Record<string | number, unknown>;
    if (typeof seg === 'number' ? !Array.isArray(cur) : !isMapping(cur)) {
      throw new Error(
        `cannot set \`${pathToString(path)}\`: \`${pathToString(path.slice(0, i)) || '(root)'}\` is not a ${typeof seg === 'number' ? 'list' : 'mapping'}`,
      );
    }
    if (last) {
      container[seg] = value;
      return;
    }
    let next = container[seg];
    if (next === undefined || next === null) {
      next = typeof path[i + 1] === 'number' ? [] : {};
      container[seg] = next;
    }
    cur = next;
  }
}

/** Parses an override's value as a YAML scalar (or flow collection): `3`, `250ms`, `[1, 2]`. */
export function parseScalar(text: string): unknown {
  try {
    return parseYaml(text);
  } catch {
    return text;
  }
}

/** One `--set path=value`, parsed. */
export interface Assignment {
  readonly path: PathSegment[];
  readonly text: string;
  readonly value: unknown;
}

/** Parses `path=value`; throws a readable Error when malformed. */
export function parseAssignment(text: string): Assignment {
  const eq = text.indexOf('=');
  if (eq <= 0)
    throw new Error(`expected \`path=value\` (such as \`deployment.replicas=5\`), got \`${text}\``);
  const path = parsePath(text.slice(0, eq).trim());
  return { path, text: pathToString(path), value: parseScalar(text.slice(eq + 1).trim()) };
}

/**
 * Applies `--set` overrides to raw file content and returns a new object (the input is not
 * modified). Values are parsed as YAML scalars. Throws a readable Error on a malformed one.
 */
export function applyOverrides(
  raw: unknown,
  assignments: readonly string[],
): Record<string, unknown> {
  const out = isMapping(raw) ? cloneRaw(raw) : {};
  for (const a of assignments) {
    const { path, value } = parseAssignment(a);
    setAtPath(out, path, value);
  }
  return out;
}

/** One point of a sweep, before validation. */
export interface RawVariant {
  readonly index: number;
  readonly label: string;
  /** Canonical path text -> value. */
  readonly params: Readonly<Record<string, unknown>>;
  /** The file content with the swept values in place (and no `sweep:` key). */
  readonly raw: Record<string, unknown>;
}

/** Formats a swept value for a label: scalars as written, `250ms` stays `250ms`. */
export function formatSweepValue(v: unknown): string {
  if (typeof v === 'string') return v;
  if (typeof v === 'number' || typeof v === 'boolean' || v === null) return String(v);
  return JSON.stringify(v);
}

/**
 * Expands a sweep (canonical path -> values) over `base` (without its `sweep:` key) into the
 * cartesian product, the first key varying slowest, values in file order. Without a sweep,
 * one variant labelled `defaultLabel` with no params.
 */
export function expandSweep(
  base: Record<string, unknown>,
  sweep: readonly (readonly [string, readonly PathSegment[], readonly unknown[]])[],
  defaultLabel: string,
): RawVariant[] {
  if (sweep.length === 0)
    return [{ index: 0, label: defaultLabel, params: {}, raw: cloneRaw(base) }];
  const out: RawVariant[] = [];
  const counts = sweep.map(([, , values]) => values.length);
  const total = counts.reduce((a, b) => a * b, 1);
  for (let index = 0; index < total; index++) {
    // Mixed-radix digits of `index`, most significant first.
    let rest = index;
    const digits: number[] = new Array(sweep.length);
    for (let k = sweep.length - 1; k >= 0; k--) {
      const n = counts[k] as number;
      digits[k] = rest % n;
      rest = Math.floor(rest / n);
    }
    const raw = cloneRaw(base);
    const params: Record<string, unknown> = {};
    const parts: string[] = [];
    sweep.forEach(([text, path, values], k) => {
      const v = values[digits[k] as number];
      setAtPath(raw, path, cloneRaw(v));
      params[text] = v;
      parts.push(`${text}=${formatSweepValue(v)}`);
    });
    out.push({ index, label: parts.join(','), params, raw });
  }
  return out;
}
