import { describe, expect, it } from 'vitest';
import { CoreDnsCache } from '../../../../src/dataplane/discovery/coredns-cache.js';
import { PilotDebounce } from '../../../../src/dataplane/discovery/pilot-debounce.js';
import { ips } from './script.js';

/** Drives a debounce like the engine would: events at given times, timers as they fall due. */
function drive(d: PilotDebounce, events: number[], until: number): number[] {
  const pushes: number[] = [];
  let e = 0;
  for (;;) {
    const nextEvent = e < events.length ? (events[e] as number) : Number.POSITIVE_INFINITY;
    const nextTimer = Number.isNaN(d.timerAt) ? Number.POSITIVE_INFINITY : d.timerAt;
    const t = Math.min(nextEvent, nextTimer);
    if (t > until) return pushes;
    if (nextEvent <= nextTimer) {
      e++;
      if (d.update(t)) pushes.push(t);
    } else if (d.fire(t)) {
      pushes.push(t);
      d.pushDone(t); // instantaneous push
    }
  }
}

describe("istiod's push debounce", () => {
  it('coalesces 3 updates within 100 ms into one push after 100 ms of quiet', () => {
    const d = new PilotDebounce();
    // Timer armed at 0 for 0.1; at 0.1 quiet is 0.1 - 0.09 = 0.01: re-armed for 0.09 more.
    const pushes = drive(d, [0, 0.05, 0.09], 5);
    expect(pushes).toHaveLength(1);
    expect(pushes[0]).toBeCloseTo(0.19, 12);
    expect(d.lastPushEvents).toBe(3);
  });

  it('N updates that never stop are pushed once PILOT_DEBOUNCE_MAX (10 s) is reached', () => {
    const d = new PilotDebounce();
    const events = Array.from({ length: 400 }, (_, k) => 0.01 + 0.05 * k); // every 50 ms for 20 s
    const pushes = drive(d, events, 10.2);
    expect(pushes).toHaveLength(1);
    expect(pushes[0]).toBeGreaterThanOrEqual(10.01);
    expect(pushes[0]).toBeLessThan(10.01 + 0.1 + 1e-9);
    // every event up to the push time was carried by that one push
    expect(d.lastPushEvents).toBe(events.filter((t) => t <= (pushes[0] as number)).length);
  });

  it('separate bursts get separate pushes; debounce off pushes every event', () => {
    expect(drive(new PilotDebounce(), [0, 1, 1.02], 5).map((t) => +t.toFixed(6))).toEqual([
      0.1, 1.12,
    ]);
    const off = new PilotDebounce({ debounceAfter: 0.1, debounceMax: 10, enabled: false });
    expect(drive(off, [0, 0.01, 0.02], 5)).toEqual([0, 0.01, 0.02]);
  });

  it('a push that takes time: a batch collected meanwhile goes out when it ends', () => {
    const d = new PilotDebounce();
    d.update(0);
    expect(d.fire(0.1)).toBe(true); // push 1 runs until 0.5
    d.update(0.2); // new batch: timer at 0.3
    expect(d.fire(0.3)).toBe(false); // busy: nothing, no re-arm
    expect(Number.isNaN(d.timerAt)).toBe(true);
    expect(d.pushDone(0.5)).toBe(true); // quiet 0.3 >= 0.1: pushed at once
    expect(d.pushes).toBe(2);
  });
});

describe('CoreDNS cache for a headless Service', () => {
  it('serves one answer for min(max(ttl, 5), 30) s, then asks the kubernetes plugin again', () => {
    const c = new CoreDnsCache();
    expect(c.cacheTtl).toBe(30);
    expect(c.query(0)).toBe(true);
    c.store(0, ips(3));
    expect(c.query(29.9)).toBe(false);
    expect(c.ips).toHaveLength(3);
    expect(c.remainingTtl(12.5)).toBe(17);
    expect(c.query(30)).toBe(true);
    expect(new CoreDnsCache({ ttl: 5, cache: 30, minTtl: 5 }).cacheTtl).toBe(5); // plugin default
    expect(new CoreDnsCache({ ttl: 0, cache: 30, minTtl: 5 }).cacheTtl).toBe(5); // MINTTL
    expect(new CoreDnsCache({ ttl: 60, cache: 30, minTtl: 5 }).cacheTtl).toBe(30);
  });
});
