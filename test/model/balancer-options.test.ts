import { describe, expect, it } from 'vitest';
import { BALANCERS } from '../../src/dataplane/balancers/registry.js';
import { build } from './helpers.js';

/**
 * Every registered balancer runs from a scenario with its default options. The scenario layer
 * resolves balancer options once and buildModel parses them again with the same schema, so
 * each schema must accept its own output (parse(parse(x)) = parse(x)).
 */
describe('registered balancers from a scenario', () => {
  for (const d of BALANCERS) {
    it(`${d.name}: default options survive a second parse`, () => {
      const once = d.options.parse({});
      expect(d.options.parse(once)).toEqual(once);
    });
  }

  it('ipvs-dh builds and runs (every connection of a node goes to one pod)', () => {
    // Before the fix: "expected an IPv4 address such as `10.96.0.10`, got `174063626`" (the
    // resolved clusterIP, a number, rejected by the second parse): ipvs-dh could not run.
    const { model } = build(`
duration: 5s
cluster: {nodes: 1}
deployment: {replicas: 4, pod: {concurrency: 8, serviceTime: 1ms}}
workload: {arrivals: {process: poisson, rate: 100}}
balancers: [ipvs-dh]
`);
    model.sim.run(5);
    model.path.checkConservation();
    const served = model.cluster.pods.map((p) => model.path.servers.served(p.id));
    expect(served.filter((n) => n > 0)).toHaveLength(1);
  });
});
