/** Issue 14 point 5: paired comparison against a baseline, and summarize's export formats. */
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { pairedComparisons } from '../../src/output/paired.js';
import { lbsim } from '../cli/helpers.js';

const HEADER = [
  'scenario',
  'variant',
  'balancer',
  'replication',
  'seed',
  'error_rate',
  'latency_p99_ms',
];
const rows = (balancer: string, p99: number[], seeds = [11, 22, 33], errors = [0, 0, 0]) =>
  p99.map((v, k) => ({
    scenario: 's',
    variant: '0',
    balancer,
    replication: String(k),
    seed: String(seeds[k]),
    error_rate: String(errors[k]),
    latency_p99_ms: String(v),
  }));
const csv = (rs: Record<string, string>[]) =>
  `${[HEADER.join(','), ...rs.map((r) => HEADER.map((h) => r[h]).join(','))].join('\n')}\n`;

describe('paired differences and ratios', () => {
  // Baseline p99 10, 12, 14; other 11, 12.5, 15: d = 1, 0.5, 1.
  const all = [...rows('iptables', [10, 12, 14]), ...rows('ipvs-rr', [11, 12.5, 15])];
  const p99 = pairedComparisons(HEADER, all, 'iptables').find((c) => c.metric === 'p99 ms')!;

  it('difference: mean 5/6, s_d = sqrt(1/12), half-width t(0.975, 2) s_d / sqrt 3 (hand computed)', () => {
    expect(p99.n).toBe(3);
    expect(p99.baselineMean).toBe(12);
    expect(p99.mean).toBeCloseTo(38.5 / 3, 12);
    expect(p99.difference.mean).toBeCloseTo(5 / 6, 12);
    expect(p99.difference.halfWidth).toBeCloseTo((4.303 * Math.sqrt(1 / 12)) / Math.sqrt(3), 12);
    expect(p99.significant).toBe(true);
  });

  it('ratio: the mean of 11/10, 12.5/12, 15/14 with its own paired interval', () => {
    const r = [1.1, 12.5 / 12, 15 / 14];
    const m = (r[0]! + r[1]! + r[2]!) / 3;
    const s = Math.sqrt(r.reduce((a, x) => a + (x - m) ** 2, 0) / 2);
    expect(p99.ratio!.mean).toBeCloseTo(m, 12);
    expect(p99.ratio!.halfWidth).toBeCloseTo((4.303 * s) / Math.sqrt(3), 12);
  });

  it('far tighter than independent intervals when the noise is shared', () => {
    // Independent half-width of the baseline alone: t s / sqrt(n) with s = 2 -> 4.97 > 0.72.
    expect(p99.difference.halfWidth).toBeLessThan((4.303 * 2) / Math.sqrt(3) / 5);
  });

  it('a baseline of 0 has no ratio; equal values are not significant; other seeds are not paired', () => {
    const e = pairedComparisons(
      HEADER,
      [...rows('iptables', [10, 12, 14]), ...rows('same', [10, 12, 14], [11, 22, 99])],
      'iptables',
    );
    const err = e.find((c) => c.metric === 'error rate')!;
    expect(err.ratio).toBeUndefined();
    expect(err.significant).toBe(false);
    expect(err.n).toBe(2);
  });

  it('n = 2: printed, and flagged with the replications that would resolve the difference', () => {
    // d = 1, 2: mean 1.5, s_d = 0.7071, half-width 12.706 x 0.7071 / sqrt 2 = 6.353 (includes 0);
    // t(0.975, 2) 0.7071/sqrt 3 = 1.757 > 1.5 >= t(0.975, 3) 0.7071/2 = 1.125: 4 replications.
    const two = pairedComparisons(
      HEADER,
      [...rows('iptables', [10, 12]), ...rows('ipvs-rr', [11, 14])],
      'iptables',
    ).find((c) => c.metric === 'p99 ms')!;
    expect(two.difference.halfWidth).toBeCloseTo((12.706 * Math.SQRT1_2) / Math.SQRT2, 12);
    expect(two.significant).toBe(false);
    expect(two.replicationsNeeded).toBe(4);
    expect(two.tooFew).toBe(true);
    // Resolved (p99 above), or equal in every replication (error rate 0 and 0): not flagged.
    expect(p99.tooFew).toBe(false);
    expect(p99.replicationsNeeded).toBeLessThanOrEqual(3);
    const zero = pairedComparisons(HEADER, all, 'iptables').find((c) => c.metric === 'error rate')!;
    expect([zero.significant, zero.tooFew]).toEqual([false, false]);
  });

  it('an unknown baseline names the balancers there are', () => {
    expect(() => pairedComparisons(HEADER, rows('iptables', [1, 2, 3]), 'ipvs-rr')).toThrow(
      /--baseline ipvs-rr: not a balancer of s variant 0; it has iptables/,
    );
  });
});

describe('lbsim summarize --baseline --format', () => {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'lbsim-paired-'));
  afterAll(() => fs.rmSync(dir, { recursive: true, force: true }));
  fs.writeFileSync(
    path.join(dir, 'summary.csv'),
    csv([...rows('iptables', [10, 12, 14]), ...rows('ipvs-rr', [11, 12.5, 15])]),
  );

  it('table: hyperfine-style ratio, the difference with its CI and a * when it excludes 0', async () => {
    const r = await lbsim('summarize', dir, '--baseline', 'iptables');
    expect(r.code).toBe(0);
    expect(r.out).toMatch(
      /^s\s+0\s+ipvs-rr\s+iptables\s+p99 ms\s+3\s+12\s+12\.83\s+0\.8333 ± 0\.72\s+1\.071 ± 0\.072 times\s+\*$/m,
    );
  });

  it('csv, json and markdown carry the same numbers; -o writes a file, -o - is stdout', async () => {
    const c = await lbsim('summarize', dir, '--baseline', 'iptables', '--format', 'csv');
    const [head, ...lines] = c.out.trim().split('\n');
    expect(head).toBe(
      'scenario,variant,balancer,baseline,metric,n,baseline_mean,balancer_mean,difference_mean,difference_ci95,ratio_mean,ratio_ci95,significant,replications_needed,n_too_small',
    );
    expect(lines[1]).toMatch(
      /^s,0,ipvs-rr,iptables,p99 ms,3,12,12\.83333333,0\.8333333333,0\.717\d+,1\.07\d+,0\.07\d+,true,3,false$/,
    );
    const j = JSON.parse((await lbsim('summarize', dir, '--format', 'json', '-o', '-')).out);
    expect(j.map((x: { balancer: string }) => x.balancer)).toEqual(['iptables', 'ipvs-rr']);
    expect(j[0].p99_ms_mean).toBe(12);
    expect(j[0].requests_mean).toBeNull();
    const md = (await lbsim('summarize', dir, '--format', 'markdown')).out.split('\n');
    expect(md[0]).toMatch(/^\| scenario \| variant \| balancer \| n \| requests \| error % \|/);
    expect(md[1]).toMatch(/^\| --- \| --- \| --- \| ---: \|/);
    const file = path.join(dir, 'cmp.md');
    const w = await lbsim(
      'summarize',
      dir,
      '--baseline',
      'iptables',
      '--format',
      'markdown',
      '-o',
      file,
    );
    expect(w.out).toMatch(/^written to /);
    expect(fs.readFileSync(file, 'utf8')).toMatch(
      /^\| scenario \| variant \| balancer \| vs \| metric \|/,
    );
  });

  it('n = 2: the interval is printed with "n too small: ~4 needed" and a footnote saying why', async () => {
    const two = fs.mkdtempSync(path.join(os.tmpdir(), 'lbsim-paired-two-'));
    try {
      fs.writeFileSync(
        path.join(two, 'summary.csv'),
        csv([...rows('iptables', [10, 12]), ...rows('ipvs-rr', [11, 14])]),
      );
      const r = await lbsim('summarize', two, '--baseline', 'iptables');
      expect(r.code).toBe(0);
      expect(r.out).toMatch(
        /^s\s+0\s+ipvs-rr\s+iptables\s+p99 ms\s+2\s+11\s+12\.5\s+1\.5 ± 6\.4\s+.*times\s+n too small: ~4 needed$/m,
      );
      expect(r.out).toMatch(
        /^n too small: the interval of the difference includes 0 .*--replications N/m,
      );
      const md = (await lbsim('summarize', two, '--baseline', 'iptables', '--format', 'markdown'))
        .out;
      expect(md).toMatch(/\| n too small: ~4 needed \|$/m);
      expect(md).toMatch(/^n too small: /m);
      const j = JSON.parse(
        (await lbsim('summarize', two, '--baseline', 'iptables', '--format', 'json')).out,
      );
      const p = j.find((x: { metric: string }) => x.metric === 'p99 ms');
      expect([p.replications_needed, p.n_too_small]).toEqual([4, true]);
    } finally {
      fs.rmSync(two, { recursive: true, force: true });
    }
  });

  it('an unknown format is a usage error', async () => {
    const r = await lbsim('summarize', dir, '--format', 'xml');
    expect(r.code).toBe(2);
    expect(r.err).toMatch(/Allowed choices are table, csv, json, markdown/);
  });
});

describe('run -o -', () => {
  it('is refused: a run writes folders', async () => {
    const r = await lbsim(
      'run',
      path.join(import.meta.dirname, '../../scenarios/example.yaml'),
      '-o',
      '-',
    );
    expect(r.code).toBe(2);
    expect(r.err).toMatch(/--out -: expected a folder/);
  });
});
