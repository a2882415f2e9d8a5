/**
 * Turns zod issues into `path: expected ..., got ...` problems. Field types of src/fields
 * already phrase their own messages; this covers what zod itself raises (wrong types, enum and
 * discriminator values, unknown keys, unions) and splits one unknown-keys issue into one
 * problem per key, with "did you mean" where a known key is close.
 */
import type { z } from 'zod';
import { didYouMean, listNames, showValue } from '../../fields/fields.js';
import { formatPath } from '../errors.js';
import { KNOWN_KEYS_MARK } from './common.js';

/** A problem before it is tied to a file: the path as segments, and the message. */
export interface RawProblem {
  readonly path: readonly PropertyKey[];
  readonly message: string;
}

const TYPE_WORDS: Readonly<Record<string, string>> = {
  number: 'a number',
  int: 'an integer',
  string: 'a string',
  boolean: 'true or false',
  object: 'a mapping',
  array: 'a list',
  record: 'a mapping',
  literal: 'a fixed value',
};

type Issue = z.core.$ZodIssue;
type RawIssue = z.core.$ZodRawIssue;

/** Parse-level error map (pass as `error` to safeParse, with `reportInput: true`). */
export function scenarioErrorMap(iss: RawIssue): string | undefined {
  const input = iss.input;
  switch (iss.code) {
    case 'invalid_type': {
      const want = TYPE_WORDS[iss.expected] ?? iss.expected;
      return `expected ${want}, got ${showValue(input)}`;
    }
    case 'invalid_value': {
      const values = iss.values.map(String);
      const near = typeof input === 'string' ? didYouMean(input, values) : undefined;
      return (
        `expected one of ${listNames(values)}, got ${showValue(input)}` +
        (near ? ` (did you mean \`${near}\`?)` : '')
      );
    }
    case 'too_small':
    case 'too_big': {
      const op =
        iss.code === 'too_small' ? (iss.inclusive ? '>=' : '>') : iss.inclusive ? '<=' : '<';
      const bound = iss.code === 'too_small' ? iss.minimum : iss.maximum;
      if (iss.origin === 'array') {
        return `expected a list of ${op} ${bound} items, got ${Array.isArray(input) ? input.length : showValue(input)}`;
      }
      return `expected a value ${op} ${bound}, got ${showValue(input)}`;
    }
    case 'invalid_union': {
      const disc = (iss as { discriminator?: string }).discriminator;
      const options = (iss as { options?: unknown[] }).options;
      if (disc !== undefined && options !== undefined) {
        const names = options.map(String);
        const got =
          input !== null && typeof input === 'object'
            ? (input as Record<string, unknown>)[disc]
            : undefined;
        const near = typeof got === 'string' ? didYouMean(got, names) : undefined;
        return (
          `expected one of ${listNames(names)}, got ${showValue(got)}` +
          (near ? ` (did you mean \`${near}\`?)` : '')
        );
      }
      return `expected ${describeUnion(iss)}, got ${showValue(input)}`;
    }
    default:
      return undefined;
  }
}

function describeUnion(iss: RawIssue): string {
  const errors = (iss as { errors?: Issue[][] }).errors ?? [];
  const wants = new Set<string>();
  for (const branch of errors) {
    const first = branch[0];
    if (first?.code === 'invalid_type' && first.path.length === 0) {
      wants.add(TYPE_WORDS[first.expected] ?? first.expected);
    }
  }
  return wants.size > 0 ? [...wants].join(' or ') : 'a valid value';
}

/** Converts zod issues to problems (path segments and message), unknown keys one per key. */
export function toRawProblems(issues: readonly Issue[]): RawProblem[] {
  const out: RawProblem[] = [];
  for (const iss of issues) {
    if (iss.code === 'unrecognized_keys') {
      const known = iss.message.startsWith(KNOWN_KEYS_MARK)
        ? (JSON.parse(iss.message.slice(KNOWN_KEYS_MARK.length)) as string[])
        : [];
      for (const key of iss.keys) {
        const near = didYouMean(key, known);
        const message = near
          ? `unknown key \`${key}\` (did you mean \`${near}\`?)`
          : known.length > 0
            ? `unknown key \`${key}\`; expected one of ${listNames(known)}`
            : `unknown key \`${key}\``;
        out.push({ path: [...iss.path, key], message });
      }
      continue;
    }
    out.push({ path: iss.path, message: iss.message });
  }
  return out;
}

/** Parses `value` with `schema`, our error map and reported inputs. */
export function safeParse<S extends z.ZodType>(schema: S, value: unknown) {
  return schema.safeParse(value, { reportInput: true, error: scenarioErrorMap });
}

/**
 * Runs `schema` on `value` inside another schema's transform and forwards its issues (paths
 * relative to the field being transformed). Returns the output, or undefined on failure.
 */
export function parseInto<S extends z.ZodType>(
  schema: S,
  value: unknown,
  ctx: z.core.$RefinementCtx,
  prefix: readonly PropertyKey[] = [],
): z.output<S> | undefined {
  const r = safeParse(schema, value);
  if (r.success) return r.data;
  for (const iss of r.error.issues) {
    let message = iss.message;
    // A schema built elsewhere (a balancer's options) with plain strict objects: recover its
    // top-level keys so an unknown key still gets "did you mean".
    if (
      iss.code === 'unrecognized_keys' &&
      !message.startsWith(KNOWN_KEYS_MARK) &&
      iss.path.length === 0
    ) {
      const keys = objectKeysOf(schema);
      if (keys !== undefined) message = `${KNOWN_KEYS_MARK}${JSON.stringify(keys)}`;
    }
    ctx.addIssue({ ...iss, message, path: [...prefix, ...iss.path] } as unknown as RawIssue);
  }
  return undefined;
}

/** The keys of an object schema, looking through optional/default/pipe wrappers. */
export function objectKeysOf(schema: z.ZodType): string[] | undefined {
  let cur: unknown = schema;
  for (let depth = 0; depth < 8 && cur !== undefined; depth++) {
    const def = (cur as { _zod?: { def?: Record<string, unknown> } })._zod?.def;
    if (def === undefined) return undefined;
    if (def.type === 'object') return Object.keys(def.shape as object);
    cur = def.type === 'pipe' ? def.in : def.innerType;
  }
  return undefined;
}

export { formatPath };
