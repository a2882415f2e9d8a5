import { describe, expect, it } from 'vitest';
import { ErrorCause, ErrorKind } from '../../src/dataplane/types.js';
import { RandomSource } from '../../src/engine/index.js';
import { harness, podIp, watchConservation } from './fakes.js';

/** Nginx as a proxy hop with a static upstream list, against a fake round-robin picker. */
describe('nginx-static proxy hop', () => {
  it('retries the next server after a failure (hidden attempt) and marks the peer failed', () => {
    const h = harness({ nodes: 2, nginx: { node: 0 }, path: { network: { rtt: 0 } } });
    const dead = h.cluster.addPod(1, podIp(1));
    h.cluster.addPod(1, podIp(2));
    h.path.submit(0, 0.01); // fine: snapshot at start (t = 0) held both IPs... taken at construction
    h.sim.run(1);
    expect(h.rec.nCompleted).toBe(1);
    h.cluster.kill(dead); // listener gone: refused
    const k = h.sim.register('send', () => h.path.submit(0, 0.01));
    for (let i = 0; i < 4; i++) h.sim.schedule(i * 0.1, k, 0);
    watchConservation(h, 0.03, 2);
    h.sim.run(2);
    // Each request that picks the dead peer gets a refusal and is retried on the other.
    expect(h.rec.nFailed).toBe(0);
    expect(h.rec.nCompleted).toBe(5);
    expect(h.rec.nAttempts).toBeGreaterThanOrEqual(1);
    expect(h.path.ledger.attemptErrorCount(ErrorKind.refused, ErrorCause.not_listening)).toBe(
      h.rec.nAttempts,
    );
    expect(h.pickers[0]?.failures).toBe(h.rec.nAttempts);
    expect(h.pickers[0]?.open).toBe(0); // every upstream connection closed again
  });

  it("a per-request connection's worker is keyed by (user request, try): common random numbers", () => {
    // 4 workers, one picker each. Request i's connection lands on worker
    // floor(4 u), u the first draw of keyed stream `nginx:connection-worker` at (i, 0).
    const h = harness({
      seed: 9,
      nodes: 2,
      nginx: { node: 0, workers: 4 },
      path: { network: { rtt: 0 } },
    });
    h.cluster.addPod(1, podIp(1));
    const k = h.sim.register('send', () => h.path.submit(0, 0.001));
    for (let i = 0; i < 40; i++) h.sim.schedule(0.5 + i * 0.01, k, 0);
    h.sim.run(2);
    expect(h.rec.nCompleted).toBe(40);
    const keyed = new RandomSource(9).keyedStream('nginx:connection-worker');
    const expected = [0, 0, 0, 0];
    for (let i = 0; i < 40; i++) {
      const w = Math.floor(keyed.rngFor(i, 0).next() * 4);
      expected[w] = (expected[w] as number) + 1;
    }
    expect(h.pickers.map((p) => p.successes)).toEqual(expected);
  });

  it('502 when all servers are down (no live upstreams after each failed once)', () => {
    const h = harness({ nginx: { node: 0 }, path: { network: { rtt: 0 } } });
    const a = h.cluster.addPod(0, podIp(1));
    const b = h.cluster.addPod(0, podIp(2));
    h.path.submit(0, 0.01);
    h.sim.run(1);
    h.cluster.kill(a);
    h.cluster.kill(b);
    h.path.submit(0, 0.01);
    h.sim.run(2);
    expect(h.rec.nFailed).toBe(1);
    expect(h.rec.failures[0]?.kind).toBe(ErrorKind.http_502);
    // Both peers tried (one hidden attempt), tries spent (2 servers): the error's 502.
    expect(h.rec.nAttempts).toBe(1);
    expect(h.rec.failures[0]?.cause).toBe(ErrorCause.not_listening);
    // Within fail_timeout both are marked down: the next request gets 502 with no try at all.
    h.path.submit(0, 0.01);
    h.sim.run(3);
    expect(h.rec.failures[1]?.kind).toBe(ErrorKind.http_502);
    expect(h.rec.failures[1]?.cause).toBe(ErrorCause.no_live_upstreams);
    h.path.checkConservation();
  });

  it('504 when the only upstream times out (connect timeout to a dead IP)', () => {
    const h = harness({ nginx: { node: 0, connectTimeout: 5 }, path: { network: { rtt: 0 } } });
    const a = h.cluster.addPod(0, podIp(1));
    h.path.submit(0, 0.01);
    h.sim.run(1);
    h.cluster.remove(a); // the IP stays in Nginx's static list
    h.path.submit(0, 0.01);
    h.sim.run(20);
    expect(h.rec.nFailed).toBe(1);
    expect(h.rec.failures[0]?.kind).toBe(ErrorKind.http_504);
    expect(h.rec.failures[0]?.cause).toBe(ErrorCause.stale_endpoint);
    expect(h.rec.failures[0]?.at).toBeCloseTo(6, 12);
    h.path.checkConservation();
  });

  it('workload.timeouts.unreachable holds for upstream connections too: EHOSTUNREACH after 3 s, 502', () => {
    const h = harness({
      nginx: { node: 0, connectTimeout: 5 },
      path: { network: { rtt: 0 }, timeouts: { unreachable: 'ehostunreach' } },
    });
    const a = h.cluster.addPod(0, podIp(1));
    h.path.submit(0, 0.01);
    h.sim.run(1);
    h.cluster.remove(a);
    h.path.submit(0, 0.01);
    h.sim.run(20);
    // An error connecting (not a timeout): nginx answers 502 when no try is left.
    expect(h.rec.nFailed).toBe(1);
    expect(h.rec.failures[0]?.kind).toBe(ErrorKind.http_502);
    expect(h.rec.failures[0]?.cause).toBe(ErrorCause.stale_endpoint);
    expect(h.rec.failures[0]?.at).toBeCloseTo(4, 12); // 1 + hostUnreachableAfter 3
    h.path.checkConservation();
  });

  it("an upstream SYN retransmission reaches a pod that took over the IP meanwhile, as a client's does", () => {
    const h = harness({ nginx: { node: 0, connectTimeout: 5 }, path: { network: { rtt: 0 } } });
    const a = h.cluster.addPod(0, podIp(1));
    h.path.submit(0, 0.01);
    h.sim.run(1);
    h.cluster.remove(a);
    h.path.submit(0, 0.5);
    // At 1.5 s a new pod gets the same IP: the first retransmission (1 s after the SYN at 1 s)
    // finds it.
    h.after(0.5, 'reuse', () => h.cluster.addPod(0, podIp(1)));
    h.sim.run(20);
    expect(h.rec.nFailed).toBe(0);
    expect(h.rec.nCompleted).toBe(2);
    expect(h.rec.latencies[1]).toBeCloseTo(1.5, 12); // SYN at 2, served 0.5
    h.path.checkConservation();
  });

  it('a dead Nginx node: its clients get the network answer (EHOSTUNREACH with the option)', () => {
    for (const [unreachable, kind, at] of [
      ['timeout', ErrorKind.connect_timeout, 31],
      ['ehostunreach', ErrorKind.host_unreachable, 4],
    ] as const) {
      const h = harness({
        nodes: 2,
        nginx: { node: 1 },
        path: { network: { rtt: 0 }, timeouts: { unreachable } },
      });
      h.cluster.addPod(0, podIp(1));
      h.after(0.5, 'fail', () => h.path.nodeFailed(1));
      h.after(1, 'send', () => h.path.submit(0, 0.01));
      h.sim.run(60);
      expect(h.rec.failures[0]?.kind).toBe(kind);
      expect(h.rec.failures[0]?.cause).toBe(ErrorCause.node_failure);
      expect(h.rec.failures[0]?.at).toBeCloseTo(at, 12); // 1 + connect 30 s, or + 3 s
    }
  });

  it('504 on proxy_read_timeout; the pod keeps working on the abandoned request', () => {
    const h = harness({ nginx: { node: 0, readTimeout: 2 }, path: { network: { rtt: 0 } } });
    const a = h.cluster.addPod(0, podIp(1));
    h.path.submit(0, 5);
    h.sim.run(3);
    expect(h.rec.failures[0]?.kind).toBe(ErrorKind.http_504);
    expect(h.rec.failures[0]?.at).toBe(2);
    expect(h.path.servers.inService(a)).toBe(1);
    h.sim.run(10);
    expect(h.path.servers.served(a)).toBe(1);
    expect(h.path.tries.live).toBe(0);
    h.path.checkConservation();
  });

  it('the upstream list is a snapshot: a new pod gets no traffic, a replaced one fails', () => {
    const h = harness({ nginx: { node: 0, maxFails: 0 }, path: { network: { rtt: 0 } } });
    const a = h.cluster.addPod(0, podIp(1));
    const b = h.cluster.addPod(0, podIp(2));
    h.path.submit(0, 0.001);
    h.sim.run(1);
    h.cluster.remove(a);
    const c = h.cluster.addPod(0, podIp(3)); // replacement, new IP: Nginx never learns it
    const k = h.sim.register('send', () => h.path.submit(0, 0.001));
    for (let i = 0; i < 20; i++) h.sim.schedule(i * 0.01, k, 0);
    h.sim.run(200);
    expect(h.rec.servedBy.get(c) ?? 0).toBe(0);
    expect(h.rec.servedBy.get(b)).toBe(20); // all but the first request (served by a)
    expect(h.rec.nFailed).toBe(0); // connect timeouts retried on b (error/timeout)
    h.path.checkConservation();
  });

  it('queue full at the pod: 503 passed to the client unless http_503 is in nextUpstream', () => {
    for (const retry503 of [false, true]) {
      const h = harness({
        nginx: {
          node: 0,
          nextUpstream: retry503 ? ['error', 'timeout', 'http_503'] : ['error', 'timeout'],
        },
        path: { network: { rtt: 0 } },
        pod: { concurrency: 1, queueLimit: 0 },
      });
      h.cluster.addPod(0, podIp(1));
      h.cluster.addPod(0, podIp(2));
      for (let i = 0; i < 3; i++) h.path.submit(0, 1);
      h.sim.run(5);
      if (!retry503) {
        // rr: pod1, pod2, pod1 (busy) -> 503.
        expect(h.rec.nCompleted).toBe(2);
        expect(h.rec.failures[0]?.kind).toBe(ErrorKind.http_503);
        expect(h.rec.failures[0]?.cause).toBe(ErrorCause.overload);
      } else {
        // The third gets 503 from pod1, tries pod2 (also busy): 503 after two tries.
        expect(h.rec.nCompleted).toBe(2);
        expect(h.rec.nAttempts).toBe(1);
        expect(h.rec.failures[0]?.kind).toBe(ErrorKind.http_503);
      }
      h.path.checkConservation();
    }
  });

  it('adds the client -> Nginx hop: keepalive client, cross-node rtt on both hops', () => {
    const h = harness({
      nodes: 2,
      nginx: { node: 1 },
      path: { network: { rtt: 0.001, crossNodeRtt: 0.004 }, connections: { mode: 'keepalive' } },
    });
    h.cluster.addPod(0, podIp(1));
    h.path.submit(0, 0.01); // client on node 0 -> Nginx on node 1 -> pod on node 0
    h.sim.run(1);
    // client<->nginx 4 ms round trip; nginx<->pod: handshake 4 ms + request/response 4 ms.
    expect(h.rec.latencies[0]).toBeCloseTo(0.004 + 0.008 + 0.01, 12);
    h.path.checkConservation();
  });
});
