/**
 * envoy-rr, envoy-least-request (as a gateway) and linkerd-ewma end to end: from a scenario
 * file through the CLI's worker pool (built dist/), beside iptables on the same seed, through a
 * rollout and a pod that answers 503. Checks that they run with their options, that Istio's
 * default retries hide the 503s and the rollout's stale endpoints, that -j 1 and -j 2 give
 * byte-identical CSVs, and that every balancer sees the same arrivals, churn and faults
 * (common random numbers).
 */
import * as fs from 'node:fs';
import * as path from 'node:path';
import { describe, expect, it } from 'vitest';
import { rowsOf, scenarioRunner } from './wired-run.js';

const SCENARIO = `
name: mesh-wired
duration: 40s
warmup: 5s
seed: 13
replications: 1
output: {window: 2s}
cluster: {nodes: 3}
deployment:
  replicas: 6
  pod:
    concurrency: 2
    serviceTime: {distribution: exponential, mean: 10ms}
workload:
  clients: {count: 12}
  arrivals: {process: poisson, rate: 300}
  connections: keepalive
churn:
  - {type: rollout, at: 15s}
faults:
  - {type: errors, pods: {count: 1}, at: 5s, for: 8s, probability: 0.5, status: 503}
propagation:
  watchDelay: {distribution: exponential, mean: 100ms}
balancers:
  - iptables
  - envoy-rr
  - {name: envoy-least-request, placement: gateway, node: 1, concurrency: 4, outlierDetection: {}}
  - {name: linkerd-ewma, sidecarLatency: {distribution: lognormal, median: 0.3ms, p99: 1ms}}
`;

const run = scenarioRunner('mesh-wired', SCENARIO);
const rows = rowsOf;

const MESH = ['envoy-rr', 'envoy-least-request', 'linkerd-ewma'];

describe('mesh balancers wired from a scenario', () => {
  let one = '';
  it('runs Envoy (sidecar and gateway) and Linkerd beside iptables', async () => {
    one = await run(1);
    const summary = fs.readFileSync(path.join(one, 'summary.csv'), 'utf8');
    const header = summary.split('\n')[0]?.split(',') ?? [];
    const col = (r: string[], name: string) => Number(r[header.indexOf(name)]);
    const rate = new Map<string, number>();
    for (const b of ['iptables', ...MESH]) {
      const [r] = rows(summary, b);
      expect(r, b).toBeDefined();
      expect(col(r as string[], 'requests'), b).toBeGreaterThan(9000);
      rate.set(b, col(r as string[], 'error_rate'));
    }
    // Half of one pod's answers are 503 for 8 s: iptables and Linkerd (no retries) pass them
    // on; Istio's default policy retries 503 on another host.
    expect(rate.get('iptables')).toBeGreaterThan(0.005);
    expect(rate.get('linkerd-ewma')).toBeGreaterThan(0.001);
    expect(rate.get('envoy-rr')).toBeLessThan(2e-3);
    expect(rate.get('envoy-least-request')).toBeLessThan(2e-3);
    const ts = fs.readFileSync(path.join(one, 'timeseries.csv'), 'utf8');
    const th = ts.split('\n')[0]?.split(',') ?? [];
    expect(th.slice(-2)).toEqual(['ejected_hosts', 'ewma_spread_ms']);
    const spread = rows(ts, 'linkerd-ewma').map((r) => Number(r[th.indexOf('ewma_spread_ms')]));
    expect(spread.some((v) => v > 0)).toBe(true);
    for (const r of rows(ts, 'iptables')) {
      expect(r.slice(-2)).toEqual(['0', '0']);
    }
  }, 180_000);

  it('-j 1 and -j 2 give byte-identical CSVs', async () => {
    const two = await run(2);
    for (const f of fs.readdirSync(one).filter((n) => n.endsWith('.csv'))) {
      expect(fs.readFileSync(path.join(two, f), 'utf8'), f).toBe(
        fs.readFileSync(path.join(one, f), 'utf8'),
      );
    }
  }, 180_000);

  it('every balancer sees the same arrivals, churn and faults', () => {
    const run = JSON.parse(fs.readFileSync(path.join(one, 'run.json'), 'utf8')) as {
      jobs: { balancer: string; summary: { arrivals: number } }[];
    };
    const arrivals = run.jobs.map((j) => j.summary.arrivals);
    expect(run.jobs.map((j) => j.balancer).sort()).toEqual(['iptables', ...MESH].sort());
    expect(arrivals[0]).toBeGreaterThan(10_000);
    expect(new Set(arrivals).size).toBe(1);
    const events = fs.readFileSync(path.join(one, 'events.csv'), 'utf8');
    const eh = events.split('\n')[0]?.split(',') ?? [];
    const ev = eh.indexOf('event');
    const same = (b: string) =>
      rows(events, b)
        .filter(
          (r) =>
            ['rollout-started', 'pod-created', 'container-started', 'ready', 'sigterm'].includes(
              r[ev] as string,
            ) || (r[ev] as string).startsWith('fault'),
        )
        .map((r) => r.slice(eh.indexOf('time_s')).join(','));
    const base = same('iptables');
    expect(base.length).toBeGreaterThan(12);
    expect(base.some((r) => r.includes('fault'))).toBe(true);
    for (const b of MESH) expect(same(b), b).toEqual(base);
  });
});
