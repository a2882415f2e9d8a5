import { describe, expect, it } from 'vitest';
import { EnvoyCluster } from '../../../../src/dataplane/balancers/envoy/cluster.js';
import { EnvoyHostSet } from '../../../../src/dataplane/balancers/envoy/host-set.js';
import { EnvoyLeastRequest } from '../../../../src/dataplane/balancers/envoy/least-request.js';
import {
  OUTLIER_DETECTION_DEFAULTS,
  OutlierDetector,
} from '../../../../src/dataplane/balancers/envoy/outlier-detection.js';
import {
  EnvoyRetryPolicy,
  TryOutcome,
} from '../../../../src/dataplane/balancers/envoy/retry-policy.js';
import { EnvoyRoundRobin } from '../../../../src/dataplane/balancers/envoy/round-robin.js';
import { RandomSource } from '../../../../src/engine/index.js';
import { ips, scripted } from './script.js';

/** Sends `k` failures to host h at time t. Returns whether the last one ejected it. */
function fail(d: OutlierDetector, h: number, t: number, k = 5): boolean {
  let ejected = false;
  for (let i = 0; i < k; i++) ejected = d.putResult(h, true, t);
  return ejected;
}

/** Interval sweeps of the detector from `from` to `to` (every 10 s from creation at 0). */
function sweeps(d: OutlierDetector, from: number, to: number): void {
  for (let t = from; t <= to; t += 10) d.onInterval(t);
}

describe('Envoy outlier detection (consecutive 5xx)', () => {
  it('ejects at the 5th consecutive failure; a success in between resets the count', () => {
    const d = new OutlierDetector(ips(10));
    expect(fail(d, 0, 1, 4)).toBe(false);
    d.putResult(0, false, 1);
    expect(fail(d, 0, 2, 4)).toBe(false);
    expect(d.putResult(0, true, 3)).toBe(true); // 5th in a row
    expect(d.hostState(0)).toMatchObject({ ejected: true, numEjections: 1, ejectTimeBackoff: 1 });
    expect(d.ejectedCount).toBe(1);
  });

  it('start, duration (base x count, up to the next sweep) and growth of an ejection', () => {
    const d = new OutlierDetector(ips(10));
    fail(d, 0, 3); // ejected at 3
    sweeps(d, 10, 30); // 30 <= t - 3 first holds at the sweep of 40
    expect(d.hostState(0).ejected).toBe(true);
    d.onInterval(40);
    expect(d.hostState(0).ejected).toBe(false); // ejected over [3, 40)
    // Failing again soon after: the backoff was not decremented (40 - 40 < interval), so the
    // second ejection lasts 2 x 30 = 60 s: t >= 41 + 60 first at the sweep of 110.
    fail(d, 0, 41);
    expect(d.hostState(0)).toMatchObject({ ejected: true, numEjections: 2, ejectTimeBackoff: 2 });
    sweeps(d, 50, 100);
    expect(d.hostState(0).ejected).toBe(true);
    d.onInterval(110);
    expect(d.hostState(0).ejected).toBe(false);
    // Healthy for whole intervals: the backoff decays by one per sweep.
    d.onInterval(120);
    expect(d.hostState(0).ejectTimeBackoff).toBe(1);
    d.onInterval(130);
    expect(d.hostState(0).ejectTimeBackoff).toBe(0);
    d.onInterval(140);
    expect(d.hostState(0).ejectTimeBackoff).toBe(0);
  });

  it('the backoff count stops growing at max_ejection_time (300 s = 10 x 30 s, +1)', () => {
    const d = new OutlierDetector(ips(10));
    let t = 1;
    for (let k = 0; k < 14; k++) {
      fail(d, 0, t);
      // Un-eject right away at a forced sweep far enough later, then fail again at once.
      t += 400;
      d.onInterval(t);
      t += 0.5;
    }
    // backoff++ while backoff x 30 < 300 + 30: stops at 11; the duration is capped at 300 s.
    expect(d.hostState(0).ejectTimeBackoff).toBe(11);
  });

  it('max_ejection_percent: the 2nd of 10 hosts is not ejected at 10%; fewer than 10: none', () => {
    const d = new OutlierDetector(ips(10));
    expect(fail(d, 0, 1)).toBe(true);
    expect(fail(d, 1, 1)).toBe(false); // 100 x 2 / 10 = 20 > 10
    expect(d.overflows).toBe(1);
    expect(d.hostState(1).consecutive5xx).toBe(0); // reset although not ejected
    expect(d.putResult(1, true, 2)).toBe(false); // the count starts again
    const small = new OutlierDetector(ips(9));
    expect(fail(small, 0, 1)).toBe(false); // 100 / 9 = 11.1 > 10
    const half = new OutlierDetector(ips(4), {
      ...OUTLIER_DETECTION_DEFAULTS,
      maxEjectionPercent: 50,
    });
    expect([fail(half, 0, 1), fail(half, 1, 1), fail(half, 2, 1)]).toEqual([true, true, false]);
  });

  it('keeps the state of hosts that stay across EDS updates; new hosts start clean', () => {
    const list = ips(10);
    const d = new OutlierDetector(list);
    fail(d, 3, 1);
    const next = Uint32Array.from([list[3] as number, ...ips(9, 100)]);
    d.setEndpoints(next);
    expect(d.hostState(0).ejected).toBe(true);
    expect(d.ejectedCount).toBe(1);
    d.setEndpoints(ips(10, 200)); // the ejected host left
    expect(d.ejectedCount).toBe(0);
  });
});

describe('Envoy host set and panic threshold', () => {
  it('balances over healthy hosts; below the threshold over all of them', () => {
    const hs = new EnvoyHostSet(50);
    const ejected = Uint8Array.from([1, 1, 0, 0]);
    hs.refresh(4, ejected, 1);
    expect([...hs.hostsToUse.subarray(0, hs.count)]).toEqual([2, 3]); // 50% is not < 50%
    ejected[2] = 1;
    hs.refresh(4, ejected, 2);
    expect(hs.panic).toBe(true);
    expect([...hs.hostsToUse.subarray(0, hs.count)]).toEqual([0, 1, 2, 3]);
    const off = new EnvoyHostSet(0);
    off.refresh(2, Uint8Array.from([1, 1]), 1);
    expect(off.count).toBe(0); // no healthy upstream
  });
});

describe('Envoy round robin', () => {
  it('starts at the per-worker random seed and keeps counting across host changes', () => {
    const rr = new EnvoyRoundRobin(scripted(0.5)); // seed 2^30
    const first = 2 ** 30 % 3;
    expect([rr.pick(3), rr.pick(3), rr.pick(3)]).toEqual([first, (first + 1) % 3, (first + 2) % 3]);
    expect(rr.pick(4)).toBe((2 ** 30 + 3) % 4);
    expect(rr.pick(0)).toBe(-1);
  });
});

describe('Envoy least_request', () => {
  it('2 choices with replacement: the busier of two hosts still wins 1/4 of the time', () => {
    const lr = new EnvoyLeastRequest();
    const hosts = Int32Array.from([0, 1]);
    const active = Int32Array.from([0, 3]);
    // Both samples land on host 1 only for (u1, u2) in [0.5, 1)^2.
    const grid = [0.1, 0.3, 0.6, 0.9];
    let busy = 0;
    for (const u1 of grid)
      for (const u2 of grid) busy += lr.pick(hosts, 2, active, scripted(u1, u2)) === 1 ? 1 : 0;
    expect(busy).toBe(4); // 4 of 16 cells
    // Seeded: about 1/4 over many picks.
    const rng = new RandomSource(3).stream('t');
    let n = 0;
    for (let k = 0; k < 20000; k++) n += lr.pick(hosts, 2, active, rng) === 1 ? 1 : 0;
    expect(n / 20000).toBeGreaterThan(0.24);
    expect(n / 20000).toBeLessThan(0.26);
  });

  it('a tie keeps the first sample (strictly fewer replaces)', () => {
    const lr = new EnvoyLeastRequest();
    const hosts = Int32Array.from([0, 1, 2]);
    expect(lr.pick(hosts, 3, Int32Array.from([2, 2, 2]), scripted(0.9, 0.1))).toBe(2);
    expect(lr.pick(hosts, 3, Int32Array.from([2, 1, 2]), scripted(0.9, 0.5))).toBe(1);
  });

  it('choice_count 3 and full scan', () => {
    const lr3 = new EnvoyLeastRequest({
      choiceCount: 3,
      activeRequestBias: undefined,
      fullScan: false,
    });
    const hosts = Int32Array.from([0, 1, 2, 3]);
    const active = Int32Array.from([5, 4, 1, 9]);
    expect(lr3.pick(hosts, 4, active, scripted(0.8, 0.3, 0.6))).toBe(2);
    const scan = new EnvoyLeastRequest({
      choiceCount: 2,
      activeRequestBias: undefined,
      fullScan: true,
    });
    expect(scan.pick(hosts, 4, active, scripted(0.5))).toBe(2);
  });

  it('weighted form: EDF on weight / (active + 1)^bias gives 2:1 for active 0 vs 1', () => {
    const lr = new EnvoyLeastRequest({ choiceCount: 2, activeRequestBias: 1, fullScan: false });
    const hosts = Int32Array.from([0, 1]);
    const active = Int32Array.from([0, 1]);
    const counts = [0, 0];
    const rng = scripted(0.5);
    for (let k = 0; k < 300; k++) (counts[lr.pick(hosts, 2, active, rng)] as number)++;
    expect(counts).toEqual([200, 100]);
    expect(lr.hostWeight(1, Int32Array.from([0, 3]))).toBe(0.25);
    const squared = new EnvoyLeastRequest({
      choiceCount: 2,
      activeRequestBias: 2,
      fullScan: false,
    });
    expect(squared.hostWeight(1, Int32Array.from([0, 3]))).toBe(1 / 16);
  });
});

describe("Istio's default retry policy", () => {
  const p = new EnvoyRetryPolicy();

  it('retries connect failures and 503, twice at most; not 500, 502, 504 or resets', () => {
    expect(p.shouldRetry(TryOutcome.connectFailure, 0, 0)).toBe(true);
    expect(p.shouldRetry(TryOutcome.response, 503, 1)).toBe(true);
    expect(p.shouldRetry(TryOutcome.response, 503, 2)).toBe(false);
    for (const s of [500, 502, 504]) expect(p.shouldRetry(TryOutcome.response, s, 0)).toBe(false);
    expect(p.shouldRetry(TryOutcome.reset, 0, 0)).toBe(false);
  });

  it('fully jittered back-off: [0, 25 ms), [0, 75 ms), capped at 250 ms', () => {
    expect(p.backoff(1, scripted(0.5))).toBeCloseTo(0.0125, 15);
    expect(p.backoff(2, scripted(0.5))).toBeCloseTo(0.0375, 15);
    expect(p.backoff(5, scripted(0.999))).toBeLessThan(0.25);
  });
});

describe('EnvoyCluster: one proxy, its detector and per-worker load balancers', () => {
  const base = {
    lbPolicy: 'round_robin' as const,
    concurrency: 2,
    leastRequest: { choiceCount: 2, activeRequestBias: undefined, fullScan: false },
    healthyPanicThreshold: 50,
    hostSelectionRetryMaxAttempts: 5,
  };
  const od = { ...OUTLIER_DETECTION_DEFAULTS, maxEjectionPercent: 100 };

  it('workers keep their own rr position; an ejected host is skipped by all of them', () => {
    const c = new EnvoyCluster(ips(4), { ...base, outlierDetection: od }, scripted(0, 0.5));
    // worker 0 starts at index 0, worker 1 at 2^30 (= 0 mod 4 as well): [0 1 2 3 ...]
    expect([
      c.pick(0, 0, scripted(0)),
      c.pick(0, 0, scripted(0)),
      c.pick(1, 0, scripted(0)),
    ]).toEqual([0, 1, 0]);
    for (let k = 0; k < 5; k++) c.requestEnded(2, true, 1);
    expect(c.ejectedHosts).toBe(1);
    const seen = new Set<number>();
    for (let k = 0; k < 12; k++) seen.add(c.pick(k & 1, 0, scripted(0)));
    expect([...seen].sort()).toEqual([0, 1, 3]);
  });

  it('panic below the threshold: all hosts again', () => {
    const c = new EnvoyCluster(ips(4), { ...base, outlierDetection: od }, scripted(0));
    for (const h of [0, 1, 2]) for (let k = 0; k < 5; k++) c.requestEnded(h, true, 1);
    expect(c.ejectedHosts).toBe(3);
    const seen = new Set<number>();
    for (let k = 0; k < 8; k++) seen.add(c.pick(0, 0, scripted(0)));
    expect(seen.size).toBe(4);
    expect(c.inPanic(0)).toBe(true);
  });

  it('previous_hosts skips hosts the request already tried', () => {
    const c = new EnvoyCluster(
      ips(3),
      { ...base, concurrency: 1, outlierDetection: undefined },
      scripted(0),
    );
    expect(c.pick(0, 0, scripted(0))).toBe(0);
    expect(c.pick(0, 1 << 1, scripted(0))).toBe(2); // next would be 1: tried, re-pick
  });

  it('least_request counts active requests proxy-wide; EDS updates keep them', () => {
    const list = ips(2);
    const c = new EnvoyCluster(
      list,
      { ...base, lbPolicy: 'least_request', outlierDetection: undefined },
      scripted(0),
    );
    c.requestStarted(0);
    c.requestStarted(0);
    // samples host 0 then host 1 (u = 0.2, 0.7): 1 has fewer active requests
    expect(c.pick(1, 0, scripted(0.2, 0.7))).toBe(1);
    c.setEndpoints(Uint32Array.from([list[0] as number, ...ips(1, 60)]));
    expect(c.active[0]).toBe(2);
    expect(c.active[1]).toBe(0);
  });
});
