/**
 * The balancer names and option schemas the scenario schema validates against, taken from the
 * data plane's registry (src/dataplane/balancers/registry.ts), so balancer options are checked
 * once, at the edge, by the schema their implementation owns.
 */
import { BALANCER_NAMES, getBalancer } from '../dataplane/balancers/registry.js';
import type { BalancerCatalog } from './schema/index.js';

/** The catalog of every registered balancer. */
export function registryCatalog(): BalancerCatalog {
  return {
    names: BALANCER_NAMES,
    options: (name) => (BALANCER_NAMES.includes(name) ? getBalancer(name).options : undefined),
  };
}
