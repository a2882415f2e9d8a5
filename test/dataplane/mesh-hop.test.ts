/**
 * The mesh hop (src/dataplane/path/mesh-hop.ts) under Envoy and Linkerd, through the whole
 * wired model, with hand-derived values: the latency of a pooled vs a new upstream connection
 * and of the sidecar traversals, Istio's default retry of a 503, outlier ejection's start and
 * duration on consecutive 5xx (with the timeseries gauge), Linkerd's absence of retries, and the
 * state scope (one balancer per client sidecar, one for a gateway).
 */
import { describe, expect, it } from 'vitest';
import type { MeshHop } from '../../src/dataplane/path/mesh-hop.js';
import { TIMESERIES_COLUMNS } from '../../src/output/columns.js';
import { build } from '../model/helpers.js';

function scenario(balancer: string, extra = '', pods = 1, duration = 10): string {
  return `
duration: ${duration}s
seed: 5
output: {window: 1s}
network: {rtt: 2ms}
cluster: {nodes: 1}
deployment:
  replicas: ${pods}
  pod: {concurrency: 4, serviceTime: 10ms}
workload:
  clients: {count: 1}
  arrivals: {process: constant, rate: 10}
  connections: keepalive
${extra}
balancers:
  - ${balancer}
`;
}

function run(yaml: string, seconds: number) {
  const b = build(yaml);
  b.model.sim.run(seconds);
  b.model.recorder.finish();
  b.model.path.checkConservation();
  return { ...b, summary: b.model.recorder.summary() };
}

function hop(b: ReturnType<typeof run>): MeshHop {
  return (b.model.path as unknown as { hop: MeshHop }).hop;
}

describe('mesh hop latency (hand-derived)', () => {
  // One-way d = 1 ms, service S = 10 ms, traversal L per sidecar (client's and pod's).
  it('envoy sidecar: a new connection costs 4d, a pooled one 2d; two traversals per request', () => {
    const { summary } = run(
      scenario('{name: envoy-rr, concurrency: 1, sidecarLatency: 0.5ms, pushDelay: 0}'),
      10,
    );
    const n = summary.requests;
    expect(n).toBeGreaterThan(90);
    expect(summary.failed).toBe(0);
    // First request dials (SYN, SYN-ACK, request, response: 4d), the rest reuse it (2d).
    const expected = (0.002 + 0.01 + 0.001 + 0.002 / n) * 1000;
    expect(summary.latencyMean * 1000).toBeCloseTo(expected, 6);
  });

  it('linkerd: HTTP/2 between proxies, one connection reused by every request', () => {
    const { summary } = run(scenario('{name: linkerd-ewma, sidecarLatency: 1ms}'), 10);
    const n = summary.requests;
    const expected = (0.002 + 0.01 + 0.002 + 0.002 / n) * 1000;
    expect(summary.latencyMean * 1000).toBeCloseTo(expected, 6);
  });

  it('envoy gateway: the client -> gateway hop (2d) is added, one traversal is the gateway', () => {
    const { summary } = run(
      scenario('{name: envoy-rr, placement: gateway, concurrency: 1, sidecarLatency: 0}'),
      10,
    );
    const n = summary.requests;
    const expected = (0.004 + 0.01 + 0.002 / n) * 1000;
    expect(summary.latencyMean * 1000).toBeCloseTo(expected, 6);
  });
});

describe('mesh hop state scope', () => {
  it('one Envoy per client sidecar, one for a gateway', () => {
    const yaml = (b: string) =>
      scenario(b)
        .replace('clients: {count: 1}', 'clients: {count: 7}')
        .replace('replicas: 1', 'replicas: 3');
    const side = run(yaml('envoy-least-request'), 2);
    expect(hop(side).proxies).toBe(7);
    const gw = run(yaml('{name: envoy-least-request, placement: gateway}'), 2);
    expect(hop(gw).proxies).toBe(1);
    const l = run(yaml('linkerd-ewma'), 2);
    expect(hop(l).proxies).toBe(7);
  });

  it('sidecars need in-cluster clients; a gateway sits on a node of the cluster', () => {
    const ext = (b: string) =>
      scenario(b).replace('clients: {count: 1}', 'clients: {count: 1, location: external}');
    expect(() => build(ext('envoy-rr'))).toThrow(
      /balancers\[0\]\.placement: expected `gateway` with external clients/,
    );
    expect(() => build(ext('linkerd-ewma'))).toThrow(/balancers\[0\]\.placement/);
    expect(() => build(scenario('{name: envoy-rr, placement: gateway, node: 1}'))).toThrow(
      /balancers\[0\]\.node: expected a node index < 1 \(cluster.nodes\), got `1`/,
    );
    const gw = build(ext('{name: envoy-rr, placement: gateway}'));
    gw.model.sim.run(2);
    gw.model.path.checkConservation();
  });
});

describe('Istio default retries', () => {
  const faulty = `faults:
  - {type: errors, pods: {ordinals: [0]}, at: 0s, for: 100s, probability: 1, status: 503}`;
  it('a 503 is retried on another host (previous_hosts): the client sees none', () => {
    const r = run(scenario('{name: envoy-rr, concurrency: 1}', faulty, 4), 10);
    expect(r.summary.failed).toBe(0);
    // rr over 4 hosts with one worker, and the retry takes the next rr position too: the
    // requests go (0 -> 1), 2, 3, (0 -> 1), 2, 3 ...: one in three meets the faulty pod.
    expect(Math.abs(r.summary.attemptsFailed - r.summary.requests / 3)).toBeLessThanOrEqual(1);
  });

  it('retries.attempts 0: a quarter of the requests fail with 503', () => {
    const r = run(
      scenario('{name: envoy-rr, concurrency: 1, retries: {attempts: 0}}', faulty, 4),
      10,
    );
    expect(Math.abs(r.summary.failed - r.summary.requests / 4)).toBeLessThanOrEqual(1);
    expect(r.summary.attemptsFailed).toBe(0);
  });

  it('Linkerd retries nothing by default: P2C meets the faulty pod and the client sees it', () => {
    const r = run(scenario('linkerd-ewma', faulty, 4), 10);
    expect(r.summary.failed).toBeGreaterThan(0);
    expect(r.summary.attemptsFailed).toBe(0);
  });
});

describe('Envoy outlier detection from real outcomes', () => {
  it('5 consecutive 500s eject the host until the first sweep 30 s later; the gauge shows it', () => {
    // 10 hosts (maxEjectionPercent 10 allows one), one worker: rr sends host 0 every 10th
    // request, every second. 500 is not retried by Istio's default policy.
    const yaml = scenario(
      '{name: envoy-rr, concurrency: 1, outlierDetection: {}}',
      `faults:
  - {type: errors, pods: {ordinals: [0]}, at: 0s, for: 100s, probability: 1, status: 500}`,
      10,
      60,
    );
    const r = run(yaml, 60);
    // Five failures eject it at ~4.x s; it returns at the sweep at 40 s (the first >= 30 s
    // after), fails five more times and is ejected again (for 60 s: base x 2).
    expect(r.summary.failed).toBe(10);
    const cols = TIMESERIES_COLUMNS.slice(4);
    const ej = cols.indexOf('ejected_hosts');
    const series = (r.rows.timeseries ?? []).map((row) => row[ej] as number);
    expect(series.slice(5, 39).every((v) => v === 1)).toBe(true);
    expect(series[40]).toBe(0);
    expect(series.slice(46, 60).every((v) => v === 1)).toBe(true);
    const sp = cols.indexOf('ewma_spread_ms');
    expect((r.rows.timeseries ?? []).every((row) => row[sp] === 0)).toBe(true);
  });

  it('without a DestinationRule (no outlierDetection) nothing is ejected', () => {
    const yaml = scenario(
      '{name: envoy-rr, concurrency: 1}',
      `faults:
  - {type: errors, pods: {ordinals: [0]}, at: 0s, for: 100s, probability: 1, status: 500}`,
      10,
      20,
    );
    const r = run(yaml, 20);
    expect(Math.abs(r.summary.failed - r.summary.requests / 10)).toBeLessThanOrEqual(1);
  });
});

describe('EWMA spread gauge', () => {
  it('linkerd-ewma reports a positive spread once endpoints are measured', () => {
    const yaml = scenario('linkerd-ewma', '', 3, 5);
    const r = run(yaml, 5);
    const cols = TIMESERIES_COLUMNS.slice(4);
    const sp = cols.indexOf('ewma_spread_ms');
    const series = (r.rows.timeseries ?? []).map((row) => row[sp] as number);
    expect(series.length).toBe(5);
    expect(series.some((v) => v > 0)).toBe(true);
  });
});
