import { describe, expect, it } from 'vitest';
import { build } from './helpers.js';

/**
 * HTTP/2 GOAWAY: when the server starts shutting down it stops taking new streams on its
 * connections; the client dials a new connection at once for new requests while the old
 * connection finishes its streams (golang.org/x/net/http2: a ClientConn that cannot take new
 * requests is skipped by the pool). The draining connection must not hold the client's new
 * requests back until its last stream ends.
 */
describe('http2 GOAWAY', () => {
  it('new requests do not wait for the draining connection to finish its streams', () => {
    // One client, one pod, 2 s requests every 0.1 s on one HTTP/2 connection. A rollout at
    // 5 s: the new pod is Ready ~0.5 s later, the old one is deleted then, its preStop (1 s)
    // lets every node drop it before SIGTERM closes its listener and sends GOAWAY; about 20
    // streams are still in flight on the old connection for up to 2 s.
    const { model } = build(`
duration: 15s
cluster: {nodes: 1}
deployment:
  replicas: 1
  maxSurge: 1
  maxUnavailable: 0
  pod: {concurrency: 100, serviceTime: 2s, startup: 0.5s, preStop: {sleep: 1s}}
workload:
  arrivals: {process: constant, rate: 10}
  connections: http2
  clients: {count: 1}
churn:
  - {type: rollout, at: 5s}
balancers: [iptables]
`);
    const { sim, path, recorder } = model;
    let worst = 0;
    const completed = recorder.completed.bind(recorder);
    recorder.completed = (now: number, arrivedAt: number, pod: number) => {
      worst = Math.max(worst, now - arrivedAt);
      completed(now, arrivedAt, pod);
    };
    sim.run(15);
    path.checkConservation();
    expect(path.counts().failed).toBe(0);
    // Latency = 2 s service + a new connection's handshake (rtt 0.2 ms default) at most.
    // Before the fix the requests sent after GOAWAY waited for the old connection to close:
    // up to 3.9 s.
    expect(worst).toBeLessThan(2.01);
  });
});
