import type { PodServers } from '../pod-server.js';
import type { TryPool } from '../pools.js';
import type { ClientPool } from './client-pool.js';
import type { Connections } from './connections.js';
import type { PathLedger } from './ledger.js';

/*
 * The request path's rare scans of every try record (./request-path.ts calls them): the user
 * requests in flight, conservation, and whether a draining pod still has a request on its way.
 * Never on the hot path: once per check or per drain attempt.
 */

/** User requests in flight, counted from the records (not derived from the counters). */
export function scanInFlight(t: TryPool): number {
  let n = 0;
  for (let r = 0; r < t.extent; r++) {
    if (t.clientHeld[r] === 1 && t.parent[r] === -1) n++;
  }
  return n;
}

/**
 * Throws if arrivals != completed + failed + in flight, or if a client's connection counters
 * (open, draining, connecting, waiting) differ from its connection records and wait queue.
 */
export function checkConservation(
  now: number,
  l: PathLedger,
  t: TryPool,
  clients: ClientPool,
): void {
  const f = scanInFlight(t);
  if (l.arrivals !== l.completed + l.failed + f) {
    throw new Error(
      `conservation violated at t=${now}: arrivals ${l.arrivals} != completed ${l.completed} + failed ${l.failed} + in flight ${f}`,
    );
  }
  clients.checkCounters();
}

/**
 * Whether a request is on its way to `pod` on a connection the server accepted but has not
 * read a request from yet. HTTP servers wait for those when they shut down (Go's
 * Server.Shutdown treats a StateNew connection as active for its first 5 s; Node's
 * server.close() waits for open connections), while a keep-alive connection that already
 * served a request and is idle is closed at once (its request in transit is then reset when
 * the process exits). A hop's upstream try is on a connection of its own. Rare (once per
 * drain attempt): a scan of the records.
 */
export function newRequestInTransit(
  t: TryPool,
  servers: PodServers,
  connections: Connections,
  pod: number,
): boolean {
  const gen = servers.gen[pod] as number;
  for (let r = 0; r < t.extent; r++) {
    if (t.serverHeld[r] !== 1 || t.pod[r] !== pod || t.podGen[r] !== gen) continue;
    if (t.parent[r] !== -1) return true;
    if (connections.unread(r)) return true;
  }
  return false;
}
