import { describe, expect, it } from 'vitest';
import {
  GrpcPickFirst,
  PickFirstState,
} from '../../../../src/dataplane/balancers/grpc/pick-first.js';
import { GrpcRoundRobin } from '../../../../src/dataplane/balancers/grpc/round-robin.js';
import {
  GrpcDnsResolver,
  grpcBackoff,
} from '../../../../src/dataplane/discovery/grpc-dns-resolver.js';
import { ips, scripted } from './script.js';

describe('gRPC round_robin over READY subchannels', () => {
  it('skips subchannels that are not READY; random start after each picker rebuild', () => {
    const rng = scripted(0.1, 0.6, 0.0);
    const rr = new GrpcRoundRobin(ips(4), rng);
    expect(rr.pick()).toBe(-1); // all CONNECTING
    rr.setReady(0, true, rng); // ready [0]: next = floor(0.1) ...
    rr.setReady(2, true, rng); // ready [0, 2], next = floor(0.6 x 2) = 1 -> first pick index 0
    expect([rr.pick(), rr.pick(), rr.pick()]).toEqual([0, 2, 0]);
    rr.setReady(3, true, rng); // ready [0, 2, 3], next = 0 -> first pick index 1
    expect([rr.pick(), rr.pick(), rr.pick(), rr.pick()]).toEqual([2, 3, 0, 2]);
    rr.setReady(2, false, rng); // lost: ready [0, 3]
    for (let k = 0; k < 6; k++) expect([0, 3]).toContain(rr.pick());
  });

  it('a resolver update keeps the subchannels of addresses that stay', () => {
    const rng = scripted(0.5);
    const list = ips(3);
    const rr = new GrpcRoundRobin(list, rng);
    rr.setReady(1, true, rng);
    rr.setAddresses(Uint32Array.from([list[1] as number, ips(1, 40)[0] as number]), rng);
    expect(rr.readyCount).toBe(1);
    expect(rr.pick()).toBe(0);
  });
});

describe('gRPC pick_first', () => {
  it('walks the list in order, stays on the first that connects', () => {
    const pf = new GrpcPickFirst(ips(3));
    expect(pf.startConnecting()).toBe(0);
    expect(pf.connectFailed()).toBe(1);
    pf.connected();
    expect(pf.state).toBe(PickFirstState.ready);
    expect([pf.pick(), pf.pick()]).toEqual([1, 1]);
  });

  it('every address failed: TRANSIENT_FAILURE; connection lost: IDLE, walk again from the start', () => {
    const pf = new GrpcPickFirst(ips(2));
    pf.startConnecting();
    pf.connectFailed();
    expect(pf.connectFailed()).toBe(-1);
    expect(pf.state).toBe(PickFirstState.transientFailure);
    expect(pf.startConnecting()).toBe(0);
    pf.connected();
    pf.connectionLost();
    expect(pf.state).toBe(PickFirstState.idle);
    expect(pf.pick()).toBe(-1);
  });

  it('a resolver update keeps a READY connection whose address stays', () => {
    const list = ips(3);
    const pf = new GrpcPickFirst(list);
    pf.startConnecting();
    pf.connectFailed();
    pf.connected(); // on list[1]
    expect(pf.setAddresses(Uint32Array.from([list[2] as number, list[1] as number]))).toBe(false);
    expect(pf.pick()).toBe(1);
    expect(pf.setAddresses(ips(2, 70))).toBe(true); // gone: reconnect to the new list
    expect(pf.pick()).toBe(-1);
  });
});

describe('gRPC DNS resolver', () => {
  it('re-resolves only on ResolveNow, not before 30 s after the last lookup', () => {
    const r = new GrpcDnsResolver(0);
    expect(r.scheduledAt).toBe(0); // first lookup at build
    expect(Number.isNaN(r.lookupDone(0.01, true, scripted(0.5)))).toBe(true); // waits
    expect(r.resolveNow(5)).toBeCloseTo(30.01, 12); // connection lost at 5 s: waits until 30.01
    expect(Number.isNaN(r.lookupDone(30.02, true, scripted(0.5)))).toBe(true);
    expect(r.resolveNow(100)).toBe(100); // long after: at once
    expect(r.lookups).toBe(2);
  });

  it('a ResolveNow during a pending lookup is kept once (buffer of one), more are dropped', () => {
    const r = new GrpcDnsResolver(0);
    r.lookupDone(0, true, scripted(0.5));
    r.resolveNow(10); // scheduled at 30
    expect(Number.isNaN(r.resolveNow(12))).toBe(true); // buffered
    expect(Number.isNaN(r.resolveNow(13))).toBe(true); // dropped
    expect(r.lookupDone(30, true, scripted(0.5))).toBe(60); // buffered signal: next at 30 + 30
    expect(Number.isNaN(r.lookupDone(60, true, scripted(0.5)))).toBe(true); // then waits
  });

  it('failed lookups back off 1.6 s, 2.56 s ... (+-20%) without waiting for ResolveNow', () => {
    const r = new GrpcDnsResolver(0);
    expect(r.lookupDone(0, false, scripted(0.5))).toBeCloseTo(1.6, 12);
    expect(r.lookupDone(1.6, false, scripted(0.5))).toBeCloseTo(1.6 + 2.56, 12);
    expect(grpcBackoff(1, scripted(0))).toBeCloseTo(1.28, 12);
    expect(grpcBackoff(1, scripted(0.999999))).toBeCloseTo(1.92, 5);
    expect(grpcBackoff(20, scripted(0.5))).toBe(120);
    // Success resets the back-off.
    r.lookupDone(5, true, scripted(0.5));
    r.resolveNow(40);
    expect(r.lookupDone(40, false, scripted(0.5))).toBeCloseTo(41.6, 12);
  });
});
