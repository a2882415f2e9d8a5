import { z } from 'zod';

/**
 * Options of `linkerd-ewma`. linkerd2-proxy's balancer constants (EWMA_DEFAULT_RTT 30 ms,
 * EWMA_DECAY 10 s) are compiled in, not configuration, so they are not options; Linkerd has no
 * retries by default. The sidecar's latency cost is the mesh's (docs/MODEL.md, Mesh cost).
 */
export type LinkerdOptions = Record<string, never>;

export const linkerdOptions: z.ZodType<LinkerdOptions> = z.strictObject({});
