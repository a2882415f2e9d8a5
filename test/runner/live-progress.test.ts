import { describe, expect, it } from 'vitest';
import { createProgress, formatEta, liveStatus } from '../../src/cli/progress.js';
import { Simulation } from '../../src/engine/simulation.js';
import { runBatch } from '../../src/runner/batch.js';
import { executeJob } from '../../src/runner/execute.js';
import { planJobs } from '../../src/runner/jobs.js';
import {
  LiveProgress,
  PROGRESS_STEPS,
  progressWriter,
  runReporting,
} from '../../src/runner/live-progress.js';
import { simulateJob } from '../../src/runner/simulate.js';
import { simulateJob as toyJob } from '../../src/runner/toy-model.js';
import { loadScenarioText } from '../../src/scenario/load.js';
import { tempDir, toyScenario } from './helpers.js';

/** A self-rescheduling event at irregular times: a trace of (time, value) to compare runs by. */
function traced(sim: Simulation): number[] {
  const trace: number[] = [];
  let x = 1;
  const tick = sim.register('tick', (arg) => {
    trace.push(sim.now, arg);
    x = (x * 48271) % 2147483647;
    sim.schedule((x % 1000) / 997, tick, arg + 1);
  });
  sim.schedule(0, tick, 0);
  return trace;
}

describe('runReporting', () => {
  it('fires the same events in the same order as one run(until), reporting each step', () => {
    const once = new Simulation();
    const a = traced(once);
    once.run(123.4);
    const stepped = new Simulation();
    const b = traced(stepped);
    const reports: number[] = [];
    runReporting(
      stepped,
      123.4,
      () => b.length / 2,
      (t, n) => reports.push(t, n),
    );
    expect(b).toEqual(a);
    expect(stepped.now).toBe(once.now);
    expect(stepped.eventsProcessed).toBe(once.eventsProcessed);
    expect(reports).toHaveLength(2 * PROGRESS_STEPS);
    const times = reports.filter((_, i) => i % 2 === 0);
    expect(times.at(-1)).toBe(123.4);
    expect(times.every((t, i) => i === 0 || t > (times[i - 1] as number))).toBe(true);
    expect(reports.at(-1)).toBe(a.length / 2);
  });

  it('ends where one run(until) ends when a handler calls stop()', () => {
    const once = new Simulation();
    const a = traced(once);
    const stopper = once.register('stop', () => once.stop());
    once.schedule(50.5, stopper, 0);
    once.run(123.4);
    const stepped = new Simulation();
    const b = traced(stepped);
    const stopper2 = stepped.register('stop', () => stepped.stop());
    stepped.schedule(50.5, stopper2, 0);
    let reports = 0;
    runReporting(
      stepped,
      123.4,
      () => 0,
      () => reports++,
    );
    expect(once.now).toBe(50.5);
    expect(stepped.now).toBe(50.5);
    expect(b).toEqual(a);
    expect(reports).toBeLessThan(PROGRESS_STEPS);
  });

  it('leaves events exactly on a step boundary to the next step, as one run would', () => {
    // until = 100: step k ends at exactly k; an event every whole second sits on each boundary.
    const make = () => {
      const sim = new Simulation();
      const seen: number[] = [];
      const tick = sim.register('tick', (n) => {
        seen.push(sim.now, n);
        sim.schedule(1, tick, n + 1);
      });
      sim.schedule(0, tick, 0);
      return { sim, seen };
    };
    const once = make();
    once.sim.run(100);
    const stepped = make();
    const during: number[] = [];
    runReporting(
      stepped.sim,
      100,
      () => stepped.seen.length / 2,
      (_t, n) => during.push(n),
    );
    expect(stepped.seen).toEqual(once.seen);
    expect(once.seen.at(-2)).toBe(99); // the event at 100 is not run: time < until only
    // After step k (clock k), the events at 0 .. k-1 have run.
    expect(during.slice(0, 3)).toEqual([1, 2, 3]);
  });

  it('works without a listener', () => {
    const sim = new Simulation();
    traced(sim);
    runReporting(sim, 10, () => 0, undefined);
    expect(sim.now).toBe(10);
  });
});

describe('LiveProgress', () => {
  it('sums the slots the workers write', () => {
    const live = new LiveProgress(3);
    progressWriter(live.buffer, 0)(10, 100);
    progressWriter(live.buffer, 2)(5, 7);
    progressWriter(live.buffer, 0)(20, 150); // overwrites, does not add
    expect(live.totals()).toEqual({ simulatedSeconds: 25, arrivals: 157 });
  });

  it('executeJob leaves the final simulated time and arrivals in the job slot', () => {
    const live = new LiveProgress(2);
    const job = planJobs([toyScenario()])[0]?.jobs[1];
    if (job === undefined) throw new Error('no job');
    const r = executeJob(
      {
        job,
        partDir: tempDir(),
        key: ['toy', 0, 'x', 0],
        summaryKey: ['toy', 0, 'x', 0],
        live: { buffer: live.buffer, slot: 1 },
      },
      toyJob,
    );
    if (r.state !== 'completed') throw new Error(r.message);
    expect(live.totals()).toEqual({ simulatedSeconds: 20, arrivals: r.summary.arrivals });
  });

  it('runBatch gives each job its own slot', async () => {
    const scenarios = [toyScenario({ replications: 3 })];
    const live = new LiveProgress(6);
    const r = await runBatch(scenarios, {
      outDir: tempDir(),
      executor: async (task) => executeJob(task, toyJob),
      live,
    });
    const arrivals = r.results.reduce(
      (n, x) => n + (x.state === 'completed' ? x.summary.arrivals : 0),
      0,
    );
    expect(live.totals()).toEqual({ simulatedSeconds: 6 * 20, arrivals });
    await expect(
      runBatch(scenarios, {
        outDir: tempDir(),
        executor: async (task) => executeJob(task, toyJob),
        live: new LiveProgress(5),
      }),
    ).rejects.toThrow(/5 slots for 6 jobs/);
  });

  it('the production model reports as it runs, ending at its summary', () => {
    const s = loadScenarioText(`
name: p
duration: 40s
warmup: 10s
deployment: {replicas: 3, pod: {serviceTime: {distribution: exponential, mean: 10ms}}}
workload: {arrivals: {process: poisson, rate: 200}}
balancers: [iptables]
`);
    const v = s.variants[0];
    if (v === undefined) throw new Error('no variant');
    const reports: [number, number][] = [];
    const summary = simulateJob(
      {
        id: 0,
        scenario: 'p',
        variant: 0,
        variantLabel: v.label,
        balancer: v.scenario.balancers[0] as never,
        replication: 0,
        seed: 3,
        config: v.scenario,
      },
      { row() {} },
      (t, n) => reports.push([t, n]),
    );
    expect(reports).toHaveLength(PROGRESS_STEPS);
    expect(reports.at(-1)).toEqual([40, summary.arrivals]);
    // Arrivals count from warmup on: none reported in the first quarter.
    expect(reports[PROGRESS_STEPS / 4 - 1]?.[1]).toBe(0);
  });
});

describe('progress display', () => {
  it('formats the time left', () => {
    expect(formatEta(Number.NaN)).toBe('-');
    expect(formatEta(42.4)).toBe('42s');
    expect(formatEta(185)).toBe('3m05s');
    expect(formatEta(7620)).toBe('2h07m');
  });

  it('estimates from the share of simulated time done', () => {
    const live = new LiveProgress(2);
    progressWriter(live.buffer, 0)(100, 50_000);
    progressWriter(live.buffer, 1)(50, 20_000);
    // 150 of 600 simulated seconds in 10 s of wall time: 25%, 30 s to go.
    expect(liveStatus({ progress: live, simulatedSeconds: 600 }, 10)).toEqual({
      fraction: 0.25,
      rate: 7000,
      etaSeconds: 30,
    });
  });

  it('without a TTY prints a status line every heartbeat while jobs run, none when quiet', async () => {
    const live = new LiveProgress(1);
    progressWriter(live.buffer, 0)(30, 1000);
    for (const quiet of [false, true]) {
      let out = '';
      const p = createProgress(
        4,
        { out: (t) => (out += t), err: (t) => (out += t) },
        { tty: false, quiet, live: { progress: live, simulatedSeconds: 120 }, heartbeatMs: 20 },
      );
      // Wait for two heartbeats (timers run late on a busy host); when quiet, 200 ms of none.
      const deadline = Date.now() + (quiet ? 200 : 5000);
      while (Date.now() < deadline && (out.match(/\n/g)?.length ?? 0) < 2) {
        await new Promise((r) => setTimeout(r, 20));
      }
      p.stop();
      const lines = out
        .trim()
        .split('\n')
        .filter((l) => l !== '');
      if (quiet) expect(lines).toEqual([]);
      else {
        expect(lines.length).toBeGreaterThanOrEqual(2);
        expect(lines[0]).toMatch(
          /^\[0\/4 jobs done\] 25% simulated, \d+ (k )?simulated req\/s, ETA \d+s$/,
        );
      }
      // Stopped: no more lines.
      const before = out;
      await new Promise((r) => setTimeout(r, 50));
      expect(out).toBe(before);
    }
  });
});
