import { describe, expect, it } from 'vitest';
import { simulateJob } from '../../src/runner/simulate.js';
import { loadScenarioText } from '../../src/scenario/load.js';
import { offeredLoad } from '../../src/scenario/offered-load.js';
import type { ScenarioConfig } from '../../src/scenario/types.js';
import { problems } from './problems.js';

/** Runs the scenario's first job in process; returns the rows of each table. */
function run(text: string): Record<string, unknown[][]> {
  const v = loadScenarioText(text).variants[0];
  if (v === undefined) throw new Error('no variant');
  const rows: Record<string, unknown[][]> = {};
  simulateJob(
    {
      id: 0,
      scenario: 'k',
      variant: 0,
      variantLabel: v.label,
      balancer: v.scenario.balancers[0] as never,
      replication: 0,
      seed: 1,
      config: v.scenario,
    },
    {
      row(table: string, r: readonly unknown[]) {
        (rows[table] ??= []).push([...r]);
      },
    },
  );
  return rows;
}

describe('deployment.kind', () => {
  it('defaults to Deployment with the apps/v1 update-strategy defaults', () => {
    const d = loadScenarioText('name: x\n', { file: 'f.yaml' }).deployment;
    expect(d.kind).toBe('Deployment');
    expect(d.podManagementPolicy).toBe('OrderedReady');
    expect(d.updateStrategy).toEqual({
      type: 'RollingUpdate',
      rollingUpdate: {
        maxUnavailable: { kind: 'int', value: 1 },
        maxSurge: { kind: 'int', value: 0 },
        partition: 0,
      },
    });
  });

  it('accepts each kind with its own keys', () => {
    const ds = loadScenarioText(
      'deployment: {kind: DaemonSet, updateStrategy: {rollingUpdate: {maxSurge: 10%, maxUnavailable: 0}}}\n',
      { file: 'f.yaml' },
    ).deployment;
    expect(ds.kind).toBe('DaemonSet');
    expect(ds.updateStrategy.rollingUpdate.maxSurge).toEqual({ kind: 'percent', value: 10 });
    const ss = loadScenarioText(
      'deployment: {kind: StatefulSet, replicas: 3, podManagementPolicy: Parallel, updateStrategy: {type: OnDelete, rollingUpdate: {partition: 2}}}\n',
      { file: 'f.yaml' },
    ).deployment;
    expect([ss.kind, ss.replicas, ss.podManagementPolicy, ss.updateStrategy.type]).toEqual([
      'StatefulSet',
      3,
      'Parallel',
      'OnDelete',
    ]);
    expect(ss.updateStrategy.rollingUpdate.partition).toBe(2);
  });

  it('rejects a bad kind and keys that do not apply to the kind, naming the path', () => {
    expect(problems('deployment: {kind: ReplicaSet}\n')).toEqual([
      'f.yaml: deployment.kind: expected one of `Deployment`, `DaemonSet`, `StatefulSet`, got `ReplicaSet`',
    ]);
    expect(problems('deployment: {kind: DaemonSet, replicas: 3}\n')).toEqual([
      'f.yaml: deployment.replicas: expected no `replicas` for kind DaemonSet (a DaemonSet runs one pod per schedulable node (cluster.nodes)), got `3`',
    ]);
    expect(problems('deployment: {kind: DaemonSet, maxSurge: 1}\n')[0]).toMatch(
      /^f\.yaml: deployment\.maxSurge: expected no `maxSurge` for kind DaemonSet \(a DaemonSet has deployment\.updateStrategy\.rollingUpdate\.maxSurge/,
    );
    expect(problems('deployment: {podManagementPolicy: Parallel}\n')[0]).toMatch(
      /^f\.yaml: deployment\.podManagementPolicy: expected no `podManagementPolicy` for kind Deployment/,
    );
    expect(problems('deployment: {updateStrategy: {type: OnDelete}}\n')[0]).toMatch(
      /^f\.yaml: deployment\.updateStrategy: expected no `updateStrategy` for kind Deployment/,
    );
    expect(
      problems('deployment: {kind: StatefulSet, updateStrategy: {rollingUpdate: {maxSurge: 1}}}\n'),
    ).toEqual([
      'f.yaml: deployment.updateStrategy.rollingUpdate.maxSurge: expected no `maxSurge` for kind StatefulSet (a StatefulSet never surges (apps/v1 RollingUpdateStatefulSetStrategy)), got `1`',
    ]);
    expect(
      problems('deployment: {kind: DaemonSet, updateStrategy: {rollingUpdate: {partition: 1}}}\n'),
    ).toEqual([
      'f.yaml: deployment.updateStrategy.rollingUpdate.partition: expected no `partition` for kind DaemonSet (only a StatefulSet has a partition), got `1`',
    ]);
    expect(
      problems(
        'deployment: {kind: DaemonSet, updateStrategy: {rollingUpdate: {maxUnavailable: 0%}}}\n',
      ),
    ).toEqual([
      'f.yaml: deployment.updateStrategy.rollingUpdate.maxUnavailable: expected a value > 0 when maxSurge is 0, got `0`',
    ]);
    expect(
      problems(
        'deployment: {kind: StatefulSet, updateStrategy: {rollingUpdate: {partition: -1}}}\n',
      ),
    ).toEqual([
      'f.yaml: deployment.updateStrategy.rollingUpdate.partition: expected an integer >= 0, got `-1`',
    ]);
  });

  it('refuses scale for a DaemonSet and bounds fault ordinals by its nodes', () => {
    expect(
      problems('deployment: {kind: DaemonSet}\nchurn: [{type: scale, at: 1s, replicas: 4}]\n'),
    ).toEqual([
      'f.yaml: churn[0].type: expected no `scale` for a DaemonSet (deployment.kind: it runs one pod per schedulable node, cluster.nodes), got `scale`',
    ]);
    expect(
      problems(
        'cluster: {nodes: 2}\ndeployment: {kind: DaemonSet}\nfaults: [{type: slow, pods: {ordinals: [2]}, factor: 2}]\n',
      ),
    ).toEqual([
      "f.yaml: faults[0].pods.ordinals[0]: expected an ordinal < 2 (a DaemonSet's initial pods: one per node, cluster.nodes), got `2`",
    ]);
  });
});

describe('workload kinds end to end', () => {
  it('a StatefulSet rollout shows in pods.csv and events.csv under stable names', () => {
    const rows = run(`
name: k
duration: 60s
warmup: 5s
deployment: {kind: StatefulSet, replicas: 3, pod: {concurrency: 4}}
workload: {arrivals: {rate: 100}}
churn: [{type: rollout, at: 20s}]
balancers: [iptables]
`);
    // pods.csv: pod, node, ip, revision, ... after the job key columns.
    const pods = (rows.pods ?? []).map((r) => r.slice(-9));
    expect(pods.map((r) => `${r[0]}@${r[3]}`)).toEqual([
      'app-0@1',
      'app-1@1',
      'app-2@1',
      'app-2@2',
      'app-1@2',
      'app-0@2',
    ]);
    const events = (rows.events ?? []).map((r) => r.slice(-5));
    const terminating = events.filter((e) => e[1] === 'terminating').map((e) => e[2]);
    expect(terminating).toEqual(['app-2', 'app-1', 'app-0']);
    expect(events.some((e) => e[1] === 'rollout-complete')).toBe(true);
  });

  it('a DaemonSet runs one pod per node and its capacity counts the nodes', () => {
    const rows = run(`
name: k
duration: 30s
warmup: 5s
cluster: {nodes: 4}
deployment: {kind: DaemonSet}
workload: {arrivals: {rate: 100}}
balancers: [iptables]
`);
    const pods = (rows.pods ?? []).map((r) => r.slice(-9));
    expect(pods.map((r) => r[1])).toEqual([0, 1, 2, 3]);
    const config = loadScenarioText(
      'cluster: {nodes: 4}\ndeployment: {kind: DaemonSet}\nworkload: {arrivals: {rate: 100}}\n',
    ).variants[0]?.scenario as ScenarioConfig;
    // 4 pods x 1 worker / 10 ms.
    expect(offeredLoad(config).capacityRps).toBeCloseTo(400, 9);
  });
});
