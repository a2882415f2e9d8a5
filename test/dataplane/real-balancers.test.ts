import { describe, expect, it } from 'vitest';
import { BALANCERS } from '../../src/dataplane/balancers/registry.js';
import { ProgrammedTable } from '../../src/dataplane/endpoint-table.js';
import type { NginxDeps } from '../../src/dataplane/path/proxy-hop.js';
import { RequestPath } from '../../src/dataplane/path/request-path.js';
import { resolveRequestPathOptions } from '../../src/dataplane/path-options.js';
import { resolvePodServerOptions } from '../../src/dataplane/pod-server.js';
import type { L4Balancer } from '../../src/dataplane/types.js';
import { RandomSource, Simulation } from '../../src/engine/index.js';
import { PoissonArrivals } from '../../src/workload/arrivals.js';
import { placeClients } from '../../src/workload/clients.js';
import { WorkloadDriver, workloadStreams } from '../../src/workload/driver.js';
import { exponential, FakeCluster, FakeTables, podIp, Recorder } from './fakes.js';

/**
 * Wiring check with the registry's real balancers (the lead's wiring in miniature): every
 * balancer carries a small steady load through the request path with keep-alive pools, one pod
 * is killed and replaced mid-run, and conservation holds. Load is light (rho 0.3 per pod).
 */
describe('request path with the registered balancers', () => {
  // L7 families with a discovery path of their own need the control plane: they run from a
  // scenario in test/dataplane/ingress-nginx-wired.test.ts.
  for (const d of BALANCERS.filter((b) => b.kind !== 'l7')) {
    it(`${d.name}`, () => {
      const nodes = 2;
      const sim = new Simulation();
      const rs = new RandomSource(5);
      const cluster = new FakeCluster(nodes);
      const rec = new Recorder();
      // Nginx's own connect timeout short as the clients' (below): a request whose upstream try
      // dials the removed pod's IP fails over after 1 s, not after the default 60 s (which
      // outlasts the run when no in-flight request was reset at the removal to mark it down).
      const options = d.options.parse(
        d.name === 'nginx-static' ? { connectTimeout: '1s' } : {},
      ) as never;
      let balancers: L4Balancer[] | undefined;
      if (d.kind === 'l4') {
        balancers = [];
        for (let n = 0; n < nodes; n++) {
          balancers.push(d.create({ sim, rng: rs.stream(`balancer:${n}`), node: n }, options));
        }
      }
      const tables = new FakeTables();
      const path = new RequestPath({
        sim,
        truth: cluster,
        recorder: rec,
        drain: { podDrained() {} },
        nodeCount: nodes,
        clients: placeClients({ count: 4, location: 'in-cluster', placement: 'even' }, nodes),
        stream: (n) => rs.stream(n),
        keyedStream: (n) => rs.keyedStream(n),
        // A short connect timeout: a pool slot stuck dialing the dead IP stalls its client only 1 s.
        options: resolveRequestPathOptions({
          connections: { mode: 'keepalive', maxRequestsPerConnection: 20 },
          timeouts: { connect: 1 },
        }),
        pod: resolvePodServerOptions({ concurrency: 1 }),
        ...(d.kind === 'l4'
          ? { balancers: balancers as L4Balancer[], tables }
          : {
              hop: {
                name: 'nginx',
                config: {
                  options,
                  createPicker: (ips, o, rng) => d.createPicker(ips, o, rng),
                  upstreamIps: () =>
                    Uint32Array.from(cluster.pods.filter((p) => p.exists).map((p) => p.ip)),
                } satisfies NginxDeps,
              },
            }),
      });
      cluster.path = path;
      tables.path = path;
      const pods = [1, 2, 3, 4].map((i) => cluster.addPod(i % nodes, podIp(i)));
      const program = (ps: number[]) => {
        const eps = ps.map((p) => ({ ip: cluster.pods[p]?.ip as number, node: cluster.nodeOf(p) }));
        for (let n = 0; n < nodes; n++) tables.program(n, new ProgrammedTable(1, eps));
      };
      program(pods);
      const driver = new WorkloadDriver(
        sim,
        {
          arrivals: { process: 'open', arrivals: new PoissonArrivals(120) },
          serviceTime: exponential(0.01),
          clientCount: 4,
        },
        workloadStreams(rs),
        path,
      );
      path.setListener(driver);
      sim.schedule(
        10,
        sim.register('replace', () => {
          cluster.remove(pods[0] as number);
          const fresh = cluster.addPod(0, podIp(9));
          sim.schedule(
            1,
            sim.register('sync', () => program([...pods.slice(1), fresh])),
            0,
          );
        }),
        0,
      );
      sim.run(30);
      path.checkConservation();
      const c = path.counts();
      expect(c.arrivals).toBeGreaterThan(3000);
      // Most requests complete whatever the balancer (ipvs-dh sends everything to one pod:
      // rho 1.2 there, so it is allowed to fall behind).
      expect(c.completed / c.arrivals).toBeGreaterThan(d.name === 'ipvs-dh' ? 0.5 : 0.9);
    });
  }
});
