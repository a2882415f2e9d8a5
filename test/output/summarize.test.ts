import { describe, expect, it } from 'vitest';
import { confidenceInterval, studentTQuantile975 } from '../../src/metrics/stats.js';
import { formatSummaryTable } from '../../src/output/report-formats.js';
import { summarizeRows } from '../../src/output/summarize.js';

describe('Student t confidence intervals', () => {
  it('matches a hand-computed example', () => {
    // x = 10, 12, 14: mean 12, s = sqrt(((-2)^2 + 0 + 2^2) / 2) = 2, t(0.975, 2) = 4.303,
    // half-width = 4.303 * 2 / sqrt(3) = 4.96868...
    const ci = confidenceInterval([10, 12, 14]);
    expect(ci.n).toBe(3);
    expect(ci.mean).toBe(12);
    expect(ci.halfWidth).toBeCloseTo((4.303 * 2) / Math.sqrt(3), 10);
  });

  it('has no interval for one replication and skips NaN', () => {
    expect(confidenceInterval([5]).halfWidth).toBeNaN();
    expect(confidenceInterval([1, Number.NaN, 3]).mean).toBe(2);
  });

  it('t quantiles: table values and the large-df expansion', () => {
    expect(studentTQuantile975(1)).toBe(12.706);
    expect(studentTQuantile975(30)).toBe(2.042);
    // Reference values t(0.975, 40) = 2.0211, t(0.975, 120) = 1.9799 (NIST table).
    expect(studentTQuantile975(40)).toBeCloseTo(2.0211, 3);
    expect(studentTQuantile975(120)).toBeCloseTo(1.9799, 3);
    expect(() => studentTQuantile975(0)).toThrow(/degrees of freedom/);
  });
});

describe('summarize', () => {
  it('groups by (scenario, variant, balancer) with sweep columns', () => {
    const header = [
      'scenario',
      'variant',
      'rate',
      'balancer',
      'replication',
      'requests',
      'error_rate',
      'latency_p50_ms',
      'latency_p99_ms',
      'latency_p999_ms',
    ];
    const row = (v: string, rate: string, b: string, r: string, p99: string) =>
      Object.fromEntries(
        header.map((h, i) => [h, ['s', v, rate, b, r, '100', '0.01', '1', p99, '9'][i] as string]),
      );
    const groups = summarizeRows(header, [
      row('0', '10', 'iptables', '0', '10'),
      row('0', '10', 'iptables', '1', '12'),
      row('0', '10', 'iptables', '2', '14'),
      row('0', '10', 'ipvs-rr', '0', '5'),
      row('1', '20', 'iptables', '0', '7'),
    ]);
    expect(groups.map((g) => [g.variant, g.sweep.rate, g.balancer, g.n])).toEqual([
      ['0', '10', 'iptables', 3],
      ['0', '10', 'ipvs-rr', 1],
      ['1', '20', 'iptables', 1],
    ]);
    expect(groups[0]?.p99Ms.mean).toBe(12);
    expect(groups[0]?.p99Ms.halfWidth).toBeCloseTo((4.303 * 2) / Math.sqrt(3), 10);
    const table = formatSummaryTable(groups);
    expect(table.split('\n')[1]).toMatch(
      /^s\s+rate=10\s+iptables\s+3\s+100 ± 0\s+1 ± 0\s+1 ± 0\s+12 ± 5\s+9 ± 0\s+-\s+-$/,
    );
  });
});
