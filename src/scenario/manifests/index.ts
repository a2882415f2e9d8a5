/**
 * Kubernetes manifests as input: reads the objects (read.ts), checks each against the
 * Kubernetes OpenAPI schema (kubernetes-models), picks the Service and the workload it selects,
 * maps their fields onto scenario keys (kinds.ts) and returns the raw scenario content they
 * resolve to, with the origin of every value (provenance.ts) and a warning for every field lbsim
 * does not model. The scenario loader (../load.ts) puts a scenario file's keys and `--set` over it.
 */
import { DaemonSet } from 'kubernetes-models/apps/v1/DaemonSet';
import { Deployment } from 'kubernetes-models/apps/v1/Deployment';
import { StatefulSet } from 'kubernetes-models/apps/v1/StatefulSet';
import { HorizontalPodAutoscaler } from 'kubernetes-models/autoscaling/v2/HorizontalPodAutoscaler';
import { Node } from 'kubernetes-models/v1/Node';
import { Service } from 'kubernetes-models/v1/Service';
import { parse as parseYaml } from 'yaml';
import type { ScenarioProblem } from '../errors.js';
import { isMapping } from '../schema/common.js';
import { parsePrometheusHistogram } from '../schema/prometheus.js';
import { setAtPath } from '../sweep.js';
import { mapDaemonSet, mapDeployment, mapKubeProxy, mapService, mapStatefulSet } from './kinds.js';
import { fieldText, ObjectMapper } from './object-mapper.js';
import { type Contribution, Provenance } from './provenance.js';
import { type ManifestObject, type MetricsFile, objectLabel, readManifests } from './read.js';

export { describeOrigin, type Origin, Provenance } from './provenance.js';
export { type ManifestObject, objectLabel } from './read.js';

/** The histogram kube-proxy exposes for the network programming latency SLI. */
export const NETWORK_PROGRAMMING_METRIC = 'kubeproxy_network_programming_duration_seconds';

export interface ManifestScenario {
  /** Raw scenario content (scenario keys, values as written in the manifests). */
  readonly raw: Record<string, unknown>;
  readonly provenance: Provenance;
  /** One line per field or object not modelled: `deploy.yaml: doc 1 (Deployment web): ...`. */
  readonly warnings: string[];
  /** Invalid manifests; non-empty means nothing may run. */
  readonly problems: ScenarioProblem[];
}

type Validating = { validate(): void };
const MODELS: Readonly<Record<string, { apiVersion: string; make: (o: unknown) => Validating }>> = {
  Deployment: { apiVersion: 'apps/v1', make: (o) => new Deployment(o as never) },
  StatefulSet: { apiVersion: 'apps/v1', make: (o) => new StatefulSet(o as never) },
  DaemonSet: { apiVersion: 'apps/v1', make: (o) => new DaemonSet(o as never) },
  Service: { apiVersion: 'v1', make: (o) => new Service(o as never) },
  Node: { apiVersion: 'v1', make: (o) => new Node(o as never) },
  HorizontalPodAutoscaler: {
    apiVersion: 'autoscaling/v2',
    make: (o) => new HorizontalPodAutoscaler(o as never),
  },
};
const WORKLOAD_KINDS = ['Deployment', 'StatefulSet', 'DaemonSet'];
const KUBE_PROXY_API = 'kubeproxy.config.k8s.io/v1alpha1';

/** `/spec/template/spec/containers/0/name` -> `spec.template.spec.containers[0].name`. */
function pointerToField(pointer: string): string {
  const segs = pointer
    .split('/')
    .slice(1)
    .map((s) => s.replace(/~1/g, '/').replace(/~0/g, '~'))
    .map((s) => (/^\d+$/.test(s) ? Number(s) : s));
  return fieldText(segs);
}

/** Checks an object against the Kubernetes OpenAPI schema of its kind. */
function schemaProblems(o: ManifestObject): ScenarioProblem[] {
  const model = MODELS[o.kind];
  if (model === undefined) return [];
  const at = (field: string, message: string): ScenarioProblem => ({
    file: o.file,
    path: `${objectLabel(o)}: ${field}`,
    message,
  });
  if (o.apiVersion !== model.apiVersion) {
    return [at('apiVersion', `expected \`${model.apiVersion}\`, got \`${o.apiVersion}\``)];
  }
  try {
    model.make(o.obj).validate();
    return [];
  } catch (e) {
    const errors = (
      e as { errors?: { instancePath: string; message?: string; params?: unknown }[] }
    ).errors;
    if (!Array.isArray(errors)) throw e;
    return errors.map((err) => {
      const field = pointerToField(err.instancePath);
      const value = field === '' ? undefined : fieldValue(o.obj, err.instancePath);
      const allowed = (err.params as { allowedValues?: unknown[] } | undefined)?.allowedValues;
      const what = allowed
        ? `expected one of ${allowed.map((a) => `\`${String(a)}\``).join(', ')}`
        : `expected a value that ${err.message ?? 'matches the schema'}`;
      return at(
        field === '' ? '(object)' : field,
        `${what} (Kubernetes OpenAPI schema), got \`${JSON.stringify(value)}\``,
      );
    });
  }
}

function fieldValue(obj: unknown, pointer: string): unknown {
  let cur: unknown = obj;
  for (const s of pointer.split('/').slice(1)) {
    cur = isMapping(cur) || Array.isArray(cur) ? (cur as Record<string, unknown>)[s] : undefined;
  }
  return cur;
}

function labelsOf(v: unknown): Record<string, string> {
  return isMapping(v) ? (v as Record<string, string>) : {};
}

function namespaceOf(o: ManifestObject): string | undefined {
  const ns = (o.obj.metadata as { namespace?: unknown } | undefined)?.namespace;
  return typeof ns === 'string' ? ns : undefined;
}

/** Whether a Service's selector selects a workload's pods (same namespace, labels a subset). */
function selects(service: ManifestObject, workload: ManifestObject): boolean {
  const a = namespaceOf(service);
  const b = namespaceOf(workload);
  if (a !== undefined && b !== undefined && a !== b) return false;
  const sel = labelsOf((service.obj.spec as { selector?: unknown } | undefined)?.selector);
  const keys = Object.keys(sel);
  if (keys.length === 0) return false;
  const tpl = (workload.obj.spec as { template?: { metadata?: { labels?: unknown } } } | undefined)
    ?.template?.metadata?.labels;
  const labels = labelsOf(tpl);
  return keys.every((k) => labels[k] === sel[k]);
}

/** A KubeProxyConfiguration inside a ConfigMap (kubeadm's `kube-proxy`, key `config.conf`). */
function kubeProxyInConfigMap(o: ManifestObject): ManifestObject | undefined {
  const data = o.obj.data;
  if (!isMapping(data)) return undefined;
  for (const [key, text] of Object.entries(data)) {
    if (typeof text !== 'string' || !text.includes('KubeProxyConfiguration')) continue;
    let parsed: unknown;
    try {
      parsed = parseYaml(text);
    } catch {
      continue;
    }
    if (isMapping(parsed) && parsed.kind === 'KubeProxyConfiguration') {
      return {
        ...o,
        apiVersion: String(parsed.apiVersion),
        kind: 'KubeProxyConfiguration',
        name: `in ConfigMap ${o.name}, key ${key}`,
        obj: parsed,
      };
    }
  }
  return undefined;
}

export interface ManifestOptions {
  /** Balancer names of the registry (to check the IPVS scheduler). */
  readonly balancerNames: readonly string[];
}

/** Reads and maps the manifests named by `-f` (files or folders). */
export function resolveManifests(
  paths: readonly string[],
  options: ManifestOptions,
): ManifestScenario {
  const input = readManifests(paths);
  const problems: ScenarioProblem[] = [...input.problems];
  const warnings: string[] = [];
  const contributions: Contribution[] = [];
  const mapper = (o: ManifestObject) => new ObjectMapper(o, contributions, warnings, problems);

  const workloads: ManifestObject[] = [];
  const services: ManifestObject[] = [];
  const nodes: ManifestObject[] = [];
  const kubeProxies: ManifestObject[] = [];
  const others: ManifestObject[] = [];
  for (const o of input.objects) {
    problems.push(...schemaProblems(o));
    if (WORKLOAD_KINDS.includes(o.kind)) workloads.push(o);
    else if (o.kind === 'Service') services.push(o);
    else if (o.kind === 'Node') nodes.push(o);
    else if (o.kind === 'KubeProxyConfiguration') kubeProxies.push(o);
    else if (o.kind === 'ConfigMap' && kubeProxyInConfigMap(o) !== undefined) {
      kubeProxies.push(kubeProxyInConfigMap(o) as ManifestObject);
    } else others.push(o);
  }
  const where = (o: ManifestObject) => `${o.file}: ${objectLabel(o)}`;

  // The Service and the workload it selects.
  let workload: ManifestObject | undefined;
  if (services.length > 1) {
    problems.push({
      file: (services[1] as ManifestObject).file,
      path: objectLabel(services[1] as ManifestObject),
      message: `expected one Service (lbsim simulates one), got ${services.length}: ${services.map((s) => s.name).join(', ')}; pass the manifests of one`,
    });
  } else if (services.length === 1) {
    const svc = services[0] as ManifestObject;
    const picked = workloads.filter((w) => selects(svc, w));
    if (picked.length === 0) {
      problems.push({
        file: svc.file,
        path: `${objectLabel(svc)}: spec.selector`,
        message: `expected a selector that matches a workload's pod template labels, got ${JSON.stringify(labelsOf((svc.obj.spec as { selector?: unknown }).selector))}, which selects ${workloads.length === 0 ? 'no workload (no Deployment, StatefulSet or DaemonSet was given)' : `none of ${workloads.map((w) => `${w.kind} ${w.name}`).join(', ')}`}`,
      });
    } else if (picked.length > 1) {
      problems.push({
        file: svc.file,
        path: `${objectLabel(svc)}: spec.selector`,
        message: `expected a selector that matches one workload (lbsim simulates one), got ${picked.map((w) => `${w.kind} ${w.name}`).join(', ')}`,
      });
    } else workload = picked[0];
  } else if (workloads.length > 1) {
    problems.push({
      file: (workloads[1] as ManifestObject).file,
      path: objectLabel(workloads[1] as ManifestObject),
      message: `expected one workload (lbsim simulates one), got ${workloads.map((w) => `${w.kind} ${w.name}`).join(', ')}; add its Service or pass the manifests of one`,
    });
  } else workload = workloads[0];
  for (const w of workloads) {
    if (w !== workload && workload !== undefined) {
      warnings.push(`${where(w)}: not selected by the Service, skipped`);
    }
  }
  if (kubeProxies.length > 1) {
    problems.push({
      file: (kubeProxies[1] as ManifestObject).file,
      path: objectLabel(kubeProxies[1] as ManifestObject),
      message: `expected one KubeProxyConfiguration, got ${kubeProxies.length}`,
    });
  }
  if (problems.length > 0) return { raw: {}, provenance: new Provenance(), warnings, problems };

  if (nodes.length > 0) mapNodes(nodes.map(mapper), contributions, warnings);
  if (workload !== undefined) {
    const m = mapper(workload);
    m.map(['metadata', 'name'], ['name']);
    m.ignore(['apiVersion'], ['kind'], ['metadata'], ['status']);
    if (workload.kind === 'Deployment') mapDeployment(m);
    else if (workload.kind === 'StatefulSet') mapStatefulSet(m);
    else mapDaemonSet(m);
    m.warnUnused();
  }
  if (services.length === 1) {
    const m = mapper(services[0] as ManifestObject);
    m.ignore(['apiVersion'], ['kind'], ['metadata'], ['status']);
    mapService(m);
    m.warnUnused();
  }
  for (const kp of kubeProxies) {
    if (kp.apiVersion !== KUBE_PROXY_API) {
      problems.push({
        file: kp.file,
        path: `${objectLabel(kp)}: apiVersion`,
        message: `expected \`${KUBE_PROXY_API}\`, got \`${kp.apiVersion}\``,
      });
      continue;
    }
    const m = mapper(kp);
    mapKubeProxy(m, options.balancerNames);
    m.warnUnused();
  }
  for (const o of others) {
    if (o.kind === 'HorizontalPodAutoscaler') {
      warnings.push(
        `${where(o)}: not modelled, skipped (lbsim has no autoscaler: the workload keeps its replicas)`,
      );
    } else warnings.push(`${where(o)}: kind ${o.kind} not modelled, skipped`);
  }
  for (const f of input.metrics) mapMetrics(f, contributions, warnings);

  // Kubernetes defaults first, so that a manifest's own value at the same path wins.
  const ordered = [
    ...contributions.filter((c) => c.origin.kind !== 'manifest'),
    ...contributions.filter((c) => c.origin.kind === 'manifest'),
  ];
  const raw: Record<string, unknown> = {};
  const provenance = new Provenance();
  for (const c of ordered) {
    setAtPath(raw, c.path, c.value);
    provenance.set(c.path, c.origin);
  }
  return { raw, provenance, warnings, problems };
}

const ZONE_LABELS = ['topology.kubernetes.io/zone', 'failure-domain.beta.kubernetes.io/zone'];

/** Node objects: their count, kubelet max pods, the pod CIDR size, and the zones (warned). */
function mapNodes(ms: ObjectMapper[], out: Contribution[], warnings: string[]): number {
  const first = ms[0] as ObjectMapper;
  const origin = {
    kind: 'manifest' as const,
    file: first.source.file,
    object: ms.length === 1 ? first.label : `${ms.length} Node objects`,
    field: 'items (count)',
  };
  out.push({ path: ['cluster', 'nodes'], value: ms.length, origin });
  const zones = new Set<string>();
  const maxPods = new Set<number>();
  const masks = new Set<number>();
  for (const m of ms) {
    m.ignore(
      ['apiVersion'],
      ['kind'],
      ['metadata'],
      ['status'],
      ['spec', 'providerID'],
      ['spec', 'podCIDRs'],
    );
    const labels = labelsOf(m.peek(['metadata', 'labels']));
    for (const l of ZONE_LABELS) if (labels[l] !== undefined) zones.add(labels[l] as string);
    const pods = Number(m.peek(['status', 'allocatable', 'pods']));
    if (Number.isInteger(pods) && pods > 0) maxPods.add(pods);
    const cidr = m.read(['spec', 'podCIDR']);
    const mask = typeof cidr === 'string' ? Number(cidr.split('/')[1]) : Number.NaN;
    if (Number.isInteger(mask)) masks.add(mask);
    if (m.read(['spec', 'unschedulable']) === true) {
      m.warn(['spec', 'unschedulable'], 'not modelled (pods are spread over every node)');
    }
    const taints = m.read(['spec', 'taints']);
    if (Array.isArray(taints) && taints.length > 0) {
      m.warn(['spec', 'taints'], 'not modelled (pods are spread over every node)');
    }
    m.warnUnused();
  }
  if (maxPods.size > 0) {
    out.push({
      path: ['cluster', 'maxPodsPerNode'],
      value: Math.min(...maxPods),
      origin: { ...origin, field: 'status.allocatable.pods (smallest)' },
    });
  }
  if (masks.size > 0) {
    out.push({
      path: ['cluster', 'nodeCidrMaskSize'],
      value: Math.max(...masks),
      origin: { ...origin, field: 'spec.podCIDR (prefix length)' },
    });
  }
  if (zones.size > 0) {
    warnings.push(
      `${first.source.file}: zones ${[...zones].sort().join(', ')} (topology.kubernetes.io/zone): not modelled, ignored (lbsim has no zones)`,
    );
  }
  return ms.length;
}

/** A Prometheus scrape with kube-proxy's network programming histogram -> the watch delay. */
function mapMetrics(f: MetricsFile, out: Contribution[], warnings: string[]): void {
  const r = parsePrometheusHistogram(f.text, NETWORK_PROGRAMMING_METRIC);
  if (!r.ok) {
    warnings.push(`${f.file}: ${r.message}; not used`);
    return;
  }
  out.push({
    path: ['propagation', 'watchDelay'],
    value: { distribution: 'prometheus', file: f.absolute, metric: NETWORK_PROGRAMMING_METRIC },
    origin: {
      kind: 'manifest',
      file: f.file,
      object: 'Prometheus metrics',
      field: NETWORK_PROGRAMMING_METRIC,
    },
  });
  warnings.push(
    `${f.file}: ${NETWORK_PROGRAMMING_METRIC} used as propagation.watchDelay; it already includes kube-proxy's sync, which lbsim adds after it (docs/MODEL.md, Measured delays)`,
  );
  const h = r.histogram;
  const last = h.cumulative[h.cumulative.length - 1] ?? 0;
  if (last < h.total) {
    const share = ((h.total - last) / h.total) * 100;
    warnings.push(
      `${f.file}: ${share.toPrecision(3)}% of ${NETWORK_PROGRAMMING_METRIC} is above its highest bucket (${h.bounds[h.bounds.length - 1] ?? 0}s): sampled at that bound`,
    );
  }
}
