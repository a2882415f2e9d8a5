/**
 * grpc-pick-first, grpc-round-robin, cilium-random and cilium-maglev end to end: from a scenario
 * file through the CLI's worker pool (built dist/), beside iptables on the same seed: each runs
 * with options, -j 1 and -j 2 give byte-identical CSVs, and every balancer sees the same
 * arrivals and the same churn (common random numbers).
 */
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { main } from '../../src/cli/main.js';

const SCENARIO = `
name: client-side-wired
duration: 40s
warmup: 5s
seed: 12
replications: 1
output: {window: 2s}
cluster: {nodes: 3}
deployment:
  replicas: 4
  pod:
    concurrency: 2
    serviceTime: {distribution: exponential, mean: 10ms}
workload:
  arrivals: {process: poisson, rate: 200}
  clients: {count: 9}
churn:
  - {type: scale, at: 10s, replicas: 6}
  - {type: rollout, at: 20s}
propagation:
  watchDelay: {distribution: exponential, mean: 100ms}
balancers:
  - iptables
  - grpc-pick-first
  - name: grpc-round-robin
    maxConnectionAge: 10s
    maxConnectionAgeGrace: 2s
  - cilium-random
  - name: cilium-maglev
    agentDelay: 50ms
`;

const dirs: string[] = [];
afterAll(() => {
  for (const d of dirs) fs.rmSync(d, { recursive: true, force: true });
});

async function run(threads: number): Promise<string> {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'lbsim-client-side-'));
  dirs.push(dir);
  const file = path.join(dir, 'client-side-wired.yaml');
  fs.writeFileSync(file, SCENARIO);
  const out = path.join(dir, 'out');
  const io = { out: () => {}, err: (s: string) => process.stderr.write(s) };
  const code = await main(
    ['node', 'lbsim', 'run', file, '--out', out, '--quiet', '-j', String(threads)],
    io,
  );
  expect(code).toBe(0);
  return path.join(out, 'client-side-wired');
}

const NAMES = ['iptables', 'grpc-pick-first', 'grpc-round-robin', 'cilium-random', 'cilium-maglev'];

describe('gRPC and Cilium wired from a scenario', () => {
  let one = '';
  it('runs every family beside iptables', async () => {
    one = await run(1);
    const summary = fs.readFileSync(path.join(one, 'summary.csv'), 'utf8');
    const lines = summary.trim().split('\n');
    const header = (lines[0] ?? '').split(',');
    const b = header.indexOf('balancer');
    const req = header.indexOf('requests');
    for (const name of NAMES) {
      const row = lines.map((l) => l.split(',')).find((r) => r[b] === name);
      expect(row, name).toBeDefined();
      expect(Number((row as string[])[req]), name).toBeGreaterThan(6000);
    }
  }, 180_000);

  it('-j 1 and -j 2 give byte-identical CSVs', async () => {
    const two = await run(2);
    for (const f of fs.readdirSync(one).filter((n) => n.endsWith('.csv'))) {
      expect(fs.readFileSync(path.join(two, f), 'utf8'), f).toBe(
        fs.readFileSync(path.join(one, f), 'utf8'),
      );
    }
  }, 180_000);

  it('every balancer sees the same arrivals and the same churn', () => {
    const info = JSON.parse(fs.readFileSync(path.join(one, 'run.json'), 'utf8')) as {
      jobs: { balancer: string; summary: { arrivals: number } }[];
    };
    expect(info.jobs.map((j) => j.balancer).sort()).toEqual([...NAMES].sort());
    const arrivals = new Set(info.jobs.map((j) => j.summary.arrivals));
    expect(arrivals.size).toBe(1);
    const events = fs.readFileSync(path.join(one, 'events.csv'), 'utf8').trim().split('\n');
    const eh = (events[0] ?? '').split(',');
    const bi = eh.indexOf('balancer');
    const ev = eh.indexOf('event');
    const churn = (name: string) =>
      events
        .slice(1)
        .map((l) => l.split(','))
        .filter((r) => r[bi] === name)
        .filter((r) =>
          ['rollout-started', 'pod-created', 'container-started', 'ready', 'sigterm'].includes(
            r[ev] as string,
          ),
        )
        .map((r) => r.slice(eh.indexOf('time_s')).join(','));
    const base = churn('iptables');
    expect(base.length).toBeGreaterThan(12);
    for (const name of NAMES.slice(1)) expect(churn(name), name).toEqual(base);
  });
});
