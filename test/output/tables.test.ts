import { describe, expect, it } from 'vitest';
import { Simulation } from '../../src/engine/index.js';
import { MetricsRecorder } from '../../src/metrics/index.js';
import { type RowSink, TABLES, type TableName } from '../../src/output/columns.js';
import {
  timeseriesWriter,
  writeErrorRows,
  writePodRows,
  writeSummaryRow,
} from '../../src/output/tables.js';
import { tableHeader } from '../../src/runner/batch.js';

class MemorySink implements RowSink {
  rows: [TableName, (string | number)[]][] = [];
  row(table: TableName, values: readonly (string | number)[]): void {
    this.rows.push([table, [...values]]);
  }
  named(table: TableName): Record<string, string | number>[] {
    const cols = TABLES[table].slice(4);
    return this.rows
      .filter(([t]) => t === table)
      .map(([, v]) => {
        expect(v).toHaveLength(cols.length);
        return Object.fromEntries(cols.map((c, i) => [c, v[i] as string | number]));
      });
  }
}

describe('CSV headers', () => {
  it('summary.csv starts with the columns issue 5 requires, sweep keys after variant', () => {
    const required =
      'scenario,variant,balancer,replication,seed,requests,completed,errors,error_rate,latency_mean_ms,latency_p50_ms,latency_p90_ms,latency_p99_ms,latency_p999_ms,latency_max_ms,throughput_rps';
    expect(tableHeader('summary', []).join(',').startsWith(required)).toBe(true);
    expect(tableHeader('summary', ['workload.arrivals.rate']).slice(0, 4)).toEqual([
      'scenario',
      'variant',
      'workload.arrivals.rate',
      'balancer',
    ]);
  });

  it('every table starts with the job key and has units in its time columns', () => {
    for (const t of Object.keys(TABLES) as TableName[]) {
      const h = tableHeader(t, ['x']);
      if (t !== 'summary')
        expect(h.slice(0, 4)).toEqual(['scenario', 'variant', 'balancer', 'replication']);
      expect(new Set(h).size).toBe(h.length);
    }
    expect(tableHeader('propagation', [])).toContain('delay_ms');
    expect(tableHeader('timeseries', [])).toContain('window_start_s');
    expect(tableHeader('pods', [])).toContain('busy_fraction');
    expect(tableHeader('errors', []).slice(4)).toEqual(['level', 'kind', 'cause', 'count']);
  });
});

describe('row writers', () => {
  it('write recorder results in the columns and units of the contract', () => {
    const sim = new Simulation();
    const sink = new MemorySink();
    const rec = new MetricsRecorder(sim, { warmup: 0, window: 2 }, null, timeseriesWriter(sink));
    const k = sim.register('x', (i) => {
      if (i === 0) rec.arrival(0.5);
      if (i === 1) rec.completed(0.75, 0.5, 3); // 250 ms on pod 3
      if (i === 2) rec.arrival(1);
      if (i === 3) rec.failed(1.5, 1, 6, 4); // http_503, overload
      if (i === 4) rec.attemptFailed(1.6, 0, 0); // refused, stale_endpoint
    });
    [0.5, 0.75, 1, 1.5, 1.6].forEach((t, i) => {
      sim.scheduleAt(t, k, i);
    });
    sim.run(3);
    rec.finish();
    writeSummaryRow(sink, 1234, rec.summary());
    writeErrorRows(sink, rec);
    writePodRows(
      sink,
      [
        {
          pod: 3,
          node: 1,
          ip: '10.244.1.5',
          revision: 2,
          version: 2,
          createdAt: 0,
          deletedAt: Number.NaN,
          busyFraction: 0.25,
        },
      ],
      rec,
    );
    const [s] = sink.named('summary');
    expect(s).toMatchObject({
      seed: 1234,
      requests: 2,
      completed: 1,
      errors: 1,
      error_rate: 0.5,
      attempts_failed: 1,
      duration_s: 3,
      warmup_s: 0,
    });
    expect(s?.latency_mean_ms).toBeCloseTo(250, 9);
    expect(s?.throughput_rps).toBeCloseTo(1 / 3, 12);
    const ts = sink.named('timeseries');
    expect(
      ts.map((w) => [
        w.window_start_s,
        w.window_end_s,
        w.requests,
        w.arrivals,
        w.errors,
        w.errors_http_503,
      ]),
    ).toEqual([
      [0, 2, 2, 2, 1, 1],
      [2, 3, 0, 0, 0, 0],
    ]);
    expect(ts[0]?.throughput_rps).toBe(0.5);
    expect(ts[0]?.ready_pods).toBeNaN(); // no GaugeSource: empty cells
    expect(sink.named('errors')).toEqual([
      { level: 'final', kind: 'http_503', cause: 'overload', count: 1 },
      { level: 'attempt', kind: 'refused', cause: 'stale_endpoint', count: 1 },
    ]);
    expect(sink.named('pods')).toEqual([
      {
        pod: 3,
        node: 1,
        ip: '10.244.1.5',
        revision: 2,
        version: 2,
        created_at_s: 0,
        deleted_at_s: Number.NaN,
        requests_served: 1,
        busy_fraction: 0.25,
      },
    ]);
  });
});
