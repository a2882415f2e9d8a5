import { describe, expect, it } from 'vitest';
import { ciliumOptions } from '../../../../src/dataplane/balancers/cilium/options.js';
import { envoyConfig, envoyOptions } from '../../../../src/dataplane/balancers/envoy/options.js';
import { grpcOptions } from '../../../../src/dataplane/balancers/grpc/options.js';
import { ingressNginxOptions } from '../../../../src/dataplane/balancers/ingress-nginx/options.js';
import { linkerdOptions } from '../../../../src/dataplane/balancers/linkerd/options.js';

function issues(r: {
  success: boolean;
  error?: { issues: { path: PropertyKey[]; message: string }[] };
}) {
  return (r.error?.issues ?? []).map((i) => `${i.path.join('.')}: ${i.message}`);
}

describe('option schemas of the L7 families (defaults from each project)', () => {
  it('ingress-nginx: ConfigMap / flag defaults; bad values name the field', () => {
    expect(ingressNginxOptions.parse({})).toEqual({
      workerProcesses: 1,
      proxyNextUpstream: ['error', 'timeout'],
      proxyNextUpstreamTries: 3,
      proxyConnectTimeout: 5,
      proxyReadTimeout: 60,
      upstreamKeepaliveConnections: 320,
      syncRateLimit: 0.3,
      node: 0,
    });
    expect(
      ingressNginxOptions.parse({ proxyNextUpstream: 'error http_503' }).proxyNextUpstream,
    ).toEqual(['error', 'http_503']);
    expect(issues(ingressNginxOptions.safeParse({ proxyConnectTimeout: '0s', bogus: 1 }))).toEqual([
      expect.stringMatching(/^proxyConnectTimeout: expected a duration .* > 0, got `0s`$/),
      expect.stringContaining('bogus'),
    ]);
  });

  it('envoy: Istio defaults; outlier detection off unless given, then minHealthPercent 0', () => {
    const d = envoyConfig(envoyOptions.parse({}));
    expect(d.outlierDetection).toBeUndefined();
    expect(d.healthyPanicThreshold).toBe(50);
    expect(d.retries).toMatchObject({
      attempts: 2,
      connectFailure: true,
      retriableStatusCodes: [503],
    });
    expect(d.debounce).toEqual({ debounceAfter: 0.1, debounceMax: 10, enabled: true });
    expect(d.concurrency).toBe(2);
    const od = envoyConfig(envoyOptions.parse({ outlierDetection: {} }));
    expect(od.outlierDetection).toEqual({
      consecutive5xxErrors: 5,
      interval: 10,
      baseEjectionTime: 30,
      maxEjectionTime: 300,
      maxEjectionPercent: 10,
      maxEjectionTimeJitter: 0,
    });
    expect(od.healthyPanicThreshold).toBe(0);
    const r = envoyConfig(
      envoyOptions.parse({ retries: { attempts: 3, retryOn: '5xx,reset' } }),
    ).retries;
    expect(r).toMatchObject({
      attempts: 3,
      connectFailure: true,
      retriableStatusCodes: [500, 501, 502, 503, 504],
    });
    expect(issues(envoyOptions.safeParse({ placement: 'sidcar' }))).toEqual([
      expect.stringContaining('(did you mean `sidecar`?)'),
    ]);
    expect(
      issues(envoyOptions.safeParse({ retries: { retryOn: 'connect-failure,teapot' } })),
    ).toEqual([expect.stringMatching(/^retries\.retryOn: expected a comma-separated list/)]);
  });

  it('grpc: grpc-go defaults (connection-backoff.md, 30 s resolution), no server max connection age', () => {
    expect(grpcOptions.parse({})).toEqual({
      maxConnectionAge: Number.POSITIVE_INFINITY,
      maxConnectionAgeGrace: Number.POSITIVE_INFINITY,
      minResolutionInterval: 30,
      minConnectTimeout: 20,
      backoff: { baseDelay: 1, multiplier: 1.6, jitter: 0.2, maxDelay: 120 },
      waitForReady: false,
    });
    expect(grpcOptions.parse({ maxConnectionAge: '5m' }).maxConnectionAge).toBe(300);
  });

  it("cilium: Maglev table size is one of Cilium's primes", () => {
    expect(ciliumOptions.parse({})).toEqual({
      maglevTableSize: 16381,
      maglevHashSeed: 0,
      agentDelay: 0,
    });
    expect(issues(ciliumOptions.safeParse({ maglevTableSize: 16384 }))).toEqual([
      expect.stringMatching(/^maglevTableSize: expected one of Cilium's Maglev table sizes 251, /),
    ]);
  });

  it('linkerd: the EWMA constants are compiled in (not options); connect timeout 1 s', () => {
    expect(linkerdOptions.parse({})).toEqual({
      placement: 'sidecar',
      connectTimeout: 1,
      sidecarLatency: { distribution: 'lognormal', median: 0.00048, p99: 0.00135 },
      pushDelay: { distribution: 'constant', value: 0.01 },
    });
    expect(linkerdOptions.parse({ sidecarLatency: '1ms' }).sidecarLatency).toEqual({
      distribution: 'constant',
      value: 0.001,
    });
    expect(linkerdOptions.safeParse({ ewmaDecay: '5s' }).success).toBe(false);
  });
});
