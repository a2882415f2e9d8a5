/**
 * The balancer names and option schemas the scenario schema validates against, taken from the
 * data plane's registry (src/dataplane/balancers/registry.ts), so balancer options are checked
 * once, at the edge, by the schema their implementation owns.
 *
 * TEMPORARY until the registry lands: the names of issue 4 with options accepted unchecked.
 */
import { z } from 'zod';
import type { BalancerCatalog } from './schema.js';

const NAMES = [
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
] as const;

/** The catalog of every registered balancer. */
export function registryCatalog(): BalancerCatalog {
  const names: readonly string[] = NAMES;
  return {
    names,
    options: (name) => (names.includes(name) ? z.record(z.string(), z.unknown()) : undefined),
  };
}
