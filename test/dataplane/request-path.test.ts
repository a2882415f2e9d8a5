import { describe, expect, it } from 'vitest';
import { ErrorCause, ErrorKind } from '../../src/dataplane/types.js';
import { RandomSource } from '../../src/engine/index.js';
import { harness, podIp, watchConservation } from './fakes.js';

/**
 * Failure semantics of the L4 path (kube-proxy modes), with fakes. Delays are chosen so every
 * expected time is exact: rtt 0 unless the test is about delays.
 */
describe('request path: connect outcomes', () => {
  it('an empty table refuses at once (iptables REJECT): no_endpoints, zero latency', () => {
    const h = harness({ path: { network: { rtt: 0.002 } } });
    h.program([]);
    watchConservation(h, 0.1, 1);
    h.after(0.5, 'go', () => h.path.submit(0, 0.01));
    h.sim.run(1);
    expect(h.rec.nFailed).toBe(1);
    const f = h.rec.failures[0];
    expect(f?.kind).toBe(ErrorKind.no_endpoints);
    expect(f?.cause).toBe(ErrorCause.no_endpoints);
    expect(f?.at).toBe(0.5); // local REJECT: no network trip at all
    expect(h.path.ledger.finalErrorCount(ErrorKind.no_endpoints)).toBe(1);
    h.path.checkConservation();
  });

  it('a dead IP times out after the configured connect timeout', () => {
    const h = harness({ path: { network: { rtt: 0.002 }, timeouts: { connect: 5 } } });
    const p = h.cluster.addPod(0, podIp(1));
    h.program([p]);
    h.cluster.remove(p); // gone from ground truth, still in the node's table (stale)
    watchConservation(h, 0.37, 20);
    h.after(1, 'go', () => h.path.submit(0, 0.01));
    h.sim.run(20);
    expect(h.rec.nFailed).toBe(1);
    const f = h.rec.failures[0];
    expect(f?.kind).toBe(ErrorKind.connect_timeout);
    expect(f?.cause).toBe(ErrorCause.stale_endpoint);
    expect(f?.at).toBeCloseTo(6, 12); // 1 + connect timeout 5
    // The connection never counted as established at the balancer.
    expect(h.balancers[0]?.opened.size).toBe(0);
  });

  it('without a client connect timeout the kernel gives up after 127 s (tcp_syn_retries 6)', () => {
    const h = harness({ path: { network: { rtt: 0 }, timeouts: { connect: 1000 } } });
    const p = h.cluster.addPod(0, podIp(1));
    h.program([p]);
    h.cluster.remove(p);
    h.path.submit(0, 0.01);
    h.sim.run(200);
    expect(h.rec.failures[0]?.at).toBeCloseTo(127, 12);
    h.path.checkConservation();
  });

  it('EHOSTUNREACH option fails after 3 s', () => {
    const h = harness({ path: { network: { rtt: 0 }, timeouts: { unreachable: 'ehostunreach' } } });
    const p = h.cluster.addPod(0, podIp(1));
    h.program([p]);
    h.cluster.remove(p);
    h.path.submit(0, 0.01);
    h.sim.run(60);
    expect(h.rec.failures[0]?.kind).toBe(ErrorKind.host_unreachable);
    expect(h.rec.failures[0]?.at).toBeCloseTo(3, 12);
    h.path.checkConservation();
  });

  it('a SYN retransmission reaches a pod that took over the IP meanwhile', () => {
    const h = harness({ path: { network: { rtt: 0 }, timeouts: { connect: 30 } } });
    const p = h.cluster.addPod(0, podIp(1));
    h.program([p]);
    h.cluster.remove(p);
    h.path.submit(0, 0.5);
    // At t = 2 a new pod gets the same IP: the retransmission at t = 3 finds it.
    h.after(2, 'reuse', () => h.cluster.addPod(0, podIp(1)));
    h.sim.run(10);
    expect(h.rec.nCompleted).toBe(1);
    expect(h.rec.latencies[0]).toBeCloseTo(3.5, 12); // SYN at 3, served 0.5
    h.path.checkConservation();
  });

  it('a pod that exists but does not listen refuses at once (RST after one round trip)', () => {
    const h = harness({ path: { network: { rtt: 0.004 } } });
    const p = h.cluster.addPod(0, podIp(1), false);
    h.program([p]);
    h.path.submit(0, 0.01);
    h.sim.run(1);
    expect(h.rec.failures[0]?.kind).toBe(ErrorKind.refused);
    expect(h.rec.failures[0]?.cause).toBe(ErrorCause.not_listening);
    expect(h.rec.failures[0]?.at).toBeCloseTo(0.004, 12); // SYN 2 ms out, RST 2 ms back
    h.path.checkConservation();
  });

  it('a closed listener (SIGTERM) refuses with cause terminating_pod', () => {
    const h = harness({ path: { network: { rtt: 0 } } });
    const p = h.cluster.addPod(0, podIp(1));
    h.program([p]);
    h.cluster.closeListener(p);
    h.path.submit(0, 0.01);
    h.sim.run(1);
    expect(h.rec.failures[0]?.cause).toBe(ErrorCause.terminating_pod);
    h.path.checkConservation();
  });
});

describe('request path: delays', () => {
  it('per-request: handshake RTT + request/response RTT + service; same vs cross node', () => {
    const h = harness({ nodes: 2, path: { network: { rtt: 0.001, crossNodeRtt: 0.003 } } });
    const local = h.cluster.addPod(0, podIp(1));
    h.program([local]);
    h.path.submit(0, 0.01); // client 0 on node 0 -> pod on node 0
    h.sim.run(1);
    expect(h.rec.latencies[0]).toBeCloseTo(2 * 0.001 + 0.01, 12);
    h.path.submit(1, 0.01); // client 1 on node 1 -> pod on node 0: cross-node
    h.sim.run(2);
    expect(h.rec.latencies[1]).toBeCloseTo(2 * 0.003 + 0.01, 12);
    h.path.checkConservation();
  });

  it('keepalive: only the first request pays the handshake', () => {
    const h = harness({
      path: { network: { rtt: 0.002 }, connections: { mode: 'keepalive', poolSize: 1 } },
    });
    const p = h.cluster.addPod(0, podIp(1));
    h.program([p]);
    h.path.submit(0, 0.01);
    h.sim.run(1);
    h.path.submit(0, 0.01);
    h.sim.run(2);
    expect(h.rec.latencies[0]).toBeCloseTo(0.004 + 0.01, 12);
    expect(h.rec.latencies[1]).toBeCloseTo(0.002 + 0.01, 12);
    h.path.checkConservation();
  });
});

describe('request path: pod death', () => {
  it('kill resets in-flight and queued requests (RST after one delay); the server drops them', () => {
    const h = harness({ path: { network: { rtt: 0.002 } }, pod: { concurrency: 1 } });
    const p = h.cluster.addPod(0, podIp(1));
    h.program([p]);
    for (let i = 0; i < 3; i++) h.path.submit(0, 10); // one in service, two queued
    watchConservation(h, 0.13, 5);
    h.after(1, 'kill', () => h.cluster.kill(p));
    h.sim.run(5);
    expect(h.rec.nFailed).toBe(3);
    for (const f of h.rec.failures) {
      expect(f.kind).toBe(ErrorKind.reset);
      expect(f.cause).toBe(ErrorCause.pod_killed);
      expect(f.at).toBeCloseTo(1.001, 12);
    }
    expect(h.path.servers.inService(p)).toBe(0);
    expect(h.path.servers.queued(p)).toBe(0);
    // Every established connection was reported closed to the balancer.
    expect(h.balancers[0]?.active(podIp(1))).toBe(0);
    h.path.checkConservation();
  });

  it('graceful termination drains: in-flight work finishes, then podDrained is called once', () => {
    const h = harness({ path: { network: { rtt: 0 } }, pod: { concurrency: 1 } });
    const p = h.cluster.addPod(0, podIp(1));
    h.program([p]);
    h.path.submit(0, 2);
    h.path.submit(0, 2);
    h.after(1, 'term', () => h.cluster.closeListener(p));
    h.sim.run(10);
    expect(h.rec.nCompleted).toBe(2);
    expect(h.drained).toEqual([p]);
    h.path.checkConservation();
  });

  it('a node failure makes its pods silent: requests hang until the client timeout', () => {
    const h = harness({
      nodes: 2,
      path: {
        network: { rtt: 0 },
        connections: { mode: 'keepalive', poolSize: 1 },
        timeouts: { request: 4 },
      },
    });
    const p = h.cluster.addPod(1, podIp(1));
    h.program([p]);
    h.path.submit(0, 10);
    h.after(1, 'node-down', () => {
      h.cluster.nodeUp[1] = false;
      h.path.nodeFailed(1);
      h.cluster.kill(p);
    });
    h.sim.run(20);
    expect(h.rec.nFailed).toBe(1);
    expect(h.rec.failures[0]?.kind).toBe(ErrorKind.client_timeout);
    expect(h.rec.failures[0]?.cause).toBe(ErrorCause.node_failure);
    expect(h.rec.failures[0]?.at).toBeCloseTo(4, 12);
    h.path.checkConservation();
  });
});

describe('request path: pod server', () => {
  it('queue limit: requests beyond workers + queue get 503 (cause overload)', () => {
    const h = harness({ path: { network: { rtt: 0 } }, pod: { concurrency: 2, queueLimit: 3 } });
    const p = h.cluster.addPod(0, podIp(1));
    h.program([p]);
    for (let i = 0; i < 8; i++) h.path.submit(0, 1);
    h.sim.run(10);
    // 2 in service + 3 queued accepted, 3 rejected.
    expect(h.rec.nCompleted).toBe(5);
    expect(h.rec.nFailed).toBe(3);
    expect(h.path.ledger.finalErrorCount(ErrorKind.http_503, ErrorCause.overload)).toBe(3);
    // FIFO with 2 workers: completions at 1, 1, 2, 2, 3.
    expect(h.rec.latencies).toEqual([1, 1, 2, 2, 3]);
    h.path.checkConservation();
  });

  it('client timeout: the user sees client_timeout, the pod keeps working on it', () => {
    const h = harness({
      path: { network: { rtt: 0 }, timeouts: { request: 1 } },
      pod: { concurrency: 1 },
    });
    const p = h.cluster.addPod(0, podIp(1));
    h.program([p]);
    h.path.submit(0, 3);
    h.sim.run(2);
    expect(h.rec.nFailed).toBe(1);
    expect(h.rec.failures[0]?.kind).toBe(ErrorKind.client_timeout);
    expect(h.rec.failures[0]?.at).toBe(1);
    expect(h.path.servers.inService(p)).toBe(1);
    h.sim.run(4);
    expect(h.path.servers.served(p)).toBe(1);
    expect(h.path.tries.live).toBe(0); // the orphaned record was freed when the pod finished
    h.path.checkConservation();
  });

  it('slow start: service time multiplied by the factor at Ready, falling linearly to 1', () => {
    const h = harness({
      path: { network: { rtt: 0 } },
      pod: { slowStart: 10, slowStartFactor: 3 },
    });
    const p = h.cluster.addPod(0, podIp(1));
    h.program([p]);
    h.path.submit(0, 0.1); // at age 0: x3
    h.sim.run(5);
    h.path.submit(0, 0.1); // at age 5: x2
    h.sim.run(20);
    h.path.submit(0, 0.1); // after the ramp: x1
    h.sim.run(30);
    expect(h.rec.latencies[0]).toBeCloseTo(0.3, 12);
    expect(h.rec.latencies[1]).toBeCloseTo(0.2, 12);
    expect(h.rec.latencies[2]).toBeCloseTo(0.1, 12);
    h.path.checkConservation();
  });
});

describe('request path: client retries', () => {
  it('retries hide refusals: each first try on the refusing pod succeeds on retry', () => {
    // Round robin over [bad, good]: each request's first try takes the next pick, which is
    // always `bad` (the previous request's retry took `good`), and its retry goes to `good`.
    // So every request completes after exactly one hidden refusal.
    const h = harness({
      balancer: 'rr',
      path: { network: { rtt: 0 }, retries: { count: 2, backoff: { initial: 0.01 } } },
    });
    const bad = h.cluster.addPod(0, podIp(1), false);
    const good = h.cluster.addPod(0, podIp(2));
    h.program([bad, good]);
    const k = h.sim.register('send', () => h.path.submit(0, 0.001));
    for (let i = 0; i < 10; i++) h.sim.schedule(i, k, 0);
    watchConservation(h, 0.05, 11);
    h.sim.run(11);
    expect(h.rec.nCompleted).toBe(10);
    expect(h.rec.nFailed).toBe(0);
    expect(h.rec.nAttempts).toBe(10);
    expect(h.path.ledger.attemptErrorCount(ErrorKind.refused, ErrorCause.not_listening)).toBe(10);
    // A retried request's latency includes the 10 ms backoff.
    expect(Math.max(...h.rec.latencies)).toBeCloseTo(0.011, 12);
  });

  it('retries amplify load: a dead table fails every try, count + 1 tries per request', () => {
    const h = harness({ path: { network: { rtt: 0 }, retries: { count: 3 } } });
    h.program([]);
    h.path.submit(0, 0.01);
    h.sim.run(5);
    expect(h.rec.nFailed).toBe(1);
    expect(h.rec.nAttempts).toBe(3);
    // Backoff 25 ms, 50 ms, 100 ms (initial x 2^k, cap 250 ms).
    expect(h.rec.failures[0]?.at).toBeCloseTo(0.175, 12);
    h.path.checkConservation();
  });

  it('backoff jitter is keyed by (user request, retry number): common random numbers', () => {
    // Requests 0..4 arrive at 0..4 s on a dead table: 3 retries each. Retry k of request i
    // waits 25 ms x 2^k x (1 - j + j u), u the first draw of keyed stream `retries` at (i, k):
    // it does not depend on what else failed or retried before, which differs by balancer.
    const j = 0.5;
    const h = harness({
      seed: 7,
      path: { network: { rtt: 0 }, retries: { count: 3, backoff: { jitter: j } } },
    });
    h.program([]);
    const k = h.sim.register('send', () => h.path.submit(0, 0.01));
    for (let i = 0; i < 5; i++) h.sim.schedule(i, k, i);
    h.sim.run(10);
    const keyed = new RandomSource(7).keyedStream('retries');
    const expected = [0, 1, 2, 3, 4].map((i) => {
      let t = i;
      for (let r = 0; r < 3; r++) t += 0.025 * 2 ** r * (1 - j + j * keyed.rngFor(i, r).next());
      return t;
    });
    const at = h.rec.failures.map((f) => f.at);
    expect(at).toHaveLength(5);
    for (const [i, t] of at.entries()) expect(t).toBeCloseTo(expected[i] as number, 12);
  });

  it('kinds not listed in retries.on are not retried', () => {
    const h = harness({ path: { network: { rtt: 0 }, retries: { count: 3, on: ['refused'] } } });
    h.program([]);
    h.path.submit(0, 0.01);
    h.sim.run(5);
    expect(h.rec.nAttempts).toBe(0);
    expect(h.rec.nFailed).toBe(1);
    h.path.checkConservation();
  });
});

describe('request path: external clients through a NodePort', () => {
  it('Local policy: a node without local endpoints drops (timeout) until the LB health check removes it', () => {
    const clients = { count: 1, node: Int32Array.of(-1), ip: Uint32Array.of(0xc6336401) };
    const h = harness({
      nodes: 2,
      clients,
      path: {
        network: { rtt: 0 },
        trafficPolicy: 'Local',
        timeouts: { connect: 1 },
        external: { healthCheckInterval: 5, unhealthyThreshold: 2 },
      },
    });
    const p = h.cluster.addPod(0, podIp(1)); // only node 0 has an endpoint
    h.program([p]);
    const k = h.sim.register('send', () => h.path.submit(0, 0.001));
    for (let i = 0; i < 400; i++) h.sim.schedule(i * 0.05, k, 0);
    h.sim.run(30);
    // Node 1 fails checks at 5 and 10 s, so it is out from t = 10: every timeout started before.
    const timeouts = h.rec.failures.filter((f) => f.kind === ErrorKind.connect_timeout);
    expect(timeouts.length).toBeGreaterThan(50); // about half of the 200 sent before t = 10
    expect(timeouts.length).toBeLessThan(150);
    // The request sent at t = 10 fires before that instant's health check (FIFO at equal times).
    for (const f of timeouts) expect(f.arrivedAt).toBeLessThanOrEqual(10 + 1e-9);
    expect(h.path.externalLb?.isHealthy(1)).toBe(false);
    expect(h.path.externalLb?.isHealthy(0)).toBe(true);
    h.path.checkConservation();
  });

  it("the LB's node for a client's k-th connection is keyed by (client, k): common random numbers", () => {
    // Two external clients, per-request connections, both nodes healthy: the entry node of
    // client c's k-th dial is healthy[floor(u * 2)], u the first draw of keyed stream
    // `external-lb` at (c, k), whatever other connections came before.
    const clients = { count: 2, node: Int32Array.of(-1, -1), ip: Uint32Array.of(1, 2) };
    const h = harness({ seed: 5, nodes: 2, clients, path: { network: { rtt: 0 } } });
    const p = h.cluster.addPod(0, podIp(1));
    h.program([p]);
    // Which node each connection entered through, in the order they open.
    const entered: number[] = [];
    h.balancers.forEach((b, node) => {
      const opened = b.connectionOpened.bind(b);
      b.connectionOpened = (ip) => {
        entered.push(node);
        opened(ip);
      };
    });
    const k = h.sim.register('send', (c) => h.path.submit(c, 0.001));
    // Client 1 dials first at each instant, then client 0 (rtt 0: they open in that order).
    for (let i = 0; i < 30; i++) for (const c of [1, 0]) h.sim.schedule(i * 0.05, k, c);
    h.sim.run(2);
    const keyed = new RandomSource(5).keyedStream('external-lb');
    const expected: number[] = [];
    for (let d = 0; d < 30; d++) {
      for (const c of [1, 0]) expected.push(Math.floor(keyed.rngFor(c, d).next() * 2));
    }
    expect(entered).toEqual(expected);
    expect(expected.filter((n) => n === 1).length).toBeGreaterThan(10); // both nodes used
    h.path.checkConservation();
  });

  it('Cluster policy: a failed ingress node costs connect timeouts until the LB takes it out', () => {
    const clients = {
      count: 2,
      node: Int32Array.of(-1, -1),
      ip: Uint32Array.of(0xc6336401, 0xc6336402),
    };
    const h = harness({
      nodes: 2,
      clients,
      path: {
        network: { rtt: 0 },
        connections: { mode: 'keepalive', poolSize: 1 },
        timeouts: { connect: 1 },
        external: { healthCheckInterval: 2, unhealthyThreshold: 1 },
      },
    });
    const p = h.cluster.addPod(0, podIp(1));
    h.program([p]);
    const k = h.sim.register('send', (c) => h.path.submit(c, 0.001));
    for (let i = 0; i < 200; i++) h.sim.schedule(i * 0.05, k, i % 2);
    h.after(3.01, 'fail', () => h.path.nodeFailed(1));
    watchConservation(h, 0.0173, 12);
    h.sim.run(12);
    // Node 1 is out from the check at t = 4: failures only between 3.01 and about 5 (4 + 1 s).
    expect(h.rec.nFailed).toBeGreaterThan(0);
    for (const f of h.rec.failures) {
      expect(f.arrivedAt).toBeGreaterThanOrEqual(3.01 - 0.05);
      expect(f.at).toBeLessThanOrEqual(5 + 1e-9);
    }
    expect(h.rec.nCompleted + h.rec.nFailed).toBe(200);
    h.path.checkConservation();
  });
});
