import { describe, expect, it } from 'vitest';
import { sweepColumns, sweepNumber } from '../../src/runner/sweep-columns.js';

describe('sweep columns', () => {
  it('durations: `[0, 1s, 2s, 5s, 10s]` -> sweep_preStop_sleep_s with 0, 1, 2, 5, 10 seconds', () => {
    const values = [0, '1s', '2s', '5s', '10s'];
    const [c] = sweepColumns({ 'deployment.pod.preStop.sleep': values });
    expect(c).toEqual({
      key: 'deployment.pod.preStop.sleep',
      column: 'sweep_preStop_sleep_s',
      unit: 's',
      numeric: true,
    });
    expect(values.map((v) => sweepNumber(c!, v))).toEqual([0, 1, 2, 5, 10]);
    expect(sweepNumber(c!, '250ms')).toBe(0.25);
    expect(sweepNumber(c!, '1m30s')).toBe(90);
  });

  it('rates in rps, plain counts without a unit, percentages in pct, names as text', () => {
    const cols = sweepColumns({
      'workload.arrivals.rate': [300, 500],
      'deployment.replicas': [2, 4],
      'deployment.maxSurge': ['25%', '50%'],
      'balancers[0].options.scheduler': ['rr', 'lc'],
    });
    expect(cols.map((c) => [c.column, c.numeric])).toEqual([
      ['sweep_arrivals_rate_rps', true],
      ['sweep_deployment_replicas', true],
      ['sweep_deployment_maxSurge_pct', true],
      ['sweep_options_scheduler', false],
    ]);
    expect(sweepNumber(cols[2]!, '25%')).toBe(25);
    expect(sweepNumber(cols[3]!, 'lc')).toBe('lc');
  });

  it('an index joins its segment; same short names fall back to the whole path', () => {
    expect(sweepColumns({ 'churn[0].mtbf': ['30s', '1m'] })[0]!.column).toBe('sweep_churn0_mtbf_s');
    const cols = sweepColumns({ 'a.x.y': [1, 2], 'b.x.y': [1, 2] });
    expect(cols.map((c) => c.column)).toEqual(['sweep_a_x_y', 'sweep_b_x_y']);
  });

  it('a list mixing durations and names is text', () => {
    const [c] = sweepColumns({ 'x.timeout': ['1s', 'never'] });
    expect(c!.numeric).toBe(false);
    expect(c!.column).toBe('sweep_x_timeout');
  });
});
