/**
 * One behavioural suite for the request-level pickers of the L7 families (the L4 balancers
 * have theirs in ../conformance.test.ts). Every picker runs the common checks; each declares
 * the distribution it promises, and the promise is checked:
 * - `cycle`: each window of n consecutive picks holds every endpoint once
 *   (ingress-nginx round_robin per worker, Envoy ROUND_ROBIN, gRPC round_robin with all READY);
 * - `uniform`: independent uniform picks (Cilium random);
 * - `p2c-distinct`: uniform while every endpoint has the same score, and of two endpoints the
 *   better one always (ingress-nginx ewma, Linkerd peak EWMA);
 * - `least`: with requests that never end, active requests stay within a few of each other
 *   (Envoy LEAST_REQUEST, P2C with replacement);
 * - `first`: every pick is the first address (gRPC pick_first);
 * - `hash`: the same flow hash always maps to the same endpoint, flows spread uniformly
 *   (Cilium Maglev).
 */
import { describe, expect, it } from 'vitest';
import { MaglevTable } from '../../../../src/dataplane/balancers/cilium/maglev.js';
import { CiliumRandom } from '../../../../src/dataplane/balancers/cilium/random.js';
import { EnvoyLeastRequest } from '../../../../src/dataplane/balancers/envoy/least-request.js';
import { EnvoyRoundRobin } from '../../../../src/dataplane/balancers/envoy/round-robin.js';
import { GrpcPickFirst } from '../../../../src/dataplane/balancers/grpc/pick-first.js';
import { GrpcRoundRobin } from '../../../../src/dataplane/balancers/grpc/round-robin.js';
import { IngressNginxEwma } from '../../../../src/dataplane/balancers/ingress-nginx/ewma.js';
import { IngressNginxRoundRobin } from '../../../../src/dataplane/balancers/ingress-nginx/round-robin.js';
import { LinkerdPeakEwma } from '../../../../src/dataplane/balancers/linkerd/peak-ewma.js';
import { RandomSource, type Rng } from '../../../../src/engine/index.js';
import { chiSquare, chiSquareCritical } from '../helpers.js';
import { ips } from './script.js';

type Promise = 'cycle' | 'uniform' | 'p2c-distinct' | 'least' | 'first' | 'hash';

/** What the suite drives: a picker over its own endpoint list. */
interface Picker {
  readonly ips: Uint32Array;
  pick(now: number): number;
  setEndpoints(ips: Uint32Array, now: number): void;
  /** A request was sent to i (feeds active counts / pending). */
  started(i: number): void;
  /** p2c-distinct: make endpoint i score worse (a slow sample, or pending requests). */
  worsen?(i: number): void;
}

interface Case {
  name: string;
  promise: Promise;
  make(list: Uint32Array, rng: Rng): Picker;
}

/** Adapters: each family's own calls behind the suite's interface (tests only). */
const CASES: Case[] = [
  {
    name: 'ingress-nginx round_robin',
    promise: 'cycle',
    make(list, rng) {
      const b = new IngressNginxRoundRobin(list, rng);
      return {
        get ips() {
          return b.ips;
        },
        pick: () => b.pick(),
        setEndpoints: (l) => b.setEndpoints(l, rng),
        started: () => {},
      };
    },
  },
  {
    name: 'ingress-nginx ewma',
    promise: 'p2c-distinct',
    make(list, rng) {
      const b = new IngressNginxEwma(list);
      return {
        get ips() {
          return b.ips;
        },
        pick: (now) => b.pick(now, rng),
        setEndpoints: (l, now) => b.setEndpoints(l, now),
        started: () => {},
        worsen: (i) => b.afterBalance(i, 0, 1),
      };
    },
  },
  {
    name: 'Envoy ROUND_ROBIN',
    promise: 'cycle',
    make(list, rng) {
      let current = Uint32Array.from(list);
      const rr = new EnvoyRoundRobin(rng);
      return {
        get ips() {
          return current;
        },
        pick: () => rr.pick(current.length),
        setEndpoints: (l) => {
          current = Uint32Array.from(l);
        },
        started: () => {},
      };
    },
  },
  {
    name: 'Envoy LEAST_REQUEST',
    promise: 'least',
    make(list, rng) {
      let current = Uint32Array.from(list);
      let hosts = Int32Array.from(current, (_, i) => i);
      let active = new Int32Array(current.length);
      const lr = new EnvoyLeastRequest();
      return {
        get ips() {
          return current;
        },
        pick: () => lr.pick(hosts, hosts.length, active, rng),
        setEndpoints: (l) => {
          current = Uint32Array.from(l);
          hosts = Int32Array.from(current, (_, i) => i);
          active = new Int32Array(current.length);
        },
        started: (i) => {
          active[i] = (active[i] as number) + 1;
        },
      };
    },
  },
  {
    name: 'Linkerd peak EWMA',
    promise: 'p2c-distinct',
    make(list, rng) {
      const b = new LinkerdPeakEwma(list, 0);
      return {
        get ips() {
          return b.ips;
        },
        pick: (now) => b.pick(now, rng),
        setEndpoints: (l, now) => b.setEndpoints(l, now),
        started: () => {},
        worsen: (i) => b.requestStarted(i),
      };
    },
  },
  {
    name: 'gRPC round_robin (all READY)',
    promise: 'cycle',
    make(list, rng) {
      const b = new GrpcRoundRobin(list, rng);
      const allReady = () => {
        for (let i = 0; i < b.size; i++) b.setReady(i, true, rng);
      };
      allReady();
      return {
        get ips() {
          return b.addresses;
        },
        pick: () => b.pick(),
        setEndpoints: (l) => {
          b.setAddresses(l, rng);
          allReady();
        },
        started: () => {},
      };
    },
  },
  {
    name: 'gRPC pick_first',
    promise: 'first',
    make(list) {
      const b = new GrpcPickFirst(list);
      const connect = () => {
        if (b.startConnecting() >= 0) b.connected();
      };
      connect();
      return {
        get ips() {
          return b.addresses;
        },
        pick: () => b.pick(),
        setEndpoints: (l) => {
          if (b.setAddresses(l) || b.pick() < 0) connect();
        },
        started: () => {},
      };
    },
  },
  {
    name: 'Cilium random',
    promise: 'uniform',
    make(list, rng) {
      let current = Uint32Array.from(list);
      const r = new CiliumRandom();
      return {
        get ips() {
          return current;
        },
        pick: () => r.pick(current.length, rng),
        setEndpoints: (l) => {
          current = Uint32Array.from(l);
        },
        started: () => {},
      };
    },
  },
  {
    name: 'Cilium Maglev',
    promise: 'hash',
    make(list, rng) {
      let current = Uint32Array.from(list);
      const t = new MaglevTable(251, 9);
      t.build(current);
      return {
        get ips() {
          return current;
        },
        // a new flow per pick: its 5-tuple hash is a uniform 32-bit value
        pick: () => t.lookup(rng.int32() >>> 0),
        setEndpoints: (l) => {
          current = Uint32Array.from(l);
          t.build(current);
        },
        started: () => {},
      };
    },
  },
];

const N = 6;

function drive(p: Picker, picks: number, t0 = 0): number[] {
  const out: number[] = [];
  for (let k = 0; k < picks; k++) {
    const i = p.pick(t0 + k * 0.001);
    out.push(i);
    if (i >= 0) p.started(i);
  }
  return out;
}

describe.each(CASES)('L7 picker conformance: $name', ({ make, promise }) => {
  it('picks only indices of its current list; -1 only with no endpoints', () => {
    const p = make(ips(N), new RandomSource(1).stream('c'));
    for (const i of drive(p, 300)) expect(i >= 0 && i < N).toBe(true);
    p.setEndpoints(new Uint32Array(0), 1);
    expect(p.pick(1)).toBe(-1);
  });

  it('never picks a removed endpoint once it has the new list', () => {
    const p = make(ips(N), new RandomSource(2).stream('c'));
    drive(p, 50);
    const next = Uint32Array.from([...ips(N).subarray(2), ...ips(2, 100)]);
    p.setEndpoints(next, 1);
    const allowed = new Set(next);
    for (const i of drive(p, 300, 1)) expect(allowed.has(p.ips[i] as number)).toBe(true);
  });

  it('is deterministic for a seed', () => {
    const a = drive(make(ips(N), new RandomSource(3).stream('c')), 200);
    const b = drive(make(ips(N), new RandomSource(3).stream('c')), 200);
    expect(a).toEqual(b);
  });

  it(`keeps its promise: ${promise}`, () => {
    const rng = new RandomSource(4).stream('c');
    const p = make(ips(N), rng);
    switch (promise) {
      case 'cycle': {
        const seq = drive(p, 10 * N);
        for (let w = 0; w + N <= seq.length; w++) {
          expect(new Set(seq.slice(w, w + N)).size).toBe(N);
        }
        break;
      }
      case 'uniform':
      case 'p2c-distinct':
      case 'hash': {
        // p2c-distinct: scores stay equal because no outcome is reported.
        const n = 30000;
        const counts = new Array(N).fill(0);
        for (let k = 0; k < n; k++) counts[p.pick(0)]++;
        expect(chiSquare(counts, new Array(N).fill(1 / N))).toBeLessThan(chiSquareCritical(N - 1));
        if (promise === 'p2c-distinct') {
          // Of two endpoints the better one always wins: the two choices are distinct.
          const two = make(ips(2), rng);
          two.worsen?.(1);
          for (let k = 0; k < 1000; k++) expect(two.pick(0)).toBe(0);
          // With N, the worst endpoint is never chosen: it always loses its comparison.
          const many = make(ips(N), rng);
          many.worsen?.(3);
          for (let k = 0; k < 3000; k++) expect(many.pick(0)).not.toBe(3);
        }
        if (promise === 'hash') {
          const t = new MaglevTable(251, 9);
          t.build(ips(N));
          for (let h = 0; h < 1000; h++)
            expect(t.lookup(h * 2654435761)).toBe(t.lookup(h * 2654435761));
        }
        break;
      }
      case 'least': {
        const active = new Array(N).fill(0);
        for (const i of drive(p, 1200)) active[i]++;
        expect(Math.max(...active) - Math.min(...active)).toBeLessThanOrEqual(4);
        break;
      }
      case 'first': {
        for (const i of drive(p, 100)) expect(i).toBe(0);
        break;
      }
      default: {
        const never: never = promise;
        throw new Error(`no check for ${never}`);
      }
    }
  });
});
