/**
 * Schema building blocks shared by the scenario sections: strict objects whose unknown-key
 * issues carry the known keys (for "did you mean"), and the context a schema needs to read
 * files named relative to the scenario file.
 */
import { z } from 'zod';

/** Marks an unrecognized-keys message that carries the object's known keys (see issues.ts). */
export const KNOWN_KEYS_MARK = '\u0000known-keys:';

/**
 * A strict object: unknown keys are errors. The message carries the known keys so the
 * error formatter can suggest the closest one.
 */
export function strict<T extends z.ZodRawShape>(shape: T) {
  const known = JSON.stringify(Object.keys(shape));
  return z.strictObject(shape, {
    error: (iss) => (iss.code === 'unrecognized_keys' ? `${KNOWN_KEYS_MARK}${known}` : undefined),
  });
}

/** What schemas need from the outside world (files referenced by a scenario). */
export interface SchemaContext {
  /** Directory that relative file names are resolved against (the scenario file's). */
  readonly baseDir: string;
  /** Reads a text file; throws (with a readable message) when it cannot. */
  readFile(path: string): string;
}

/** Whether `v` is a plain mapping (not null, not a list). */
export function isMapping(v: unknown): v is Record<string, unknown> {
  return v !== null && typeof v === 'object' && !Array.isArray(v);
}

/**
 * Accepts a bare string as shorthand for `{[key]: string}` (`connections: keepalive` means
 * `connections: {mode: keepalive}`). Never raises issues itself, so the inner schema reports.
 */
export function shorthand<S extends z.ZodType>(key: string, inner: S) {
  return z.preprocess((v) => (typeof v === 'string' ? { [key]: v } : v), inner);
}
