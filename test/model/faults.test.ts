/**
 * Faults and bad releases through the whole wired model: what clients see, and that every
 * balancer of a comparison meets the same faults on the same pods.
 */
import { describe, expect, it } from 'vitest';
import { ErrorCause, ErrorKind } from '../../src/dataplane/types.js';
import { loadScenarioText } from '../../src/scenario/load.js';
import { build } from './helpers.js';

const base = (extra: string, balancers = '[iptables]') => `
name: f
duration: 40s
cluster: {nodes: 2}
deployment: {replicas: 4, pod: {concurrency: 8, serviceTime: {distribution: constant, value: 5ms}}}
workload:
  arrivals: {process: constant, rate: 100}
  timeouts: {request: 2s}
balancers: ${balancers}
${extra}
`;

function run(yaml: string, balancer = 0, until = 40) {
  const b = build(yaml, balancer);
  b.model.sim.run(until);
  b.model.recorder.finish();
  return b;
}

const faultLog = (rows: Record<string, unknown[][]>) =>
  (rows.events ?? []).filter((r) => String(r[1]).startsWith('fault-')).map((r) => r.join(' '));

describe('errors fault', () => {
  it('every request a pod serves in the window ends with its status after the service time', () => {
    const { model } = run(
      base(
        'faults: [{type: errors, pods: {ordinals: [0, 1, 2, 3]}, probability: 100%, status: 500, at: 10s, for: 5s}]',
      ),
    );
    const e = model.path.ledger.finalErrorCount(ErrorKind.http_500, ErrorCause.fault_errors);
    // Constant arrivals, 100/s: the requests that reach a pod during [10 s, 15 s) (the
    // service time is 5 ms; the status is decided when the response leaves, after it).
    expect(e).toBeGreaterThanOrEqual(499);
    expect(e).toBeLessThanOrEqual(501);
    expect(model.path.ledger.finalErrorCount(ErrorKind.http_500)).toBe(e);
    model.path.checkConservation();
  });

  it('a share of requests: 40% of a pod`s answers, within binomial noise', () => {
    const { model } = run(
      base(
        'faults: [{type: errors, pods: {ordinals: [0, 1, 2, 3]}, probability: 40%, status: 503}]',
      ),
    );
    const n = model.recorder.summary().requests;
    const e = model.path.ledger.finalErrorCount(ErrorKind.http_503, ErrorCause.fault_errors);
    const sd = Math.sqrt(n * 0.4 * 0.6);
    expect(Math.abs(e - 0.4 * n)).toBeLessThan(4 * sd);
  });

  it('deployment.pod.errors is the pods` own error rate (cause app_error)', () => {
    const yaml = base('').replace(
      'serviceTime: {distribution: constant, value: 5ms}',
      'serviceTime: {distribution: constant, value: 5ms}, errors: {probability: 10%, status: 502}',
    );
    const { model } = run(yaml);
    const n = model.recorder.summary().requests;
    const e = model.path.ledger.finalErrorCount(ErrorKind.http_502, ErrorCause.app_error);
    expect(Math.abs(e - 0.1 * n)).toBeLessThan(4 * Math.sqrt(n * 0.1 * 0.9));
  });
});

describe('slow fault', () => {
  it('factor multiplies the service time of the pods it holds, only in its window', () => {
    const { model } = run(
      base('faults: [{type: slow, pods: {ordinals: [0, 1, 2, 3]}, at: 10s, for: 10s, factor: 10}]'),
    );
    const s = model.recorder.summary();
    // 10 s of 40 at 50 ms, 30 s at 5 ms (plus the network): the mean is between.
    expect(s.latencyMax * 1e3).toBeGreaterThan(50);
    expect(s.latencyMax * 1e3).toBeLessThan(60);
  });

  it('serviceTime replaces the distribution; a client that gives up counts fault_slow', () => {
    const { model } = run(
      base(
        'faults: [{type: slow, pods: {ordinals: [0]}, at: 10s, for: 5s, serviceTime: {distribution: constant, value: 3s}}]',
      ),
    );
    expect(
      model.path.ledger.finalErrorCount(ErrorKind.client_timeout, ErrorCause.fault_slow),
    ).toBeGreaterThan(50);
  });
});

describe('blackhole and refuse', () => {
  it('a blackholed pod accepts and never answers: clients time out (fault_blackhole)', () => {
    const { model } = run(
      base('faults: [{type: blackhole, pods: {ordinals: [0]}, at: 10s, for: 5s}]'),
    );
    const t = model.path.ledger.finalErrorCount(
      ErrorKind.client_timeout,
      ErrorCause.fault_blackhole,
    );
    // About a quarter of 500 requests in the window go to pod 0.
    expect(t).toBeGreaterThan(80);
    expect(t).toBeLessThan(170);
  });

  it('a refusing pod stays Ready and answers RST to new connections', () => {
    const { model } = run(
      base('faults: [{type: refuse, pods: {ordinals: [0]}, at: 10s, for: 5s}]'),
    );
    const refused = model.path.ledger.finalErrorCount(ErrorKind.refused);
    expect(refused).toBeGreaterThan(80);
    expect(refused).toBeLessThan(170);
    // errors.csv names the fault: every refusal in this run is the fault's.
    expect(model.path.ledger.finalErrorCount(ErrorKind.refused, ErrorCause.fault_refuse)).toBe(
      refused,
    );
    expect(model.cluster.pod(0).probeReady).toBe(true);
  });

  it("a proxy's upstream connection refused by the fault names it too (nginx: attempt, then next upstream)", () => {
    const { model } = run(
      base(
        'faults: [{type: refuse, pods: {ordinals: [0]}, at: 10s, for: 5s}]',
        '[{name: nginx-static, maxFails: 0}]',
      ),
    );
    const l = model.path.ledger;
    const tried = l.attemptErrorCount(ErrorKind.refused);
    expect(tried).toBeGreaterThan(80);
    expect(l.attemptErrorCount(ErrorKind.refused, ErrorCause.fault_refuse)).toBe(tried);
    // proxy_next_upstream error: each refused try went on to another pod.
    expect(model.recorder.summary().failed).toBe(0);
  });
});

describe('kube-proxy-restart', () => {
  it('without flush the old rules keep working: no error, one extra full sync per restart', () => {
    const { model } = run(
      base('faults: [{type: kube-proxy-restart, nodes: {ordinals: [0, 1]}, at: 10s, for: 2s}]'),
    );
    expect(model.recorder.summary().failed).toBe(0);
    expect(model.kubeProxy.isDown(0)).toBe(false);
  });

  it('flush (kube-proxy < 1.14): the node has no endpoint until its first sync after the restart', () => {
    const b = build(
      base(
        'faults: [{type: kube-proxy-restart, nodes: {ordinals: [0]}, at: 10s, for: 2s, flush: true}]',
      ),
    );
    b.model.sim.run(10 + 1e-9);
    expect(b.model.kubeProxy.table(0)?.size).toBe(0);
    expect(b.model.kubeProxy.table(1)?.size).toBe(4);
    expect(b.model.kubeProxy.isDown(0)).toBe(true);
    b.model.sim.run(13);
    expect(b.model.kubeProxy.isDown(0)).toBe(false);
    expect(b.model.kubeProxy.table(0)?.size).toBe(4);
    expect(b.model.path.ledger.finalErrorCount(ErrorKind.no_endpoints)).toBeGreaterThan(50);
  });
});

describe('the same faults on the same pods for every balancer', () => {
  it('fault logs of iptables and nginx-static are identical for a seed', () => {
    const yaml = base(
      `faults:
  - {type: slow, pods: {count: 1}, at: 5s, for: 10s, factor: 5}
  - {type: errors, pods: {fraction: 50%}, probability: 20%, at: 8s}
  - {type: blackhole, pods: {count: 1}, at: 20s, for: 3s}`,
      '[iptables, nginx-static]',
    );
    const a = run(yaml, 0);
    const b = run(yaml, 1);
    expect(faultLog(a.rows).length).toBeGreaterThanOrEqual(6);
    expect(faultLog(b.rows)).toEqual(faultLog(a.rows));
  });
});

describe('bad release: a rollout with a template', () => {
  it('new pods (template 1: pods.csv version 2) answer as the template says, old ones as before', () => {
    const yaml = base(
      'churn: [{type: rollout, at: 10s, template: {errors: {probability: 100%}}}]',
    ).replace('duration: 40s', 'duration: 60s');
    const { model } = run(yaml, 0, 60);
    const pods = model.cluster.pods;
    expect(pods.filter((p) => p.template === 1).length).toBe(4);
    expect(pods.filter((p) => p.revision === 1).every((p) => p.template === 0)).toBe(true);
    // Old pods served without error; the new ones answer 500 to everything.
    const e = model.path.ledger.finalErrorCount(ErrorKind.http_500, ErrorCause.app_error);
    expect(e).toBeGreaterThan(3000);
    expect(model.recorder.summary().completed).toBeGreaterThan(500);
  });

  it('template keys merge over deployment.pod (nested mappings key by key)', () => {
    const s = loadScenarioText(
      base(
        'churn: [{type: rollout, at: 10s, template: {errors: {probability: 5%}, readinessProbe: {periodSeconds: 2}}}]',
      ),
    );
    const c = s.churn[0];
    if (c?.type !== 'rollout' || c.template === undefined) throw new Error('no template');
    expect(c.template.errors).toEqual({ probability: 0.05, status: 500 });
    expect(c.template.readinessProbe.periodSeconds).toBe(2);
    expect(c.template.readinessProbe.failureThreshold).toBe(3);
    expect(c.template.concurrency).toBe(8);
    expect(c.template.serviceTime).toEqual({ distribution: 'constant', value: 0.005 });
  });
});

describe('faults: schema errors name the path', () => {
  const err = (faults: string) => {
    try {
      loadScenarioText(base(`faults: ${faults}`));
    } catch (e) {
      return String((e as Error).message);
    }
    return 'no error';
  };
  it.each([
    ['[{type: slow, pods: {count: 1}}]', 'faults[0].factor: expected exactly one of `serviceTime`'],
    [
      '[{type: slow, pods: {count: 1, node: 0}, factor: 2}]',
      'faults[0].pods: expected exactly one of',
    ],
    [
      '[{type: errors, pods: {ordinals: [7]}, probability: 5%}]',
      'faults[0].pods.ordinals[0]: expected an ordinal < 4',
    ],
    ['[{type: errors, pods: {count: 1}, probability: 5%, status: 200}]', 'faults[0].status'],
    ['[{type: blackhole, pods: {count: 1}, at: 99s}]', 'faults[0].at: expected a time <= duration'],
    [
      '[{type: kube-proxy-restart, nodes: {ordinals: [2]}}]',
      'faults[0].nodes.ordinals[0]: expected a node index < 2',
    ],
    ['[{type: refuse, pod: {count: 1}}]', 'faults[0]'],
  ])('%s', (faults, message) => {
    expect(err(faults)).toContain(message);
  });
});
