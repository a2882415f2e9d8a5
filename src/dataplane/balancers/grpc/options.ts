import { z } from 'zod';
import { duration, integer } from '../../../fields/fields.js';
import { COREDNS_DEFAULTS, type CoreDnsOptions } from '../../discovery/coredns-cache.js';

/**
 * Options of `grpc-pick-first` and `grpc-round-robin`: a gRPC client channel (grpc-go) over a
 * headless Service, the CoreDNS that answers it (default Corefile) and the server's keepalive
 * enforcement (grpc-go keepalive.ServerParameters), camelCased.
 */
export interface GrpcOptionsInput {
  /** CoreDNS kubernetes plugin `ttl`. @default 30s (default Corefile) */
  dnsTtl?: number | string;
  /** CoreDNS `cache` maximum TTL. @default 30s */
  dnsCache?: number | string;
  /** CoreDNS replicas, each with its own cache (kubeadm's default Deployment). @default 2 */
  corednsReplicas?: number;
  /** Server MaxConnectionAge (GOAWAY after it, jittered +-10%); 0 = infinite (grpc-go default). @default 0 */
  maxConnectionAge?: number | string;
  /** Server MaxConnectionAgeGrace; 0 = infinite (grpc-go default). @default 0 */
  maxConnectionAgeGrace?: number | string;
}

export interface GrpcOptions {
  readonly coreDns: CoreDnsOptions;
  readonly corednsReplicas: number;
  /** Seconds; Infinity when not set. */
  readonly maxConnectionAge: number;
  readonly maxConnectionAgeGrace: number;
}

export const GRPC_DEFAULTS = { corednsReplicas: 2, maxConnectionAge: 0, maxConnectionAgeGrace: 0 };

export const grpcOptions: z.ZodType<GrpcOptions> = z
  .strictObject({
    dnsTtl: duration().default(COREDNS_DEFAULTS.ttl),
    dnsCache: duration().default(COREDNS_DEFAULTS.cache),
    corednsReplicas: integer({ min: 1 }).default(GRPC_DEFAULTS.corednsReplicas),
    maxConnectionAge: duration().default(GRPC_DEFAULTS.maxConnectionAge),
    maxConnectionAgeGrace: duration().default(GRPC_DEFAULTS.maxConnectionAgeGrace),
  })
  .transform(
    (o): GrpcOptions => ({
      coreDns: { ...COREDNS_DEFAULTS, ttl: o.dnsTtl, cache: o.dnsCache },
      corednsReplicas: o.corednsReplicas,
      maxConnectionAge: o.maxConnectionAge === 0 ? Number.POSITIVE_INFINITY : o.maxConnectionAge,
      maxConnectionAgeGrace:
        o.maxConnectionAgeGrace === 0 ? Number.POSITIVE_INFINITY : o.maxConnectionAgeGrace,
    }),
  );
