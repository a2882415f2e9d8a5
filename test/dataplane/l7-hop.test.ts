import { describe, expect, it } from 'vitest';
import type { HopContext, HopDescriptor, HopHost, L7Hop } from '../../src/dataplane/path/hop.js';
import { getHop, registerHop } from '../../src/dataplane/path/hops.js';
import { Stage, type TryPool, tag, tagGen, tagIndex } from '../../src/dataplane/pools.js';
import { ErrorCause, ErrorKind } from '../../src/dataplane/types.js';
import type { EventKind, Simulation } from '../../src/engine/index.js';
import { harness, podIp, watchConservation } from './fakes.js';

/**
 * A test-only L7 hop, placed as a client library (no network hop of its own): its endpoint
 * view is a static list given in its config, its picker always takes the first endpoint, it
 * never retries. Written only against the hop interface (./hop.ts) and registered from here:
 * no edit to the coordinator.
 */
class FirstEndpointHop implements L7Hop {
  private readonly sim: Simulation;
  private readonly t: TryPool;
  private readonly host: HopHost;
  private readonly kResp: EventKind;
  outcomes = { ok: 0, failed: 0 };

  constructor(
    private readonly ctx: HopContext,
    private readonly ips: () => Uint32Array,
  ) {
    this.sim = ctx.sim;
    this.t = ctx.tries;
    this.host = ctx.host;
    this.kResp = ctx.sim.register('first:response', (a) => this.onResp(a));
  }

  accept(r: number): void {
    const t = this.t;
    const view = this.ips();
    t.delay[r] = 0;
    t.conn[r] = -1;
    const pod = view.length > 0 ? this.ctx.truth.podAt(view[0] as number) : -1;
    if (pod < 0 || !this.ctx.truth.isListening(pod)) {
      this.host.failAfter(r, ErrorKind.refused, ErrorCause.not_listening, 0);
      return;
    }
    const x = t.alloc();
    t.parent[x] = r;
    t.child[r] = x;
    t.client[x] = t.client[r] as number;
    t.arrivedAt[x] = t.arrivedAt[r] as number;
    t.demand[x] = t.demand[r] as number;
    t.req[x] = t.req[r] as number;
    t.clientHeld[x] = 1;
    t.stage[x] = Stage.upWaiting;
    t.stage[r] = Stage.atProxy;
    const node = this.ctx.clientNode[t.client[r] as number] as number;
    t.delay[x] = this.ctx.network.oneWay(node, this.ctx.truth.nodeOf(pod));
    t.pod[x] = pod;
    t.podGen[x] = this.ctx.servers.gen[pod] as number;
    t.serverHeld[x] = 1;
    this.host.deliverToPod(x, t.delay[x] as number);
  }

  upstreamResponded(x: number): void {
    this.sim.schedule(this.t.delay[x] as number, this.kResp, tag(x, this.t.cgen[x] as number));
  }

  private onResp(arg: number): void {
    const x = tagIndex(arg);
    const t = this.t;
    if (t.cgen[x] !== tagGen(arg)) return;
    const a = t.parent[x] as number;
    const status = t.status[x] as number;
    const pod = t.pod[x] as number;
    this.outcomes.ok++;
    this.finish(x);
    this.host.respondToClient(a, status, ErrorCause.overload, status === 200 ? pod : -1);
  }

  upstreamFailed(x: number, _kind: ErrorKind, cause: ErrorCause): void {
    const a = this.t.parent[x] as number;
    this.outcomes.failed++;
    this.finish(x);
    this.host.respondToClient(a, 502, cause, -1);
  }

  abandon(r: number): void {
    const x = this.t.child[r] as number;
    if (x >= 0) this.finish(x);
  }

  diesWith(): boolean {
    return false;
  }

  private finish(x: number): void {
    const t = this.t;
    const a = t.parent[x] as number;
    if (a >= 0 && t.child[a] === x) t.child[a] = -1;
    t.parent[x] = -1;
    this.host.releaseClient(x);
  }
}

const built: FirstEndpointHop[] = [];
const firstEndpoint: HopDescriptor<() => Uint32Array> = {
  name: 'test:first-endpoint',
  create: (ctx, ips) => {
    const h = new FirstEndpointHop(ctx, ips);
    built.push(h);
    return h;
  },
};
registerHop(firstEndpoint as HopDescriptor);

describe('a new L7 hop is new files plus one registry line', () => {
  it('the registry knows it, and refuses a second hop of the same name', () => {
    expect(getHop('test:first-endpoint')).toBe(firstEndpoint);
    expect(() => registerHop(firstEndpoint as HopDescriptor)).toThrow(/already registered/);
    expect(() => getHop('nope')).toThrow(
      /unknown hop `nope`; valid: nginx, grpc, mesh, test:first-endpoint/,
    );
  });

  it('runs through the full path: every request served by the first endpoint', () => {
    let ips = new Uint32Array(0);
    const h = harness({
      nodes: 2,
      clients: { count: 2, node: Int32Array.of(0, 1), ip: Uint32Array.of(1, 2) },
      hop: { name: 'test:first-endpoint', config: () => ips },
      path: { network: { rtt: 0.002 }, timeouts: { request: 1 } },
    });
    const hop = built.at(-1) as FirstEndpointHop;
    const a = h.cluster.addPod(1, podIp(1));
    const b = h.cluster.addPod(0, podIp(2));
    ips = Uint32Array.of(podIp(1), podIp(2));
    const k = h.sim.register('send', (c) => h.path.submit(c, 0.01));
    for (let i = 0; i < 20; i++) h.sim.schedule(i * 0.05, k, i % 2);
    watchConservation(h, 0.01, 2);
    h.sim.run(2);
    expect(h.rec.nCompleted).toBe(20);
    expect(h.rec.servedBy.get(a)).toBe(20);
    expect(h.rec.servedBy.get(b)).toBeUndefined();
    expect(hop.outcomes).toEqual({ ok: 20, failed: 0 });
    // Client 0 (node 0) -> pod on node 1: two cross-node hops of 1 ms plus 10 ms of service.
    expect(h.rec.latencies[0]).toBeCloseTo(0.012, 9);
    expect(h.path.tries.live).toBe(0);

    // The first endpoint dies: the hop reports the loss, answers 502, and the path fails the
    // request with the hop's status and cause (no retries configured).
    h.path.submit(0, 0.5);
    h.after(0.1, 'kill', () => h.cluster.kill(a));
    h.sim.run(3);
    expect(hop.outcomes.failed).toBe(1);
    expect(h.rec.nFailed).toBe(1);
    expect(h.path.ledger.finalErrorCount(ErrorKind.http_502, ErrorCause.pod_killed)).toBe(1);
    h.path.checkConservation();
  });
});
