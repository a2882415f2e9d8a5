import type { BalancerDescriptor } from '../types.js';
import { ingressNginxEwma, ingressNginxRr } from './ingress-nginx/balancer.js';
import { iptables } from './iptables.js';
import {
  ipvsDh,
  ipvsLc,
  ipvsNq,
  ipvsRr,
  ipvsSed,
  ipvsSh,
  ipvsWlc,
  ipvsWrr,
} from './ipvs-schedulers.js';
import { nftables } from './nftables.js';
import { nginxStatic } from './nginx.js';

/**
 * Every balancer lbsim can compare, by name. Adding one is a new file exporting its descriptor
 * and one line here.
 */
export const BALANCERS: readonly BalancerDescriptor[] = [
  iptables,
  nftables,
  ipvsRr,
  ipvsWrr,
  ipvsLc,
  ipvsWlc,
  ipvsSed,
  ipvsNq,
  ipvsSh,
  ipvsDh,
  nginxStatic,
  ingressNginxRr,
  ingressNginxEwma,
];

export const BALANCER_NAMES: readonly string[] = BALANCERS.map((b) => b.name);

const byName = new Map<string, BalancerDescriptor>(BALANCERS.map((b) => [b.name, b]));

/** The descriptor named `name`; throws an Error listing the valid names otherwise. */
export function getBalancer(name: string): BalancerDescriptor {
  const d = byName.get(name);
  if (d === undefined) {
    throw new Error(`unknown balancer \`${name}\`; valid: ${BALANCER_NAMES.join(', ')}`);
  }
  return d;
}
