import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { describe, expect, it } from 'vitest';
import { BALANCER_NAMES, getBalancer } from '../../src/dataplane/balancers/registry.js';
import type { FieldBounds } from '../../src/fields/fields.js';
import type { RowSink } from '../../src/output/columns.js';
import { planJobs } from '../../src/runner/jobs.js';
import { simulateJob } from '../../src/runner/simulate.js';
import { registryCatalog } from '../../src/scenario/balancer-catalog.js';
import { ScenarioError } from '../../src/scenario/errors.js';
import { type KeyInfo, listKeys } from '../../src/scenario/explain.js';
import { loadScenarioText } from '../../src/scenario/load.js';
import { scenarioSchema } from '../../src/scenario/schema/index.js';
import type { ResolvedScenario } from '../../src/scenario/types.js';

/**
 * One rule set: the schema accepts nothing the model rejects, and rejects just outside every
 * range it states. For every numeric key of the scenario schema and of every balancer's options
 * (walked from the schema itself, as `lbsim explain` does: a new key is probed without a word
 * here), values at its bounds and far inside are loaded; each one the loader accepts must build
 * and run through the production job (simulateJob: every model constructor's checks, the
 * engine's schedule guards, the request path's conservation check). Values just outside the
 * stated range must be refused at that key's path. The model's own range checks (RangeErrors in
 * cluster/options.ts, path-options.ts, pod-server.ts, kube-proxy.ts, endpointslice-controller.ts,
 * sync-cost.ts, ip-allocator.ts, cluster.ts, arrivals.ts, clients.ts, churn.ts, faults.ts,
 * distributions/make.ts, the engine's schedule) are thereby all reached from the file format.
 */

const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'lbsim-rules-'));
fs.writeFileSync(path.join(dir, 'times.csv'), '0\n0.5\n1\n2\n');
const FILE = path.join(dir, 'probe.yaml');

/** Entries of lists and variants of unions that the probed key needs around it. */
const CARRIERS: Record<string, Record<string, Record<string, unknown>>> = {
  'workload.arrivals': {
    poisson: { process: 'poisson', rate: 20 },
    constant: { process: 'constant', rate: 20 },
    'on-off': { process: 'on-off', rate: 20, on: 1, off: 1 },
    diurnal: { process: 'diurnal', minRate: 5, maxRate: 20 },
    piecewise: { process: 'piecewise', points: [{ at: 0, rate: 20 }] },
    trace: { process: 'trace', file: 'times.csv' },
    'closed-loop': { process: 'closed-loop', users: 2 },
  },
  'churn[]': {
    crash: { type: 'crash', mtbf: 10 },
    rollout: { type: 'rollout', at: 1 },
    scale: { type: 'scale', at: 1, replicas: 3 },
    kill: { type: 'kill', at: 1 },
    'node-failure': { type: 'node-failure', at: 1 },
  },
  'faults[]': {
    slow: { type: 'slow', pods: { count: 1 }, factor: 2 },
    errors: { type: 'errors', pods: { count: 1 }, probability: 0.5 },
    blackhole: { type: 'blackhole', pods: { count: 1 } },
    refuse: { type: 'refuse', pods: { count: 1 } },
    'kube-proxy-restart': { type: 'kube-proxy-restart', nodes: { count: 1 } },
  },
};
/** The variant a key's carrier takes when the key itself names none (a selector's keys). */
const DEFAULT_VARIANT: Record<string, string> = {
  'workload.arrivals': 'poisson',
  'churn[]': 'crash',
  'faults[]': 'slow',
};

const base = (): Record<string, unknown> => ({
  name: 'probe',
  duration: 5,
  warmup: 0,
  output: { window: 1 },
  cluster: { nodes: 2 },
  deployment: { replicas: 2 },
  workload: { arrivals: { process: 'poisson', rate: 20 } },
});

/** The raw scenario with `key` (explain's path, `churn[].mtbf`) set to `value`. */
function withValue(key: KeyInfo, value: unknown, balancer?: string): Record<string, unknown> {
  const raw = base();
  if (balancer !== undefined) {
    // Nested options (`outlierDetection.interval`) as mappings.
    const entry: Record<string, unknown> = { name: balancer };
    let at = entry;
    const parts = key.path.split('.');
    for (const p of parts.slice(0, -1)) {
      at[p] = {};
      at = at[p] as Record<string, unknown>;
    }
    at[parts[parts.length - 1] as string] = value;
    raw.balancers = [entry];
    return raw;
  }
  const segs = key.path.split('.');
  let cur = raw;
  let prefix = '';
  for (const seg of segs.slice(0, -1)) {
    const name = seg.replace('[]', '');
    prefix = prefix === '' ? seg : `${prefix}.${seg}`;
    const carriers = CARRIERS[prefix];
    // The key's own variant, else the first variant that has the next key (`points`, `nodes`).
    const next = segs[prefix.split('.').length]?.replace('[]', '');
    const variant = carriers
      ? (key.variants?.[0] ??
        Object.keys(carriers).find((v) => next !== undefined && next in (carriers[v] ?? {})) ??
        DEFAULT_VARIANT[prefix])
      : undefined;
    const fresh = (): Record<string, unknown> =>
      structuredClone(carriers && variant ? (carriers[variant] as Record<string, unknown>) : {});
    if (seg.endsWith('[]')) {
      const list = Array.isArray(cur[name]) ? (cur[name] as Record<string, unknown>[]) : [];
      if (list.length === 0) list.push(fresh());
      cur[name] = list;
      cur = list[0] as Record<string, unknown>;
    } else {
      const next = cur[name];
      const keep =
        next !== null && typeof next === 'object' && !Array.isArray(next) && carriers === undefined;
      cur[name] = keep ? next : fresh();
      cur = cur[name] as Record<string, unknown>;
    }
    // A target selector takes exactly one key: the probed one.
    if (/^faults\[\]\.(pods|nodes)$/.test(prefix)) for (const k of Object.keys(cur)) delete cur[k];
  }
  cur[segs[segs.length - 1] as string] = value;
  return raw;
}

/** Values inside the stated range (its bounds and far inside) and just outside it. */
function probes(b: FieldBounds): { inside: number[]; outside: number[] } {
  if (b.kind === 'fraction') return { inside: [0, 1], outside: [-0.01, 1.01] };
  const integer = b.kind === 'integer';
  const step = integer ? 1 : 1e-3;
  const inside: number[] = [];
  const outside: number[] = [];
  if (b.positive) {
    inside.push(integer ? 1 : 1e-3);
    outside.push(0);
  } else if (Number.isFinite(b.min)) {
    inside.push(b.min);
    outside.push(b.min - step);
  }
  if (Number.isFinite(b.max)) {
    inside.push(b.max);
    outside.push(integer ? b.max + 1 : b.max + Math.max(step, b.max * 1e-9));
  } else inside.push(integer ? 1000 : 1e4);
  return { inside, outside };
}

const sink: RowSink = { row: () => {} };

type Outcome = 'refused' | 'ran' | { threw: string };

/** Loads `raw`; when it loads, runs one job of each of `balancers` to the end. */
function attempt(raw: Record<string, unknown>, balancers: readonly string[]): Outcome {
  let s: ResolvedScenario;
  try {
    s = loadScenarioText(JSON.stringify(raw), { file: FILE, json: true });
  } catch (e) {
    if (e instanceof ScenarioError) return 'refused';
    return { threw: `loader: ${(e as Error).message}` };
  }
  const plan = planJobs([{ ...s, balancers: s.balancers.length > 0 ? s.balancers : [] }]);
  const jobs = (plan[0]?.jobs ?? []).filter(
    (j) => j.replication === 0 && (balancers.length === 0 || balancers.includes(j.balancer.name)),
  );
  for (const job of jobs) {
    try {
      simulateJob(job, sink);
    } catch (e) {
      return { threw: `${job.balancer.name}: ${(e as Error).message}` };
    }
  }
  return 'ran';
}

/** The balancers a scenario key matters to (its family for sync costs, else two of each kind). */
function balancersFor(key: string): string[] {
  const m = /^kubeProxy\.syncCost\.(iptables|ipvs|nftables)\./.exec(key);
  if (m) return [m[1] === 'ipvs' ? 'ipvs-rr' : (m[1] as string)];
  return ['iptables', 'nginx-static', 'ingress-nginx-ewma'];
}

/** Keys whose every probe inside the range is refused by a cross-section check, and why. */
const ONLY_CROSS_CHECKED: Record<string, string> = {
  // 1 ms is shorter than output.window (1 s), 365 days has more windows than the limit; the
  // defaults (60 s) load in every other probe.
  duration: 'output.window <= duration <= 1,000,000 windows',
  // Only a StatefulSet has a partition (deployment.kind); the probe's workload is a Deployment.
  'deployment.updateStrategy.rollingUpdate.partition': 'deployment.kind: StatefulSet only',
};

const schema = scenarioSchema({ baseDir: dir, readFile: () => '' }, registryCatalog());
const scenarioKeys = listKeys(schema as never).filter((k) => k.bounds !== undefined);
const balancerKeys = BALANCER_NAMES.flatMap((name) =>
  listKeys(getBalancer(name).options as never)
    .filter((k) => k.bounds !== undefined)
    .map((k) => ({ name, key: k })),
);

interface Finding {
  readonly key: string;
  readonly value: number;
  readonly problem: string;
}

function check(
  key: KeyInfo,
  label: string,
  make: (v: number) => Record<string, unknown>,
  balancers: string[],
): Finding[] {
  const found: Finding[] = [];
  const { inside, outside } = probes(key.bounds as FieldBounds);
  let loaded = 0;
  for (const v of inside) {
    const r = attempt(make(v), balancers);
    if (r === 'ran') loaded++;
    else if (r !== 'refused') found.push({ key: label, value: v, problem: r.threw });
  }
  if (loaded === 0 && ONLY_CROSS_CHECKED[label] === undefined) {
    found.push({ key: label, value: Number.NaN, problem: 'no value inside the range loaded' });
  }
  for (const v of outside) {
    if (attempt(make(v), []) !== 'refused') {
      found.push({ key: label, value: v, problem: 'accepted outside the stated range' });
    }
  }
  return found;
}

describe('one rule set: the schema and the model agree on every numeric key', () => {
  it('walks a schema that has the keys (the walk is not empty)', () => {
    expect(scenarioKeys.length).toBeGreaterThan(80);
    expect(balancerKeys.length).toBeGreaterThan(40);
    expect(scenarioKeys.map((k) => k.path)).toContain('churn[].mtbf');
  });

  it('scenario keys: every value the loader accepts runs; just outside the range is refused', () => {
    const found = scenarioKeys.flatMap((k) =>
      check(k, k.path, (v) => withValue(k, v), balancersFor(k.path)),
    );
    expect(found).toEqual([]);
  }, 300_000);

  it('distributions (one schema for every distribution field): the bounds of every form', () => {
    // The distribution schema is a transform (no walkable shape): its forms' bounds by hand,
    // the edges of src/engine/distributions/make.ts's guards.
    const inside: unknown[] = [
      0,
      { distribution: 'constant', value: 0 },
      { distribution: 'exponential', mean: 1e-9 },
      { distribution: 'uniform', min: 0, max: 1e-9 },
      { distribution: 'lognormal', median: 1e-3, p99: 1.000001e-3 },
      { distribution: 'lognormal', mean: 1e-3, cv: 1e-6 },
      { distribution: 'lognormal', mean: 1e-3, cv: 100 },
      { distribution: 'gamma', mean: 1e-3, shape: 1e-3 },
      { distribution: 'gamma', mean: 1e-3, shape: 1e4 },
      { distribution: 'erlang', mean: 1e-3, shape: 1 },
      {
        distribution: 'mixture',
        components: [
          { weight: 1e-9, distribution: 'constant', value: 1 },
          { weight: 1, distribution: 'exponential', mean: 1e-3 },
        ],
      },
      { distribution: 'empirical', values: [0] },
      { distribution: 'histogram', buckets: { '1ms': 0, '+Inf': 1 } },
    ];
    const outside: unknown[] = [
      -1e-9,
      { distribution: 'exponential', mean: 0 },
      { distribution: 'uniform', min: 1, max: 1 },
      { distribution: 'lognormal', median: 1e-3, p99: 1e-3 },
      { distribution: 'lognormal', mean: 1e-3, cv: 0 },
      { distribution: 'gamma', mean: 1e-3, shape: 0 },
      { distribution: 'erlang', mean: 1e-3, shape: 1.5 },
      { distribution: 'mixture', components: [{ weight: 0, distribution: 'constant', value: 1 }] },
      { distribution: 'empirical', values: [-1e-9] },
      { distribution: 'histogram', buckets: { '1ms': 0, '+Inf': 0 } },
    ];
    const raw = (d: unknown) => ({
      ...base(),
      deployment: { replicas: 2, pod: { serviceTime: d } },
    });
    const found: unknown[] = [];
    for (const d of inside) {
      const r = attempt(raw(d), balancersFor(''));
      if (r !== 'ran') found.push({ d, r });
    }
    for (const d of outside)
      if (attempt(raw(d), []) !== 'refused') found.push({ d, accepted: true });
    expect(found).toEqual([]);
  }, 120_000);

  it('balancer options: the same, for every balancer of the registry', () => {
    const found = balancerKeys.flatMap(({ name, key }) =>
      check(key, `${name}.${key.path}`, (v) => withValue(key, v, name), [name]),
    );
    expect(found).toEqual([]);
  }, 300_000);
});

describe('the cross-checks the walk found missing', () => {
  const refused = (text: string) => {
    try {
      loadScenarioText(`name: x\n${text}`, { file: 'x.yaml' });
      return '';
    } catch (e) {
      return (e as ScenarioError).format();
    }
  };

  it('restartBackoff.max >= initial, on the Deployment and on a rollout template as merged', () => {
    expect(refused('deployment: {pod: {restartBackoff: {initial: 20s, max: 10s}}}\n')).toBe(
      'x.yaml: deployment.pod.restartBackoff.max: expected a duration >= restartBackoff.initial (20s), got `10s` (line 2)',
    );
    // The template sets initial only: merged with the Deployment's max (300 s).
    expect(
      refused('churn: [{type: rollout, at: 1s, template: {restartBackoff: {initial: 400s}}}]\n'),
    ).toMatch(
      /^x\.yaml: churn\[0\]\.template\.restartBackoff\.max: expected a duration >= restartBackoff\.initial \(400s\), got `5m`/,
    );
  });

  it("a proxy's node is one of the cluster's nodes", () => {
    expect(refused('cluster: {nodes: 2}\nbalancers: [{name: nginx-static, node: 2}]\n')).toMatch(
      /^x\.yaml: balancers\[0\]\.node: expected a node index < 2 \(cluster\.nodes\), got `2`/,
    );
  });
});
