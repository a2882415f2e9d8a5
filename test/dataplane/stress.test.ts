import { describe, expect, it } from 'vitest';
import { RandomSource } from '../../src/engine/index.js';
import { PoissonArrivals } from '../../src/workload/arrivals.js';
import { WorkloadDriver, workloadStreams } from '../../src/workload/driver.js';
import { clientsOnNodes, exponential, harness, podIp, watchConservation } from './fakes.js';

/**
 * Random churn against every connection mode, with retries and timeouts on: conservation at
 * many instants, and no leak once the load stops (every try record freed, every connection the
 * balancers saw opened is closed or still open in a pool, never negative).
 */
describe('request path under random churn', () => {
  const modes = ['per-request', 'keepalive', 'http2'] as const;
  for (const mode of modes) {
    for (const nginx of [false, true]) {
      it(`${mode}${nginx ? ' via nginx' : ''}: conservation and no leaks`, () => {
        const nodes = 3;
        const h = harness({
          nodes,
          seed: 11,
          clients: clientsOnNodes(2, nodes),
          ...(nginx ? { nginx: { node: 0, readTimeout: 3, connectTimeout: 2 } } : {}),
          path: {
            network: { rtt: 0.001, crossNodeRtt: 0.002 },
            connections: {
              mode,
              poolSize: 2,
              maxConcurrentStreams: 4,
              idleTimeout: 5,
              maxRequestsPerConnection: 50,
            },
            timeouts: { connect: 2, request: 4 },
            retries: {
              count: 2,
              on: ['refused', 'connect_timeout', 'reset', 'no_endpoints', 'http_503', 'http_502'],
            },
          },
          pod: { concurrency: 2, queueLimit: 20 },
        });
        const rs = new RandomSource(99);
        const churn = rs.stream('churn');
        let nextIp = 1;
        const live: number[] = [];
        for (let i = 0; i < 6; i++) live.push(h.cluster.addPod(i % nodes, podIp(nextIp++)));
        const reprogram = () => h.program(live.filter((p) => h.cluster.pods[p]?.listening));
        reprogram();
        const d = new WorkloadDriver(
          h.sim,
          {
            arrivals: { process: 'open', arrivals: new PoissonArrivals(300) },
            serviceTime: exponential(0.01),
            clientCount: 6,
          },
          workloadStreams(rs),
          h.path,
        );
        h.path.setListener(d);
        const act = h.sim.register('churn', () => {
          const u = churn.next();
          const i = Math.floor(churn.next() * live.length);
          const p = live[i] as number;
          if (h.cluster.pods[p]?.node === 2 && !h.cluster.nodeUp[2]) {
            live[i] = h.cluster.addPod(Math.floor(churn.next() * 2), podIp(nextIp++)); // evicted
          } else if (u < 0.3) {
            h.cluster.remove(p); // replaced: new pod, new IP; tables learn later
            live[i] = h.cluster.addPod(
              Math.floor(churn.next() * (h.cluster.nodeUp[2] ? nodes : 2)),
              podIp(nextIp++),
            );
          } else if (u < 0.5) {
            h.cluster.kill(p); // crash, restart in place after a while
            h.sim.schedule(0.5, restart, p);
          } else if (u < 0.7) {
            if (h.cluster.pods[p]?.listening) h.cluster.closeListener(p);
          } else reprogram();
          if (h.sim.now < 40) h.sim.schedule(churn.next() * 0.5, act, 0);
        });
        const restart = h.sim.register('restart', (p) => {
          const pod = h.cluster.pods[p];
          if (pod?.exists && !pod.listening) h.cluster.listen(p);
        });
        h.sim.schedule(0.3, act, 0);
        // Node 2 dies at t = 20 with its pods (silently: no RST from them).
        h.after(20, 'node-down', () => {
          h.cluster.nodeUp[2] = false;
          h.path.nodeFailed(2);
          for (let p = 0; p < h.cluster.pods.length; p++) {
            if (h.cluster.pods[p]?.node === 2 && h.cluster.pods[p]?.exists) h.cluster.kill(p);
          }
        });
        watchConservation(h, 0.0731, 60);
        h.sim.run(60); // load continues; stop it by failing every client node afterwards
        const c = h.path.counts();
        // Nginx never learns replaced pods: its static list dies off during the churn.
        expect(c.completed).toBeGreaterThan(nginx ? 1000 : 5000);
        expect(c.failed).toBeGreaterThan(0);
        expect(c.attemptsFailed).toBeGreaterThan(0);
        for (let n = 0; n < nodes; n++) h.path.nodeFailed(n);
        h.sim.run(2000); // every hang (tcp_retries2 ~925 s) and orphan has ended
        h.path.checkConservation();
        expect(h.path.counts().inFlight).toBe(0);
        expect(h.path.tries.live).toBe(0);
        expect(h.path.conns.live).toBe(0);
        for (const b of h.balancers) for (const ip of b.opened.keys()) expect(b.active(ip)).toBe(0);
        for (const p of h.pickers) expect(p.open).toBe(0);
      });
    }
  }
});
