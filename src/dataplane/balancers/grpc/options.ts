import { z } from 'zod';
import { boolean, duration, number } from '../../../fields/fields.js';
import { GRPC_BACKOFF, GRPC_MIN_RESOLUTION_INTERVAL } from '../../discovery/grpc-dns-resolver.js';

/**
 * Options of `grpc-pick-first` and `grpc-round-robin`: a grpc-go client channel over a headless
 * Service (its DNS is the cluster's: scenario `cluster.dns`), camelCased from grpc-go's names:
 * the channel's ConnectParams (backoff.Config and MinConnectTimeout, doc/connection-backoff.md),
 * the DNS resolver's MinResolutionInterval, the WaitForReady call option, and the server's
 * keepalive enforcement (keepalive.ServerParameters MaxConnectionAge / MaxConnectionAgeGrace),
 * the known mitigation of "new pods get no traffic".
 */
export interface GrpcOptionsInput {
  /** Server MaxConnectionAge: GOAWAY after it (+-10% jitter); 0 = infinite (grpc-go default). @default 0 */
  maxConnectionAge?: number | string;
  /** Server MaxConnectionAgeGrace: RPCs still running then are closed; 0 = infinite (grpc-go default). @default 0 */
  maxConnectionAgeGrace?: number | string;
  /** DNS resolver MinResolutionInterval (internal/resolver/dns). @default 30s */
  minResolutionInterval?: number | string;
  /** ConnectParams.MinConnectTimeout. @default 20s */
  minConnectTimeout?: number | string;
  /** backoff.Config.BaseDelay. @default 1s */
  backoffBaseDelay?: number | string;
  /** backoff.Config.Multiplier. @default 1.6 */
  backoffMultiplier?: number;
  /** backoff.Config.Jitter. @default 0.2 */
  backoffJitter?: number;
  /** backoff.Config.MaxDelay. @default 120s */
  backoffMaxDelay?: number | string;
  /** The WaitForReady call option: RPCs wait through TRANSIENT_FAILURE instead of failing. @default false */
  waitForReady?: boolean;
}

export interface GrpcBackoff {
  readonly baseDelay: number;
  readonly multiplier: number;
  readonly jitter: number;
  readonly maxDelay: number;
}

export interface GrpcOptions {
  /** Seconds; Infinity when not set. */
  readonly maxConnectionAge: number;
  /** Seconds; Infinity when not set. */
  readonly maxConnectionAgeGrace: number;
  readonly minResolutionInterval: number;
  readonly minConnectTimeout: number;
  readonly backoff: GrpcBackoff;
  readonly waitForReady: boolean;
}

/** grpc-go doc/connection-backoff.md: MIN_CONNECT_TIMEOUT = 20 seconds. */
export const GRPC_MIN_CONNECT_TIMEOUT = 20;

export const grpcOptions: z.ZodType<GrpcOptions> = z
  .strictObject({
    maxConnectionAge: duration().default(0),
    maxConnectionAgeGrace: duration().default(0),
    minResolutionInterval: duration().default(GRPC_MIN_RESOLUTION_INTERVAL),
    minConnectTimeout: duration({ positive: true }).default(GRPC_MIN_CONNECT_TIMEOUT),
    backoffBaseDelay: duration({ positive: true }).default(GRPC_BACKOFF.baseDelay),
    backoffMultiplier: number({ min: 1 }).default(GRPC_BACKOFF.multiplier),
    backoffJitter: number({ min: 0, max: 1 }).default(GRPC_BACKOFF.jitter),
    backoffMaxDelay: duration({ positive: true }).default(GRPC_BACKOFF.maxDelay),
    waitForReady: boolean().default(false),
  })
  .transform(
    (o): GrpcOptions => ({
      maxConnectionAge: o.maxConnectionAge === 0 ? Number.POSITIVE_INFINITY : o.maxConnectionAge,
      maxConnectionAgeGrace:
        o.maxConnectionAgeGrace === 0 ? Number.POSITIVE_INFINITY : o.maxConnectionAgeGrace,
      minResolutionInterval: o.minResolutionInterval,
      minConnectTimeout: o.minConnectTimeout,
      backoff: {
        baseDelay: o.backoffBaseDelay,
        multiplier: o.backoffMultiplier,
        jitter: o.backoffJitter,
        maxDelay: o.backoffMaxDelay,
      },
      waitForReady: o.waitForReady,
    }),
  );
