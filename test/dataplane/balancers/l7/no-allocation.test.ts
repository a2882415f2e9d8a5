/**
 * The hot calls of every L7 family (pick, and the per-request feedback) allocate nothing: the
 * heap grows by less than 64 KB over 20,000 calls (any allocation per call would be >= 320 KB),
 * judged by the median of 7 trials after a JIT warm-up, with an allocating control (the method
 * of test/engine/random.test.ts).
 */
import { describe, expect, it } from 'vitest';
import { MaglevTable } from '../../../../src/dataplane/balancers/cilium/maglev.js';
import { CiliumRandom } from '../../../../src/dataplane/balancers/cilium/random.js';
import { EnvoyHostSet } from '../../../../src/dataplane/balancers/envoy/host-set.js';
import { EnvoyLeastRequest } from '../../../../src/dataplane/balancers/envoy/least-request.js';
import { OutlierDetector } from '../../../../src/dataplane/balancers/envoy/outlier-detection.js';
import { EnvoyRoundRobin } from '../../../../src/dataplane/balancers/envoy/round-robin.js';
import { GrpcRoundRobin } from '../../../../src/dataplane/balancers/grpc/round-robin.js';
import { IngressNginxEwma } from '../../../../src/dataplane/balancers/ingress-nginx/ewma.js';
import { IngressNginxRoundRobin } from '../../../../src/dataplane/balancers/ingress-nginx/round-robin.js';
import { LinkerdPeakEwma } from '../../../../src/dataplane/balancers/linkerd/peak-ewma.js';
import { RandomSource } from '../../../../src/engine/index.js';
import { ips } from './script.js';

let escaped: { i: number } | undefined;

/**
 * Median heap growth over 7 trials of 20,000 calls, after a warm-up of 1,000,000 calls for the
 * JIT (200,000 left one loop still being recompiled on a fresh CI run: 320 KB in 4 of 7 trials).
 * A loop still running unoptimised code boxes its doubles (16 B a call, 320 KB a trial) until V8
 * has (re)compiled it, which a fresh CI clone met once more after the longer warm-up (Linkerd,
 * 320,264 B). So the measurement is repeated up to 3 times and the least median kept: an
 * allocation per call by the code under test shows in every repetition, a compile in progress
 * does not last. (The least single trial is not used: a GC inside a trial makes it negative.)
 */
function growth(loop: (n: number) => number): number {
  let least = Number.POSITIVE_INFINITY;
  for (let attempt = 0; attempt < 3 && least >= 65536; attempt++) {
    let sink = loop(1_000_000);
    const trials: number[] = [];
    for (let t = 0; t < 7; t++) {
      const before = process.memoryUsage().heapUsed;
      sink += loop(20_000);
      trials.push(process.memoryUsage().heapUsed - before);
    }
    expect(Number.isFinite(sink)).toBe(true);
    least = Math.min(least, trials.sort((a, b) => a - b)[3] as number);
  }
  return least;
}

describe('L7 hot calls allocate nothing', () => {
  const rng = new RandomSource(9).stream('alloc');
  const list = ips(16);
  const ingressRr = new IngressNginxRoundRobin(list, rng);
  const ewma = new IngressNginxEwma(list);
  const linkerd = new LinkerdPeakEwma(list, 0);
  const envoyRr = new EnvoyRoundRobin(rng);
  const lr = new EnvoyLeastRequest();
  const active = new Int32Array(16);
  const od = new OutlierDetector(list);
  const hostSet = new EnvoyHostSet(50);
  const grpc = new GrpcRoundRobin(list, rng);
  for (let i = 0; i < 16; i++) grpc.setReady(i, true, rng);
  const cilium = new CiliumRandom();
  // A fixed clock: a double that the test loop itself advances and passes as an argument is
  // boxed (a 16-byte HeapNumber) by the caller on every call, measured here as 320 KB per
  // 20,000 calls with or without the picker; the engine passes its clock as it stands. The
  // decay code runs the same path for any value of `now`.
  const clock = { now: 5 };
  const maglev = new MaglevTable(251, 3);
  maglev.build(list);

  const loops: Record<string, (n: number) => number> = {
    'ingress-nginx round_robin': (n) => {
      let s = 0;
      for (let i = 0; i < n; i++) s += ingressRr.pick();
      return s;
    },
    'ingress-nginx ewma pick + after_balance': (n) => {
      let s = 0;
      for (let i = 0; i < n; i++) {
        const p = ewma.pick(clock.now, rng);
        ewma.afterBalance(p, clock.now, 0.01);
        s += p;
      }
      return s;
    },
    'Linkerd pick + request': (n) => {
      let s = 0;
      for (let i = 0; i < n; i++) {
        const p = linkerd.pick(clock.now, rng);
        linkerd.requestStarted(p);
        linkerd.requestEnded(p, clock.now, 0.01);
        s += p;
      }
      return s;
    },
    'Envoy host set + rr + least_request + outlier result': (n) => {
      let s = 0;
      for (let i = 0; i < n; i++) {
        hostSet.refresh(od.size, od.ejected, od.version);
        const k = envoyRr.pick(hostSet.count);
        const h = lr.pick(hostSet.hostsToUse, hostSet.count, active, rng);
        od.putResult(h, false, i);
        s += k + h;
      }
      return s;
    },
    'gRPC round_robin': (n) => {
      let s = 0;
      for (let i = 0; i < n; i++) s += grpc.pick();
      return s;
    },
    'Cilium random + Maglev lookup': (n) => {
      let s = 0;
      for (let i = 0; i < n; i++) s += cilium.pick(16, rng) + maglev.lookup(rng.int32());
      return s;
    },
  };

  it('the measurement sees a small allocation per call (control)', () => {
    expect(
      growth((n) => {
        let s = 0;
        for (let i = 0; i < n; i++) {
          escaped = { i };
          s += ingressRr.pick() + escaped.i;
        }
        return s;
      }),
    ).toBeGreaterThan(256 * 1024);
  });

  for (const [name, loop] of Object.entries(loops)) {
    it(name, () => {
      expect(growth(loop)).toBeLessThan(64 * 1024);
    });
  }
});
