import { describe, expect, it } from 'vitest';
import { RandomSource } from '../../src/engine/index.js';
import { PoissonArrivals } from '../../src/workload/arrivals.js';
import { WorkloadDriver, workloadStreams } from '../../src/workload/driver.js';
import {
  clientsOnNodes,
  constant,
  exponential,
  harness,
  podIp,
  watchConservation,
} from '../dataplane/fakes.js';

function streams(seed: number) {
  return workloadStreams(new RandomSource(seed));
}

describe('workload driver', () => {
  it('closed-loop users keep exactly N requests in flight (no think time)', () => {
    const h = harness({
      nodes: 2,
      clients: clientsOnNodes(2, 2),
      path: { network: { rtt: 0.0005 } },
      pod: { concurrency: 2 },
    });
    const pods = [1, 2, 3].map((i) => h.cluster.addPod(i % 2, podIp(i)));
    h.program(pods);
    const N = 7;
    const d = new WorkloadDriver(
      h.sim,
      {
        arrivals: { process: 'closed-loop', users: N, thinkTime: null, rampUp: 0 },
        serviceTime: exponential(0.01),
        clientCount: 4,
      },
      streams(3),
      h.path,
    );
    h.path.setListener(d);
    const k = h.sim.register('sample', () => {
      // Sampled between events (odd offsets): every user has exactly one request outstanding.
      const c = h.path.counts();
      expect(c.inFlight).toBe(N);
      expect(c.arrivals).toBe(c.completed + c.failed + c.inFlight);
    });
    for (let i = 1; i < 100; i++) h.sim.schedule(i * 0.0997 + 1e-9, k, 0);
    h.sim.run(10);
    expect(h.rec.nCompleted).toBeGreaterThan(1000);
  });

  it('closed loop with think time Z: throughput = N / (R + Z) (interactive response time law)', () => {
    const h = harness({ path: { network: { rtt: 0 } }, pod: { concurrency: 100 } });
    const p = h.cluster.addPod(0, podIp(1));
    h.program([p]);
    const d = new WorkloadDriver(
      h.sim,
      {
        arrivals: { process: 'closed-loop', users: 10, thinkTime: constant(0.09), rampUp: 0 },
        serviceTime: constant(0.01),
        clientCount: 1,
      },
      streams(1),
      h.path,
    );
    h.path.setListener(d);
    h.sim.run(100);
    // No queueing (100 workers): R = 0.01, cycle 0.1 s, 10 users -> 100 req/s exactly.
    expect(h.rec.nCompleted).toBeGreaterThanOrEqual(9990);
    expect(h.rec.nCompleted).toBeLessThanOrEqual(10000);
    h.path.checkConservation();
  });

  it("closed loop: user u's n-th demand and think time do not depend on the servers", () => {
    // One slow pod vs three: requests end in a different order, so users' n-th requests happen
    // at different times and interleave differently; each (user, n) still gets the same draws.
    const run = (podCount: number) => {
      const h = harness({ clients: clientsOnNodes(5, 1), path: { network: { rtt: 0 } } });
      h.program([1, 2, 3].slice(0, podCount).map((i) => h.cluster.addPod(0, podIp(i))));
      const demand = new Map<string, number>();
      const sentAt = new Map<string, number>();
      const endedAt = new Map<string, number>();
      const count = new Int32Array(8);
      const target = {
        submit: (c: number, dm: number, u: number) => {
          const key = `${u}/${count[u]}`;
          demand.set(key, dm);
          sentAt.set(key, h.sim.now);
          h.path.submit(c, dm, u);
        },
        isClientAlive: (c: number) => h.path.isClientAlive(c),
      };
      const d = new WorkloadDriver(
        h.sim,
        {
          arrivals: {
            process: 'closed-loop',
            users: 8,
            thinkTime: exponential(0.05),
            rampUp: 0.1,
          },
          serviceTime: exponential(0.02),
          clientCount: 5,
        },
        streams(4),
        target,
      );
      h.path.setListener({
        requestEnded: (u) => {
          endedAt.set(`${u}/${count[u]}`, h.sim.now);
          count[u] = (count[u] as number) + 1;
          d.requestEnded(u);
        },
      });
      h.sim.run(20);
      // Think time after request n = when request n + 1 was sent - when request n ended.
      const think = new Map<string, number>();
      for (const [key, end] of endedAt) {
        const [u, n] = key.split('/').map(Number) as [number, number];
        const next = sentAt.get(`${u}/${n + 1}`);
        if (next !== undefined) think.set(key, next - end);
      }
      return { demand, think };
    };
    const slow = run(1);
    const fast = run(3);
    let compared = 0;
    for (const [key, dm] of slow.demand) {
      if (!fast.demand.has(key)) continue;
      expect(fast.demand.get(key)).toBe(dm);
      compared++;
    }
    for (const [key, z] of slow.think) {
      const other = fast.think.get(key);
      if (other === undefined) continue;
      expect(other).toBeCloseTo(z, 9);
      compared++;
    }
    expect(compared).toBeGreaterThan(1000);
    // The runs did differ: the fast one got further.
    expect(fast.demand.size).toBeGreaterThan(slow.demand.size * 1.2);
  });

  it('open loop: same seed -> same arrivals, clients and demands whatever the balancer does', () => {
    const run = (queueLimit: number) => {
      const h = harness({
        clients: clientsOnNodes(3, 1),
        path: { network: { rtt: 0 } },
        pod: { queueLimit },
      });
      const p = h.cluster.addPod(0, podIp(1));
      h.program([p]);
      const seen: number[] = [];
      const target = {
        submit: (c: number, dm: number, u: number) => {
          seen.push(h.sim.now, c, dm);
          h.path.submit(c, dm, u);
        },
        isClientAlive: (c: number) => h.path.isClientAlive(c),
      };
      new WorkloadDriver(
        h.sim,
        {
          arrivals: { process: 'open', arrivals: new PoissonArrivals(50) },
          serviceTime: exponential(0.015),
          clientCount: 3,
        },
        streams(9),
        target,
      );
      watchConservation(h, 0.77, 20);
      h.sim.run(20);
      return seen;
    };
    // Different outcomes (a queue limit makes 503s), identical offered requests.
    expect(run(0)).toEqual(run(Number.POSITIVE_INFINITY));
  });

  it('a failed node stops its clients: their arrivals are dropped, in-flight ones fail', () => {
    const h = harness({ nodes: 2, clients: clientsOnNodes(1, 2), path: { network: { rtt: 0 } } });
    const p = h.cluster.addPod(0, podIp(1));
    h.program([p]);
    const d = new WorkloadDriver(
      h.sim,
      {
        arrivals: { process: 'open', arrivals: new PoissonArrivals(100) },
        serviceTime: constant(0.5),
        clientCount: 2,
      },
      streams(5),
      h.path,
    );
    h.after(5, 'fail', () => h.path.nodeFailed(1));
    watchConservation(h, 0.31, 10);
    h.sim.run(10);
    expect(d.dropped).toBeGreaterThan(200); // ~250 arrivals for node 1's client after t = 5
    expect(h.rec.failures.some((f) => f.at === 5)).toBe(true);
    h.path.checkConservation();
  });
});

describe('closed loop with a rate cap (slow_cooker -qps per user)', () => {
  /** One fast pod, `users` users at `rate` each, service time `service`; returns send times. */
  function run(users: number, rate: number, service: number, think = 0, until = 100) {
    const h = harness({ path: { network: { rtt: 0 } }, pod: { concurrency: 1000 } });
    h.program([h.cluster.addPod(0, podIp(1))]);
    const sends: number[][] = Array.from({ length: users }, () => []);
    const target = {
      submit: (c: number, dm: number, u: number) => {
        (sends[u] as number[]).push(h.sim.now);
        h.path.submit(c, dm, u);
      },
      isClientAlive: (c: number) => h.path.isClientAlive(c),
    };
    const d = new WorkloadDriver(
      h.sim,
      {
        arrivals: {
          process: 'closed-loop',
          users,
          thinkTime: think > 0 ? constant(think) : null,
          rampUp: 0,
          rate,
        },
        serviceTime: constant(service),
        clientCount: 1,
      },
      streams(2),
      target,
    );
    h.path.setListener(d);
    h.sim.run(until);
    h.path.checkConservation();
    return { h, sends };
  }

  it('service much faster than 1/rate: throughput N x rate exactly, one send per tick', () => {
    // 50 users x 10 req/s, 1 ms service: each user sends at 0, 0.1, 0.2, ... (1001 sends in
    // [0, 100]; the one at t = 100 is the run's end), 50 x 1000 = 50,000 in [0, 100).
    const { h, sends } = run(50, 10, 0.001);
    for (const s of sends) {
      expect(s.length).toBe(1000);
      s.forEach((t, i) => {
        expect(t).toBeCloseTo(i * 0.1, 9);
      });
    }
    expect(h.rec.nCompleted).toBe(50 * 1000);
  });

  it('service slower than 1/rate: the cap does not bind, the loop runs at 1/R', () => {
    // R = 0.25 s > 1/rate = 0.1 s: a tick is always waiting, so each user sends as soon as its
    // response arrives: 4 requests per second per user, as without a cap.
    const { sends } = run(3, 10, 0.25, 0, 10);
    for (const s of sends) {
      expect(s.length).toBe(40);
      s.forEach((t, i) => {
        expect(t).toBeCloseTo(i * 0.25, 9);
      });
    }
  });

  it("a late response sends at once, then the user is back on its ticker's grid (Go's time.Ticker keeps one tick)", () => {
    // R = 0.15 s, 1/rate = 0.1 s: send at 0, response at 0.15 (tick 0.1 waited): send at 0.15,
    // response at 0.30 (tick 0.2 waited, 0.3 dropped or equal): send at 0.30 ...
    // The grid is 0.1 s; a response at r sends at r when a tick passed since the last send.
    const { sends } = run(1, 10, 0.15, 0, 1);
    expect((sends[0] as number[]).map((t) => Number(t.toFixed(9)))).toEqual([
      0, 0.15, 0.3, 0.45, 0.6, 0.75, 0.9,
    ]);
    // Think time 0.02 with 5 ms service: ready at 0.025 < tick 0.1, so the tick sets the pace.
    const paced = run(1, 10, 0.005, 0.02, 1);
    expect((paced.sends[0] as number[]).map((t) => Number(t.toFixed(9)))).toEqual([
      0, 0.1, 0.2, 0.3, 0.4, 0.5, 0.6, 0.7, 0.8, 0.9,
    ]);
  });
});
