import { describe, expect, it } from 'vitest';
import { SLOT_SPACE } from '../../src/dataplane/pools.js';
import { buildModel } from '../../src/scenario/build.js';
import { ScenarioError } from '../../src/scenario/errors.js';
import { LIMITS } from '../../src/scenario/limits.js';
import { loadScenarioText } from '../../src/scenario/load.js';
import {
  estimateJob,
  formatWall,
  latencyWarnings,
  RUN_SIZE,
  runSizeLines,
} from '../../src/scenario/run-size.js';
import type { ScenarioConfig } from '../../src/scenario/types.js';

const load = (text: string, set: string[] = []) =>
  loadScenarioText(`name: x\n${text}`, { file: 'x.yaml', overrides: { set } });

/** The problem lines of loading `text` ('' when it loads). */
function problems(text: string, set: string[] = []): string {
  try {
    load(text, set);
    return '';
  } catch (e) {
    expect(e).toBeInstanceOf(ScenarioError);
    return (e as ScenarioError).format();
  }
}

// The defaults: 1 pod x 1 worker x exponential 10 ms (capacity 100 rps), Poisson 50 rps,
// per-request connections, rtt 0.2 ms, 60 s.
const FLOOR = 2 * 0.0002 + 0.01;

describe('estimateJob: hand-derived figures', () => {
  it('below capacity: Little’s law with the unloaded latency (two round trips and the mean service)', () => {
    const e = estimateJob(load(''));
    expect(e.latencyFloor).toBeCloseTo(FLOOR, 12);
    expect(e.requests).toBeCloseTo(50 * 60, 9);
    expect(e.inFlight).toBeCloseTo(50 * FLOOR, 12);
    expect(e.pods).toBe(1);
  });

  it('above capacity the pods’ queues grow by (lambda - mu) each second for the whole run', () => {
    const e = estimateJob(load('workload: {arrivals: {rate: 300}}\n'));
    expect(e.inFlight).toBeCloseTo(300 * FLOOR + (300 - 100) * 60, 9);
    // ...unless the queues are bounded (then 503s): queueLimit per replica.
    const q = estimateJob(
      load('workload: {arrivals: {rate: 300}}\ndeployment: {replicas: 2, pod: {queueLimit: 7}}\n'),
    );
    expect(q.inFlight).toBeCloseTo(300 * FLOOR + 2 * 7, 9);
  });

  it('keep-alive saves the connect round trip; closed loop holds one request per user', () => {
    expect(estimateJob(load('workload: {connections: keepalive}\n')).latencyFloor).toBeCloseTo(
      0.0002 + 0.01,
      12,
    );
    const c = estimateJob(load('workload: {arrivals: {process: closed-loop, users: 7}}\n'));
    expect(c.inFlight).toBe(7);
    // 7 users with no think time: 7 / 10.4 ms = 673 rps offered, served at most 100 rps.
    expect(c.requests).toBeCloseTo(100 * 60, 6);
  });

  it('pods created: scale-ups, one Deployment per rollout, replaced crashes', () => {
    const e = estimateJob(
      load(
        'deployment: {replicas: 4}\nchurn: [{type: scale, at: 10s, replicas: 10}, {type: rollout, at: 20s}, {type: crash, mtbf: 30s, action: replace}]\n',
      ),
    );
    // 4 + 6 (scale) + 10 (rollout) + 10 x 60 / 30 (crashes replaced).
    expect(e.pods).toBeCloseTo(4 + 6 + 10 + 20, 9);
  });

  it('the estimate of requests in flight holds in a run (overloaded: within 5% at the end)', () => {
    const s = load(
      'warmup: 0\nduration: 20\noutput: {window: 20}\nworkload: {arrivals: {rate: 400}}\n',
    );
    const m = buildModel(s, s.balancers[0] as ScenarioConfig['balancers'][number], 1, {
      row: () => {},
    });
    m.sim.run(s.duration);
    m.recorder.finish();
    const actual = m.recorder.summary().inFlight;
    const e = estimateJob(s);
    // (400 - 100) x 20 = 6000 queued; Poisson noise on 8000 arrivals is about 90.
    expect(actual / e.inFlight).toBeGreaterThan(0.95);
    expect(actual / e.inFlight).toBeLessThan(1.05);
  });
});

describe('jobs that cannot fit are refused before they run (issue 17 reproducers)', () => {
  it('rate: 1e9 (ran 37 s to 4 GB before failing): more requests in flight than the pool holds', () => {
    const p = problems('', ['workload.arrivals.rate=1e9']);
    expect(p).toMatch(
      new RegExp(
        `^x\\.yaml: workload\\.arrivals\\.rate: expected at most ${SLOT_SPACE.toLocaleString('en-US')} requests in flight at once \\(the limit of the request pool\\), got an estimated 6\\.0e10 \\(Little's law`,
      ),
    );
  });

  it('clients.count: 1e9: the memory figure, what makes it and the limit', () => {
    expect(problems('', ['workload.clients.count=1000000000'])).toBe(
      'x.yaml: workload.clients.count: expected a job that fits in 4.00 GB (the limit per job), got an estimated 150 GB, mostly 1.0e9 clients (from --set)',
    );
  });

  it('duration: 1e9 is past the duration limit; a year at a second per window past the windows limit', () => {
    expect(problems('duration: 1e9\n')).toMatch(
      /^x\.yaml: duration: expected a duration .* <= 8760h, got `1000000000`/,
    );
    expect(LIMITS.durationSeconds).toBe(365 * 86400);
    expect(problems(`duration: ${LIMITS.durationSeconds}\n`)).toMatch(
      /output\.window: expected at most 1000000 windows/,
    );
  });

  it('a job that would run for more than a day of CPU: the estimate and the limit', () => {
    // 8000 rps (100 replicas: rho 0.8) for 300 days: 2.07e11 requests, 4.0 days at 600 k/s.
    const p = problems(
      'duration: 300d\noutput: {window: 1h}\nworkload: {arrivals: {rate: 8000}}\ndeployment: {replicas: 100}\n',
    );
    expect(p).toMatch(
      /^x\.yaml: duration: expected a job that runs in at most 24 h \(the limit per job\), got an estimated 4\.0 days: 2\.1e11 requests/,
    );
  });

  it('the largest job inside every limit still loads (the refusals are not a cap on ordinary runs)', () => {
    // The shipped large cluster, and an hour at 20 k rps with 200 pods.
    expect(
      problems('duration: 1h\nworkload: {arrivals: {rate: 20000}}\ndeployment: {replicas: 400}\n'),
    ).toBe('');
  });
});

describe('runSizeLines and latencyWarnings', () => {
  it('prints the estimate only for a run over a minute, with jobs, requests, time and memory', () => {
    expect(runSizeLines([load('')], 2)).toEqual([]);
    const long = load(
      'duration: 2h\nworkload: {arrivals: {rate: 20000}}\ndeployment: {replicas: 400}\nreplications: 3\n',
    );
    const e = estimateJob(long);
    const wall = (3 * e.cpuSeconds) / 2;
    expect(runSizeLines([long, long, long], 2)).toEqual([
      `3 job(s), 432,000,000 simulated requests: expected about ${formatWall(wall)} on 2 worker thread(s) (${formatWall(3 * e.cpuSeconds)} of CPU at 600,000 requests/s per job on a quiet machine), up to ${Math.round(e.memoryBytes / 1e6)} MB per job`,
    ]);
    expect(e.cpuSeconds).toBeCloseTo(
      (20000 * 7200) / RUN_SIZE.requestsPerSecond + e.backgroundEvents / RUN_SIZE.eventsPerSecond,
      9,
    );
  });

  it('warns when requests cannot finish within the run (rtt: 1e308, a service time above the duration)', () => {
    const r = latencyWarnings([load('network: {rtt: 1e308}\n')]);
    expect(r).toHaveLength(1);
    expect(r[0]).toMatch(
      /^x: a request takes more than 1\.80e\+308 s \(round trips of network\.rtt and the mean service time\), not less than the measured interval of 1m \(duration - warmup\): requests cannot finish within the run/,
    );
    expect(
      latencyWarnings([
        load('deployment: {pod: {serviceTime: 2m}}\nduration: 100s\nwarmup: 10s\n'),
      ])[0],
    ).toMatch(/^x: a request takes at least 120s .* measured interval of 90s/);
    expect(latencyWarnings([load('')])).toEqual([]);
  });
});
