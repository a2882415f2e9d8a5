import * as fs from 'node:fs';
import * as path from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { registryCatalog } from '../../src/scenario/balancer-catalog.js';
import { scenarioSchema } from '../../src/scenario/schema/index.js';

const here = path.dirname(fileURLToPath(import.meta.url));
const doc = fs.readFileSync(path.resolve(here, '../../docs/SCENARIO-FORMAT.md'), 'utf8');

type Def = { type: string; [k: string]: unknown };
const defOf = (s: unknown): Def | undefined => (s as { _zod?: { def?: Def } })._zod?.def;

/** Every key name the schema accepts, by walking zod's definitions. */
function keyNames(schema: unknown, out: Set<string>, seen = new Set<unknown>()): Set<string> {
  if (seen.has(schema)) return out;
  seen.add(schema);
  const def = defOf(schema);
  if (def === undefined) return out;
  switch (def.type) {
    case 'object':
      for (const [k, v] of Object.entries(def.shape as Record<string, unknown>)) {
        out.add(k);
        keyNames(v, out, seen);
      }
      break;
    case 'pipe':
      keyNames(def.in, out, seen);
      keyNames(def.out, out, seen);
      break;
    case 'union':
      for (const o of def.options as unknown[]) keyNames(o, out, seen);
      break;
    case 'array':
      keyNames(def.element, out, seen);
      break;
    default:
      if (def.innerType !== undefined) keyNames(def.innerType, out, seen);
  }
  return out;
}

describe('docs/SCENARIO-FORMAT.md', () => {
  it('documents every key the schema accepts', () => {
    const schema = scenarioSchema({ baseDir: '.', readFile: () => '' }, registryCatalog());
    const keys = keyNames(schema, new Set());
    // The walk must reach deep sections, or this test checks nothing.
    for (const k of [
      'failureThreshold',
      'maxConcurrentStreams',
      'tolerationSeconds',
      'thinkTime',
    ]) {
      expect(keys.has(k)).toBe(true);
    }
    // As `key`, `key.sub`, `key:`, `parent.key` or `parent.key.sub`.
    const forms = (k: string) => [`\`${k}\``, `\`${k}.`, `\`${k}:`, `.${k}\``, `.${k}.`];
    const missing = [...keys].filter((k) => !forms(k).some((f) => doc.includes(f)));
    expect(missing).toEqual([]);
  });
});
