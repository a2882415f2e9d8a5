/**
 * The bookkeeping of mapping one Kubernetes object onto scenario keys: reading a field marks it
 * used, a mapped value becomes a Contribution with the field as its origin, and at the end every
 * field neither used nor known to be irrelevant is warned about once, at the highest path that
 * holds nothing used (`spec.template.spec.affinity: not modelled, ignored`).
 */
import type { ScenarioProblem } from '../errors.js';
import { isMapping } from '../schema/common.js';
import type { PathSegment } from '../sweep.js';
import type { Contribution } from './provenance.js';
import { type ManifestObject, objectLabel } from './read.js';

/** A manifest field path as segments: `['spec', 'template', 'spec', 'containers', 0]`. */
export type FieldPath = readonly (string | number)[];

export function fieldText(p: FieldPath): string {
  let s = '';
  for (const seg of p) s += typeof seg === 'number' ? `[${seg}]` : s === '' ? seg : `.${seg}`;
  return s;
}

export function getAt(obj: unknown, p: FieldPath): unknown {
  let cur: unknown = obj;
  for (const seg of p) {
    if (typeof seg === 'number') cur = Array.isArray(cur) ? cur[seg] : undefined;
    else cur = isMapping(cur) ? cur[seg] : undefined;
    if (cur === undefined) return undefined;
  }
  return cur;
}

/** null, '' and empty collections: what `kubectl get -o yaml` writes for fields left unset. */
function isUnset(v: unknown): boolean {
  if (v === null || v === undefined || v === '') return true;
  if (Array.isArray(v)) return v.every(isUnset);
  if (isMapping(v)) return Object.values(v).every(isUnset);
  return false;
}

export class ObjectMapper {
  readonly label: string;
  private readonly used = new Set<string>();
  /** Subtrees that are irrelevant to the model (never warned about). */
  private readonly ignored = new Set<string>();
  constructor(
    readonly source: ManifestObject,
    private readonly out: Contribution[],
    private readonly warnings: string[],
    private readonly problems: ScenarioProblem[],
  ) {
    this.label = objectLabel(source);
  }

  /** The value at `p`, without marking it used (to look around). */
  peek(p: FieldPath): unknown {
    return getAt(this.source.obj, p);
  }

  /** The value at `p`, marking it (and all below it) used. */
  read(p: FieldPath): unknown {
    this.used.add(fieldText(p));
    return getAt(this.source.obj, p);
  }

  /** Maps the field `p` (when present) to scenario path `to`, optionally converted. */
  map(
    p: FieldPath,
    to: readonly PathSegment[],
    convert: (v: unknown) => unknown = (v) => v,
  ): unknown {
    const v = this.read(p);
    if (v !== undefined && v !== null) this.contribute(to, convert(v), p);
    return v;
  }

  contribute(to: readonly PathSegment[], value: unknown, p: FieldPath): void {
    this.used.add(fieldText(p));
    this.out.push({
      path: to,
      value,
      origin: { kind: 'manifest', file: this.source.file, object: this.label, field: fieldText(p) },
    });
  }

  /** A Kubernetes default for a field the manifest left out. */
  kubernetesDefault(to: readonly PathSegment[], value: unknown, note: string): void {
    this.out.push({ path: to, value, origin: { kind: 'kubernetes-default', note } });
  }

  /** Marks subtrees as irrelevant to the model (no warning). */
  ignore(...paths: FieldPath[]): void {
    for (const p of paths) this.ignored.add(fieldText(p));
  }

  warn(p: FieldPath | '', message: string): void {
    const where = p === '' ? '' : `${fieldText(p)}: `;
    this.warnings.push(`${this.source.file}: ${this.label}: ${where}${message}`);
  }

  problem(p: FieldPath, message: string): void {
    this.problems.push({ file: this.source.file, path: `${this.label}: ${fieldText(p)}`, message });
  }

  /** Warns once for each top-most subtree with nothing used or ignored in it. */
  warnUnused(): void {
    const walk = (v: unknown, p: (string | number)[]): void => {
      const t = fieldText(p);
      if (this.ignored.has(t) || this.used.has(t) || isUnset(v)) return;
      if (p.length > 0 && !this.hasUsedBelow(t)) {
        this.warn(p, 'not modelled, ignored');
        return;
      }
      if (isMapping(v)) for (const [k, x] of Object.entries(v)) walk(x, [...p, k]);
      else if (Array.isArray(v)) {
        v.forEach((x, i) => {
          walk(x, [...p, i]);
        });
      }
    };
    walk(this.source.obj, []);
  }

  private hasUsedBelow(t: string): boolean {
    if (this.used.has(t)) return true;
    for (const u of this.used) {
      if (u.startsWith(`${t}.`) || u.startsWith(`${t}[`)) return true;
    }
    for (const u of this.ignored) {
      if (u.startsWith(`${t}.`) || u.startsWith(`${t}[`)) return true;
    }
    return false;
  }
}
