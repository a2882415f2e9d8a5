/**
 * Reading manifests as kubectl does: `-f FILE` and `-f DIR` (every `*.yaml`, `*.yml`, `*.json`
 * in it, sorted, not recursive; also `*.prom`, Prometheus scrapes), multi-document YAML
 * (`helm template` output), `kind: List` and the `*List` kinds (what `kubectl get -o yaml`
 * writes). Each object keeps where it came from (file, document index, list item) for messages.
 */
import * as fs from 'node:fs';
import * as path from 'node:path';
import { parseAllDocuments } from 'yaml';
import type { ScenarioProblem } from '../errors.js';
import { isMapping } from '../schema/common.js';

/** One Kubernetes object of the input. */
export interface ManifestObject {
  /** The file as the user named it (joined with the folder for `-f DIR`). */
  readonly file: string;
  /** 1-based document index in the file. */
  readonly doc: number;
  /** 1-based index in a `kind: List`'s items, when it came from one. */
  readonly item?: number;
  readonly apiVersion: string;
  readonly kind: string;
  readonly name: string;
  readonly obj: Readonly<Record<string, unknown>>;
}

/** A Prometheus metrics file (text exposition format, or an HTTP API query's JSON). */
export interface MetricsFile {
  /** As the user named it. */
  readonly file: string;
  /** Absolute path. */
  readonly absolute: string;
  readonly text: string;
}

export interface ManifestInput {
  readonly objects: ManifestObject[];
  readonly metrics: MetricsFile[];
  readonly problems: ScenarioProblem[];
}

const MANIFEST_EXT = /\.(ya?ml|json)$/i;
const METRICS_EXT = /\.(prom|txt)$/i;

/** `doc 2 (Deployment web)`, or `doc 1, item 3 (Deployment web)`: where an object is. */
export function objectLabel(o: Pick<ManifestObject, 'doc' | 'item' | 'kind' | 'name'>): string {
  const item = o.item === undefined ? '' : `, item ${o.item}`;
  return `doc ${o.doc}${item} (${o.kind}${o.name === '' ? '' : ` ${o.name}`})`;
}

function isQueryJson(v: unknown): boolean {
  return isMapping(v) && typeof v.status === 'string' && 'data' in v && !('kind' in v);
}

/** Lists the files of `-f` arguments: files as given, folders expanded (sorted). */
function expand(paths: readonly string[], problems: ScenarioProblem[]): string[] {
  const out: string[] = [];
  for (const p of paths) {
    let stat: fs.Stats;
    try {
      stat = fs.statSync(p);
    } catch (e) {
      const code = (e as { code?: string }).code;
      problems.push({
        file: p,
        path: '',
        message: `expected a manifest file or folder, got ${code ?? String(e)}`,
      });
      continue;
    }
    if (!stat.isDirectory()) {
      out.push(p);
      continue;
    }
    const names = fs
      .readdirSync(p)
      .filter((f) => MANIFEST_EXT.test(f) || /\.prom$/i.test(f))
      .sort();
    if (names.length === 0) {
      problems.push({
        file: p,
        path: '',
        message: 'expected a folder with *.yaml, *.yml or *.json manifests, got none',
      });
    }
    for (const f of names) out.push(path.join(p, f));
  }
  return out;
}

/** Reads every object of the files and folders named by `-f`. */
export function readManifests(paths: readonly string[]): ManifestInput {
  const problems: ScenarioProblem[] = [];
  const objects: ManifestObject[] = [];
  const metrics: MetricsFile[] = [];
  for (const file of expand(paths, problems)) {
    let text: string;
    try {
      text = fs.readFileSync(file, 'utf8');
    } catch (e) {
      const code = (e as { code?: string }).code;
      problems.push({
        file,
        path: '',
        message: `expected a readable file, got ${code ?? String(e)}`,
      });
      continue;
    }
    const absolute = path.resolve(file);
    if (METRICS_EXT.test(file)) {
      metrics.push({ file, absolute, text });
      continue;
    }
    const docs = parseAllDocuments(text, { uniqueKeys: true });
    const list = Array.isArray(docs) ? docs : [docs];
    list.forEach((d, i) => {
      const doc = i + 1;
      if (d.errors.length > 0) {
        const e = d.errors[0] as { message: string };
        problems.push({
          file,
          path: `doc ${doc}`,
          message: `expected valid YAML, got: ${e.message.split('\n')[0]}`,
        });
        return;
      }
      const raw: unknown = d.toJS({ maxAliasCount: 1000 });
      if (raw === null || raw === undefined) return; // an empty document (`---` at the end)
      if (isQueryJson(raw)) {
        metrics.push({ file, absolute, text });
        return;
      }
      addObject(raw, file, doc, undefined, objects, problems);
    });
  }
  return { objects, metrics, problems };
}

function addObject(
  raw: unknown,
  file: string,
  doc: number,
  item: number | undefined,
  objects: ManifestObject[],
  problems: ScenarioProblem[],
): void {
  const where = `doc ${doc}${item === undefined ? '' : `, item ${item}`}`;
  if (!isMapping(raw) || typeof raw.kind !== 'string' || typeof raw.apiVersion !== 'string') {
    problems.push({
      file,
      path: where,
      message: `expected a Kubernetes object (apiVersion, kind, metadata, ...), got ${isMapping(raw) ? `keys ${Object.keys(raw).slice(0, 5).join(', ')}` : `\`${JSON.stringify(raw)}\``}`,
    });
    return;
  }
  if (item === undefined && /List$/.test(raw.kind) && Array.isArray(raw.items)) {
    raw.items.forEach((it, j) => {
      // `kubectl get -o yaml` items carry their own apiVersion and kind; a typed list
      // (DeploymentList) may leave them out.
      const filled =
        isMapping(it) && it.kind === undefined && raw.kind !== 'List'
          ? { apiVersion: raw.apiVersion, kind: (raw.kind as string).replace(/List$/, ''), ...it }
          : it;
      addObject(filled, file, doc, j + 1, objects, problems);
    });
    return;
  }
  const meta = isMapping(raw.metadata) ? raw.metadata : {};
  const name = typeof meta.name === 'string' ? meta.name : '';
  objects.push({
    file,
    doc,
    ...(item === undefined ? {} : { item }),
    apiVersion: raw.apiVersion,
    kind: raw.kind,
    name,
    obj: raw,
  });
}
