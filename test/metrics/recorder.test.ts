import { describe, expect, it } from 'vitest';
import { RandomSource, Simulation } from '../../src/engine/index.js';
import { MetricsRecorder, type WindowStats } from '../../src/metrics/index.js';

type Action = (r: MetricsRecorder, sim: Simulation) => void;

/** Runs hand-made recorder calls at given times, then finishes at `until`. */
function replay(script: [number, Action][], until: number, warmup: number) {
  const sim = new Simulation();
  const windows: WindowStats[] = [];
  const recorder = new MetricsRecorder(
    sim,
    { warmup, window: 1 },
    { readyPods: () => sim.now * 10, staleNodes: () => 7 },
    (w) => windows.push({ ...w, errorsByKind: w.errorsByKind.slice() }),
  );
  const kind = sim.register('script', (i) => (script[i] as [number, Action])[1](recorder, sim));
  script.forEach(([t], i) => {
    sim.scheduleAt(t, kind, i);
  });
  sim.run(until);
  recorder.finish();
  return { recorder, windows, summary: recorder.summary() };
}

describe('MetricsRecorder with hand-made events', () => {
  // warmup 2 s, windows of 1 s, run until 4.5 s.
  // A arrives 0.5, completes 1.5 (pod 0)        -> before warmup: only in the time series
  // B arrives 1.8, completes 2.2 (pod 1)        -> arrived before warmup: excluded from totals
  // C arrives 2.5, fails 2.7 (reset, pod_killed)
  //   a retried try fails at 2.6 (refused, stale_endpoint)
  // D arrives 3.0, completes 3.25 (pod 1)
  // E arrives 3.5, still in flight at 4.5
  const { recorder, windows, summary } = replay(
    [
      [0.5, (r) => r.arrival(0.5)],
      [1.5, (r) => r.completed(1.5, 0.5, 0)],
      [1.8, (r) => r.arrival(1.8)],
      [2.2, (r) => r.completed(2.2, 1.8, 1)],
      [2.5, (r) => r.arrival(2.5)],
      [2.6, (r) => r.attemptFailed(2.6, 0, 0)],
      [2.7, (r) => r.failed(2.7, 2.5, 3, 3)],
      [3.0, (r) => r.arrival(3.0)],
      [3.25, (r) => r.completed(3.25, 3.0, 1)],
      [3.5, (r) => r.arrival(3.5)],
    ],
    4.5,
    2,
  );

  it('counts only requests that arrived after warmup', () => {
    expect(summary.arrivals).toBe(3); // C, D, E
    expect(summary.completed).toBe(1); // D
    expect(summary.failed).toBe(1); // C
    expect(summary.requests).toBe(2);
    expect(summary.inFlight).toBe(1); // E
    expect(summary.attemptsFailed).toBe(1);
    expect(summary.errorRate).toBe(0.5);
    expect(summary.latencyMean).toBeCloseTo(0.25, 12);
    expect(summary.latencyMax).toBeCloseTo(0.25, 12);
    // B (0.4 s) completed in a window merged into the totals but must have been subtracted.
    expect(recorder.latencyHistogram.count).toBe(1);
    expect(summary.latencyP99).toBeGreaterThanOrEqual(0.25);
    expect(summary.latencyP99).toBeLessThanOrEqual(0.25 * (1 + 1 / 1024));
    expect(summary.throughput).toBeCloseTo(1 / 2.5, 12);
    expect(recorder.finalErrorCount(3, 3)).toBe(1);
    expect(recorder.attemptErrorCount(0, 0)).toBe(1);
    expect(recorder.requestsServed(0)).toBe(0);
    expect(recorder.requestsServed(1)).toBe(1);
  });

  it('integrates the number in system from warmup on', () => {
    // N(t) on [2, 4.5]: B 2-2.2, C 2.5-2.7, D 3-3.25, E 3.5-4.5 => area 0.2+0.2+0.25+1 = 1.65.
    expect(summary.meanInSystem).toBeCloseTo(1.65 / 2.5, 12);
  });

  it('closes one window per second plus the partial last one', () => {
    expect(windows.map((w) => [w.start, w.end])).toEqual([
      [0, 1],
      [1, 2],
      [2, 3],
      [3, 4],
      [4, 4.5],
    ]);
    expect(windows.map((w) => w.arrivals)).toEqual([1, 1, 1, 2, 0]);
    expect(windows.map((w) => w.completed)).toEqual([0, 1, 1, 1, 0]);
    expect(windows.map((w) => w.errors)).toEqual([0, 0, 1, 0, 0]);
    expect(windows[2]?.errorsByKind[3]).toBe(1);
    // Window histograms are reset each window: [1,2) has only A (1 s), [2,3) only B (0.4 s).
    expect(windows[1]?.latencyP50).toBeCloseTo(1, 2);
    expect(windows[2]?.latencyP50).toBeCloseTo(0.4, 3);
    expect(windows[0]?.latencyP99).toBeNaN();
    // Gauges are sampled at each window's end.
    expect(windows.map((w) => w.readyPods)).toEqual([10, 20, 30, 40, 45]);
    expect(windows.every((w) => w.staleNodes === 7)).toBe(true);
  });

  it('rejects a non-positive window', () => {
    expect(() => new MetricsRecorder(new Simulation(), { window: 0 })).toThrow(/window/);
  });
});

describe("Little's law on an M/M/1 queue run on the engine", () => {
  it('mean in system = throughput x mean sojourn, and both match theory', () => {
    // lambda 0.5, mu 1: rho 0.5, W = 1/(mu - lambda) = 2 s, L = rho/(1 - rho) = 1.
    const lambda = 0.5;
    const mu = 1;
    const sim = new Simulation();
    const rs = new RandomSource(11);
    const arrivals = rs.stream('arrivals');
    const service = rs.stream('service');
    const exp = (rate: number, u: number) => -Math.log(1 - u) / rate;
    const recorder = new MetricsRecorder(sim, { warmup: 1000, window: 100 });
    // FIFO of arrival times in a ring buffer.
    const ring = new Float64Array(1 << 16);
    let head = 0;
    let size = 0;
    const departure = sim.register('departure', () => {
      const arrivedAt = ring[head] as number;
      head = (head + 1) & (ring.length - 1);
      size--;
      recorder.completed(sim.now, arrivedAt, 0);
      if (size > 0) sim.schedule(exp(mu, service.next()), departure);
    });
    const arrival = sim.register('arrival', () => {
      recorder.arrival(sim.now);
      ring[(head + size) & (ring.length - 1)] = sim.now;
      size++;
      if (size === 1) sim.schedule(exp(mu, service.next()), departure);
      sim.schedule(exp(lambda, arrivals.next()), arrival);
    });
    sim.schedule(exp(lambda, arrivals.next()), arrival);
    sim.run(401_000);
    recorder.finish();
    const s = recorder.summary();
    expect(s.completed).toBeGreaterThan(190_000);
    // Little's law is a sample-path identity; only requests straddling warmup or the end
    // (a handful, each ~2 s, over 400 000 s) separate the two sides: 1% is generous.
    expect(s.meanInSystem).toBeCloseTo(s.throughput * s.latencyMean, 2);
    expect(Math.abs(s.meanInSystem / (s.throughput * s.latencyMean) - 1)).toBeLessThan(0.01);
    // Theory: with ~2e5 customers and a relaxation time of ~12 s at rho 0.5 the relative
    // standard error of the means is ~1.5%; 5% is > 3 standard errors.
    expect(Math.abs(s.latencyMean / 2 - 1)).toBeLessThan(0.05);
    expect(Math.abs(s.meanInSystem / 1 - 1)).toBeLessThan(0.05);
    // Exponential sojourn with rate mu - lambda: p99 = ln(100) / 0.5 = 9.21 s.
    expect(Math.abs(s.latencyP99 / (Math.log(100) / 0.5) - 1)).toBeLessThan(0.05);
    expect(s.inFlight).toBe(recorder.inSystemNow);
  });
});
