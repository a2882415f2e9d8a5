import { describe, expect, it } from 'vitest';
import { inFlightWarning } from '../../src/cli/in-flight-warning.js';

const job = {
  scenario: 's',
  variantLabel: 'default',
  balancer: { label: 'iptables' },
  replication: 0,
};
const done = (arrivals: number, requests: number) => ({
  state: 'completed',
  summary: { arrivals, requests },
});

describe('in-flight warning', () => {
  it('warns above 0.1% of arrivals still in flight, not at or below', () => {
    expect(inFlightWarning(job, done(10000, 9990))).toBeUndefined();
    const w = inFlightWarning(job, done(10000, 9989));
    expect(w).toContain('11 requests (0.110%) still in flight');
    expect(w).toContain('s default iptables replication 0');
    expect(inFlightWarning(job, { state: 'errored' })).toBeUndefined();
  });
});
