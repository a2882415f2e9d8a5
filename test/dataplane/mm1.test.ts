import { describe, expect, it } from 'vitest';
import { RandomSource } from '../../src/engine/index.js';
import { PoissonArrivals } from '../../src/workload/arrivals.js';
import { WorkloadDriver, workloadStreams } from '../../src/workload/driver.js';
import { clientsOnNodes, exponential, harness, podIp, watchConservation } from './fakes.js';

/**
 * The full request path with one pod, rtt 0, per-request connections: an M/M/1 queue. Mean
 * sojourn 1/(mu - lambda). At rho = 0.5 (mu = 1, lambda = 0.5, mean 2) over 200k arrivals the
 * sojourn autocorrelation time is ~1/(mu (1 - sqrt(rho))^2) ~ 12, so the standard error of the
 * mean is ~0.8%: a 3% tolerance is about 4 standard errors.
 */
describe('M/M/1 through the request path', () => {
  it('mean sojourn = 1/(mu - lambda), P(sojourn > x) = exp(-(mu - lambda) x)', () => {
    const h = harness({
      clients: clientsOnNodes(4, 1),
      path: { network: { rtt: 0 } },
      pod: { concurrency: 1 },
    });
    h.rec.keepLatencies = true;
    const p = h.cluster.addPod(0, podIp(1));
    h.program([p]);
    const rs = new RandomSource(2024);
    const d = new WorkloadDriver(
      h.sim,
      {
        arrivals: { process: 'open', arrivals: new PoissonArrivals(0.5) },
        serviceTime: exponential(1),
        clientCount: 4,
      },
      workloadStreams(rs),
      h.path,
    );
    watchConservation(h, 997, 400_000);
    h.sim.run(400_000);
    expect(d.sent).toBeGreaterThan(195_000);
    const mean = h.rec.latencySum / h.rec.nCompleted;
    expect(mean).toBeGreaterThan(2 * 0.97);
    expect(mean).toBeLessThan(2 * 1.03);
    // Tail: P(T > 2 ln 10) = 0.1 exactly for exponential sojourn with rate 0.5.
    const x = 2 * Math.log(10);
    const frac = h.rec.latencies.filter((l) => l > x).length / h.rec.latencies.length;
    expect(frac).toBeGreaterThan(0.09);
    expect(frac).toBeLessThan(0.11);
    expect(h.rec.nFailed).toBe(0);
    h.path.checkConservation();
  });
});
