/**
 * Issue 11: at a steady start every node's IPVS rr pointer sat at the head of an identically
 * ordered list, so the nodes rotated in lockstep. A Service that has served for long has each
 * node's pointer anywhere: drawn per node (`start: steady`, the default); `start: fresh` keeps
 * the kernel's initial state (a Service just created).
 */
import { describe, expect, it } from 'vitest';
import type { IpvsBalancer } from '../../src/dataplane/balancers/ipvs.js';
import { build } from './helpers.js';

const scenario = (balancer: string, initialState = 'steady') => `
name: steady
duration: 10s
cluster: {nodes: 8, initialState: ${initialState}}
deployment: {replicas: 4, pod: {serviceTime: 1ms}}
workload: {arrivals: {process: poisson, rate: 10}}
balancers: [${balancer}]
`;

/** The pod IP each node's balancer would pick next (the first pick of the run). */
function nextPicks(yaml: string): number[] {
  const { model } = build(yaml);
  const balancers = (model.path.connections as unknown as { balancers: IpvsBalancer[] }).balancers;
  return balancers.map((b, node) => {
    const t = model.kubeProxy.table(node);
    if (t === undefined) throw new Error(`node ${node}: no table`);
    return t.ips[b.pick(t, 0)] as number;
  });
}

describe('IPVS rr/wrr position at a steady start', () => {
  it('start: fresh: every node begins at the head of the same list (lockstep)', () => {
    for (const name of ['ipvs-rr', 'ipvs-wrr']) {
      expect(new Set(nextPicks(scenario(`{name: ${name}, start: fresh}`))).size).toBe(1);
    }
  });

  it('start: steady (default): each node`s position is drawn, so the nodes begin on different pods', () => {
    for (const name of ['ipvs-rr', 'ipvs-wrr']) {
      const picks = nextPicks(scenario(name));
      // 8 nodes, 4 pods: all on one pod has probability 4^-7 for a uniform draw.
      expect(new Set(picks).size).toBeGreaterThan(1);
      // The same draws for both schedulers (common random numbers).
      expect(picks).toEqual(nextPicks(scenario(name === 'ipvs-rr' ? 'ipvs-wrr' : 'ipvs-rr')));
    }
  });
});
