import { describe, expect, it } from 'vitest';
import { registryCatalog } from '../../src/scenario/balancer-catalog.js';
import { canonicalKey, explainKey, listKeys, scenarioKeys } from '../../src/scenario/explain.js';
import { loadScenarioText } from '../../src/scenario/load.js';
import { scenarioSchema } from '../../src/scenario/schema/index.js';
import { KEY_DOCS } from '../../src/scenario/schema/key-docs.js';

const schema = scenarioSchema({ baseDir: '.', readFile: () => '' }, registryCatalog());

describe('lbsim explain: read from the schema that validates', () => {
  it('every key of the schema has a meaning in KEY_DOCS, and every entry is a key', () => {
    const paths = scenarioKeys(schema);
    // The walk must reach deep keys, or this checks nothing.
    for (const k of [
      'deployment.pod.readinessProbe.failureThreshold',
      'churn[].tolerationSeconds',
      'workload.connections.poolSize',
      'workload.arrivals.thinkTime',
    ]) {
      expect(paths).toContain(k);
    }
    expect(paths.filter((p) => KEY_DOCS[p] === undefined)).toEqual([]);
    expect(Object.keys(KEY_DOCS).filter((k) => !paths.includes(k))).toEqual([]);
  });

  it('the default it shows is the one validation fills in', () => {
    const resolved = loadScenarioText('{}');
    const keys = new Map(listKeys(schema).map((k) => [k.path, k]));
    expect(keys.get('kubeProxy.minSyncPeriod')?.default).toBe(resolved.kubeProxy.minSyncPeriod);
    expect(keys.get('deployment.pod.readinessProbe.periodSeconds')?.default).toBe(
      resolved.deployment.pod.readinessProbe.periodSeconds,
    );
    expect(keys.get('workload.connections.idleTimeout')?.default).toBe(
      resolved.workload.connections.idleTimeout,
    );
    expect(explainKey('kubeProxy.minSyncPeriod')).toMatch(
      /^KEY: {5}kubeProxy\.minSyncPeriod\nTYPE: {4}duration >= 0\nDEFAULT: 1s\n\n {2}shortest time between two syncs/,
    );
  });

  it('list keys by index or by [], variants, sub-keys; the top level; unknown keys', () => {
    expect(canonicalKey('churn[2].mtbf')).toBe('churn[].mtbf');
    expect(canonicalKey('churn.0.mtbf')).toBe('churn[].mtbf');
    expect(explainKey('churn.0.mtbf')).toMatch(/TYPE: {4}duration > 0\nONLY IN: crash/);
    expect(explainKey('workload.arrivals.process')).toMatch(
      /TYPE: {4}`poisson` \| `constant` \| `on-off`/,
    );
    expect(explainKey('deployment.pod.readinessProbe')).toMatch(
      /KEYS:\n {2}enabled +true \| false\n {2}initialDelaySeconds +duration >= 0/,
    );
    const top = explainKey('') as string;
    expect(top).toMatch(/^Top-level keys/);
    expect(top).toMatch(/\n {2}kubeProxy +kube-proxy's sync/);
    expect(explainKey('kubeProxy.nope')).toBeUndefined();
  });
});
