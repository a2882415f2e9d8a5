/** Issue 14 point 3: offered load vs capacity before the run, lost work after it. */
import { describe, expect, it } from 'vitest';
import { lostWorkWarnings, summarizeRows } from '../../src/output/summarize.js';
import { loadScenarioText } from '../../src/scenario/load.js';
import { offeredLoad, offeredLoadReport, offeredRate } from '../../src/scenario/offered-load.js';

const scenario = (workload: string, extra = '') =>
  loadScenarioText(`
name: rho
duration: 100s
warmup: 20s
deployment:
  replicas: 4
  pod: {concurrency: 2, serviceTime: {distribution: exponential, mean: 10ms}}
workload:
  arrivals: ${workload}
${extra}`);

describe('rho before the run', () => {
  it('rho = rate x E[S] / (replicas x concurrency): 600 rps x 10 ms / 8 = 0.75', () => {
    const l = offeredLoad(scenario('{process: poisson, rate: 600}'));
    expect(l.capacityRps).toBeCloseTo(800, 9);
    expect(l.offeredRps).toBe(600);
    expect(l.rho).toBeCloseTo(0.75, 12);
    expect(offeredLoadReport([scenario('{process: poisson, rate: 600}')]).warnings).toEqual([]);
  });

  it('warns at rho >= 1 (twice the capacity: rho 2), per variant of a sweep', () => {
    const s = scenario(
      '{process: poisson, rate: 400}',
      'sweep:\n  workload.arrivals.rate: [400, 800, 1600]',
    );
    const r = offeredLoadReport([s]);
    expect(r.lines).toHaveLength(3);
    expect(r.lines[0]).toMatch(
      /offered 400 rps, capacity 800 rps \(8 worker\(s\) \/ 10 ms mean service\): rho 0\.50/,
    );
    expect(r.warnings).toHaveLength(2);
    expect(r.warnings[0]).toMatch(/rate=800: rho = 1\.00 >= 1/);
    expect(r.warnings[1]).toMatch(
      /rate=1600: rho = 2\.00 >= 1: offered 1600 rps exceeds the capacity of 800 rps/,
    );
  });

  it('on-off: phases weighted by their mean lengths; diurnal: time average over [warmup, duration]', () => {
    const onOff = scenario(
      '{process: on-off, rate: 900, offRate: 100, on: {distribution: constant, value: 3s}, off: {distribution: constant, value: 1s}}',
    );
    expect(offeredRate(onOff)).toBeCloseTo((900 * 3 + 100 * 1) / 4, 9);
    // One full period (80 s) inside [20, 100]: the average of min and max.
    const diurnal = scenario(
      '{process: diurnal, minRate: 100, maxRate: 500, period: 80s, phase: 0.25}',
    );
    expect(offeredRate(diurnal)).toBeCloseTo(300, 6);
  });

  it('closed loop has no rho up front', () => {
    const l = offeredLoad(scenario('{process: closed-loop, users: 10}'));
    expect(l.rho).toBeUndefined();
    expect(offeredLoadReport([scenario('{process: closed-loop, users: 10}')]).lines[0]).toMatch(
      /closed loop/,
    );
  });
});

const HEADER = [
  'scenario',
  'variant',
  'balancer',
  'replication',
  'requests',
  'error_rate',
  'throughput_rps',
  'offered_rps',
];
const row = (values: (string | number)[], header = HEADER) =>
  Object.fromEntries(header.map((h, i) => [h, String(values[i])]));

describe('lost work after the run', () => {
  it('throughput 1% or less below the offered rate: silent; more: a warning with the shortfall', () => {
    const rows = [
      row(['s', 0, 'iptables', 0, 990, 0, 99.5, 100]),
      row(['s', 0, 'iptables', 1, 990, 0, 99.1, 100]),
      row(['s', 0, 'ipvs-rr', 0, 600, 0.1, 60, 100]),
      row(['s', 0, 'ipvs-rr', 1, 600, 0.1, 60, 100]),
    ];
    const w = lostWorkWarnings(summarizeRows(HEADER, rows));
    expect(w).toEqual([
      's variant 0 ipvs-rr: throughput 60 rps is 40% below the offered 100 rps (error rate 10%; the rest unfinished at the end)',
    ]);
  });

  it('reads in_flight_at_end when the column exists (a summary.csv of issue 11), else never warns of it', () => {
    const header = [...HEADER, 'in_flight_at_end'];
    const rows = [
      row(['s', 0, 'iptables', 0, 1000, 0, 100, 100, 0], header),
      row(['s', 0, 'ipvs-rr', 0, 988, 0, 100, 100, 12], header),
      row(['s', 0, 'ipvs-rr', 1, 992, 0, 100, 100, 8], header),
    ];
    const groups = summarizeRows(header, rows);
    expect(groups[1]!.inFlightAtEnd!.mean).toBe(10);
    expect(groups[1]!.inFlightShare!.mean).toBeCloseTo(0.01, 12);
    expect(lostWorkWarnings(groups)).toEqual([
      's variant 0 ipvs-rr: 10 request(s) per replication (1% of arrivals) still in flight at the end (never completed nor failed; not in the latency quantiles)',
    ]);
    expect(
      summarizeRows(HEADER, [row(['s', 0, 'x', 0, 1, 0, 1, 1])])[0]!.inFlightAtEnd,
    ).toBeUndefined();
  });

  it('in flight at the end: silent at or below 0.1% of the arrivals, a warning above (issue 11)', () => {
    const header = [...HEADER, 'in_flight_at_end'];
    // 10 of 10,000 arrivals (9,990 finished): exactly 0.1%, silent; 11 of 10,000: warned.
    const at = [row(['s', 0, 'iptables', 0, 9990, 0, 100, 100, 10], header)];
    expect(lostWorkWarnings(summarizeRows(header, at))).toEqual([]);
    // One request in flight in a short run is no news either (1 of 2,000: 0.05%).
    const one = [row(['s', 0, 'iptables', 0, 1999, 0, 100, 100, 1], header)];
    expect(lostWorkWarnings(summarizeRows(header, one))).toEqual([]);
    const above = [row(['s', 0, 'iptables', 0, 9989, 0, 100, 100, 11], header)];
    expect(lostWorkWarnings(summarizeRows(header, above))).toEqual([
      's variant 0 iptables: 11 request(s) per replication (0.11% of arrivals) still in flight at the end (never completed nor failed; not in the latency quantiles)',
    ]);
  });
});
