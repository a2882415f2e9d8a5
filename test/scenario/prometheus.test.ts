import * as fs from 'node:fs';
import * as path from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { makeDistribution } from '../../src/engine/distributions/index.js';
import { loadScenarioText } from '../../src/scenario/load.js';
import { parsePrometheusHistogram } from '../../src/scenario/schema/prometheus.js';

const here = path.dirname(fileURLToPath(import.meta.url));
const fixture = (f: string) => path.join(here, 'fixtures', f);
const METRIC = 'kubeproxy_network_programming_duration_seconds';
const st = (yaml: string) =>
  loadScenarioText(`propagation: {watchDelay: ${yaml}}\n`, { file: fixture('x.yaml') }).propagation
    .watchDelay;

describe('Prometheus histograms as distributions', () => {
  it('reads a histogram of the text exposition format (buckets cumulative, +Inf the total)', () => {
    const r = parsePrometheusHistogram(
      fs.readFileSync(fixture('kube-proxy-metrics.prom'), 'utf8'),
      METRIC,
    );
    expect(r).toEqual({
      ok: true,
      histogram: { bounds: [0.25, 0.5, 1, 2], cumulative: [5, 20, 60, 90], total: 100, series: 1 },
    });
  });

  it('resolves {distribution: prometheus} to a histogram spec whose quantiles are histogram_quantile', () => {
    const spec = st(`{distribution: prometheus, file: kube-proxy-metrics.prom, metric: ${METRIC}}`);
    expect(spec).toEqual({
      distribution: 'histogram',
      bounds: [0.25, 0.5, 1, 2],
      cumulative: [5, 20, 60, 90],
      total: 100,
    });
    const d = makeDistribution(spec);
    // histogram_quantile(0.5): 20 below 0.5 s, 60 below 1 s: 0.5 + 0.5 x 30 / 40 = 0.875 s.
    expect(d.quantile(0.5)).toBeCloseTo(0.875, 12);
    // p95 falls in the +Inf bucket: the highest finite bound, 2 s.
    expect(d.quantile(0.95)).toBe(2);
  });

  it('sums the series of a query JSON bucket by bucket, or picks one by labels', () => {
    expect(st(`{distribution: prometheus, file: query.json, metric: ${METRIC}}`)).toEqual({
      distribution: 'histogram',
      bounds: [0.5, 1],
      cumulative: [10, 40],
      total: 50,
    });
    expect(
      st(
        `{distribution: prometheus, file: query.json, metric: ${METRIC}_bucket, labels: {instance: node-b}}`,
      ),
    ).toEqual({ distribution: 'histogram', bounds: [0.5, 1], cumulative: [0, 10], total: 10 });
  });

  it('inline buckets: {distribution: histogram, buckets: {bound: count}}', () => {
    expect(st("{distribution: histogram, buckets: {100ms: 4, 1s: 9, '+Inf': 10}}")).toEqual({
      distribution: 'histogram',
      bounds: [0.1, 1],
      cumulative: [4, 9],
      total: 10,
    });
    expect(() => st("{distribution: histogram, buckets: {100ms: 4, 1s: 3, '+Inf': 10}}")).toThrow(
      /watchDelay\.buckets: expected cumulative counts/,
    );
  });

  it('names the file and says what is wrong', () => {
    expect(() =>
      st(
        '{distribution: prometheus, file: kube-proxy-metrics.prom, metric: kubeproxy_network_programing_duration_seconds}',
      ),
    ).toThrow(
      /watchDelay\.file: kube-proxy-metrics\.prom: expected a histogram `kubeproxy_network_programing_duration_seconds`, got none \(did you mean `kubeproxy_network_programming_duration_seconds`\?\)/,
    );
    expect(() =>
      st(
        '{distribution: prometheus, file: kube-proxy-metrics.prom, metric: rest_client_requests_total}',
      ),
    ).toThrow(/expected `rest_client_requests_total` to be a histogram, got a counter/);
    expect(() =>
      st(
        `{distribution: prometheus, file: query.json, metric: ${METRIC}, labels: {instance: node-c}}`,
      ),
    ).toThrow(/expected a series of .* with labels \{instance="node-c"\}, got none/);
    expect(() => st(`{distribution: prometheus, file: missing.prom, metric: ${METRIC}}`)).toThrow(
      /watchDelay\.file: expected a readable Prometheus metrics file, got `missing.prom`/,
    );
    expect(
      parsePrometheusHistogram(
        '# TYPE x histogram\nx_bucket{le="1"} 5\nx_bucket{le="2"} 3\nx_bucket{le="+Inf"} 5\n',
        'x',
      ),
    ).toEqual({
      ok: false,
      message:
        'expected cumulative bucket counts (non-decreasing with `le`), got 3 at le="2" after 5',
    });
  });
});
