import type { BalancerDescriptor } from '../types.js';
import { envoyLeastRequest, envoyRr } from './envoy/balancer.js';
import { grpcPickFirst, grpcRoundRobin } from './grpc/balancer.js';
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
import { linkerdEwma } from './linkerd/balancer.js';
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
  grpcPickFirst,
  grpcRoundRobin,
  envoyRr,
  envoyLeastRequest,
  linkerdEwma,
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

/** A registry name: lower-case letters, digits and dashes, starting with a letter. */
const BALANCER_NAME = /^[a-z][a-z0-9-]*$/;

/**
 * Adds a balancer to the registry of this thread, so scenarios may name it in `balancers:`
 * (for the library API: a custom policy from user code, docs/API.md). Its `options` schema
 * validates the scenario's options for it, as for the built-in balancers. Throws when the name
 * is malformed or taken. Worker threads have their own registry: a model module that registers
 * the balancer and re-exports simulateJob makes it known there (runScenarios' `model`).
 */
export function registerBalancer(descriptor: BalancerDescriptor): void {
  const name = descriptor.name;
  if (typeof name !== 'string' || !BALANCER_NAME.test(name)) {
    throw new Error(
      `registerBalancer: name: expected lower-case letters, digits and dashes, got \`${String(name)}\``,
    );
  }
  if (byName.has(name)) {
    throw new Error(`registerBalancer: a balancer named \`${name}\` is already registered`);
  }
  // The exported lists are read-only to their readers; this is the one place that extends them.
  (BALANCERS as BalancerDescriptor[]).push(descriptor);
  (BALANCER_NAMES as string[]).push(name);
  byName.set(name, descriptor);
}
