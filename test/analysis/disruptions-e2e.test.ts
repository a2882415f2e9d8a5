/**
 * Issue 14 point 4 end to end: disruptions.csv of a simulated scenario whose failed requests are
 * known by construction, through `lbsim run` and the real model.
 *
 * nginx-static (round robin over its 4 upstream servers, one worker, maxFails 0: no passive
 * health, nextUpstream off: no retry), constant arrivals at 128/s (1/128 s is exact in binary, so
 * arrival k is at exactly k/128 s) and a 1 ms service time. Pod ordinal 0 refuses connections
 * (listener closed, still Ready) from 4.995 s for 2 s: arrivals k = 640..895 (5 s <= k/128 <
 * 6.995 s), 256 requests, of which round robin sends exactly one in four to the refusing pod:
 * 64 failed (502), 32 in each of the 1 s windows [5, 6) and [6, 7) (128 arrivals each).
 *
 * disruptions.csv (docs/OUTPUTS.md), by hand:
 * - fault-start at 4.995: pre-event rate 0 (windows [1, 4) have no error); the event window runs
 *   from the window holding 4.995, [4, 5), to the last disturbed one before the next event,
 *   [6, 7): 384 requests, 64 failed, 64 in excess, recovered 7 - 4.995 = 2.005 s after;
 * - fault-end at 6.995: pre-event rate over [5, 6), 32 / 128 = 0.25; its window [6, 7) holds the
 *   32 errors that rate predicts: not disturbed, 128 requests, 32 failed, 0 excess, recovery 0.
 */
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { main } from '../../src/cli/main.js';
import { parseCsv } from '../../src/report/csv.js';

const SCENARIO = `
name: refuse-one
duration: 10s
warmup: 1s
seed: 9
replications: 2
output: {window: 1s}
cluster: {nodes: 2}
deployment:
  replicas: 4
  pod: {serviceTime: {distribution: constant, value: 1ms}}
workload:
  arrivals: {process: constant, rate: 128}
  connections: per-request
faults:
  - {type: refuse, pods: {ordinals: [0]}, at: 4.995s, for: 2s}
balancers:
  - {name: nginx-static, maxFails: 0, nextUpstream: "off"}
`;

let work: string;
let out: string;
let stdout = '';
beforeAll(async () => {
  work = fs.mkdtempSync(path.join(os.tmpdir(), 'lbsim-disruptions-e2e-'));
  fs.writeFileSync(path.join(work, 'refuse.yaml'), SCENARIO);
  out = path.join(work, 'out');
  const io = { out: (s: string) => void (stdout += s), err: () => {} };
  const file = path.join(work, 'refuse.yaml');
  expect(await main(['node', 'lbsim', 'run', file, '-o', out, '-q', '-j', '1'], io)).toBe(0);
}, 120_000);
afterAll(() => fs.rmSync(work, { recursive: true, force: true }));

const table = (name: string) => {
  const [header, ...rows] = parseCsv(
    fs.readFileSync(path.join(out, 'refuse-one', `${name}.csv`), 'utf8'),
  );
  return rows.map((r) => Object.fromEntries(header!.map((h, i) => [h, r[i] ?? ''])));
};

describe('disruptions.csv of a refusing pod behind nginx-static (failed requests known exactly)', () => {
  it('the model does what the construction says: 32 errors in [5, 6) and in [6, 7), none elsewhere', () => {
    for (const rep of ['0', '1']) {
      const w = table('timeseries').filter((r) => r.replication === rep);
      const errors = Object.fromEntries(w.map((r) => [r.window_start_s, Number(r.errors)]));
      expect(errors).toEqual({
        '0': 0,
        '1': 0,
        '2': 0,
        '3': 0,
        '4': 0,
        '5': 32,
        '6': 32,
        '7': 0,
        '8': 0,
        '9': 0,
      });
      for (const r of w.filter((x) => Number(x.window_start_s) >= 1))
        expect(Number(r.requests), `window ${r.window_start_s}`).toBe(128);
    }
  });

  it('each replication: 64 failed per fault start (2.005 s to recover), 32 expected ones at its end', () => {
    const rows = table('disruptions').map((r) => [
      r.replication,
      r.event_index,
      r.kind,
      r.event,
      Number(r.time_s),
      Number(r.pre_error_rate),
      Number(r.window_start_s),
      Number(r.window_end_s),
      Number(r.requests),
      Number(r.failed_requests),
      Number(r.excess_failed),
      Number(r.recovery_s),
    ]);
    const expected = (rep: string) => [
      [rep, '0', 'fault', 'fault-start', 4.995, 0, 4, 7, 384, 64, 64, 2.005],
      [rep, '1', 'fault', 'fault-end', 6.995, 0.25, 6, 7, 128, 32, 0, 0],
    ];
    expect(rows).toEqual([...expected('0'), ...expected('1')]);
    // The worst window p99 during the event: a successful request is RTTs plus the 1 ms service.
    for (const r of table('disruptions')) expect(Number(r.p99_ms)).toBeGreaterThan(1);
  });

  it('summarize: failed requests per fault, the mean of 64, 32, 64, 32 over the four events', async () => {
    stdout = '';
    const io = { out: (s: string) => void (stdout += s), err: () => {} };
    expect(await main(['node', 'lbsim', 'summarize', out], io)).toBe(0);
    expect(stdout).toMatch(/nginx-static: failed requests per fault: 48 ± \d/);
  });
});
