/**
 * What the scale tests read from the shipped deploy files: the Kubernetes manifests of
 * deploy/kubernetes/ (parsed and validated against the Kubernetes OpenAPI schema by
 * kubernetes-models) and the Dockerfile's instructions. Also Kubernetes' own rules for turning a
 * container's args into a process: `$(VAR)` expansion and volume mounts.
 */
import * as fs from 'node:fs';
import * as path from 'node:path';
import { Job } from 'kubernetes-models/batch/v1';
import { ConfigMap, PersistentVolumeClaim } from 'kubernetes-models/v1';
import { parseAllDocuments } from 'yaml';
import { packageRoot } from '../../src/output/run-info.js';

export const ROOT = packageRoot();
export const DEPLOY = path.join(ROOT, 'deploy', 'kubernetes');

type Manifest = Job | ConfigMap | PersistentVolumeClaim;
const MODELS: Record<string, new (data: never) => Manifest> = {
  'batch/v1/Job': Job,
  'v1/ConfigMap': ConfigMap,
  'v1/PersistentVolumeClaim': PersistentVolumeClaim,
};

/** Every object of every YAML file of deploy/kubernetes/, validated; throws naming the file. */
export function loadManifests(): { file: string; object: Manifest }[] {
  const out: { file: string; object: Manifest }[] = [];
  for (const f of fs
    .readdirSync(DEPLOY)
    .filter((n) => /\.ya?ml$/.test(n))
    .sort()) {
    const text = fs.readFileSync(path.join(DEPLOY, f), 'utf8');
    for (const doc of parseAllDocuments(text)) {
      if (Array.isArray(doc) || doc.errors.length > 0) throw new Error(`${f}: not valid YAML`);
      const raw = doc.toJS() as { apiVersion?: string; kind?: string };
      const Model = MODELS[`${raw.apiVersion}/${raw.kind}`];
      if (Model === undefined) throw new Error(`${f}: no schema for ${raw.apiVersion} ${raw.kind}`);
      const object = new Model(raw as never);
      try {
        object.validate();
      } catch (err) {
        throw new Error(`${f}: ${(err as Error).message}`);
      }
      out.push({ file: f, object });
    }
  }
  return out;
}

/** The Job named `name` among the manifests. */
export function jobNamed(manifests: ReturnType<typeof loadManifests>, name: string): Job {
  const j = manifests.find((m) => m.object instanceof Job && m.object.metadata?.name === name);
  if (j === undefined) throw new Error(`no Job ${name} in deploy/kubernetes`);
  return j.object as Job;
}

/**
 * Kubernetes' expansion of `$(VAR)` in a container's command and args: a reference to a
 * variable of the container's environment is replaced by its value, `$$` is an escaped `$`, and
 * a reference to an undefined variable stays as written (k8s.io/kubernetes
 * third_party/forked/golang/expansion, as documented for "Define a command and arguments").
 */
export function expandVars(text: string, env: Readonly<Record<string, string>>): string {
  return text.replace(/\$\$|\$\(([A-Za-z_][A-Za-z0-9_.-]*)\)/g, (m, name: string | undefined) =>
    name === undefined ? '$' : (env[name] ?? m),
  );
}

/** A Dockerfile's instructions, continuation lines joined, comments dropped. */
export function dockerfileInstructions(): { op: string; args: string }[] {
  const text = fs.readFileSync(path.join(ROOT, 'Dockerfile'), 'utf8').replace(/\\\n/g, ' ');
  return text
    .split('\n')
    .map((l) => l.trim())
    .filter((l) => l !== '' && !l.startsWith('#'))
    .map((l) => {
      const m = /^(\S+)\s+(.*)$/.exec(l);
      if (m === null) throw new Error(`Dockerfile: cannot read \`${l}\``);
      return { op: (m[1] as string).toUpperCase(), args: m[2] as string };
    });
}

/** The final stage's ENTRYPOINT (exec form), e.g. ["node", "/app/bin/lbsim.js"]. */
export function dockerEntrypoint(): string[] {
  const eps = dockerfileInstructions().filter((i) => i.op === 'ENTRYPOINT');
  const last = eps[eps.length - 1];
  if (last === undefined) throw new Error('Dockerfile: no ENTRYPOINT');
  return JSON.parse(last.args) as string[];
}
