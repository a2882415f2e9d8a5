import * as path from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { makeDistribution } from '../../src/engine/distributions/index.js';
import { ScenarioError } from '../../src/scenario/errors.js';
import {
  listShippedScenarios,
  loadScenarioFile,
  loadScenarioText,
  validateScenarioFiles,
} from '../../src/scenario/load.js';
import { DEFAULTS } from '../../src/scenario/schema/index.js';
import { problems } from './problems.js';

const here = path.dirname(fileURLToPath(import.meta.url));
const fixture = (f: string) => path.join(here, 'fixtures', f);
const root = path.resolve(here, '../..');
const example = path.join(root, 'scenarios/example.yaml');

describe('example.yaml', () => {
  it('is accepted verbatim and resolved to seconds', () => {
    const s = loadScenarioFile(example);
    expect(s.name).toBe('example');
    expect(s.duration).toBe(300);
    expect(s.warmup).toBe(30);
    expect(s.seed).toBe(42);
    expect(s.replications).toBe(2);
    expect(s.cluster.nodes).toBe(4);
    expect(s.network.rtt).toBeCloseTo(0.0002, 15);
    expect(s.network.crossNodeRtt).toBeCloseTo(0.0002, 15);
    expect(s.deployment.replicas).toBe(10);
    expect(s.deployment.pod.concurrency).toBe(2);
    expect(s.deployment.pod.serviceTime).toEqual({ distribution: 'exponential', mean: 0.01 });
    expect(s.workload.arrivals).toEqual({ process: 'poisson', rate: 1500 });
    expect(s.workload.connections.mode).toBe('per-request');
    expect(s.churn).toEqual([
      { type: 'crash', mtbf: 120, action: 'replace', from: 0, until: null },
      { type: 'rollout', at: 150 },
    ]);
    expect(s.propagation.watchDelay).toEqual({ distribution: 'exponential', mean: 0.1 });
    expect(s.kubeProxy.minSyncPeriod).toBe(1);
    expect(s.balancers.map((b) => b.label)).toEqual([
      'iptables',
      'ipvs-rr',
      'ipvs-lc',
      'nginx-static',
    ]);
    expect(s.balancers[3]?.options).toMatchObject({ maxFails: 1 });
    expect(s.variants).toHaveLength(1);
    expect(s.variants[0]?.label).toBe('default');
    expect(s.file).toBe(example);
  });

  it('is the text of issue 5 exactly (comments included)', async () => {
    const fs = await import('node:fs');
    const text = fs.readFileSync(example, 'utf8');
    expect(text.startsWith('name: example\nduration: 300s          # simulated time\n')).toBe(true);
    expect(text).toContain(
      '  arrivals: {process: poisson, rate: 1500}   # requests per second, all clients together\n',
    );
    expect(text.endsWith('  - {name: nginx-static, maxFails: 1, failTimeout: 10s}\n')).toBe(true);
  });

  it('is structured-clone safe (crosses the worker boundary)', () => {
    const s = loadScenarioFile(example);
    expect(structuredClone(s)).toEqual(s);
    expect(JSON.parse(JSON.stringify(s))).toEqual(s);
  });
});

describe('defaults', () => {
  it('fill every section of an empty-ish scenario', () => {
    const s = loadScenarioText('duration: 10s\n', { file: '/x/my-test.yaml' });
    expect(s.name).toBe('my-test');
    expect(s.warmup).toBe(0);
    expect(s.seed).toBe(DEFAULTS.seed);
    expect(s.output.window).toBe(1);
    expect(s.cluster).toEqual({ ...DEFAULTS.cluster });
    expect(s.deployment.replicas).toBe(1);
    expect(s.deployment.maxSurge).toEqual({ kind: 'percent', value: 25 });
    expect(s.deployment.maxUnavailable).toEqual({ kind: 'percent', value: 25 });
    // core/v1 Probe defaults.
    expect(s.deployment.pod.readinessProbe).toEqual({
      enabled: true,
      initialDelaySeconds: 0,
      periodSeconds: 10,
      timeoutSeconds: 1,
      successThreshold: 1,
      failureThreshold: 3,
    });
    expect(s.deployment.pod.terminationGracePeriodSeconds).toBe(30);
    expect(s.deployment.pod.restartBackoff).toEqual({ initial: 10, max: 300 });
    expect(s.service.sessionAffinityTimeoutSeconds).toBe(10800);
    expect(s.kubeProxy).toMatchObject({
      minSyncPeriod: 1,
      syncPeriod: 30,
      burstSyncs: 2,
      partialSync: true,
    });
    expect(s.propagation.maxEndpointsPerSlice).toBe(100);
    expect(s.propagation.batchPeriod).toBe(0);
    expect(s.churn).toEqual([]);
    expect(s.balancers.map((b) => b.name)).toEqual(['iptables']);
    expect(s.workload.timeouts).toEqual({ ...DEFAULTS.timeouts });
    expect(s.workload.timeouts).toMatchObject({ connect: 30, request: 0, synRetries: 6 });
    expect(s.workload.retries.count).toBe(0);
  });

  it('applies nested defaults inside a partly given section', () => {
    const s = loadScenarioText(
      'deployment:\n  pod:\n    readinessProbe: {periodSeconds: 2s}\n    preStop: {sleep: 5s}\n',
    );
    expect(s.deployment.pod.readinessProbe.periodSeconds).toBe(2);
    expect(s.deployment.pod.readinessProbe.failureThreshold).toBe(3);
    expect(s.deployment.pod.preStopSleep).toBe(5);
    expect(s.deployment.pod.concurrency).toBe(1);
  });

  it('diurnal period defaults to the duration; shorthand connections', () => {
    const s = loadScenarioText(
      'duration: 2m\nworkload:\n  arrivals: {process: diurnal, minRate: 10, maxRate: 100}\n  connections: keepalive\n',
    );
    expect(s.workload.arrivals).toEqual({
      process: 'diurnal',
      minRate: 10,
      maxRate: 100,
      period: 120,
      phase: 0,
    });
    expect(s.workload.connections).toMatchObject({
      mode: 'keepalive',
      poolSize: 2,
      idleTimeout: 90,
    });
  });
});

describe('JSON', () => {
  it('is accepted by extension, with the same units', () => {
    const s = loadScenarioFile(fixture('example.json'));
    expect(s.name).toBe('example-json');
    expect(s.duration).toBe(300);
    expect(s.deployment.pod.serviceTime).toEqual({ distribution: 'exponential', mean: 0.01 });
    expect(s.balancers.map((b) => b.name)).toEqual(['iptables', 'ipvs-rr']);
  });

  it('reports malformed JSON as one problem', () => {
    const lines = (() => {
      try {
        loadScenarioText('{"duration": 3,}', { file: 'x.json' });
      } catch (e) {
        return (e as ScenarioError).format().split('\n');
      }
      return [];
    })();
    expect(lines).toHaveLength(1);
    expect(lines[0]).toMatch(/^x\.json: expected valid JSON, got an error: /);
  });
});

describe('problems', () => {
  it('a file with three mistakes gives three lines with exact paths', () => {
    let err: ScenarioError | undefined;
    try {
      loadScenarioFile(fixture('three-mistakes.yaml'), undefined, {
        displayName: 'three-mistakes.yaml',
      });
    } catch (e) {
      err = e as ScenarioError;
    }
    expect(err).toBeInstanceOf(ScenarioError);
    const lines = err!.format().split('\n');
    expect(lines).toHaveLength(3);
    expect(err!.problems.map((p) => p.path)).toEqual([
      'deployment.replicas',
      'churn[0].mtbf',
      'balancers[1]',
    ]);
    expect(lines[0]).toBe(
      'three-mistakes.yaml: deployment.replicas: expected an integer >= 0, got `two` (line 4)',
    );
    expect(lines[1]).toBe(
      'three-mistakes.yaml: churn[0].mtbf: expected a duration (seconds, or a string such as `250ms`, `5s`, `10m`) > 0, got `soon` (line 6)',
    );
    expect(lines[2]).toMatch(
      /^three-mistakes\.yaml: balancers\[1\]: expected a balancer name, one of `iptables`, .*`ipvs-rr`.*, got `ipvs-rx` \(did you mean `ipvs-rr`\?\) \(line 7\)$/,
    );
  });

  it('unknown keys are errors with "did you mean"', () => {
    expect(problems('deployment:\n  replica: 3\n')).toEqual([
      'f.yaml: deployment.replica: unknown key `replica` (did you mean `replicas`?)',
    ]);
    const far = problems('zzzzzz: 1\n');
    expect(far).toHaveLength(1);
    expect(far[0]).toMatch(
      /^f\.yaml: zzzzzz: unknown key `zzzzzz`; expected one of `name`, `description`, `duration`/,
    );
  });

  it('unknown balancer names list the valid ones', () => {
    const [line] = problems('balancers: [iptables, haproxy]\n');
    expect(line).toMatch(/^f\.yaml: balancers\[1\]: expected a balancer name, one of /);
    for (const n of ['iptables', 'nftables', 'ipvs-rr', 'ipvs-lc', 'nginx-static'])
      expect(line).toContain(`\`${n}\``);
    expect(problems('balancers: [{name: ipvs-lx}]\n')[0]).toMatch(
      /^f\.yaml: balancers\[0\]\.name: .*did you mean `ipvs-lc`/,
    );
  });

  it("balancer options are validated by the balancer's own schema", () => {
    const s = loadScenarioText('balancers: [{name: nginx-static, failTimeout: 5s, workers: 2}]\n');
    expect(s.balancers[0]?.options).toMatchObject({ maxFails: 1, failTimeout: 5, workers: 2 });
    // The first message is the data plane's schema's own wording: only its path is ours.
    const lines = problems('balancers: [{name: nginx-static, maxFail: 2, failTimeout: -1}]\n');
    expect(lines).toHaveLength(2);
    expect(lines[0]).toMatch(/^f\.yaml: balancers\[0\]\.failTimeout: expected .*, got `-1`$/);
    expect(lines[1]).toBe(
      'f.yaml: balancers[0].maxFail: unknown key `maxFail` (did you mean `maxFails`?)',
    );
  });

  it("the Service's sessionAffinity reaches every balancer that takes it, unless set there", () => {
    const s = loadScenarioText(
      'service: {sessionAffinity: ClientIP, sessionAffinityTimeoutSeconds: 60s}\nbalancers: [iptables, {name: ipvs-rr, sessionAffinity: None}, nginx-static]\n',
    );
    expect(s.balancers[0]?.options).toMatchObject({
      sessionAffinity: 'ClientIP',
      sessionAffinityTimeout: 60,
    });
    expect(s.balancers[1]?.options).toMatchObject({
      sessionAffinity: 'None',
      sessionAffinityTimeout: 60,
    });
    expect(s.balancers[2]?.options).not.toHaveProperty('sessionAffinity');
  });

  it('duplicate balancer labels are rejected', () => {
    expect(problems('balancers: [iptables, iptables]\n')[0]).toMatch(
      /^f\.yaml: balancers\[1\]: expected a unique label/,
    );
    const s = loadScenarioText('balancers: [iptables, {name: iptables, label: iptables-2}]\n');
    expect(s.balancers.map((b) => b.label)).toEqual(['iptables', 'iptables-2']);
  });

  it('reports every problem at once, deep paths included', () => {
    const lines = problems(
      [
        'duration: 5x',
        'deployment:',
        '  pod:',
        '    serviceTime: {distribution: exponental, mean: 10ms}',
        '    readinessProbe: {periodSeconds: -1}',
        'workload:',
        '  arrivals: {process: poison, rate: 5}',
        'churn:',
        '  - {type: scale, at: 10s}',
        '  - {type: explode}',
        'cluster: {ipReuse: lifoo}',
        '',
      ].join('\n'),
    );
    expect(lines.map((l) => l.split(': ')[1])).toEqual([
      'duration',
      'cluster.ipReuse',
      'deployment.pod.serviceTime.distribution',
      'deployment.pod.readinessProbe.periodSeconds',
      'workload.arrivals.process',
      'churn[0].replicas',
      'churn[1].type',
    ]);
    expect(lines[2]).toContain('got `exponental` (did you mean `exponential`?)');
    expect(lines[4]).toContain('got `poison` (did you mean `poisson`?)');
    expect(lines[5]).toContain('expected an integer >= 0, got nothing');
  });

  it('distribution parameters are checked at their own path', () => {
    expect(
      problems('deployment: {pod: {serviceTime: {distribution: exponential, mean: -1}}}\n'),
    ).toEqual([
      'f.yaml: deployment.pod.serviceTime.mean: expected a duration (seconds, or a string such as `250ms`, `5s`, `10m`) > 0, got `-1`',
    ]);
    expect(
      problems('deployment: {pod: {serviceTime: {distribution: uniform, min: 2ms, max: 1ms}}}\n'),
    ).toEqual([
      'f.yaml: deployment.pod.serviceTime.max: expected a value > min (0.002s), got `0.001s`',
    ]);
    expect(problems('propagation: {watchDelay: {distribution: lognormal, median: 1s}}\n')).toEqual([
      'f.yaml: propagation.watchDelay: expected either `median` and `p99`, or `mean` and `cv`',
    ]);
    expect(
      problems('propagation: {watchDelay: {distribution: constant, value: 1s, mean: 2s}}\n'),
    ).toEqual([
      'f.yaml: propagation.watchDelay.mean: unknown key `mean`; expected one of `distribution`, `value`',
    ]);
  });

  it('cross-section checks name both sides', () => {
    expect(problems('duration: 10s\nwarmup: 10s\n')).toEqual([
      'f.yaml: warmup: expected a duration < duration (10s), got `10s`',
    ]);
    expect(
      problems('cluster: {nodes: 2}\nchurn: [{type: node-failure, at: 1s, node: 2}]\n'),
    ).toEqual(['f.yaml: churn[0].node: expected a node index < 2 (cluster.nodes), got `2`']);
    expect(
      problems('cluster: {nodes: 2}\nworkload: {clients: {placement: {weights: [1, 2, 3]}}}\n'),
    ).toEqual([
      'f.yaml: workload.clients.placement.weights: expected 2 weights (one per node, cluster.nodes), got 3',
    ]);
    expect(problems('deployment: {maxSurge: 0, maxUnavailable: 0%}\n')).toEqual([
      'f.yaml: deployment.maxUnavailable: expected a value > 0 when maxSurge is 0, got `0`',
    ]);
  });

  it('gives line numbers', () => {
    try {
      loadScenarioText('name: x\ncluster:\n  nodes: 0\n', { file: 'f.yaml' });
    } catch (e) {
      expect((e as ScenarioError).problems[0]?.line).toBe(3);
      expect((e as ScenarioError).format()).toBe(
        'f.yaml: cluster.nodes: expected an integer >= 1 and <= 5000, got `0` (line 3)',
      );
    }
    expect.assertions(2);
  });

  it('reports YAML syntax errors and empty files', () => {
    expect(problems('a: [1, 2\n')[0]).toMatch(/^f\.yaml: expected valid YAML, got: /);
    expect(problems('')).toEqual([
      'f.yaml: expected a mapping of scenario keys (name, duration, deployment, ...), got an empty file',
    ]);
  });
});

describe('distributions', () => {
  const st = (yaml: string) =>
    loadScenarioText(`deployment: {pod: {serviceTime: ${yaml}}}\n`, { file: fixture('x.yaml') })
      .deployment.pod.serviceTime;

  it('accept every form with units', () => {
    expect(st('25ms')).toEqual({ distribution: 'constant', value: 0.025 });
    expect(st('{distribution: uniform, min: 1ms, max: 3ms}')).toEqual({
      distribution: 'uniform',
      min: 0.001,
      max: 0.003,
    });
    expect(st('{distribution: lognormal, median: 10ms, p99: 1s}')).toEqual({
      distribution: 'lognormal',
      median: 0.01,
      p99: 1,
    });
    expect(st('{distribution: lognormal, mean: 10ms, cv: 2}')).toEqual({
      distribution: 'lognormal',
      mean: 0.01,
      cv: 2,
    });
    expect(st('{distribution: erlang, mean: 1s, shape: 3}')).toEqual({
      distribution: 'erlang',
      mean: 1,
      shape: 3,
    });
    expect(st('{distribution: gamma, mean: 1s, shape: 0.5}')).toEqual({
      distribution: 'gamma',
      mean: 1,
      shape: 0.5,
    });
    expect(
      st(
        '{distribution: mixture, components: [{weight: 99%, distribution: constant, value: 1ms}, {weight: 1%, distribution: constant, value: 1s}]}',
      ),
    ).toEqual({
      distribution: 'mixture',
      components: [
        { weight: 0.99, spec: { distribution: 'constant', value: 0.001 } },
        { weight: 0.01, spec: { distribution: 'constant', value: 1 } },
      ],
    });
    expect(st('{distribution: empirical, values: [1ms, 2ms]}')).toEqual({
      distribution: 'empirical',
      values: [0.001, 0.002],
    });
  });

  it('every resolved form is accepted by the engine (makeDistribution)', () => {
    for (const y of [
      '0s',
      '{distribution: uniform, min: 1ms, max: 3ms}',
      '{distribution: lognormal, median: 10ms, p99: 1s}',
      '{distribution: lognormal, mean: 10ms, cv: 2}',
      '{distribution: erlang, mean: 1s, shape: 3}',
      '{distribution: gamma, mean: 1s, shape: 0.5}',
      '{distribution: mixture, components: [{weight: 3, distribution: constant, value: 1ms}, {weight: 1, distribution: exponential, mean: 1s}]}',
      '{distribution: empirical, values: [0, 2ms]}',
    ]) {
      const spec = st(y);
      expect(() => makeDistribution(spec), y).not.toThrow();
    }
    // Mean of the mixture from the resolved spec: (3 x 1 ms + 1 x 1 s) / 4, weights normalised.
    const m = makeDistribution(
      st(
        '{distribution: mixture, components: [{weight: 3, distribution: constant, value: 1ms}, {weight: 1, distribution: exponential, mean: 1s}]}',
      ),
    );
    expect(m.mean).toBeCloseTo((3 * 0.001 + 1) / 4, 12);
  });

  it('empirical from a CSV relative to the scenario file, with a unit', () => {
    expect(
      st('{distribution: empirical, file: samples.csv, column: latency_ms, unit: 1ms}'),
    ).toEqual({
      distribution: 'empirical',
      values: [0.001, 0.002, 0.003, 0.004],
    });
  });

  it('erlang needs an integer shape; a missing file is named', () => {
    expect(() => st('{distribution: erlang, mean: 1s, shape: 2.5}')).toThrow(
      /serviceTime\.shape: expected an integer >= 1, got `2.5`/,
    );
    expect(() => st('{distribution: empirical, file: nope.csv}')).toThrow(
      /serviceTime\.file: expected a readable CSV file, got `nope.csv`/,
    );
  });

  it('mixture components are checked at their index', () => {
    expect(() =>
      st(
        '{distribution: mixture, components: [{weight: 0, distribution: constant, value: 1ms}, {weight: 1, distribution: exponential}]}',
      ),
    ).toThrow(
      /components\[0\]\.weight: expected a weight > 0[\s\S]*components\[1\]\.mean: expected a duration/,
    );
  });
});

describe('arrivals', () => {
  it('trace timestamps come from a CSV', () => {
    const s = loadScenarioText(
      'workload: {arrivals: {process: trace, file: trace.csv, loop: true}}\n',
      { file: fixture('x.yaml') },
    );
    expect(s.workload.arrivals).toEqual({
      process: 'trace',
      file: fixture('trace.csv'),
      times: [0.5, 1, 1.25, 3],
      loop: true,
    });
  });

  it('closed-loop and on-off resolve their distributions', () => {
    const s = loadScenarioText(
      'workload: {arrivals: {process: closed-loop, users: 8, thinkTime: 100ms}}\n',
    );
    expect(s.workload.arrivals).toEqual({
      process: 'closed-loop',
      users: 8,
      thinkTime: { distribution: 'constant', value: 0.1 },
      rampUp: 0,
    });
    const o = loadScenarioText(
      'workload: {arrivals: {process: on-off, rate: 100, on: {distribution: exponential, mean: 5s}, off: 10s}}\n',
    );
    expect(o.workload.arrivals).toEqual({
      process: 'on-off',
      rate: 100,
      offRate: 0,
      on: { distribution: 'exponential', mean: 5 },
      off: { distribution: 'constant', value: 10 },
      within: 'poisson',
    });
  });
});

describe('validateScenarioFiles and listShippedScenarios', () => {
  it('collects problems across files', () => {
    const r = validateScenarioFiles([
      example,
      fixture('three-mistakes.yaml'),
      fixture('missing.yaml'),
    ]);
    expect(r.ok).toBe(false);
    expect(r.problems).toHaveLength(4);
    expect(r.problems[3]?.message).toMatch(/^expected a readable scenario file, got ENOENT/);
    expect([...r.scenarios.keys()]).toEqual([example]);
    expect(validateScenarioFiles([example]).ok).toBe(true);
  });

  it('lists shipped scenarios sorted, with names', () => {
    const list = listShippedScenarios(path.join(root, 'scenarios'));
    expect(list.find((s) => s.name === 'example')?.file).toBe(example);
    const files = list.map((s) => s.file);
    expect(files).toEqual([...files].sort());
  });
});

describe('defaults that other keys complete', () => {
  it("the default balancer list gets the Service's session affinity", () => {
    const s = loadScenarioText(
      'service: {sessionAffinity: ClientIP, sessionAffinityTimeoutSeconds: 60}\n',
    );
    expect(
      s.balancers.map((b) => [b.name, b.options.sessionAffinity, b.options.sessionAffinityTimeout]),
    ).toEqual([['iptables', 'ClientIP', 60]]);
  });

  it('arrivals without `process` are poisson, so --set workload.arrivals.rate=N works alone', () => {
    const s = loadScenarioText('duration: 10s\n', {
      overrides: { set: ['workload.arrivals.rate=3000'] },
    });
    expect(s.workload.arrivals).toEqual({ process: 'poisson', rate: 3000 });
  });
});
