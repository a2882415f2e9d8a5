/** Issue 14 point 4: disruptions.csv from hand-built timeseries and events. */
import { describe, expect, it } from 'vitest';
import { disruptionsCsv } from '../../src/output/disruptions.js';
import { parseCsv } from '../../src/report/csv.js';

const key = { scenario: 's', variant: '0', balancer: 'iptables', replication: '0' };
/** 1-s windows 0..20 with 100 requests each; errors and p99 per window as given. */
function windows(errors: Record<number, number>, p99: Record<number, number> = {}) {
  return Array.from({ length: 20 }, (_, t) => ({
    ...key,
    window_start_s: String(t),
    window_end_s: String(t + 1),
    requests: '100',
    errors: String(errors[t] ?? 0),
    latency_p99_ms: String(p99[t] ?? 20),
  }));
}
const event = (time: number, name: string) => ({ ...key, time_s: String(time), event: name });
const records = (text: string) => {
  const [h, ...rows] = parseCsv(text);
  return rows.map((r) => Object.fromEntries(h!.map((c, i) => [c, r[i]!])));
};

describe('disruptions.csv', () => {
  it('a rollout at 5.5 s with 7 + 3 + 2 failed requests in 5..8 s: 12 failed, recovered 2.5 s after, worst p99', () => {
    const ts = windows({ 5: 7, 6: 3, 7: 2 }, { 6: 480, 7: 90 });
    const [d, ...rest] = records(
      disruptionsCsv(ts, [event(5.5, 'rollout-started'), event(9, 'sigterm')], () => 1),
    );
    expect(rest).toEqual([]); // sigterm is a pod lifecycle step, not a churn event
    expect(d).toMatchObject({
      kind: 'rollout',
      time_s: '5.5',
      pre_error_rate: '0',
      window_start_s: '5',
      window_end_s: '8',
      requests: '300',
      failed_requests: '12',
      excess_failed: '12',
      recovery_s: '2.5',
      p99_ms: '480',
    });
  });

  it('against a noisy pre-event level: windows within 3 sigma of it are not disturbed', () => {
    // 1% errors before (1 per window); the crash adds 10 and 6, then back to 1-2 per window.
    const errs: Record<number, number> = {};
    for (let t = 0; t < 20; t++) errs[t] = t % 2 === 0 ? 1 : 1;
    errs[10] = 11;
    errs[11] = 7;
    errs[12] = 2;
    const [d] = records(disruptionsCsv(windows(errs), [event(10, 'container-crashed')], () => 1));
    // pre: windows 1..9 (from warmup 1 s): 9 errors / 900 = 1%; 2 <= 1 + 3 sqrt(1): not disturbed.
    expect(d).toMatchObject({
      kind: 'crash',
      pre_error_rate: '0.01',
      window_start_s: '10',
      window_end_s: '12',
      failed_requests: '18',
      excess_failed: '16',
      recovery_s: '2',
    });
  });

  it('the next churn event bounds the window; no errors: recovery 0 and the first window only', () => {
    const ts = windows({ 3: 5, 4: 5, 5: 5, 6: 5 });
    const out = records(
      disruptionsCsv(
        ts,
        [event(3, 'pod-killed'), event(5, 'node-failed'), event(15, 'scaled')],
        () => 0,
      ),
    );
    expect(
      out.map((d) => [d.kind, d.window_start_s, d.window_end_s, d.failed_requests, d.recovery_s]),
    ).toEqual([
      ['kill', '3', '5', '10', '2'],
      // Its pre-event level (3..5 s) is the kill's 5%: 5 errors per window are no disturbance.
      ['node-failure', '5', '6', '5', '0'],
      ['scale', '15', '16', '0', '0'],
    ]);
    // The scale's pre-event level starts at the node failure (5 s): 10 errors / 1000.
    expect(out[2]!.pre_error_rate).toBe('0.01');
  });
});
