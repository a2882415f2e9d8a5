/**
 * `lbsim init -f ...`: the scenario that manifests (and a scenario file, and `--set`) resolve to,
 * as commented YAML: every value says where it came from (`# from deploy.yaml: spec.replicas`,
 * `# Kubernetes default (...)`, `# lbsim default`), so a user can read, edit and keep it. Running
 * the written file gives the same results as running the manifests (same resolved scenario).
 */
import * as path from 'node:path';
import { Document, isMap, isPair, isScalar, isSeq, type Node, type Scalar } from 'yaml';
import { isMapping } from '../schema/common.js';
import { DEFAULTS } from '../schema/defaults.js';
import {
  applyOverrides,
  type PathSegment,
  parseAssignment,
  pathToString,
  setAtPath,
} from '../sweep.js';
import type { ScenarioOverrides } from '../types.js';
import { describeOrigin, type Origin, type Provenance } from './provenance.js';

export interface InitInput {
  /** Manifests < scenario file content (load.ts LoadedScenario.raw). */
  readonly raw: Record<string, unknown>;
  readonly provenance: Provenance;
  /** The scenario file, when there is one (its keys are marked `from FILE`). */
  readonly scenarioFile?: string;
  readonly scenarioRaw?: unknown;
  readonly overrides?: ScenarioOverrides;
  /** What `-f` named, for the header. */
  readonly manifests: readonly string[];
  /** Paths to files are written relative to this folder (where the scenario will be kept). */
  readonly dir: string;
}

/**
 * Values written although nobody set them, because a user will want to see and edit them: the
 * run's length and load (lbsim choices) and kube-proxy's sync periods (kube-proxy defaults).
 */
const SHOWN_DEFAULTS: readonly [PathSegment[], unknown, Origin][] = [
  [['duration'], DEFAULTS.duration, { kind: 'lbsim-default' }],
  [['seed'], DEFAULTS.seed, { kind: 'lbsim-default' }],
  [['replications'], DEFAULTS.replications, { kind: 'lbsim-default' }],
  [['cluster', 'nodes'], DEFAULTS.cluster.nodes, { kind: 'lbsim-default' }],
  [
    ['deployment', 'replicas'],
    DEFAULTS.deployment.replicas,
    { kind: 'kubernetes-default', note: 'apps/v1 DeploymentSpec' },
  ],
  [['deployment', 'pod', 'concurrency'], DEFAULTS.pod.concurrency, { kind: 'lbsim-default' }],
  [['deployment', 'pod', 'serviceTime'], DEFAULTS.pod.serviceTime, { kind: 'lbsim-default' }],
  [['workload', 'arrivals'], DEFAULTS.arrivals, { kind: 'lbsim-default' }],
  [['workload', 'clients', 'count'], DEFAULTS.clients.count, { kind: 'lbsim-default' }],
  [['workload', 'connections', 'mode'], DEFAULTS.connections.mode, { kind: 'lbsim-default' }],
  [['churn'], [], { kind: 'lbsim-default' }],
  [['propagation', 'watchDelay'], DEFAULTS.propagation.watchDelay, { kind: 'lbsim-default' }],
  [
    ['kubeProxy', 'minSyncPeriod'],
    DEFAULTS.kubeProxy.minSyncPeriod,
    { kind: 'kubernetes-default', note: 'kube-proxy --iptables-min-sync-period' },
  ],
  [
    ['kubeProxy', 'syncPeriod'],
    DEFAULTS.kubeProxy.syncPeriod,
    { kind: 'kubernetes-default', note: 'kube-proxy --iptables-sync-period' },
  ],
  [
    ['balancers'],
    [...DEFAULTS.balancers],
    { kind: 'kubernetes-default', note: 'kube-proxy mode on Linux' },
  ],
];

/** Key order of the written file (the scenario format's order). */
const ORDER = [
  'name',
  'description',
  'duration',
  'warmup',
  'seed',
  'replications',
  'output',
  'cluster',
  'network',
  'deployment',
  'service',
  'workload',
  'churn',
  'propagation',
  'kubeProxy',
  'balancers',
  'sweep',
];

function has(raw: unknown, p: readonly PathSegment[]): boolean {
  let cur: unknown = raw;
  for (const seg of p) {
    if (!isMapping(cur) && !Array.isArray(cur)) return false;
    cur = (cur as Record<string, unknown>)[String(seg)];
    if (cur === undefined) return false;
  }
  return true;
}

/** File paths of distributions (`file:`) made relative to `dir`. */
function relativeFiles(v: unknown, dir: string): unknown {
  if (Array.isArray(v)) return v.map((x) => relativeFiles(x, dir));
  if (!isMapping(v)) return v;
  const out: Record<string, unknown> = {};
  for (const [k, x] of Object.entries(v)) {
    out[k] =
      k === 'file' && typeof x === 'string' && path.isAbsolute(x)
        ? path.relative(dir, x) || '.'
        : relativeFiles(x, dir);
  }
  return out;
}

export function writeScenarioYaml(input: InitInput): string {
  const origins = new Map<string, Origin>();
  for (const [k, o] of input.provenance.entries()) origins.set(k, o);
  let content: Record<string, unknown> = structuredClone(input.raw);
  // The scenario file's own keys.
  const markFile = (v: unknown, p: PathSegment[]) => {
    if (isMapping(v) && !('distribution' in v)) {
      for (const [k, x] of Object.entries(v)) markFile(x, [...p, k]);
    } else if (p.length > 0 && input.scenarioFile !== undefined) {
      origins.set(pathToString(p), { kind: 'scenario', file: input.scenarioFile });
    }
  };
  markFile(input.scenarioRaw, []);
  // --set (then --seed, --replications).
  const ov = input.overrides ?? {};
  if ((ov.set ?? []).length > 0) {
    content = applyOverrides(content, ov.set ?? []);
    for (const a of ov.set ?? [])
      origins.set(pathToString(parseAssignment(a).path), { kind: 'set' });
  }
  if (ov.seed !== undefined) {
    setAtPath(content, ['seed'], ov.seed);
    origins.set('seed', { kind: 'set' });
  }
  if (ov.replications !== undefined) {
    setAtPath(content, ['replications'], ov.replications);
    origins.set('replications', { kind: 'set' });
  }
  for (const [p, v, o] of SHOWN_DEFAULTS) {
    if (has(content, p) || blocked(content, p)) continue;
    setAtPath(content, p, structuredClone(v));
    origins.set(pathToString(p), o);
  }
  const ordered: Record<string, unknown> = {};
  for (const k of ORDER) if (k in content) ordered[k] = content[k];
  for (const [k, v] of Object.entries(content)) if (!(k in ordered)) ordered[k] = v;

  const doc = new Document(relativeFiles(ordered, input.dir));
  annotate(doc.contents as Node, [], origins);
  const header = [
    `lbsim scenario from ${input.manifests.length > 0 ? input.manifests.join(' ') : (input.scenarioFile ?? '')}`,
    'written by `lbsim init`; every value says where it came from. File paths are relative to',
    'the folder this file was written for; keys not written take their defaults',
    '(docs/SCENARIO-FORMAT.md, `lbsim explain KEY`).',
  ];
  doc.commentBefore = header.map((l) => ` ${l}`).join('\n');
  return doc.toString({ lineWidth: 0 });
}

function getPrefix(raw: unknown, p: readonly PathSegment[]): unknown {
  let cur: unknown = raw;
  for (const seg of p) {
    cur =
      isMapping(cur) || Array.isArray(cur)
        ? (cur as Record<string, unknown>)[String(seg)]
        : undefined;
  }
  return cur;
}

/** Whether a shorter path holds a non-mapping (`connections: keepalive`): `p` cannot be set. */
function blocked(raw: unknown, p: readonly PathSegment[]): boolean {
  for (let i = 1; i < p.length; i++) {
    const v = getPrefix(raw, p.slice(0, i));
    if (v !== undefined && !isMapping(v)) return true;
  }
  return false;
}

/** Puts each origin beside its value; distributions and balancer entries as flow mappings. */
function annotate(node: Node, p: PathSegment[], origins: ReadonlyMap<string, Origin>): void {
  if (isMap(node)) {
    const isDistribution = node.items.some(
      (it) => isPair(it) && isScalar(it.key) && it.key.value === 'distribution',
    );
    const arrivals = p.length === 2 && p[0] === 'workload' && p[1] === 'arrivals';
    if (isDistribution || arrivals || (p[0] === 'balancers' && p.length === 2)) {
      node.flow = true;
      return;
    }
    for (const it of node.items) {
      if (!isPair(it) || !isScalar(it.key)) continue;
      const key = String(it.key.value);
      const child = [...p, key];
      const o = origins.get(pathToString(child));
      const value = it.value as Node | null;
      if (value !== null) {
        const arrivals = key === 'arrivals' && p.length === 1 && p[0] === 'workload';
        const empty = isSeq(value) && value.items.length === 0;
        if (empty) value.flow = true;
        if (isScalar(value) || (isMap(value) && (isDistributionNode(value) || arrivals)) || empty) {
          // A flow mapping carries the origins of its own keys too (`rate` from --set).
          const at = pathToString(child);
          const inner = [...origins]
            .filter(([k, x]) => k.startsWith(`${at}.`) && x !== o)
            .map(([k, x]) => `${k.slice(at.length + 1)} ${describeOrigin(x)}`);
          const all = [...(o === undefined ? [] : [describeOrigin(o)]), ...inner];
          if (all.length > 0) value.comment = ` ${all.join('; ')}`;
        } else if (o !== undefined) (it.key as Scalar).commentBefore = ` ${describeOrigin(o)}`;
      }
      if (value !== null) annotate(value, child, origins);
    }
  } else if (isSeq(node)) {
    if (p.length === 1 && p[0] === 'balancers') node.flow = node.items.every((x) => isScalar(x));
    node.items.forEach((x, i) => {
      annotate(x as Node, [...p, i], origins);
    });
  }
}

function isDistributionNode(node: Node): boolean {
  return (
    isMap(node) &&
    node.items.some((it) => isPair(it) && isScalar(it.key) && it.key.value === 'distribution')
  );
}
