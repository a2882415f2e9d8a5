import { z } from 'zod';
import type { L4BalancerDescriptor } from '../types.js';
import { type SessionAffinityOptions, sessionAffinityFields } from './affinity.js';
import { UniformBalancer } from './iptables.js';

/**
 * kube-proxy nftables mode (KEP-3866, pkg/proxy/nftables/proxier.go): the service chain jumps
 * through `numgen random mod n vmap { 0 : goto ep0, ... }`. The kernel's nft_ng_random computes
 * reciprocal_scale(prandom_u32(), n) = (u32 * n) >> 32, which is floor(u * n) for the 32-bit
 * uniform u our streams give: a uniform choice, the same pick as iptables. The modes differ in
 * their sync cost (the kube-proxy model), not here. ClientIP affinity uses per-endpoint sets
 * with a timeout, modelled like iptables' `recent` lists.
 */
export type NftablesOptions = SessionAffinityOptions;

export const nftablesOptions: z.ZodType<NftablesOptions> = z.strictObject(sessionAffinityFields);

export const nftables: L4BalancerDescriptor<NftablesOptions> = {
  kind: 'l4',
  name: 'nftables',
  family: 'nftables',
  description: 'kube-proxy nftables mode: numgen random mod n, uniform per new connection',
  options: nftablesOptions,
  create: (ctx, options) => new UniformBalancer(ctx, options),
};
