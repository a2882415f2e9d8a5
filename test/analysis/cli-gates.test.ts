/**
 * Issue 14 points 3, 6 and 8 through the CLI (toy model, worker threads: needs `npm run build`):
 * the rho warning, thresholds and exit code 3, and `--balancers` replacing the scenario's list.
 */
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { pathToFileURL } from 'node:url';
import { afterAll, describe, expect, it } from 'vitest';
import { EXIT_THRESHOLD } from '../../src/cli/exit-codes.js';
import { breaches, parseThreshold } from '../../src/fields/thresholds.js';
import { packageRoot } from '../../src/output/run-info.js';
import { replaceBalancers } from '../../src/scenario/balancer-override.js';
import { lbsim } from '../cli/helpers.js';

const TOY = pathToFileURL(path.join(packageRoot(), 'dist', 'src', 'runner', 'toy-model.js')).href;
const work = fs.mkdtempSync(path.join(os.tmpdir(), 'lbsim-gates-'));
afterAll(() => fs.rmSync(work, { recursive: true, force: true }));

/** 4 pods, one worker each, 10 ms mean: capacity 400 rps. */
function scenario(name: string, rate: number, extra = ''): string {
  const f = path.join(work, `${name}.yaml`);
  fs.writeFileSync(
    f,
    `name: ${name}
duration: 10s
warmup: 2s
replications: 2
deployment:
  replicas: 4
  pod: {serviceTime: {distribution: exponential, mean: 10ms}}
workload:
  arrivals: {process: poisson, rate: ${rate}}
balancers: [iptables, {name: nginx-static, maxFails: 3}]
${extra}`,
  );
  return f;
}
let n = 0;
const out = () => path.join(work, `out-${n++}`);
/** `lbsim run FILE -o <fresh folder> --model TOY ...rest`. */
const run = (file: string, ...rest: string[]) =>
  lbsim('run', file, '-o', out(), '--model', TOY, ...rest);

describe('overload is loud', () => {
  it('rho 0.5: one line, no warning; rho 2 (twice the capacity): a warning before and the shortfall after', async () => {
    const ok = await run(scenario('calm', 200));
    expect(ok.code).toBe(0);
    expect(ok.out).toMatch(
      /^offered load: calm: offered 200 rps, capacity 400 rps .*: rho 0\.50$/m,
    );
    // At the cut-off a few requests are in service (in_flight_at_end): that is reported; no
    // overload warning.
    expect(ok.err.replace(/^warning: .* still in flight at the end .*\n/gm, '')).toBe('');
    const r = await run(scenario('hot', 800), '-q');
    expect(r.code).toBe(0);
    expect(r.err).toMatch(
      /^warning: hot: rho = 2\.00 >= 1: offered 800 rps exceeds the capacity of 400 rps/m,
    );
    expect(r.err).toMatch(
      /^warning: hot variant 0 iptables: throughput .* rps is .*% below the offered .* rps/m,
    );
    // The terminal table shows both rates.
    const t = await lbsim('summarize', path.join(work, `out-${n - 1}`));
    expect(t.out).toMatch(/offered rps\s+throughput rps/);
  });
});

describe('thresholds', () => {
  it('parses `column op number[%]`; a breach is the comparison holding', () => {
    expect(parseThreshold(' error_rate > 0.1% ')).toEqual({
      text: 'error_rate > 0.1%',
      column: 'error_rate',
      op: '>',
      value: 0.001,
    });
    const t = parseThreshold('latency_p99_ms>=200');
    expect([breaches(t, 199.9), breaches(t, 200), breaches(t, Number.NaN)]).toEqual([
      false,
      true,
      false,
    ]);
    expect(() => parseThreshold('p99 is high')).toThrow(
      /expected `<summary column> <op> <number>`/,
    );
  });

  it('all held: exit 0 and every check listed as passed', async () => {
    const r = await run(
      scenario('gate-ok', 100),
      '-q',
      '--fail-if',
      'error_rate > 1%',
      '--fail-if',
      'latency_p99_ms > 10000',
    );
    expect(r.code).toBe(0);
    const lines = r.out.split('\n').filter((l) => /^(ok|FAIL) /.test(l));
    expect(lines).toHaveLength(4);
    expect(lines.every((l) => l.startsWith('ok '))).toBe(true);
    expect(lines[0]).toMatch(
      /^ok\s+gate-ok variant 0 iptables: error_rate = 0 \(fail if error_rate > 1%: passed\)$/,
    );
  });

  it("one failing: exit 3, FAIL lines, and the scenario's own thresholds: are checked too", async () => {
    const f = scenario('gate-bad', 100, "thresholds: ['latency_p50_ms > 0']");
    const r = await run(f, '-q', '--fail-if', 'throughput_rps < 1');
    expect(r.code).toBe(EXIT_THRESHOLD);
    expect(r.out).toMatch(/^ok\s+gate-bad variant 0 iptables: throughput_rps = .* passed\)$/m);
    expect(r.out).toMatch(
      /^FAIL\s+gate-bad variant 0 nginx-static: latency_p50_ms = .* \(fail if latency_p50_ms > 0: failed\)$/m,
    );
    expect(r.err).toMatch(/^2 of 4 threshold check\(s\) failed: exit 3$/m);
  });

  it('a bad condition or an unknown column is a usage error before anything runs', async () => {
    const o = out();
    const r = await lbsim(
      'run',
      scenario('gate-usage', 100),
      '-o',
      o,
      '--model',
      TOY,
      '--fail-if',
      'p99_ms > 2',
    );
    expect(r.code).toBe(2);
    expect(r.err).toMatch(
      /`p99_ms` is not a summary.csv column; expected one of requests, .*latency_p99_ms/,
    );
    expect(fs.existsSync(o)).toBe(false);
    const bad = await lbsim(
      'validate',
      scenario('gate-schema', 100, "thresholds: ['error_rate above 1']"),
    );
    expect(bad.code).toBe(2);
    expect(bad.err).toMatch(/thresholds\[0\]: expected `<summary column> <op> <number>`/);
  });
});

describe('--balancers replaces the scenario list', () => {
  it('a label keeps its options, another registered name runs with its defaults, in the order given', () => {
    const file = [
      'iptables',
      { name: 'nginx-static', maxFails: 3 },
      { name: 'ipvs-rr', label: 'rr' },
    ];
    expect(
      replaceBalancers(
        file,
        ['ipvs-sh', 'nginx-static', 'rr'],
        ['iptables', 'ipvs-rr', 'ipvs-sh', 'nginx-static'],
      ),
    ).toEqual({
      list: ['ipvs-sh', { name: 'nginx-static', maxFails: 3 }, { name: 'ipvs-rr', label: 'rr' }],
      problems: [],
    });
  });

  it('`--balancers ipvs-sh` on a scenario without it runs ipvs-sh only', async () => {
    const o = out();
    const r = await lbsim(
      'run',
      scenario('override', 100),
      '-o',
      o,
      '--model',
      TOY,
      '-q',
      '--balancers',
      'ipvs-sh,nginx-static',
    );
    expect(r.code).toBe(0);
    const run = JSON.parse(fs.readFileSync(path.join(o, 'override', 'run.json'), 'utf8'));
    expect(run.scenario.balancers.map((b: { label: string }) => b.label)).toEqual([
      'ipvs-sh',
      'nginx-static',
    ]);
    // nginx-static is the file's entry, with its options.
    expect(run.scenario.balancers[1].options.maxFails).toBe(3);
    const summary = fs.readFileSync(path.join(o, 'override', 'summary.csv'), 'utf8');
    expect(
      new Set(
        summary
          .trim()
          .split('\n')
          .slice(1)
          .map((l) => l.split(',')[2]),
      ),
    ).toEqual(new Set(['ipvs-sh', 'nginx-static']));
  });

  it('`ipvs` suggests the ipvs-* names; a far name gets the list of valid ones', async () => {
    const r = await run(scenario('typo', 100), '--balancers', 'ipvs');
    expect(r.code).toBe(2);
    expect(r.err).toMatch(
      /`ipvs` is neither a registered balancer nor a label in the file; registered: .*\(did you mean one of `ipvs-rr`, `ipvs-wrr`, .*`ipvs-sh`, `ipvs-dh`\?\)$/m,
    );
    const far = await run(scenario('typo2', 100), '--balancers', 'haproxy');
    expect(far.code).toBe(2);
    expect(far.err).toMatch(/`haproxy` is neither .*registered: `iptables`, .*`nginx-static`/);
    expect(far.err).not.toMatch(/did you mean/);
  });
});
