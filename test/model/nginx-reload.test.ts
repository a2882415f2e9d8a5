import { describe, expect, it } from 'vitest';
import type { NginxUpstreamPicker } from '../../src/dataplane/balancers/nginx.js';
import { build } from './helpers.js';

/**
 * Nginx reload (the `reloadInterval` workaround): new workers start from the new upstream list
 * with fresh passive-health state. A try begun before the reload holds a peer *index* of the old
 * list; when it ends it must not be reported to the new list, where that index is another server.
 */
describe('nginx-static reload', () => {
  it('tries begun before a reload do not mark servers of the new list down', () => {
    // 4 pods; at 1 s one is killed and replaced (new IP). maxFails 3 lets ~50 tries go to the
    // dead IP before it is marked down; each waits connectTimeout 3 s, so they all end after
    // the reload at 2 s, whose list holds only live pods. Nothing in the new list ever failed.
    const { model } = build(`
duration: 8s
cluster: {nodes: 2}
deployment:
  replicas: 4
  pod: {concurrency: 4, serviceTime: 1ms, startup: 0.5s}
workload:
  arrivals: {process: poisson, rate: 200}
  connections: per-request
churn:
  - {type: kill, at: 1s}
balancers:
  - {name: nginx-static, maxFails: 3, connectTimeout: 3s, reloadInterval: 2s}
`);
    const { sim, path, cluster } = model;
    // 4.5 s: every old try has timed out (sent before ~1.5 s, + 3 s), none of the new list's
    // fail_timeout windows has closed yet.
    sim.run(4.5);
    path.checkConservation();
    const picker = (path as unknown as { hop: { pickers: NginxUpstreamPicker[] } }).hop
      .pickers[0] as NginxUpstreamPicker;
    expect(picker.size).toBe(4);
    for (let i = 0; i < picker.size; i++) {
      const pod = cluster.podAt(picker.ips[i] as number);
      expect(pod).toBeGreaterThanOrEqual(0);
      expect(cluster.pod(pod).listening).toBe(true);
      // Before the fix: the peer at the dead IP's old index had fails = 27 here (and was
      // skipped for fail_timeout) although its pod never failed a request.
      expect(picker.peerState(i).fails).toBe(0);
    }
    // The old tries still end as connect timeouts (retried on the next peer): those sent to
    // the dead IP in [1, 1.5) s, Poisson with mean 200/4 x 0.5 = 25 (> 15 is 2 sigma below).
    expect(path.ledger.attemptErrorCount(1)).toBeGreaterThan(15);
  });
});
