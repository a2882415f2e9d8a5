import { describe, expect, it } from 'vitest';
import {
  BALANCER_NAMES,
  BALANCERS,
  getBalancer,
} from '../../../src/dataplane/balancers/registry.js';

describe('balancer registry', () => {
  it('registers the compared balancers under their scenario names', () => {
    expect(BALANCER_NAMES).toEqual([
      'iptables',
      'nftables',
      'ipvs-rr',
      'ipvs-wrr',
      'ipvs-lc',
      'ipvs-wlc',
      'ipvs-sed',
      'ipvs-nq',
      'ipvs-sh',
      'ipvs-dh',
      'nginx-static',
      'ingress-nginx-rr',
      'ingress-nginx-ewma',
      'grpc-pick-first',
      'grpc-round-robin',
      'envoy-rr',
      'envoy-least-request',
      'linkerd-ewma',
    ]);
    expect(new Set(BALANCER_NAMES).size).toBe(BALANCERS.length);
  });

  it('looks names up and lists the valid ones for an unknown name', () => {
    expect(getBalancer('ipvs-lc').family).toBe('ipvs');
    expect(getBalancer('nginx-static').kind).toBe('proxy');
    expect(() => getBalancer('ipvs-lblc')).toThrow(
      'unknown balancer `ipvs-lblc`; valid: iptables, nftables, ipvs-rr, ipvs-wrr, ipvs-lc, ipvs-wlc, ipvs-sed, ipvs-nq, ipvs-sh, ipvs-dh, nginx-static, ingress-nginx-rr, ingress-nginx-ewma',
    );
  });

  it('gives every entry a family matching its kind and a strict options schema', () => {
    for (const d of BALANCERS) {
      expect(d.kind === 'proxy').toBe(d.family === 'nginx');
      expect(d.kind === 'l7').toBe(
        ['ingress-nginx', 'grpc', 'envoy', 'linkerd'].includes(d.family),
      );
      expect(d.options.safeParse({}).success).toBe(true);
      expect(d.options.safeParse({ bogus: true }).success).toBe(false);
      expect(d.description.length).toBeGreaterThan(10);
    }
  });
});
