import { describe, expect, it } from 'vitest';
import { HeadlessLookups } from '../../src/dataplane/discovery/headless-dns.js';
import { RandomSource, Simulation } from '../../src/engine/index.js';
import { loadScenarioText } from '../../src/scenario/load.js';
import { FakeFeed } from '../dataplane/balancers/l7/feed.js';
import { ips } from '../dataplane/balancers/l7/script.js';
import { constant } from '../dataplane/fakes.js';
import { build } from './helpers.js';

/**
 * A headless Service (`service.clusterIP: None`): no kube-proxy rules, every new connection
 * resolves the name at a CoreDNS replica (cache 30 s, ttl 30 s) and dials a pod IP.
 */
const scenario = (clusterIP: string) => `
duration: 60s
cluster: {nodes: 2, dns: {replicas: 1}}
deployment:
  replicas: 2
  pod: {concurrency: 4, serviceTime: 1ms, startup: 1s}
service: {clusterIP: '${clusterIP}'}
workload:
  arrivals: {process: poisson, rate: 200}
  connections: per-request
churn:
  - {type: scale, at: 5s, replicas: 4}
propagation:
  watchDelay: 10ms
balancers: [iptables]
`;

/** Requests served by the pods created by the scale-up (ids 2 and 3), at 28 s and at 60 s. */
function newPodsServed(clusterIP: string): [number, number] {
  const { model } = build(scenario(clusterIP));
  const s = model.path.servers;
  model.sim.run(28);
  const early = s.served(2) + s.served(3);
  model.sim.run(60);
  model.path.checkConservation();
  expect(model.path.counts().failed).toBe(0);
  return [early, s.served(2) + s.served(3)];
}

describe('headless Service over cluster DNS', () => {
  it('new pods get connections only once the CoreDNS cache filled at 0 s expires at 30 s', () => {
    const [early, late] = newPodsServed('None');
    expect(early).toBe(0);
    // 30-60 s: half of about 6000 requests.
    expect(late).toBeGreaterThan(2400);
    expect(late).toBeLessThan(3600);
    // A ClusterIP Service: kube-proxy programs the new pods within the watch delay.
    const [clusterEarly] = newPodsServed('10.96.0.10');
    expect(clusterEarly).toBeGreaterThan(1500);
  });

  it('every lookup is one CoreDNS query: uniform over the records, none when nothing is ready', () => {
    const sim = new Simulation();
    const feed = new FakeFeed(sim, ips(4));
    const dns = { ttl: 30, cache: 30, minTtl: 5, replicas: 2 };
    const rs = new RandomSource(3);
    const look = new HeadlessLookups(
      sim,
      feed,
      dns,
      constant(0),
      rs.keyedStream('w'),
      rs.keyedStream('l'),
      2,
    );
    look.start();
    const counts = new Map<number, number>();
    for (let i = 0; i < 4000; i++) {
      const ip = look.firstAddress(i % 2);
      counts.set(ip, (counts.get(ip) ?? 0) + 1);
    }
    expect([...counts.keys()].sort()).toEqual([...ips(4)].sort());
    for (const n of counts.values()) expect(Math.abs(n - 1000)).toBeLessThan(120);
    // Same seed, same client, same lookup ordinal: the same answer (common random numbers).
    const fresh = () =>
      new HeadlessLookups(
        sim,
        feed,
        dns,
        constant(0),
        new RandomSource(3).keyedStream('w'),
        new RandomSource(3).keyedStream('l'),
        2,
      );
    const again = fresh();
    const first = fresh();
    for (let i = 0; i < 20; i++) expect(again.firstAddress(1)).toBe(first.firstAddress(1));
    feed.write(ips(2), true); // only terminating endpoints: CoreDNS publishes none
    sim.run(31); // both replicas' caches expire
    expect(look.firstAddress(0)).toBe(-1);
    expect(look.empty).toBe(1);
  });

  it('external clients cannot use a headless Service', () => {
    expect(() =>
      loadScenarioText(`
service: {clusterIP: None}
workload: {clients: {location: external}}
`),
    ).toThrow(/service\.clusterIP.*in-cluster clients/s);
  });
});
