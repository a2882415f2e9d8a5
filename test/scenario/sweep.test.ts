import * as path from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import type { ScenarioError } from '../../src/scenario/errors.js';
import { loadScenarioFile, loadScenarioText } from '../../src/scenario/load.js';
import {
  applyOverrides,
  expandSweep,
  parseAssignment,
  parsePath,
  pathToString,
} from '../../src/scenario/sweep.js';

const here = path.dirname(fileURLToPath(import.meta.url));

describe('key paths', () => {
  it('parse dotted and indexed forms to the same segments', () => {
    expect(parsePath('workload.arrivals.rate')).toEqual(['workload', 'arrivals', 'rate']);
    expect(parsePath('churn[0].mtbf')).toEqual(['churn', 0, 'mtbf']);
    expect(parsePath('churn.0.mtbf')).toEqual(['churn', 0, 'mtbf']);
    expect(pathToString(['churn', 0, 'mtbf'])).toBe('churn[0].mtbf');
  });

  it.each(['', '.a', 'a.', 'a..b', 'a[x]', 'a]'])('rejects %j', (p) => {
    expect(() => parsePath(p)).toThrow(/expected a key path/);
  });
});

describe('overrides', () => {
  it('parse values as YAML scalars and create missing levels', () => {
    const raw = { deployment: { replicas: 3 }, churn: [{ type: 'kill', at: '5s' }] };
    const out = applyOverrides(raw, [
      'deployment.replicas=5',
      'network.rtt=1ms',
      'churn[0].at=7s',
      'kubeProxy.partialSync=false',
      'balancers=[iptables, ipvs-rr]',
    ]);
    expect(out).toEqual({
      deployment: { replicas: 5 },
      network: { rtt: '1ms' },
      churn: [{ type: 'kill', at: '7s' }],
      kubeProxy: { partialSync: false },
      balancers: ['iptables', 'ipvs-rr'],
    });
    // The input is not modified.
    expect(raw.deployment.replicas).toBe(3);
    expect(parseAssignment('seed = 7')).toEqual({ path: ['seed'], text: 'seed', value: 7 });
    expect(() => applyOverrides({}, ['replicas'])).toThrow(/expected `path=value`/);
  });

  it('apply through loadScenarioFile, with --seed and --replications', () => {
    const s = loadScenarioFile(path.join(here, '../../scenarios/example.yaml'), {
      set: ['deployment.replicas=4', 'workload.arrivals.rate=200'],
      seed: 7,
      replications: 5,
    });
    expect(s.deployment.replicas).toBe(4);
    expect(s.workload.arrivals).toEqual({ process: 'poisson', rate: 200 });
    expect(s.seed).toBe(7);
    expect(s.replications).toBe(5);
  });

  it('an invalid overridden value is reported at its path, marked as from --set', () => {
    expect(() =>
      loadScenarioText('name: x\n', {
        file: 'x.yaml',
        overrides: { set: ['deployment.replicas=-2'] },
      }),
    ).toThrow('x.yaml: deployment.replicas: expected an integer >= 0, got `-2` (from --set)');
    expect(() => loadScenarioText('name: x\n', { overrides: { seed: -1 } })).toThrow(
      /seed: expected an integer >= 0/,
    );
  });
});

describe('sweep', () => {
  it('expands the cartesian product, first key slowest, labels and params in order', () => {
    const s = loadScenarioFile(path.join(here, 'fixtures/sweep.yaml'));
    expect(s.variants).toHaveLength(6);
    expect(s.variants.map((v) => v.label)).toEqual([
      'workload.arrivals.rate=500,deployment.replicas=2',
      'workload.arrivals.rate=500,deployment.replicas=4',
      'workload.arrivals.rate=1000,deployment.replicas=2',
      'workload.arrivals.rate=1000,deployment.replicas=4',
      'workload.arrivals.rate=1500,deployment.replicas=2',
      'workload.arrivals.rate=1500,deployment.replicas=4',
    ]);
    expect(s.variants.map((v) => v.index)).toEqual([0, 1, 2, 3, 4, 5]);
    const v3 = s.variants[3]!;
    expect(v3.params).toEqual({ 'workload.arrivals.rate': 1000, 'deployment.replicas': 4 });
    expect(v3.scenario.workload.arrivals).toEqual({ process: 'poisson', rate: 1000 });
    expect(v3.scenario.deployment.replicas).toBe(4);
    expect(s.sweep).toEqual({
      'workload.arrivals.rate': [500, 1000, 1500],
      'deployment.replicas': [2, 4],
    });
    // The top level is the first variant's configuration.
    expect(s.workload.arrivals).toEqual({ process: 'poisson', rate: 500 });
  });

  it('is deterministic: same file, same variants', () => {
    const a = loadScenarioFile(path.join(here, 'fixtures/sweep.yaml'));
    const b = loadScenarioFile(path.join(here, 'fixtures/sweep.yaml'));
    expect(JSON.stringify(a.variants)).toBe(JSON.stringify(b.variants));
  });

  it('sweeps values with units, list items and whole objects', () => {
    const s = loadScenarioText(
      [
        'churn: [{type: crash, mtbf: 60s}]',
        'sweep:',
        '  churn[0].mtbf: [30s, 2m]',
        '  deployment.pod.serviceTime: [5ms, {distribution: exponential, mean: 5ms}]',
        '',
      ].join('\n'),
    );
    expect(s.variants.map((v) => v.label)).toEqual([
      'churn[0].mtbf=30s,deployment.pod.serviceTime=5ms',
      'churn[0].mtbf=30s,deployment.pod.serviceTime={"distribution":"exponential","mean":"5ms"}',
      'churn[0].mtbf=2m,deployment.pod.serviceTime=5ms',
      'churn[0].mtbf=2m,deployment.pod.serviceTime={"distribution":"exponential","mean":"5ms"}',
    ]);
    expect(s.variants[2]!.scenario.churn[0]).toMatchObject({ type: 'crash', mtbf: 120 });
  });

  it('a bad swept value is reported at its path, with the variant, once', () => {
    let err: ScenarioError | undefined;
    try {
      loadScenarioText(
        'workload: {arrivals: {process: poisson, rate: 1}}\nsweep:\n  workload.arrivals.rate: [10, -5]\n  replications: [1, 2]\n',
        {
          file: 's.yaml',
        },
      );
    } catch (e) {
      err = e as ScenarioError;
    }
    expect(err?.format()).toBe(
      's.yaml: workload.arrivals.rate: expected a number > 0, got `-5` (in sweep variant workload.arrivals.rate=-5,replications=1) (line 3)',
    );
  });

  it('a misspelt swept path gets "did you mean"; malformed sweeps are named', () => {
    expect(() =>
      loadScenarioText(
        'workload: {arrivals: {process: poisson, rate: 1}}\nsweep: {workload.arrivals.rat: [1, 2]}\n',
        { file: 's.yaml' },
      ),
    ).toThrow(/s\.yaml: workload\.arrivals\.rat: unknown key `rat` \(did you mean `rate`\?\)/);
    expect(() =>
      loadScenarioText('sweep: {deployment.replicas: []}\n', { file: 's.yaml' }),
    ).toThrow('s.yaml: sweep.deployment.replicas: expected a non-empty list of values, got `[]`');
    expect(() => loadScenarioText('sweep: [1]\n', { file: 's.yaml' })).toThrow(
      /s\.yaml: sweep: expected a mapping/,
    );
  });

  it('expandSweep without a sweep gives one default variant', () => {
    const v = expandSweep({ a: 1 }, [], 'default');
    expect(v).toEqual([{ index: 0, label: 'default', params: {}, raw: { a: 1 } }]);
  });
});
