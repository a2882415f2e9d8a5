import { Stage, type TryPool } from './pools.js';

/** User requests still in flight, by where they are stuck (summary.csv in_flight_* columns). */
export interface InFlightByStage {
  /** Not yet sent: in the client's queue, dialing, or waiting for a retry backoff. */
  readonly client: number;
  /** Sent: at a proxy, at a pod (queued, in service, held by a blackhole) or on the wire. */
  readonly sent: number;
  /** The answer (a response or an error) is on its way back to the client. */
  readonly returning: number;
}

/**
 * Scans the try records for user requests (top-level tries the client still holds) that
 * arrived at or after `since` (the warm-up: the requests the summary's totals count).
 */
export function inFlightByStage(tries: TryPool, since: number): InFlightByStage {
  let client = 0;
  let sent = 0;
  let returning = 0;
  for (let r = 0; r < tries.extent; r++) {
    if (tries.clientHeld[r] !== 1 || tries.parent[r] !== -1) continue;
    if ((tries.arrivedAt[r] as number) < since) continue;
    switch (tries.stage[r]) {
      case Stage.waiting:
      case Stage.connecting:
      case Stage.backoff:
        client++;
        break;
      case Stage.failing:
      case Stage.responding:
        returning++;
        break;
      default:
        sent++;
    }
  }
  return { client, sent, returning };
}
