/**
 * `lbsim explain KEY` (as `kubectl explain`): the type, default and meaning of a scenario key,
 * read from the very schema that validates scenario files (scenarioSchema): its object shapes
 * give the keys, its field builders' metadata the types (src/fields/fields.ts), its `.default()`
 * wrappers the defaults, and KEY_DOCS (schema/key-docs.ts, kept complete by a test against this
 * walk) the meaning and source. So the tool and the validation cannot disagree.
 */
import { globalRegistry, type z } from 'zod';
import type { FieldBounds } from '../fields/fields.js';
import { formatDuration } from '../fields/units.js';
import { registryCatalog } from './balancer-catalog.js';
import { scenarioSchema } from './schema/index.js';
import { KEY_DOCS } from './schema/key-docs.js';

let built: z.ZodType | undefined;
/** The scenario schema with the registry's balancers (what `lbsim run` validates with). */
function defaultSchema(): z.ZodType {
  built ??= scenarioSchema({ baseDir: '.', readFile: () => '' }, registryCatalog()) as z.ZodType;
  return built;
}

type Def = { type: string; [k: string]: unknown };
const defOf = (s: unknown): Def | undefined => (s as { _zod?: { def?: Def } })._zod?.def;

export interface KeyInfo {
  /** `deployment.pod.readinessProbe.periodSeconds`, `churn[].mtbf`. */
  readonly path: string;
  readonly type: string;
  /** The default as the schema fills it in, or undefined when the key has none. */
  readonly default?: unknown;
  /** For keys of one variant of a list or mapping (`process: poisson`): which variants. */
  readonly variants?: readonly string[];
  /** Sub-keys, for mappings. */
  readonly children: readonly string[];
  /** The range of a numeric field (its builder's metadata: src/fields/fields.ts). */
  readonly bounds?: FieldBounds;
}

interface Walked {
  type: string;
  bounds?: FieldBounds;
  default?: unknown;
  children: Map<string, { schema: unknown; variants?: string[] }>;
  element?: unknown;
}

/** Looks through default/optional/pipe wrappers to what a node is. */
function inspect(schema: unknown): Walked {
  const out: Walked = { type: 'value', children: new Map() };
  let cur: unknown = schema;
  for (let depth = 0; depth < 12 && cur !== undefined; depth++) {
    const meta = globalRegistry.get(cur as z.ZodType) as
      | { type?: string; bounds?: FieldBounds }
      | undefined;
    if (meta?.type !== undefined && out.type === 'value') {
      out.type = meta.type;
      if (meta.bounds !== undefined) out.bounds = meta.bounds;
    }
    const def = defOf(cur);
    if (def === undefined) break;
    switch (def.type) {
      case 'default':
      case 'prefault':
        if (!('default' in out)) {
          const d = def.defaultValue;
          out.default = typeof d === 'function' ? (d as () => unknown)() : d;
        }
        cur = def.innerType;
        continue;
      case 'optional':
      case 'nullable':
      case 'readonly':
        cur = def.innerType;
        continue;
      case 'pipe':
        // z.preprocess is pipe(transform, schema): the shape is on the out side.
        cur = defOf(def.in)?.type === 'transform' ? def.out : def.in;
        continue;
      case 'object':
        if (out.type === 'value') out.type = 'mapping';
        for (const [k, v] of Object.entries(def.shape as Record<string, unknown>)) {
          out.children.set(k, { schema: v });
        }
        return out;
      case 'union': {
        const disc = def.discriminator as string | undefined;
        if (out.type === 'value')
          out.type = disc ? `mapping by \`${disc}\`` : 'one of several forms';
        for (const o of def.options as unknown[]) {
          const w = inspect(o);
          const lit = disc ? literalOf(w.children.get(disc)?.schema) : undefined;
          for (const [k, v] of w.children) {
            const e = out.children.get(k) ?? { schema: v.schema, variants: [] };
            if (lit !== undefined) e.variants?.push(lit);
            out.children.set(k, e);
          }
        }
        return out;
      }
      case 'array':
        if (out.type === 'value') out.type = 'list';
        out.element = def.element;
        return out;
      case 'string':
        if (out.type === 'value') out.type = 'string';
        return out;
      case 'record':
        if (out.type === 'value') out.type = 'mapping of names to values';
        return out;
      case 'literal':
        if (out.type === 'value') out.type = `\`${String((def.values as unknown[])[0])}\``;
        return out;
      default:
        return out;
    }
  }
  return out;
}

function literalOf(schema: unknown): string | undefined {
  const def = defOf(schema);
  return def?.type === 'literal' ? String((def.values as unknown[])[0]) : undefined;
}

/** Every key path of the schema, with what `explain` says of it. */
export function listKeys(root: z.ZodType): KeyInfo[] {
  const out: KeyInfo[] = [];
  const walk = (schema: unknown, path: string, variantsIn?: readonly string[]) => {
    let variants = variantsIn;
    const w = inspect(schema);
    let children = w.children;
    let p = path;
    let type = w.type;
    if (w.element !== undefined) {
      const e = inspect(w.element);
      type = `list of ${e.type}`;
      children = e.children;
      p = `${path}[]`;
    }
    if (variants !== undefined && literalOf(schema) !== undefined) {
      type = variants.map((v) => `\`${v}\``).join(' | ');
      variants = undefined;
    }
    out.push({
      path,
      type,
      ...('default' in w ? { default: w.default } : {}),
      ...(variants !== undefined && variants.length > 0 ? { variants } : {}),
      children: [...children.keys()],
      ...(w.bounds === undefined ? {} : { bounds: w.bounds }),
    });
    for (const [k, c] of children) walk(c.schema, p === '' ? k : `${p}.${k}`, c.variants);
  };
  walk(root, '');
  return out;
}

/** `churn[0].mtbf`, `churn.0.mtbf` -> `churn[].mtbf`. */
export function canonicalKey(key: string): string {
  return key
    .replace(/\[\d*\]/g, '[]')
    .replace(/\.(\d+)(?=\.|$)/g, '[]')
    .replace(/^\.+|\.+$/g, '');
}

function showDefault(v: unknown, type: string): string {
  if (v === null) return 'none';
  if (typeof v === 'number' && type.startsWith('duration')) return formatDuration(v);
  if (typeof v === 'string') return `\`${v}\``;
  return `\`${JSON.stringify(v)}\``;
}

/** The text `lbsim explain KEY` prints, or undefined when there is no such key. */
export function explainKey(key: string, root: z.ZodType = defaultSchema()): string | undefined {
  const keys = listKeys(root);
  const want = canonicalKey(key);
  if (want === '') {
    const top = keys.filter((k) => k.path !== '' && !k.path.includes('.') && !k.path.includes('['));
    return [
      'Top-level keys of a scenario file (lbsim explain KEY for one):',
      '',
      ...top.map((k) => `  ${k.path.padEnd(14)} ${KEY_DOCS[k.path]?.split('\n')[0] ?? ''}`),
      '',
    ].join('\n');
  }
  const k = keys.find((x) => x.path === want);
  if (k === undefined) return undefined;
  const lines = [`KEY:     ${k.path}`, `TYPE:    ${k.type}`];
  if ('default' in k && k.default !== undefined)
    lines.push(`DEFAULT: ${showDefault(k.default, k.type)}`);
  if (k.variants !== undefined) lines.push(`ONLY IN: ${k.variants.join(', ')}`);
  const doc = KEY_DOCS[k.path];
  if (doc !== undefined) lines.push('', ...doc.split('\n').map((l) => `  ${l}`));
  if (k.children.length > 0) {
    lines.push('', 'KEYS:');
    for (const c of k.children) {
      const child = keys.find(
        (x) => x.path === (k.type.startsWith('list') ? `${k.path}[].${c}` : `${k.path}.${c}`),
      );
      lines.push(`  ${c.padEnd(32)} ${child?.type ?? ''}`);
    }
  }
  return `${lines.join('\n')}\n`;
}

/** Every key path (for "did you mean"). */
export function scenarioKeys(root: z.ZodType = defaultSchema()): string[] {
  return listKeys(root)
    .map((k) => k.path)
    .filter((p) => p !== '');
}
