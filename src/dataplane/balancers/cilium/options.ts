import { z } from 'zod';
import { duration, integer } from '../../../fields/fields.js';
import { CILIUM_MAGLEV_DEFAULT_TABLE_SIZE, CILIUM_MAGLEV_TABLE_SIZES } from './maglev.js';

/**
 * Options of `cilium-random` and `cilium-maglev` (cilium-agent flags / Helm values, camelCased).
 */
export interface CiliumOptionsInput {
  /** `--bpf-lb-maglev-table-size` (Helm `maglev.tableSize`), one of the supported primes. @default 16381 */
  maglevTableSize?: number;
  /** `--bpf-lb-maglev-hash-seed`, as an integer here (cluster-wide). @default 0 */
  maglevHashSeed?: number;
  /** Agent watch -> BPF map update delay (lbsim parameter, UNVERIFIED default). @default 0 */
  agentDelay?: number | string;
}

export interface CiliumOptions {
  readonly maglevTableSize: number;
  readonly maglevHashSeed: number;
  readonly agentDelay: number;
}

export const CILIUM_DEFAULTS: CiliumOptions = {
  maglevTableSize: CILIUM_MAGLEV_DEFAULT_TABLE_SIZE,
  maglevHashSeed: 0,
  agentDelay: 0,
};

const tableSize = z.unknown().transform((v, ctx): number => {
  if (typeof v !== 'number' || !CILIUM_MAGLEV_TABLE_SIZES.includes(v)) {
    ctx.addIssue({
      code: 'custom',
      message: `expected one of Cilium's Maglev table sizes ${CILIUM_MAGLEV_TABLE_SIZES.join(', ')}, got ${JSON.stringify(v)}`,
    });
    return z.NEVER;
  }
  return v;
});

export const ciliumOptions: z.ZodType<CiliumOptions> = z.strictObject({
  maglevTableSize: tableSize.default(CILIUM_DEFAULTS.maglevTableSize),
  maglevHashSeed: integer({ min: 0, max: 4294967295 }).default(CILIUM_DEFAULTS.maglevHashSeed),
  agentDelay: duration().default(CILIUM_DEFAULTS.agentDelay),
});
