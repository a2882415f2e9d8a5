import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { pathToFileURL } from 'node:url';
import { describe, expect, it } from 'vitest';
import {
  BALANCER_NAMES,
  jobsOf,
  loadScenarioText,
  MemorySink,
  registerBalancer,
  runScenarios,
  ScenarioError,
  shippedScenario,
  simulateJob,
  z,
} from '../../src/index.js';
import { packageRoot } from '../../src/output/run-info.js';

/** Always the first endpoint of the table: a policy whose effect is easy to see in pods.csv. */
registerBalancer({
  kind: 'l4',
  name: 'first-endpoint',
  family: 'iptables',
  description: 'test: always the first endpoint',
  options: z.strictObject({ unused: z.number().default(1) }),
  create: () => ({
    pick: (table) => (table.size === 0 ? -1 : 0),
    tableProgrammed: () => {},
    connectionOpened: () => {},
    connectionClosed: () => {},
  }),
});

const SCENARIO = `name: lib
duration: 4s
warmup: 1s
replications: 2
deployment: {replicas: 3}
workload: {arrivals: {process: poisson, rate: 100}}
balancers: [iptables, first-endpoint]
`;

describe('registerBalancer', () => {
  it('makes the name valid in scenarios, with its options schema', () => {
    expect(BALANCER_NAMES).toContain('first-endpoint');
    const s = loadScenarioText(SCENARIO);
    expect(s.balancers.map((b) => [b.name, b.options])).toEqual([
      ['iptables', expect.anything()],
      ['first-endpoint', { unused: 1 }],
    ]);
    expect(() =>
      loadScenarioText(SCENARIO.replace('first-endpoint]', '{name: first-endpoint, unused: x}]')),
    ).toThrow(ScenarioError);
  });

  it('rejects a taken or malformed name', () => {
    const d = { kind: 'l4', family: 'iptables', description: '', options: z.strictObject({}) };
    const create = () => {
      throw new Error('never built');
    };
    expect(() => registerBalancer({ ...d, name: 'iptables', create } as never)).toThrow(
      /`iptables` is already registered/,
    );
    expect(() => registerBalancer({ ...d, name: 'Two Choices', create } as never)).toThrow(
      /name: expected lower-case letters, digits and dashes, got `Two Choices`/,
    );
  });
});

describe('runScenarios and simulateJob', () => {
  it('runs a registered balancer in this thread, as lbsim run would', async () => {
    const out = fs.mkdtempSync(path.join(os.tmpdir(), 'lbsim-lib-'));
    const done: string[] = [];
    const r = await runScenarios(loadScenarioText(SCENARIO), {
      outDir: out,
      onJobDone: (job, result) => done.push(`${job.balancer.label}:${result.state}`),
    });
    expect(r.failed).toBe(0);
    expect(done.sort()).toEqual([
      'first-endpoint:completed',
      'first-endpoint:completed',
      'iptables:completed',
      'iptables:completed',
    ]);
    // first-endpoint sends everything to one pod: the other two serve nothing.
    const pods = fs
      .readFileSync(path.join(out, 'lib', 'pods.csv'), 'utf8')
      .trim()
      .split('\n');
    const header = (pods[0] as string).split(',');
    const served = header.indexOf('requests_served');
    const idle = pods
      .slice(1)
      .map((l) => l.split(','))
      .filter((c) => c[2] === 'first-endpoint' && c[served] === '0');
    expect(idle.length).toBe(2 * 2);
  });

  it('on worker threads, with a model module that registers the balancer there', async () => {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'lbsim-lib-'));
    const lbsim = pathToFileURL(path.join(packageRoot(), 'dist', 'src', 'index.js')).href;
    const model = path.join(dir, 'model.mjs');
    fs.writeFileSync(
      model,
      `import { registerBalancer, z } from ${JSON.stringify(lbsim)};
registerBalancer({ kind: 'l4', name: 'first-endpoint', family: 'iptables', description: '',
  options: z.strictObject({ unused: z.number().default(1) }),
  create: () => ({ pick: (t) => (t.size === 0 ? -1 : 0), tableProgrammed() {},
    connectionOpened() {}, connectionClosed() {} }) });
export { simulateJob } from ${JSON.stringify(lbsim)};
`,
    );
    const s = loadScenarioText(SCENARIO);
    const threaded = path.join(dir, 'threads');
    const inThread = path.join(dir, 'here');
    const r = await runScenarios(s, {
      outDir: threaded,
      threads: 2,
      model: pathToFileURL(model).href,
    });
    expect(r.results.map((x) => (x.state === 'errored' ? x.message : x.state))).toEqual(
      Array(4).fill('completed'),
    );
    await runScenarios(s, { outDir: inThread });
    for (const f of ['summary.csv', 'pods.csv', 'timeseries.csv']) {
      expect(fs.readFileSync(path.join(threaded, 'lib', f), 'utf8')).toBe(
        fs.readFileSync(path.join(inThread, 'lib', f), 'utf8'),
      );
    }
  });

  it('jobsOf + MemorySink: one job into memory, the same summary as the files', () => {
    const s = loadScenarioText(SCENARIO);
    const jobs = jobsOf(s, { balancers: ['iptables'] });
    expect(jobs.map((j) => [j.id, j.replication])).toEqual([
      [0, 0],
      [1, 1],
    ]);
    const sink = new MemorySink();
    const summary = simulateJob(jobs[0] as (typeof jobs)[0], sink);
    expect(sink.tables.summary).toHaveLength(1);
    expect(sink.tables.summary[0]?.requests).toBe(summary.requests);
    expect(summary.requests).toBeGreaterThan(200);
    expect(sink.tables.timeseries.length).toBeGreaterThan(0);
    expect(() => sink.row('summary', [1, 2])).toThrow(/expected \d+ values, got 2/);
  });

  it('rejects a bad thread count and names the shipped scenarios', async () => {
    await expect(runScenarios([], { outDir: '.', threads: -1 })).rejects.toThrow(
      /threads: expected an integer >= 0, got `-1`/,
    );
    expect(shippedScenario('example.yaml')).toMatch(/scenarios[/\\]example\.yaml$/);
    expect(() => shippedScenario('nope.yaml')).toThrow(/no nope.yaml; shipped: .*example\.yaml/);
    expect(() => shippedScenario('../package.json')).toThrow(/no \.\.\/package\.json/);
  });
});
