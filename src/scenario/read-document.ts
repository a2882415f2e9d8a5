/**
 * Reading a scenario file's text into raw content, within the loader's limits (size, aliases,
 * nesting, duplicate keys: limits.ts), keeping source positions so that every message can name
 * the line of the path it is about. Never throws: problems are returned.
 */
import * as path from 'node:path';
import { isMap, isPair, isScalar, isSeq, LineCounter, type Node, parseDocument } from 'yaml';
import { formatPath, type ScenarioProblem } from './errors.js';
import {
  aliasRefs,
  checkTree,
  duplicateKeys,
  flowDepth,
  LIMITS,
  readTextFile,
  resolveNumberTags,
} from './limits.js';

/** A parsed (not yet validated) scenario text with a way to find a path's line. */
export interface RawDocument {
  readonly raw: unknown;
  readonly problems: ScenarioProblem[];
  lineOf(path: readonly PropertyKey[]): number | undefined;
}

export function isJsonFile(file: string): boolean {
  return path.extname(file).toLowerCase() === '.json';
}

/** Parses YAML (or JSON) text, keeping source positions for messages. Never throws. */
export function parseText(text: string, display: string, json: boolean): RawDocument {
  const lineCounter = new LineCounter();
  const problems: ScenarioProblem[] = [];
  const whole = (message: string, line?: number) =>
    problems.push(
      line === undefined
        ? { file: display, path: '', message }
        : { file: display, path: '', message, line },
    );
  if (text.length > LIMITS.scenarioBytes) {
    whole(
      `expected a scenario file of at most ${LIMITS.scenarioBytes / 1024 / 1024} MB (the limit), got ${(text.length / 1024 / 1024).toFixed(1)} MB`,
    );
    return { raw: undefined, problems, lineOf: () => undefined };
  }
  if (!json && aliasRefs(text) > LIMITS.aliasRefs) {
    whole(
      `expected at most ${LIMITS.aliasRefs} aliases (\`*name\`, the limit), got ${aliasRefs(text)}`,
    );
    return { raw: undefined, problems, lineOf: () => undefined };
  }
  if (flowDepth(text) > LIMITS.depth) {
    whole(
      `expected mappings and lists nested at most ${LIMITS.depth} deep (the limit), got ${flowDepth(text)} levels of brackets`,
    );
    return { raw: undefined, problems, lineOf: () => undefined };
  }
  let doc: ReturnType<typeof parseDocument>;
  try {
    // uniqueKeys: false: the library's check is quadratic in a mapping's keys (50,000 keys hang
    // it); duplicateKeys() below does it in linear time, for JSON as for YAML.
    doc = parseDocument(text, { lineCounter, prettyErrors: false, uniqueKeys: false });
  } catch (e) {
    // The parser recurses: nesting thousands deep overflows its stack.
    whole(
      e instanceof RangeError
        ? `expected mappings and lists nested at most ${LIMITS.depth} deep (the limit), got nesting too deep to parse`
        : `expected valid ${json ? 'JSON' : 'YAML'}, got an error: ${e instanceof Error ? e.message : String(e)}`,
    );
    return { raw: undefined, problems, lineOf: () => undefined };
  }
  let raw: unknown;
  if (json) {
    try {
      raw = JSON.parse(text);
    } catch (e) {
      whole(`expected valid JSON, got an error: ${e instanceof Error ? e.message : String(e)}`);
    }
  } else {
    for (const err of doc.errors) {
      const line = err.linePos?.[0]?.line ?? lineCounter.linePos(err.pos[0]).line;
      whole(
        /call stack/i.test(err.message)
          ? `expected mappings and lists nested at most ${LIMITS.depth} deep (the limit), got nesting too deep to parse`
          : `expected valid YAML, got: ${err.message.split('\n')[0]}`,
        line,
      );
    }
    if (problems.length === 0) {
      try {
        resolveNumberTags(doc);
        raw = doc.toJS({ maxAliasCount: LIMITS.aliases });
      } catch (e) {
        const msg = e instanceof Error ? e.message : String(e);
        whole(
          e instanceof RangeError
            ? `expected mappings and lists nested at most ${LIMITS.depth} deep (the limit), got nesting too deep to read`
            : /alias count/i.test(msg)
              ? `expected at most ${LIMITS.aliases} alias expansions (the limit), got more: ${msg}`
              : `expected valid YAML, got: ${msg}`,
        );
      }
    }
  }
  // JSON.parse keeps the last of duplicate keys; YAML (a JSON superset) rejects them: both do.
  if (problems.length === 0) {
    for (const offset of duplicateKeys(doc)) {
      whole(
        'expected unique keys in each mapping, got a duplicate key',
        lineCounter.linePos(offset).line,
      );
    }
  }
  if (problems.length === 0) {
    for (const p of checkTree(raw))
      problems.push({ file: display, path: formatPath(p.path), message: p.message });
  }
  const lineAt = (offset: number | undefined) =>
    offset === undefined ? undefined : lineCounter.linePos(offset).line;
  const lineOf = (p: readonly PropertyKey[]): number | undefined => {
    if (doc.errors.length > 0) return undefined;
    let node: unknown = doc.contents;
    let line = lineAt((node as Node | null)?.range?.[0]);
    for (const seg of p) {
      if (isMap(node)) {
        const pair = node.items.find(
          (it) => isPair(it) && isScalar(it.key) && String(it.key.value) === String(seg),
        );
        if (pair === undefined) return line;
        line = lineAt((pair.key as Node).range?.[0]) ?? line;
        node = pair.value;
      } else if (isSeq(node) && typeof seg === 'number') {
        const item = node.items[seg];
        if (item === undefined) return line;
        node = item;
        line = lineAt((node as Node).range?.[0]) ?? line;
      } else return line;
    }
    return line;
  };
  return { raw, problems, lineOf };
}

export function readDocument(file: string, display: string): RawDocument {
  const r = readTextFile(file);
  if ('problem' in r) {
    return {
      raw: undefined,
      problems: [{ file: display, path: '', message: r.problem }],
      lineOf: () => undefined,
    };
  }
  return parseText(r.text, display, isJsonFile(file));
}

/** Reads a file a scenario names (values files), within the loader's limits; throws why not. */
export function readReferencedFile(file: string): string {
  const r = readTextFile(file);
  if ('problem' in r) throw new Error(r.problem);
  return r.text;
}
