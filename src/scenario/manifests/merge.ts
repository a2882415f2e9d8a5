/**
 * Precedence: manifest < scenario file < `--set`. The scenario file's keys are put over the
 * manifests' content (mappings merged key by key, anything else replaced: a list in the file
 * replaces the manifests' list); `--set` is applied later by the loader. A problem at a path
 * whose value came from a manifest is reported at that manifest field.
 */
import type { ScenarioProblem } from '../errors.js';
import { isMapping } from '../schema/common.js';
import { cloneRaw } from '../sweep.js';
import type { Provenance } from './provenance.js';

/** `over` merged over `under` (neither is modified). */
export function mergeUnder(
  under: Record<string, unknown>,
  over: Record<string, unknown>,
): Record<string, unknown> {
  const out: Record<string, unknown> = cloneRaw(under);
  for (const [k, v] of Object.entries(over)) {
    const u = out[k];
    out[k] = isMapping(u) && isMapping(v) ? mergeUnder(u, v) : cloneRaw(v);
  }
  return out;
}

/** Splits `deployment.pod.readinessProbe.periodSeconds` / `balancers[0].name` into segments. */
function segments(p: string): (string | number)[] {
  const out: (string | number)[] = [];
  for (const m of p.matchAll(/([^.[\]]+)|\[(\d+)\]/g)) {
    out.push(m[2] !== undefined ? Number(m[2]) : (m[1] as string));
  }
  return out;
}

function presentIn(raw: unknown, p: readonly (string | number)[]): boolean {
  let cur: unknown = raw;
  for (const seg of p) {
    if (Array.isArray(cur) && typeof seg === 'number') cur = cur[seg];
    else if (isMapping(cur)) cur = cur[String(seg)];
    else return false;
    if (cur === undefined) return false;
  }
  return true;
}

/**
 * Reports each problem whose value came from a manifest (and was not set by the scenario file
 * or `--set`) at the manifest's file, document, object and field; the others as they are.
 */
export function attributeProblems(
  problems: readonly ScenarioProblem[],
  provenance: Provenance,
  scenarioRaw: unknown,
): ScenarioProblem[] {
  return problems.map((p) => {
    if (p.message.endsWith('(from --set)')) return p;
    const segs = segments(p.path);
    const found = provenance.find(segs);
    if (found === undefined || found.origin.kind !== 'manifest') return p;
    if (presentIn(scenarioRaw, found.at)) return p;
    const o = found.origin;
    return {
      file: o.file,
      path: `${o.object}: ${o.field}`,
      message: `${p.message} (scenario key ${p.path})`,
    };
  });
}
