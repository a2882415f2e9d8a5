import { z } from 'zod';
import type { Ip } from '../../cluster/types.js';
import type { Rng, Simulation } from '../../engine/index.js';
import type { BalancerContext, EndpointTable, L4Balancer, L4BalancerDescriptor } from '../types.js';
import { ClientAffinity, type SessionAffinityOptions, sessionAffinityFields } from './affinity.js';

/**
 * kube-proxy iptables mode (pkg/proxy/iptables/proxier.go). For a Service with n endpoints the
 * KUBE-SVC chain holds n rules; rule i (from 0) jumps to endpoint i with `-m statistic --mode
 * random --probability 1/(n-i)` (printed with 10 decimals), the last one unconditionally. The
 * chance that rule i is the first to match is prod_{j<i} (1 - 1/(n-j)) * 1/(n-i) = 1/n, so the
 * chain is a uniform choice; we draw it with one uniform variate instead of up to n-1.
 * test/dataplane/balancers/iptables.test.ts checks the literal chain (with its 10-decimal
 * probabilities) against 1/n exactly, and a sampled literal chain against this draw.
 *
 * The choice is per new connection: conntrack pins later packets, and a sync never moves an
 * established flow. No state besides `recent` affinity lists, which are per node.
 */
export type IptablesOptions = SessionAffinityOptions;

export const iptablesOptions: z.ZodType<IptablesOptions> = z.strictObject(sessionAffinityFields);

/**
 * A uniform per-connection choice with optional ClientIP affinity: iptables' statistic chain
 * and nftables' `numgen random mod n` (nftables.ts) behave the same way.
 */
export class UniformBalancer implements L4Balancer {
  private readonly sim: Simulation;
  private readonly rng: Rng;
  private readonly affinity: ClientAffinity | null;
  private table: EndpointTable | null = null;

  constructor(ctx: BalancerContext, options: SessionAffinityOptions) {
    this.sim = ctx.sim;
    this.rng = ctx.rng;
    this.affinity =
      options.sessionAffinity === 'ClientIP'
        ? new ClientAffinity(options.sessionAffinityTimeout)
        : null;
  }

  pick(table: EndpointTable, clientIp: Ip): number {
    if (table !== this.table) this.tableProgrammed(table);
    const n = table.size;
    if (n === 0) return -1; // the Service's REJECT rule: connection refused at once
    const affinity = this.affinity;
    if (affinity === null) return Math.floor(this.rng.next() * n);
    const now = this.sim.now;
    const pinned = affinity.lookup(table, clientIp, now);
    if (pinned >= 0) return pinned;
    const i = Math.floor(this.rng.next() * n);
    affinity.record(clientIp, table.ips[i] as number, now);
    return i;
  }

  tableProgrammed(table: EndpointTable): void {
    this.table = table;
    this.affinity?.retainOnly(table);
  }

  connectionOpened(_ip: Ip): void {}

  connectionClosed(_ip: Ip): void {}
}

export const iptables: L4BalancerDescriptor<IptablesOptions> = {
  kind: 'l4',
  name: 'iptables',
  family: 'iptables',
  description:
    'kube-proxy iptables mode: statistic-random chain, uniform per new connection; sessionAffinity ClientIP via `recent`',
  options: iptablesOptions,
  create: (ctx, options) => new UniformBalancer(ctx, options),
};
