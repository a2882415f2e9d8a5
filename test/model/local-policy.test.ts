import { describe, expect, it } from 'vitest';
import { ErrorCause, ErrorKind } from '../../src/dataplane/types.js';
import { build } from './helpers.js';

/**
 * trafficPolicy Local falls back to the node's serving-terminating endpoints when it has no
 * ready local one, independently of the other nodes (kubernetes pkg/proxy/topology.go
 * CategorizeEndpoints: "Usable endpoints means Ready endpoints by default, but will fall back
 * to Serving-Terminating endpoints (independently for Cluster and Local)"). This is KEP-1669's
 * point: a node whose only local pod is terminating keeps sending to it while it still serves,
 * rather than dropping every new connection.
 */
describe('internalTrafficPolicy Local', () => {
  it('a node whose only local pod is terminating (preStop) keeps using it', () => {
    // Two nodes, one pod each. At 10 s the pod on node 0 or 1 is deleted gracefully: a 20 s
    // preStop keeps it listening and Ready (serving) while its endpoint is terminating; its
    // replacement needs 30 s to start. Every client on that node must still be served through
    // the preStop window, so no connection is dropped (connect_timeout / no_endpoints) before
    // SIGTERM at 30 s.
    const { model } = build(`
duration: 29s
cluster: {nodes: 2}
deployment:
  replicas: 2
  pod:
    concurrency: 4
    serviceTime: 1ms
    startup: 30s
    preStop: {sleep: 20s}
service: {internalTrafficPolicy: Local}
workload:
  arrivals: {process: poisson, rate: 200}
  connections: per-request
  timeouts: {connect: 1s}
churn:
  - {type: kill, at: 10s, graceful: true}
propagation:
  watchDelay: 10ms
balancers: [iptables]
`);
    const { sim, path } = model;
    sim.run(29);
    path.checkConservation();
    // Before the fix: the node's local table was the local part of the cluster-wide (ready)
    // table, empty for 19 s, and about half the clients' connections were dropped (~1900).
    expect(path.ledger.finalErrorCount(ErrorKind.connect_timeout, ErrorCause.no_endpoints)).toBe(0);
    expect(path.counts().failed).toBe(0);
  });
});
