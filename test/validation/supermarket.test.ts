/**
 * Closed-form check of the P2C least-request mechanism (docs/VALIDATION.md, "supermarket
 * model"): N FIFO exponential servers (mu = 1), Poisson arrivals at rate lambda N, each job
 * sent to the least busy of d sampled servers. As N grows the mean time in system tends to
 * Mitzenmacher's T_d(lambda) = sum_{i>=1} lambda^((d^i - d) / (d - 1)) (M. Mitzenmacher, "The
 * Power of Two Choices in Randomized Load Balancing", IEEE TPDS 12(10), 2001, Theorem 3.1
 * and its corollary for the expected time), against 1 / (1 - lambda) for a random pick.
 *
 * The picker under test is Envoy's LEAST_REQUEST as lbsim models it (EnvoyLeastRequest:
 * choice_count 2, samples with replacement), driven by the engine. Server counts (`active`)
 * are what Envoy's rq_active would be with one client: exact and up to date.
 *
 * Tolerance: the R = 5 replications' 99% interval plus relSlack 2%: for finite N, sampling
 * with replacement (a 1/N chance of comparing a server with itself) and the finite system
 * make T slightly larger than the N -> infinity limit: at lambda = 0.9, N = 200, three runs of
 * 2000 time units gave 2.622 against T_2 = 2.614 (+0.3%), N = 1000 gave 2.612.
 */
import { describe, expect, it } from 'vitest';
import { EnvoyLeastRequest } from '../../src/dataplane/balancers/envoy/least-request.js';
import { RandomSource, type Rng } from '../../src/engine/index.js';
import { Simulation } from '../../src/engine/simulation.js';
import { checkAgainstTheory, supermarketMeanSojourn } from './theory.js';

function exp(rng: Rng, mean: number): number {
  return -mean * Math.log(1 - rng.next());
}

/** Mean time in system over [warmup, warmup + horizon) arrivals for one seed. */
function simulate(
  servers: number,
  lambda: number,
  seed: number,
  choices: number,
  warmup: number,
  horizon: number,
): number {
  const sim = new Simulation();
  const source = new RandomSource(seed);
  const arrivals = source.stream('arrivals');
  const service = source.stream('service');
  const pickRng = source.stream('balancer');
  const picker = new EnvoyLeastRequest({
    choiceCount: choices,
    activeRequestBias: undefined,
    fullScan: false,
  });
  const hosts = Int32Array.from({ length: servers }, (_, i) => i);
  const active = new Int32Array(servers);
  const lastDeparture = new Float64Array(servers);
  let sum = 0;
  let count = 0;
  const departure = sim.register('departure', (s) => {
    active[s] = (active[s] as number) - 1;
  });
  const arrival = sim.register('arrival', () => {
    const now = sim.now;
    const s =
      choices === 1
        ? Math.floor(pickRng.next() * servers)
        : picker.pick(hosts, servers, active, pickRng);
    const start = Math.max(now, lastDeparture[s] as number);
    const done = start + exp(service, 1);
    lastDeparture[s] = done;
    active[s] = (active[s] as number) + 1;
    sim.scheduleAt(done, departure, s);
    if (now >= warmup) {
      sum += done - now;
      count++;
    }
    sim.schedule(exp(arrivals, 1 / (lambda * servers)), arrival);
  });
  sim.schedule(exp(arrivals, 1 / (lambda * servers)), arrival);
  sim.run(warmup + horizon);
  return sum / count;
}

describe('P2C least request vs the supermarket model (Mitzenmacher 2001)', () => {
  it('T_2 formula: hand values', () => {
    // lambda = 0.9: 1 + 0.9^2 + 0.9^6 + 0.9^14 + 0.9^30 + 0.9^62 + ...
    expect(supermarketMeanSojourn(0.9, 2)).toBeCloseTo(
      1 + 0.81 + 0.531441 + 0.9 ** 14 + 0.9 ** 30 + 0.9 ** 62 + 0.9 ** 126,
      10,
    );
    expect(supermarketMeanSojourn(0.5, 2)).toBeCloseTo(
      1 + 0.25 + 0.5 ** 6 + 0.5 ** 14 + 0.5 ** 30,
      12,
    );
  });

  for (const lambda of [0.7, 0.9]) {
    it(`lambda = ${lambda}: mean time in system approaches T_2 (and beats 1 / (1 - lambda))`, () => {
      const values = [1, 2, 3, 4, 5].map((k) => simulate(200, lambda, 1000 + k, 2, 200, 800));
      const check = checkAgainstTheory(values, supermarketMeanSojourn(lambda, 2), {
        relSlack: 0.02,
      });
      expect(check.ok, check.describe).toBe(true);
      const random = simulate(200, lambda, 7, 1, 200, 800);
      expect(random).toBeGreaterThan(1.5 * (check.mean as number));
      expect(random / (1 / (1 - lambda))).toBeGreaterThan(0.9);
    });
  }
});
