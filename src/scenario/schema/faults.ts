/**
 * Schema of `faults:` (issue 11): per-pod faults (slow, errors, blackhole, refuse) and
 * kube-proxy restarts. Each entry is strict; the selector takes exactly one key. Checks against
 * other sections (ordinals < replicas, node < cluster.nodes, at <= duration) are in ../schema.ts.
 */
import { z } from 'zod';
import { boolean, duration, fraction, integer, number } from '../../fields/fields.js';
import type { ResolvedFault, ResolvedTargetSelector } from '../types.js';
import { type SchemaContext, strict } from './common.js';
import { distribution } from './distribution.js';

const SELECTOR_KEYS = ['count', 'fraction', 'ordinals', 'node'] as const;

function selector(what: 'pods' | 'nodes') {
  const keys = what === 'pods' ? SELECTOR_KEYS : (['count', 'fraction', 'ordinals'] as const);
  const shape = {
    count: integer({ min: 1 }).optional(),
    fraction: fraction().optional(),
    ordinals: z
      .array(integer({ min: 0 }))
      .min(1)
      .optional(),
    ...(what === 'pods' ? { node: integer({ min: 0 }).optional() } : {}),
  };
  return strict(shape).superRefine((s, c) => {
    const set = keys.filter((k) => (s as Record<string, unknown>)[k] !== undefined);
    if (set.length !== 1) {
      c.addIssue({
        code: 'custom',
        message: `expected exactly one of ${keys.map((k) => `\`${k}\``).join(', ')}, got ${set.length === 0 ? 'none' : set.map((k) => `\`${k}\``).join(' and ')}`,
      });
    }
  }) as unknown as z.ZodType<ResolvedTargetSelector>;
}

/** HTTP status an application error answers with. */
export const httpStatus = () => integer({ min: 400, max: 599 });

export function faultsSchema(ctx: SchemaContext) {
  const window = {
    at: duration().default(0),
    for: duration({ positive: true }).nullable().default(null),
  };
  return z.array(
    z.discriminatedUnion('type', [
      strict({
        type: z.literal('slow'),
        pods: selector('pods'),
        ...window,
        serviceTime: distribution(ctx).optional(),
        factor: number({ positive: true }).optional(),
      }).transform((f, c) => {
        if ((f.serviceTime === undefined) === (f.factor === undefined)) {
          c.addIssue({
            code: 'custom',
            path: f.serviceTime === undefined ? ['factor'] : ['serviceTime'],
            message: `expected exactly one of \`serviceTime\` (a distribution) or \`factor\` (a number > 0), got ${f.serviceTime === undefined ? 'neither' : 'both'}`,
          });
          return z.NEVER;
        }
        return { ...f, serviceTime: f.serviceTime ?? null, factor: f.factor ?? null };
      }),
      strict({
        type: z.literal('errors'),
        pods: selector('pods'),
        ...window,
        probability: fraction(),
        status: httpStatus().default(500),
      }),
      strict({ type: z.literal('blackhole'), pods: selector('pods'), ...window }),
      strict({ type: z.literal('refuse'), pods: selector('pods'), ...window }),
      strict({
        type: z.literal('kube-proxy-restart'),
        nodes: selector('nodes'),
        at: duration().default(0),
        for: duration().default(0),
        flush: boolean().default(false),
      }),
    ]),
  ) as unknown as z.ZodType<ResolvedFault[]>;
}
