import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { parse as parseYaml } from 'yaml';
import { ScenarioError } from '../../src/scenario/errors.js';
import { loadScenarioInputs } from '../../src/scenario/load.js';
import { writeScenarioYaml } from '../../src/scenario/manifests/init.js';
import { preStopSleepSeconds } from '../../src/scenario/manifests/kinds.js';
import type { ResolvedScenario } from '../../src/scenario/types.js';

const here = path.dirname(fileURLToPath(import.meta.url));
const EXAMPLE = path.resolve(here, '../../examples/my-cluster');

function dir(): string {
  return fs.mkdtempSync(path.join(os.tmpdir(), 'lbsim-manifests-'));
}

/** Writes `files` (name -> text) into a fresh folder; returns it. */
function folder(files: Record<string, string>): string {
  const d = dir();
  for (const [name, text] of Object.entries(files)) fs.writeFileSync(path.join(d, name), text);
  return d;
}

const DEPLOYMENT = `apiVersion: apps/v1
kind: Deployment
metadata: {name: web}
spec:
  replicas: 4
  selector: {matchLabels: {app: web}}
  template:
    metadata: {labels: {app: web}}
    spec:
      containers:
        - name: web
          image: web:1
`;
const SERVICE = `apiVersion: v1
kind: Service
metadata: {name: web}
spec:
  selector: {app: web}
  ports: [{port: 80}]
`;

function load(files: Record<string, string>, overrides?: { set?: string[] }) {
  const d = folder(files);
  return { d, ...loadScenarioInputs({ manifests: [d] }, overrides) };
}

function problems(fn: () => unknown): string[] {
  try {
    fn();
  } catch (e) {
    if (e instanceof ScenarioError) return e.format().split('\n');
    throw e;
  }
  throw new Error('expected a ScenarioError');
}

/** Resolves a Deployment whose spec / pod spec / container is patched by YAML text. */
function withDeployment(yaml: string): ResolvedScenario {
  return load({ 'd.yaml': yaml, 's.yaml': SERVICE }).scenario;
}

function deployment(spec: string, podSpec = '', container = ''): string {
  return `apiVersion: apps/v1
kind: Deployment
metadata: {name: web}
spec:
  selector: {matchLabels: {app: web}}
${spec}
  template:
    metadata: {labels: {app: web}}
    spec:
${podSpec}
      containers:
        - name: web
          image: web:1
${container}
`;
}

describe('manifest field -> resolved scenario value (every mapped field)', () => {
  const probe = `          readinessProbe:
            httpGet: {path: /ready, port: 8080}
            initialDelaySeconds: 3
            periodSeconds: 7
            timeoutSeconds: 2
            successThreshold: 2
            failureThreshold: 5`;
  const table: [string, string, (s: ResolvedScenario) => unknown, unknown][] = [
    ['Deployment metadata.name', deployment(''), (s) => s.name, 'web'],
    ['Deployment spec.replicas', deployment('  replicas: 7'), (s) => s.deployment.replicas, 7],
    [
      'Deployment spec.strategy.rollingUpdate.maxSurge',
      deployment('  strategy: {rollingUpdate: {maxSurge: 2, maxUnavailable: 10%}}'),
      (s) => [s.deployment.maxSurge, s.deployment.maxUnavailable],
      [
        { kind: 'int', value: 2 },
        { kind: 'percent', value: 10 },
      ],
    ],
    [
      'Deployment spec.strategy.type Recreate',
      deployment('  strategy: {type: Recreate}'),
      (s) => [s.deployment.maxSurge, s.deployment.maxUnavailable],
      [
        { kind: 'int', value: 0 },
        { kind: 'percent', value: 100 },
      ],
    ],
    [
      'Deployment spec.minReadySeconds',
      deployment('  minReadySeconds: 9'),
      (s) => s.deployment.minReadySeconds,
      9,
    ],
    [
      'pod spec.terminationGracePeriodSeconds',
      deployment('', '      terminationGracePeriodSeconds: 12'),
      (s) => s.deployment.pod.terminationGracePeriodSeconds,
      12,
    ],
    [
      'container readinessProbe.*',
      deployment('', '', probe),
      (s) => s.deployment.pod.readinessProbe,
      {
        enabled: true,
        initialDelaySeconds: 3,
        periodSeconds: 7,
        timeoutSeconds: 2,
        successThreshold: 2,
        failureThreshold: 5,
      },
    ],
    [
      'no readinessProbe: Ready when running',
      deployment(''),
      (s) => s.deployment.pod.readinessProbe.enabled,
      false,
    ],
    [
      'lifecycle.preStop.exec.command sleep',
      deployment(
        '',
        '',
        '          lifecycle: {preStop: {exec: {command: ["/bin/sh", "-c", "sleep 8"]}}}',
      ),
      (s) => s.deployment.pod.preStopSleep,
      8,
    ],
    [
      'lifecycle.preStop.sleep.seconds',
      deployment('', '', '          lifecycle: {preStop: {sleep: {seconds: 4}}}'),
      (s) => s.deployment.pod.preStopSleep,
      4,
    ],
  ];
  it.each(table)('%s', (_, yaml, get, want) => {
    expect(get(withDeployment(yaml))).toEqual(want);
  });

  const svc = (spec: string) => `apiVersion: v1
kind: Service
metadata: {name: web}
spec:
  selector: {app: web}
  ports: [{port: 80}]
${spec}
`;
  const services: [string, string, (s: ResolvedScenario) => unknown, unknown][] = [
    [
      'sessionAffinity + timeoutSeconds (also into each balancer)',
      '  sessionAffinity: ClientIP\n  sessionAffinityConfig: {clientIP: {timeoutSeconds: 600}}',
      (s) => [
        s.service.sessionAffinity,
        s.service.sessionAffinityTimeoutSeconds,
        s.balancers[0]?.options,
      ],
      ['ClientIP', 600, { sessionAffinity: 'ClientIP', sessionAffinityTimeout: 600 }],
    ],
    [
      'externalTrafficPolicy',
      '  type: NodePort\n  externalTrafficPolicy: Local',
      (s) => s.service.externalTrafficPolicy,
      'Local',
    ],
    [
      'internalTrafficPolicy',
      '  internalTrafficPolicy: Local',
      (s) => s.service.internalTrafficPolicy,
      'Local',
    ],
  ];
  it.each(services)('Service %s', (_, spec, get, want) => {
    expect(get(load({ 'd.yaml': DEPLOYMENT, 's.yaml': svc(spec) }).scenario)).toEqual(want);
  });

  const kp = (body: string) => `apiVersion: kubeproxy.config.k8s.io/v1alpha1
kind: KubeProxyConfiguration
${body}
`;
  const proxies: [string, string, (s: ResolvedScenario) => unknown, unknown][] = [
    [
      'mode "" -> iptables, iptables.minSyncPeriod / syncPeriod',
      'mode: ""\niptables: {minSyncPeriod: 1m0s, syncPeriod: 2m}',
      (s) => [s.balancers.map((b) => b.name), s.kubeProxy.minSyncPeriod, s.kubeProxy.syncPeriod],
      [['iptables'], 60, 120],
    ],
    [
      'mode ipvs, ipvs.scheduler lc, ipvs.tcpFinTimeout, ipvs.minSyncPeriod',
      'mode: ipvs\nipvs: {scheduler: lc, tcpFinTimeout: 30s, minSyncPeriod: 5s}\niptables: {minSyncPeriod: 9s}',
      (s) => [
        s.balancers[0]?.name,
        s.balancers[0]?.options.tcpFinTimeout,
        s.kubeProxy.minSyncPeriod,
      ],
      ['ipvs-lc', 30, 5],
    ],
    [
      'mode ipvs, scheduler "" -> rr',
      'mode: ipvs\nipvs: {scheduler: ""}',
      (s) => s.balancers[0]?.name,
      'ipvs-rr',
    ],
    [
      'mode nftables, nftables.syncPeriod',
      'mode: nftables\nnftables: {syncPeriod: 45s}',
      (s) => [s.balancers[0]?.name, s.kubeProxy.syncPeriod],
      ['nftables', 45],
    ],
    [
      'featureGates.MinimizeIPTablesRestore',
      'featureGates: {MinimizeIPTablesRestore: false}',
      (s) => s.kubeProxy.partialSync,
      false,
    ],
  ];
  it.each(proxies)('KubeProxyConfiguration %s', (_, body, get, want) => {
    expect(
      get(load({ 'd.yaml': DEPLOYMENT, 's.yaml': SERVICE, 'kp.yaml': kp(body) }).scenario),
    ).toEqual(want);
  });

  it('KubeProxyConfiguration inside the kube-proxy ConfigMap (kubeadm)', () => {
    const cm = `apiVersion: v1
kind: ConfigMap
metadata: {name: kube-proxy, namespace: kube-system}
data:
  config.conf: |-
    apiVersion: kubeproxy.config.k8s.io/v1alpha1
    kind: KubeProxyConfiguration
    mode: ipvs
    ipvs: {scheduler: sed}
  kubeconfig.conf: "..."
`;
    const r = load({ 'd.yaml': DEPLOYMENT, 's.yaml': SERVICE, 'cm.yaml': cm });
    expect(r.scenario.balancers[0]?.name).toBe('ipvs-sed');
  });

  it('Node list: count, smallest allocatable pods, pod CIDR prefix; zones warned', () => {
    const node = (name: string, zone: string, pods: string) =>
      `  - {apiVersion: v1, kind: Node, metadata: {name: ${name}, labels: {topology.kubernetes.io/zone: ${zone}}}, spec: {podCIDR: 10.0.1.0/26}, status: {allocatable: {pods: "${pods}"}}}`;
    const list = `apiVersion: v1\nkind: List\nitems:\n${node('a', 'z1', '110')}\n${node('b', 'z2', '58')}\n${node('c', 'z1', '110')}\n`;
    const r = load({ 'd.yaml': DEPLOYMENT, 's.yaml': SERVICE, 'nodes.yaml': list });
    expect([
      r.scenario.cluster.nodes,
      r.scenario.cluster.maxPodsPerNode,
      r.scenario.cluster.nodeCidrMaskSize,
    ]).toEqual([3, 58, 26]);
    expect(
      r.warnings.some((w) => /zones z1, z2 \(topology.kubernetes.io\/zone\): not modelled/.test(w)),
    ).toBe(true);
  });

  it('StatefulSet: kind, replicas, podManagementPolicy, partition; maxUnavailable warned', () => {
    const sts = `apiVersion: apps/v1
kind: StatefulSet
metadata: {name: db}
spec:
  replicas: 3
  serviceName: db
  podManagementPolicy: Parallel
  selector: {matchLabels: {app: web}}
  updateStrategy: {type: RollingUpdate, rollingUpdate: {partition: 1, maxUnavailable: 2}}
  template:
    metadata: {labels: {app: web}}
    spec: {containers: [{name: db, image: db:1}]}
`;
    const r = load({ 'sts.yaml': sts, 's.yaml': SERVICE });
    const d = r.scenario.deployment;
    expect([d.kind, d.replicas, d.podManagementPolicy, d.updateStrategy]).toEqual([
      'StatefulSet',
      3,
      'Parallel',
      {
        type: 'RollingUpdate',
        rollingUpdate: {
          partition: 1,
          maxSurge: { kind: 'int', value: 0 },
          maxUnavailable: { kind: 'int', value: 1 },
        },
      },
    ]);
    expect(r.warnings.join('\n')).toMatch(
      /rollingUpdate\.maxUnavailable: not modelled, ignored \(alpha MaxUnavailableStatefulSet/,
    );
    expect(r.warnings.join('\n')).not.toMatch(/partition|modelled as a Deployment/);
  });

  it('DaemonSet: kind DaemonSet (one pod per node), its rolling update', () => {
    const ds = `apiVersion: apps/v1
kind: DaemonSet
metadata: {name: agent}
spec:
  selector: {matchLabels: {app: web}}
  updateStrategy: {rollingUpdate: {maxSurge: 1, maxUnavailable: 0}}
  template:
    metadata: {labels: {app: web}}
    spec: {containers: [{name: a, image: a:1}]}
`;
    const nodes = ['a', 'b']
      .map((n) => `---\napiVersion: v1\nkind: Node\nmetadata: {name: ${n}}\n`)
      .join('');
    const r = load({ 'ds.yaml': ds, 'n.yaml': nodes, 's.yaml': SERVICE });
    const d = r.scenario.deployment;
    expect([r.scenario.cluster.nodes, d.kind, d.updateStrategy.rollingUpdate]).toEqual([
      2,
      'DaemonSet',
      {
        maxSurge: { kind: 'int', value: 1 },
        maxUnavailable: { kind: 'int', value: 0 },
        partition: 0,
      },
    ]);
    expect(r.warnings.join('\n')).not.toMatch(/modelled as a Deployment/);
  });

  it('a kube-proxy /metrics scrape sets the watch delay to its histogram', () => {
    const prom = fs.readFileSync(path.join(here, 'fixtures', 'kube-proxy-metrics.prom'), 'utf8');
    const r = load({ 'd.yaml': DEPLOYMENT, 'm.prom': prom });
    expect(r.scenario.propagation.watchDelay).toEqual({
      distribution: 'histogram',
      bounds: [0.25, 0.5, 1, 2],
      cumulative: [5, 20, 60, 90],
      total: 100,
    });
    expect(r.warnings.join('\n')).toMatch(
      /10\.0% of kubeproxy_network_programming_duration_seconds is above its highest bucket \(2s\)/,
    );
  });

  it('preStop commands: `sleep N`, a shell running it, and one doing more', () => {
    expect(preStopSleepSeconds(['sleep', '5'])).toEqual({ seconds: 5, more: false });
    expect(preStopSleepSeconds(['/bin/sh', '-c', 'sleep 15'])).toEqual({
      seconds: 15,
      more: false,
    });
    expect(preStopSleepSeconds(['sh', '-c', 'sleep 3 && nginx -s quit'])).toEqual({
      seconds: 3,
      more: true,
    });
    expect(preStopSleepSeconds(['nginx', '-s', 'quit'])).toBeUndefined();
  });
});

describe('manifest input forms', () => {
  it('multi-document YAML (helm template output) and kind: List (kubectl get -o yaml)', () => {
    const multi = `---\n# Source: chart/templates/deploy.yaml\n${DEPLOYMENT}---\n# Source: chart/templates/svc.yaml\n${SERVICE}---\n`;
    const a = load({ 'all.yaml': multi }).scenario;
    const indent = (t: string) =>
      t
        .trim()
        .split('\n')
        .map((l, i) => (i === 0 ? `  - ${l}` : `    ${l}`))
        .join('\n');
    const list = `apiVersion: v1\nkind: List\nmetadata: {resourceVersion: ""}\nitems:\n${indent(DEPLOYMENT)}\n${indent(SERVICE)}\n`;
    const b = load({ 'list.yaml': list }).scenario;
    expect(a.deployment.replicas).toBe(4);
    expect({ ...b, file: undefined }).toEqual({ ...a, file: undefined });
    // JSON too (kubectl get -o json)
    const c = load({
      'd.json': JSON.stringify({
        apiVersion: 'v1',
        kind: 'List',
        items: [parseYaml(DEPLOYMENT), parseYaml(SERVICE)],
      }),
    }).scenario;
    expect(c.deployment.replicas).toBe(4);
  });

  it('unknown kinds and fields not modelled are warned (once each) and skipped', () => {
    const extra = `apiVersion: policy/v1\nkind: PodDisruptionBudget\nmetadata: {name: web}\nspec: {minAvailable: 1}\n---\napiVersion: example.com/v1\nkind: Widget\nmetadata: {name: w}\n`;
    const hpa = `apiVersion: autoscaling/v2\nkind: HorizontalPodAutoscaler\nmetadata: {name: web}\nspec: {scaleTargetRef: {apiVersion: apps/v1, kind: Deployment, name: web}, minReplicas: 2, maxReplicas: 9}\n`;
    const d = deployment(
      '  replicas: 2',
      '      affinity: {nodeAffinity: {}}\n      nodeSelector: {disk: ssd}',
      '          resources: {limits: {cpu: "1"}}\n          livenessProbe: {httpGet: {port: 80}}',
    );
    const r = load({ 'd.yaml': d, 's.yaml': SERVICE, 'x.yaml': extra, 'h.yaml': hpa });
    expect(r.scenario.deployment.replicas).toBe(2);
    const f = (n: string) => path.join(r.d, n);
    expect(r.warnings).toEqual(
      expect.arrayContaining([
        `${f('d.yaml')}: doc 1 (Deployment web): spec.template.spec.containers[0].resources: not modelled, ignored`,
        `${f('d.yaml')}: doc 1 (Deployment web): spec.template.spec.containers[0].livenessProbe: not modelled, ignored`,
        `${f('d.yaml')}: doc 1 (Deployment web): spec.template.spec.nodeSelector: not modelled, ignored`,
        `${f('x.yaml')}: doc 1 (PodDisruptionBudget web): kind PodDisruptionBudget not modelled, skipped`,
        `${f('x.yaml')}: doc 2 (Widget w): kind Widget not modelled, skipped`,
        `${f('h.yaml')}: doc 1 (HorizontalPodAutoscaler web): not modelled, skipped (lbsim has no autoscaler: the workload keeps its replicas)`,
      ]),
    );
    // affinity: {nodeAffinity: {}} is empty: nothing set, nothing to warn about.
    expect(r.warnings.some((w) => w.includes('affinity'))).toBe(false);
    expect(new Set(r.warnings).size).toBe(r.warnings.length);
  });

  it('a Service picks its workload among several; the others are warned and skipped', () => {
    const other = DEPLOYMENT.replace(/web/g, 'api').replace('replicas: 4', 'replicas: 9');
    const r = load({ 'a.yaml': other, 'd.yaml': DEPLOYMENT, 's.yaml': SERVICE });
    expect(r.scenario.name).toBe('web');
    expect(r.warnings.join('\n')).toMatch(
      /doc 1 \(Deployment api\): not selected by the Service, skipped/,
    );
  });
});

describe('invalid manifests: file, document, object and field, nothing runs', () => {
  it('a value the Kubernetes schema rejects', () => {
    const d = DEPLOYMENT.replace('replicas: 4', 'replicas: many');
    const dd = folder({ 'd.yaml': `---\n${SERVICE}---\n${d}` });
    expect(problems(() => loadScenarioInputs({ manifests: [dd] }))).toEqual([
      `${path.join(dd, 'd.yaml')}: doc 2 (Deployment web): spec.replicas: expected a value that must be integer (Kubernetes OpenAPI schema), got \`"many"\``,
    ]);
  });

  it('a value lbsim rejects is reported at the manifest field, with the scenario key', () => {
    const d = deployment(
      '  replicas: -2',
      '',
      '          readinessProbe: {periodSeconds: 0, tcpSocket: {port: 80}}',
    );
    const dd = folder({ 'd.yaml': d, 's.yaml': SERVICE });
    expect(problems(() => loadScenarioInputs({ manifests: [dd] }))).toEqual([
      `${path.join(dd, 'd.yaml')}: doc 1 (Deployment web): spec.replicas: expected an integer >= 0, got \`-2\` (scenario key deployment.replicas)`,
      `${path.join(dd, 'd.yaml')}: doc 1 (Deployment web): spec.template.spec.containers[0].readinessProbe.periodSeconds: expected a duration (seconds, or a string such as \`250ms\`, \`5s\`, \`10m\`) > 0, got \`0\` (scenario key deployment.pod.readinessProbe.periodSeconds)`,
    ]);
  });

  it('a Service whose selector matches no workload', () => {
    const dd = folder({
      'd.yaml': DEPLOYMENT,
      's.yaml': SERVICE.replace('selector: {app: web}', 'selector: {app: webb}'),
    });
    expect(problems(() => loadScenarioInputs({ manifests: [dd] }))).toEqual([
      `${path.join(dd, 's.yaml')}: doc 1 (Service web): spec.selector: expected a selector that matches a workload's pod template labels, got {"app":"webb"}, which selects none of Deployment web`,
    ]);
  });

  it('a bad KubeProxyConfiguration mode or scheduler, an unreadable -f', () => {
    const kp =
      'apiVersion: kubeproxy.config.k8s.io/v1alpha1\nkind: KubeProxyConfiguration\nmode: ipvs\nipvs: {scheduler: mh}\n';
    const dd = folder({ 'd.yaml': DEPLOYMENT, 'kp.yaml': kp });
    expect(problems(() => loadScenarioInputs({ manifests: [dd] }))[0]).toMatch(
      /kp\.yaml: doc 1 \(KubeProxyConfiguration\): ipvs\.scheduler: expected one of `rr`, .* got `mh`/,
    );
    expect(problems(() => loadScenarioInputs({ manifests: ['/nonexistent/x.yaml'] }))[0]).toMatch(
      /^\/nonexistent\/x\.yaml: expected a manifest file or folder, got ENOENT/,
    );
  });
});

describe('precedence: manifest < scenario file < --set', () => {
  it('each layer overrides the one below, key by key', () => {
    const dd = folder({
      'd.yaml': DEPLOYMENT.replace('replicas: 4', 'replicas: 4\n  minReadySeconds: 3'),
      's.yaml': SERVICE,
    });
    const scen = path.join(dd, 'scenario.yaml');
    fs.writeFileSync(
      scen,
      `manifests: [d.yaml, s.yaml]\ndeployment: {replicas: 5}\nworkload: {arrivals: {process: poisson, rate: 200}}\n`,
    );
    const a = loadScenarioInputs({ file: scen }).scenario;
    expect([a.deployment.replicas, a.deployment.minReadySeconds, a.workload.arrivals]).toEqual([
      5,
      3,
      { process: 'poisson', rate: 200 },
    ]);
    const b = loadScenarioInputs(
      { file: scen },
      { set: ['deployment.replicas=6', 'deployment.minReadySeconds=1'] },
    ).scenario;
    expect([b.deployment.replicas, b.deployment.minReadySeconds]).toEqual([6, 1]);
    // The scenario file's base name names it (not the Deployment), as without manifests.
    expect(a.name).toBe('scenario');
  });

  it('a bad value from the scenario file or --set is reported there, not at the manifest', () => {
    const dd = folder({ 'd.yaml': DEPLOYMENT, 's.yaml': SERVICE });
    expect(
      problems(() => loadScenarioInputs({ manifests: [dd] }, { set: ['deployment.replicas=-1'] })),
    ).toEqual([
      '(manifests): deployment.replicas: expected an integer >= 0, got `-1` (from --set)',
    ]);
  });
});

describe('lbsim init: the commented scenario resolves to the same scenario', () => {
  it('examples/my-cluster: every value with its origin, and the same resolved scenario', () => {
    const loaded = loadScenarioInputs({ manifests: [EXAMPLE] });
    const d = dir();
    const yaml = writeScenarioYaml({
      raw: loaded.raw,
      provenance: loaded.provenance,
      manifests: [EXAMPLE],
      dir: d,
    });
    expect(yaml).toMatch(/replicas: 6 # from .*deployment\.yaml: spec\.replicas/);
    expect(yaml).toMatch(/minSyncPeriod: 2s # from .*kube-proxy\.yaml: iptables\.minSyncPeriod/);
    expect(yaml).toMatch(
      /externalTrafficPolicy: Cluster # Kubernetes default \(core\/v1 ServiceSpec\)/,
    );
    expect(yaml).toMatch(/duration: 60 # lbsim default/);
    const file = path.join(d, 'scenario.yaml');
    fs.writeFileSync(file, yaml);
    const again = loadScenarioInputs({ file }).scenario;
    expect({ ...again, file: undefined }).toEqual({ ...loaded.scenario, file: undefined });
  });

  it('--set values are written with their origin', () => {
    const loaded = loadScenarioInputs({ manifests: [EXAMPLE] });
    const yaml = writeScenarioYaml({
      raw: loaded.raw,
      provenance: loaded.provenance,
      manifests: [EXAMPLE],
      dir: dir(),
      overrides: { set: ['workload.arrivals.rate=300'] },
    });
    expect(yaml).toMatch(/arrivals: \{ rate: 300 \} # rate from --set/);
  });
});
