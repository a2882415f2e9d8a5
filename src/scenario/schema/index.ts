/**
 * The scenario file schema (zod): the root object, the `balancers:` list validated against the
 * balancer registry, and the checks that span sections. Sections are in ./schema/sections.ts,
 * distributions in ./schema/distribution.ts, defaults in ./schema/defaults.ts.
 */
import { z } from 'zod';
import { duration, integer, listNames, suggestion } from '../../fields/fields.js';
import { parseThreshold } from '../../fields/thresholds.js';
import { formatDuration } from '../../fields/units.js';
import { LIMITS } from '../limits.js';
import { initialPodCount } from '../offered-load.js';
import { resourceProblems } from '../run-size.js';
import type { ResolvedBalancer, ScenarioConfig } from '../types.js';
import { isMapping, type SchemaContext, strict } from './common.js';
import { DEFAULTS } from './defaults.js';
import { faultsSchema } from './faults.js';
import { parseInto, type RawProblem } from './issues.js';
import {
  churnSchema,
  clusterSchema,
  deploymentSchema,
  kubeProxySchema,
  mergeTemplate,
  networkSchema,
  outputSchema,
  propagationSchema,
  serviceSchema,
  workloadSchema,
} from './sections.js';

export type { SchemaContext } from './common.js';
export { DEFAULTS } from './defaults.js';

/**
 * What the schema needs to know of the balancers: their names and each one's options schema
 * (the registry descriptor's strict zod schema; its output is the resolved options).
 */
export interface BalancerCatalog {
  readonly names: readonly string[];
  /** The options schema of `name`, or undefined when there is no such balancer. */
  options(name: string): z.ZodType | undefined;
}

const NAME_RE = /^[A-Za-z0-9][A-Za-z0-9._-]*$/;

/** One `balancers:` entry: `name`, or `{name, label?, ...options}`. */
function balancerEntry(catalog: BalancerCatalog) {
  return z
    .unknown()
    .meta({ type: 'a balancer name, or {name: NAME, label: LABEL, <options>}' })
    .transform((v, c): ResolvedBalancer => {
      let name: unknown;
      let label: unknown;
      let rest: Record<string, unknown> = {};
      if (typeof v === 'string') name = v;
      else if (isMapping(v)) ({ name, label, ...rest } = v);
      else {
        c.addIssue({
          code: 'custom',
          message: `expected a balancer name or {name: ..., <options>}, got \`${JSON.stringify(v)}\``,
        });
        return z.NEVER;
      }
      const where = typeof v === 'string' ? [] : ['name'];
      if (typeof name !== 'string' || !catalog.names.includes(name)) {
        c.addIssue({
          code: 'custom',
          path: where,
          message:
            `expected a balancer name, one of ${listNames(catalog.names)}, got \`${name === undefined ? 'nothing' : String(name)}\`` +
            (typeof name === 'string' ? suggestion(name, catalog.names) : ''),
        });
        return z.NEVER;
      }
      if (label !== undefined && (typeof label !== 'string' || !NAME_RE.test(label))) {
        c.addIssue({
          code: 'custom',
          path: ['label'],
          message: `expected a label of letters, digits, \`.\`, \`_\` or \`-\`, got \`${JSON.stringify(label)}\``,
        });
        return z.NEVER;
      }
      const schema = catalog.options(name) as z.ZodType;
      const options = parseInto(schema, rest, c);
      if (options === undefined) return z.NEVER;
      return {
        name,
        label: (label as string | undefined) ?? name,
        options: options as Record<string, unknown>,
      };
    });
}

/** The root schema; `name` may be absent (the loader defaults it to the file's base name). */
export function scenarioSchema(ctx: SchemaContext, catalog: BalancerCatalog) {
  return strict({
    name: z
      .string()
      .regex(NAME_RE, {
        error: (iss) =>
          `expected a name of letters, digits, \`.\`, \`_\` or \`-\` (it names the output folder), got \`${String(iss.input)}\``,
      })
      .max(LIMITS.nameChars, {
        error: (iss) =>
          `expected a name of at most ${LIMITS.nameChars} characters (it names the output folder, and file names are limited to 255 bytes), got ${String(iss.input).length}`,
      })
      .optional(),
    description: z
      .string()
      .max(LIMITS.descriptionChars, {
        error: (iss) =>
          `expected a description of at most ${LIMITS.descriptionChars} characters (the limit: run.json repeats it per variant), got ${String(iss.input).length}`,
      })
      .default(DEFAULTS.description),
    duration: duration({ positive: true, max: LIMITS.durationSeconds }).default(DEFAULTS.duration),
    warmup: duration().default(DEFAULTS.warmup),
    seed: integer({ min: 0, max: 2 ** 32 - 1 }).default(DEFAULTS.seed),
    replications: integer({ min: 1, max: 100000 }).default(DEFAULTS.replications),
    output: outputSchema.prefault({}),
    cluster: clusterSchema.prefault({}),
    network: networkSchema.prefault({}),
    deployment: deploymentSchema(ctx).prefault({}),
    service: serviceSchema.prefault({}),
    workload: workloadSchema(ctx).prefault({}),
    churn: churnSchema(ctx).default([]),
    faults: faultsSchema(ctx).default([]),
    propagation: propagationSchema(ctx).prefault({}),
    kubeProxy: kubeProxySchema.prefault({}),
    balancers: z
      .array(balancerEntry(catalog))
      .min(1)
      .prefault([...DEFAULTS.balancers]),
    /** Failure conditions checked after `lbsim run` (src/fields/thresholds.ts). @default [] */
    thresholds: z
      .array(
        z.unknown().transform((v, c): string => {
          try {
            if (typeof v !== 'string')
              throw new Error(
                `expected a string such as \`error_rate > 0.1%\`, got \`${JSON.stringify(v)}\``,
              );
            return parseThreshold(v).text;
          } catch (e) {
            c.addIssue({ code: 'custom', message: (e as Error).message });
            return z.NEVER;
          }
        }),
      )
      .default([]),
    // Removed by the loader before validation (see load.ts); listed so that a misspelt
    // `sweeps:` gets "did you mean `sweep`".
    sweep: z.unknown().optional(),
  });
}

/** Output of the root schema: a ScenarioConfig whose name may still be missing. */
export type ParsedScenario = Omit<ScenarioConfig, 'name'> & { readonly name?: string | undefined };

/**
 * Checks that span sections, on a parsed scenario. Returns problems (paths as segments) and
 * the scenario with defaults that depend on other sections filled in.
 */
export function crossCheck(s: ParsedScenario): {
  problems: RawProblem[];
  scenario: ParsedScenario;
} {
  const problems: RawProblem[] = [];
  const add = (path: PropertyKey[], message: string) => problems.push({ path, message });
  const nodes = s.cluster.nodes;
  const dur = formatDuration(s.duration);
  if (s.warmup >= s.duration) {
    add(['warmup'], `expected a duration < duration (${dur}), got \`${formatDuration(s.warmup)}\``);
  }
  if (s.output.window > s.duration) {
    add(
      ['output', 'window'],
      `expected a duration <= duration (${dur}), got \`${formatDuration(s.output.window)}\``,
    );
  } else if (s.duration / s.output.window > LIMITS.windows) {
    add(
      ['output', 'window'],
      `expected at most ${LIMITS.windows} windows per run (the limit: duration / output.window rows per job in timeseries.csv), got ${Math.ceil(s.duration / s.output.window)} (window \`${formatDuration(s.output.window)}\`)`,
    );
  }
  // The node IPAM carves the pod CIDR into one /nodeCidrMaskSize range per node
  // (kube-controller-manager --node-cidr-mask-size; src/cluster/cluster.ts checks the same).
  const prefix = Number(s.cluster.podCidr.split('/')[1]);
  const mask = s.cluster.nodeCidrMaskSize;
  if (mask < prefix) {
    add(
      ['cluster', 'nodeCidrMaskSize'],
      `expected >= the prefix of cluster.podCidr (${s.cluster.podCidr}: /${prefix}), got ${mask}`,
    );
  } else if (nodes > 2 ** (mask - prefix)) {
    add(
      ['cluster', 'nodes'],
      `expected at most ${2 ** (mask - prefix)} nodes: cluster.podCidr ${s.cluster.podCidr} holds that many /${mask} node ranges (cluster.nodeCidrMaskSize), got ${nodes}`,
    );
  }
  const placement = s.workload.clients.placement;
  if (placement !== 'even' && placement.weights.length !== nodes) {
    add(
      ['workload', 'clients', 'placement', 'weights'],
      `expected ${nodes} weights (one per node, cluster.nodes), got ${placement.weights.length}`,
    );
  }
  if (s.service.clusterIP === 'None' && s.workload.clients.location === 'external') {
    add(
      ['service', 'clusterIP'],
      'expected in-cluster clients with a headless Service (external clients cannot resolve cluster DNS; use `workload.clients.location: internal`), got `None`',
    );
  }
  const ext = s.workload.clients.external.nodes;
  ext?.forEach((n, i) => {
    if (n >= nodes) {
      add(
        ['workload', 'clients', 'external', 'nodes', i],
        `expected a node index < ${nodes} (cluster.nodes), got \`${n}\``,
      );
    }
  });
  const kind = s.deployment.kind;
  s.churn.forEach((c, i) => {
    if (c.type === 'scale' && kind === 'DaemonSet') {
      add(
        ['churn', i, 'type'],
        'expected no `scale` for a DaemonSet (deployment.kind: it runs one pod per schedulable node, cluster.nodes), got `scale`',
      );
    }
    if (c.type !== 'crash' && c.at > s.duration) {
      add(
        ['churn', i, 'at'],
        `expected a time <= duration (${dur}), got \`${formatDuration(c.at)}\``,
      );
    }
    if (c.type === 'node-failure' && c.node >= nodes) {
      add(
        ['churn', i, 'node'],
        `expected a node index < ${nodes} (cluster.nodes), got \`${c.node}\``,
      );
    }
    if (c.type === 'crash' && c.until !== null && c.until < c.from) {
      add(
        ['churn', i, 'until'],
        `expected a time >= from (${formatDuration(c.from)}), got \`${formatDuration(c.until)}\``,
      );
    }
  });
  s.faults.forEach((f, i) => {
    if (f.at > s.duration) {
      add(
        ['faults', i, 'at'],
        `expected a time <= duration (${dur}), got \`${formatDuration(f.at)}\``,
      );
    }
    const sel = f.type === 'kube-proxy-restart' ? f.nodes : f.pods;
    const key = f.type === 'kube-proxy-restart' ? 'nodes' : 'pods';
    const limit = f.type === 'kube-proxy-restart' ? nodes : initialPodCount(s);
    const what =
      f.type === 'kube-proxy-restart'
        ? `a node index < ${nodes} (cluster.nodes)`
        : kind === 'DaemonSet'
          ? `an ordinal < ${limit} (a DaemonSet's initial pods: one per node, cluster.nodes)`
          : `an ordinal < ${limit} (deployment.replicas: positions in the initial pod list)`;
    sel.ordinals?.forEach((o, j) => {
      if (o >= limit) add(['faults', i, key, 'ordinals', j], `expected ${what}, got \`${o}\``);
    });
    if (sel.node !== undefined && sel.node >= nodes) {
      add(
        ['faults', i, key, 'node'],
        `expected a node index < ${nodes} (cluster.nodes), got \`${sel.node}\``,
      );
    }
  });
  const a = s.workload.arrivals;
  if (a.process === 'diurnal' && a.maxRate < a.minRate) {
    add(
      ['workload', 'arrivals', 'maxRate'],
      `expected a rate >= minRate (${a.minRate}), got \`${a.maxRate}\``,
    );
  }
  if (a.process === 'piecewise') {
    a.points.forEach((p, i) => {
      const prev = a.points[i - 1];
      if (prev !== undefined && p.at < prev.at) {
        add(
          ['workload', 'arrivals', 'points', i, 'at'],
          `expected ascending times (>= ${formatDuration(prev.at)}), got \`${formatDuration(p.at)}\``,
        );
      }
    });
    if (a.points.every((p) => p.rate === 0)) {
      add(['workload', 'arrivals', 'points'], 'expected some rate > 0, got all 0');
    }
  }
  const rb = s.workload.retries.backoff;
  if (rb.max < rb.initial) {
    add(
      ['workload', 'retries', 'backoff', 'max'],
      `expected a duration >= initial (${formatDuration(rb.initial)}), got \`${formatDuration(rb.max)}\``,
    );
  }
  const seen = new Map<string, number>();
  s.balancers.forEach((b, i) => {
    const first = seen.get(b.label);
    if (first !== undefined) {
      add(
        ['balancers', i],
        `expected a unique label (balancers[${first}] is also \`${b.label}\`; add \`label: ...\` to tell them apart), got \`${b.label}\` again`,
      );
    } else seen.set(b.label, i);
    // Mesh proxies (Envoy, Linkerd): a sidecar sits beside an in-cluster client; a gateway on a node.
    const o = b.options as { placement?: unknown; node?: unknown };
    if (o.placement === 'sidecar' && s.workload.clients.location === 'external') {
      add(
        ['balancers', i, 'placement'],
        'expected `gateway` with external clients (workload.clients.location: external; a sidecar runs beside an in-cluster client), got `sidecar`',
      );
    }
    if (o.placement === 'gateway' && typeof o.node === 'number' && o.node >= nodes) {
      add(
        ['balancers', i, 'node'],
        `expected a node index < ${nodes} (cluster.nodes), got \`${o.node}\``,
      );
    }
  });
  let scenario = s;
  // Rollout templates become whole pods (the Deployment's pod with the template's keys).
  if (s.churn.some((c) => c.type === 'rollout' && c.template !== undefined)) {
    let pod = s.deployment.pod;
    const churn = s.churn.map((c) => {
      if (c.type !== 'rollout' || c.template === undefined) return c;
      const raw = c.template as unknown as Parameters<typeof mergeTemplate>[0];
      pod = mergeTemplate(raw, pod);
      return { ...c, template: pod };
    });
    scenario = { ...scenario, churn };
  }
  if (a.process === 'diurnal' && a.period === 0) {
    scenario = { ...s, workload: { ...s.workload, arrivals: { ...a, period: s.duration } } };
  }
  // Whether a job fits (requests in flight, memory, time): only for a scenario otherwise valid.
  if (problems.length === 0) problems.push(...resourceProblems(scenario));
  return { problems, scenario };
}
