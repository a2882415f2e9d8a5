/**
 * Limits of what the loader reads, so that no input crashes it or makes it hang: each one is an
 * error naming the limit (listed in docs/SCENARIO-FORMAT.md, "Limits"). Checked before the
 * schema sees the content; the schema then never meets a tree it cannot walk.
 */
import * as fs from 'node:fs';
import { type Document, isScalar, visit } from 'yaml';
import { formatPath, MAX_PROBLEMS, MESSAGE_CHARS } from './errors.js';
import type { RawProblem } from './schema/issues.js';

export const LIMITS = {
  /** Largest scenario or values file read, in bytes. */
  fileBytes: 10 * 1024 * 1024,
  /** Largest scenario file parsed as YAML or JSON, in bytes (values files may reach fileBytes). */
  scenarioBytes: 1024 * 1024,
  /** Deepest nesting of mappings and lists. */
  depth: 64,
  /** Keys of one mapping (a scenario's largest has a few dozen). */
  mappingKeys: 1_000,
  /** YAML aliases (`*name`) in a file: resolving each costs a walk of its anchor. */
  aliasRefs: 5_000,
  /** YAML alias expansions (the yaml library's maxAliasCount), against exponential blow-up. */
  aliases: 10_000,
  /** Keys and list items in the whole file. */
  keys: 100_000,
  /** Variants of a sweep (product of the value counts); `--max-sweep-points` raises it. */
  sweepPoints: 10_000,
  /** Largest list index in a key path (`churn[9999]`). */
  pathIndex: 9_999,
  /** Characters of a scenario name (it names folders: `.<name>.staging-<pid>` fits 255 bytes). */
  nameChars: 200,
  /** Characters of a description (run.json repeats it in every variant). */
  descriptionChars: 10_000,
  /** Windows per run (duration / output.window): timeseries.csv rows per job. */
  windows: 1_000_000,
  /**
   * Longest simulated duration, seconds (365 days). Past it a run is, in practice, endless; the
   * clock (a double in seconds) still resolves 4 ns there.
   */
  durationSeconds: 365 * 86_400,
  /** Estimated memory of one job, bytes (src/scenario/run-size.ts). */
  jobMemoryBytes: 4e9,
  /** Estimated CPU time of one job, seconds (one day; src/scenario/run-size.ts). */
  jobCpuSeconds: 86_400,
  /** Problems reported per file (the rest are counted). */
  problems: MAX_PROBLEMS,
  /** Characters of one message (longer ones end in an ellipsis). */
  messageChars: MESSAGE_CHARS,
} as const;

/** Keys refused everywhere (files, `--set`, sweep paths): they reach Object.prototype. */
export const FORBIDDEN_KEYS: ReadonlySet<string> = new Set([
  '__proto__',
  'constructor',
  'prototype',
]);

/** The message for a forbidden key, or undefined. */
export function forbiddenKeyProblem(key: string): string | undefined {
  return FORBIDDEN_KEYS.has(key)
    ? `expected a scenario key, got \`${key}\` (refused: it would reach the prototype of every object)`
    : undefined;
}

/**
 * Reads a scenario (or values) file as UTF-8 text, or says why not: only regular files (a FIFO,
 * a device or a folder is refused before it is opened, so none can block or never end), at
 * most LIMITS.fileBytes, valid UTF-8 (a UTF-16 file says so). A UTF-8 byte order mark is dropped.
 */
export function readTextFile(file: string): { text: string } | { problem: string } {
  let st: fs.Stats;
  try {
    st = fs.statSync(file);
  } catch (e) {
    const code = (e as { code?: string }).code;
    return { problem: `expected a readable scenario file, got ${code ?? String(e)}` };
  }
  if (!st.isFile()) {
    const kind = st.isDirectory()
      ? 'a folder'
      : st.isFIFO()
        ? 'a FIFO (named pipe)'
        : st.isCharacterDevice() || st.isBlockDevice()
          ? 'a device'
          : st.isSocket()
            ? 'a socket'
            : 'not a regular file';
    return { problem: `expected a regular file, got ${kind}` };
  }
  if (st.size > LIMITS.fileBytes) {
    return {
      problem: `expected a file of at most ${LIMITS.fileBytes / 1024 / 1024} MB (the limit), got ${(st.size / 1024 / 1024).toFixed(1)} MB`,
    };
  }
  let bytes: Buffer;
  try {
    bytes = fs.readFileSync(file);
  } catch (e) {
    const code = (e as { code?: string }).code;
    return { problem: `expected a readable scenario file, got ${code ?? String(e)}` };
  }
  if (bytes.length > LIMITS.fileBytes) {
    return {
      problem: `expected a file of at most ${LIMITS.fileBytes / 1024 / 1024} MB (the limit)`,
    };
  }
  if (
    bytes.length >= 2 &&
    ((bytes[0] === 0xff && bytes[1] === 0xfe) || (bytes[0] === 0xfe && bytes[1] === 0xff))
  ) {
    return { problem: 'expected UTF-8 text, got UTF-16 (it starts with a UTF-16 byte order mark)' };
  }
  let text: string;
  try {
    text = new TextDecoder('utf-8', { fatal: true }).decode(bytes);
  } catch {
    return { problem: 'expected UTF-8 text, got bytes that are not UTF-8' };
  }
  if (text.includes('\u0000')) return { problem: 'expected text, got a NUL byte (a binary file?)' };
  return { text: text.charCodeAt(0) === 0xfeff ? text.slice(1) : text };
}

const FLOAT_TAG = 'tag:yaml.org,2002:float';
const INT_TAG = 'tag:yaml.org,2002:int';

/**
 * Resolves explicitly tagged numbers the yaml library leaves as strings (`!!float 1500` stays
 * "1500" because the core schema's float needs a `.` or an exponent): YAML says the tag decides.
 */
export function resolveNumberTags(doc: Document): void {
  visit(doc, {
    Scalar(_key, node) {
      if (!isScalar(node) || typeof node.value !== 'string') return;
      if (node.tag !== FLOAT_TAG && node.tag !== INT_TAG) return;
      const n = Number(node.value.replace(/_/g, ''));
      if (
        node.value.trim() !== '' &&
        !Number.isNaN(n) &&
        (node.tag === FLOAT_TAG || Number.isInteger(n))
      ) {
        node.value = n;
      }
    },
  });
}

/**
 * Walks parsed content (iteratively: no recursion to overflow) and returns what breaks a limit:
 * nesting deeper than LIMITS.depth, more than LIMITS.keys keys and items, forbidden keys, and
 * numbers that are not finite (`1e400` overflows to Infinity when parsed).
 */
export function checkTree(raw: unknown): RawProblem[] {
  const problems: RawProblem[] = [];
  const stack: [unknown, PropertyKey[]][] = [[raw, []]];
  let count = 0;
  while (stack.length > 0) {
    const [v, p] = stack.pop() as [unknown, PropertyKey[]];
    if (typeof v === 'number' && !Number.isFinite(v)) {
      problems.push({
        path: p,
        message: `expected a finite number, got ${String(v)} (a number too large for a double, such as 1e400, overflows to Infinity)`,
      });
      continue;
    }
    if (v === null || typeof v !== 'object') continue;
    if (p.length >= LIMITS.depth) {
      problems.push({
        path: p.slice(0, 8),
        message: `expected mappings and lists nested at most ${LIMITS.depth} deep (the limit), got deeper nesting at ${formatPath(p.slice(0, 8))}...`,
      });
      return problems;
    }
    const entries: [PropertyKey, unknown][] = Array.isArray(v)
      ? v.map((x, i) => [i, x])
      : Object.entries(v as Record<string, unknown>);
    if (!Array.isArray(v) && entries.length > LIMITS.mappingKeys) {
      problems.push({
        path: p,
        message: `expected at most ${LIMITS.mappingKeys} keys in one mapping (the limit), got ${entries.length}`,
      });
      continue;
    }
    count += entries.length;
    if (count > LIMITS.keys) {
      problems.push({
        path: [],
        message: `expected at most ${LIMITS.keys} keys and list items in a file (the limit), got more`,
      });
      return problems;
    }
    for (const [k, x] of entries) {
      const bad = typeof k === 'string' ? forbiddenKeyProblem(k) : undefined;
      if (bad !== undefined) problems.push({ path: [...p, k], message: bad });
      else stack.push([x, [...p, k]]);
    }
  }
  return problems;
}

/** Source offsets of keys that repeat an earlier key of the same mapping (linear time). */
export function duplicateKeys(doc: Document): number[] {
  const out: number[] = [];
  visit(doc, {
    Map(_key, node) {
      const seen = new Set<string>();
      for (const item of node.items) {
        if (!isScalar(item.key)) continue;
        const k = String(item.key.value);
        if (seen.has(k)) out.push(item.key.range?.[0] ?? 0);
        seen.add(k);
      }
    },
  });
  return out;
}

/**
 * Deepest nesting of `[` and `{` in `text`, outside quoted strings and comments: a linear scan
 * run before the parsers, whose recursion (and memory) a file nested 100,000 deep would exhaust.
 * Approximate for YAML (block nesting is not counted: the parser survives it).
 */
export function flowDepth(text: string): number {
  let depth = 0;
  let max = 0;
  let quote = '';
  for (let i = 0; i < text.length; i++) {
    const c = text[i];
    if (quote !== '') {
      if (c === '\\' && quote === '"') i++;
      else if (c === quote) quote = '';
      continue;
    }
    if (c === '"' || c === "'") quote = c;
    else if (c === '#' && (i === 0 || /\s/.test(text[i - 1] as string))) {
      const nl = text.indexOf('\n', i);
      i = nl < 0 ? text.length : nl;
    } else if (c === '[' || c === '{') {
      depth++;
      if (depth > max) max = depth;
    } else if ((c === ']' || c === '}') && depth > 0) depth--;
  }
  return max;
}

/** Number of YAML alias references (`*name`) in `text`, outside quotes and comments (approximate). */
export function aliasRefs(text: string): number {
  const m = text.match(/(?:^|[\s,[{:-])\*[^\s,\]}]+/g);
  return m === null ? 0 : m.length;
}
