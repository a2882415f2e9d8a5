import { describe, expect, it } from 'vitest';
import { ApiServer, type WriteOrigin } from '../../src/control-plane/api-server.js';
import { makeDistribution } from '../../src/engine/distributions/index.js';
import { RandomSource, Simulation } from '../../src/engine/index.js';

describe('ApiServer store and watches', () => {
  it('gives each write a strictly increasing resourceVersion', () => {
    const sim = new Simulation();
    const store = new ApiServer<number>(sim);
    expect(store.resourceVersion).toBe(0);
    expect(store.put('a', 1)).toBe(1);
    expect(store.put('b', 2)).toBe(2);
    expect(store.put('a', 3)).toBe(3);
    expect(store.remove('b')).toBe(4);
    expect(store.get('a')).toBe(3);
    expect(store.get('b')).toBeUndefined();
    expect(store.keyAt(2)).toBe('b');
  });

  it('delivers every write to every watcher, FIFO per watcher, never before it was written', () => {
    const sim = new Simulation();
    const random = new RandomSource(3);
    const store = new ApiServer<number>(sim);
    // Heavy-tailed delays so that, without the FIFO rule, later writes would often overtake.
    const delay = makeDistribution({ distribution: 'lognormal', median: 0.1, p99: 2 });
    const got: { rv: number; at: number }[][] = [[], [], []];
    for (let w = 0; w < 3; w++) {
      store.watch(delay, random.stream(`watch:${w}`), (rv) => got[w]?.push({ rv, at: sim.now }));
    }
    const writeTimes: number[] = [];
    const writer = sim.register('write', () => {
      writeTimes.push(sim.now);
      store.put(`k${writeTimes.length % 7}`, writeTimes.length);
    });
    const rng = random.stream('writes');
    let t = 0;
    for (let i = 0; i < 500; i++) {
      t += rng.next() * 0.05;
      sim.scheduleAt(t, writer, 0);
    }
    sim.run();
    for (const list of got) {
      expect(list.map((e) => e.rv)).toEqual(writeTimes.map((_, i) => i + 1));
      for (let i = 0; i < list.length; i++) {
        const e = list[i] as { rv: number; at: number };
        expect(e.at).toBeGreaterThanOrEqual(writeTimes[e.rv - 1] as number);
        if (i > 0) expect(e.at).toBeGreaterThanOrEqual((list[i - 1] as { at: number }).at);
      }
    }
    // Watchers draw from their own streams: their delivery times differ.
    expect(got[0]?.map((e) => e.at)).not.toEqual(got[1]?.map((e) => e.at));
  });

  it('a stopped watch receives nothing more, even deliveries already in flight', () => {
    const sim = new Simulation();
    const store = new ApiServer<number>(sim);
    const got: number[] = [];
    const id = store.watch(
      makeDistribution({ distribution: 'constant', value: 1 }),
      new RandomSource(1).stream('w'),
      (rv) => got.push(rv),
    );
    store.put('a', 1);
    sim.run(2);
    store.put('a', 2);
    sim.run(2.5);
    store.stopWatch(id);
    sim.run(10);
    expect(got).toEqual([1]);
  });

  it('keyed watchers: a write gets the same delay per (watcher, origin), whatever was written before', () => {
    const delay = makeDistribution({ distribution: 'exponential', mean: 0.1 });
    /** One "run": writes at 10 s intervals (no FIFO wait: P(delay > 10 s) = e^-100). */
    const run = (origins: WriteOrigin[]) => {
      const sim = new Simulation();
      const stream = new RandomSource(42).keyedStream('watch');
      const store = new ApiServer<number>(sim);
      const delays = new Map<string, number>(); // `${watcher}/${origin}` -> delivery - write
      const writtenAt: number[] = [];
      for (const w of [0, 1, 2]) {
        store.watch(
          delay,
          stream,
          (rv) => delays.set(`${w}/${origins[rv - 1]}`, sim.now - (writtenAt[rv - 1] as number)),
          w,
        );
      }
      const writer = sim.register('write', (i) => {
        writtenAt.push(sim.now);
        store.put('slice', i, origins[i]);
      });
      for (let i = 0; i < origins.length; i++) sim.scheduleAt(10 * (i + 1), writer, i);
      sim.run();
      return delays;
    };
    const a = run([
      [1, 0, 0],
      [2, 0, 0],
      [1, 1, 0],
    ]);
    // Another run: an extra write first and the others in another order.
    const b = run([
      [9, 0, 0],
      [1, 1, 0],
      [1, 0, 0],
      [2, 0, 0],
    ]);
    expect(a.size).toBe(9);
    // (Compared to 1e-12 s: delivery - write loses bits to the write times 10-40 s.)
    for (const [k, d] of a) expect(b.get(k), k).toBeCloseTo(d, 12);
    // ...and the keys matter: watchers and origins get different delays.
    expect(new Set(a.values()).size).toBe(9);
    // Same seed, same keys: same delay as drawing from the keyed stream directly.
    const direct = delay.sample(new RandomSource(42).keyedStream('watch').rngFor(1, 2, 0, 0));
    expect(a.get('1/2,0,0')).toBeCloseTo(direct, 12);
  });

  it('keyed watchers keep FIFO order: delivery = max(previous delivery, write + delay)', () => {
    const sim = new Simulation();
    const random = new RandomSource(3);
    const store = new ApiServer<number>(sim);
    // Heavy-tailed delays, writes 10 ms apart: later writes would often overtake.
    const delay = makeDistribution({ distribution: 'lognormal', median: 0.1, p99: 2 });
    const stream = random.keyedStream('watch');
    const got: { rv: number; at: number }[] = [];
    store.watch(delay, stream, (rv) => got.push({ rv, at: sim.now }), 5);
    const writer = sim.register('write', (i) => store.put('k', i, [i, 0, 0]));
    const n = 300;
    for (let i = 0; i < n; i++) sim.scheduleAt(0.01 * (i + 1), writer, i);
    sim.run();
    expect(got.map((e) => e.rv)).toEqual(Array.from({ length: n }, (_, i) => i + 1));
    let previous = 0;
    let waited = 0;
    for (const e of got) {
      const wrote = 0.01 * e.rv;
      const own =
        wrote + delay.sample(new RandomSource(3).keyedStream('watch').rngFor(5, e.rv - 1, 0, 0));
      const expected = Math.max(previous, own);
      expect(e.at).toBeCloseTo(expected, 9);
      if (own < previous) waited++;
      previous = e.at;
    }
    // The FIFO rule was exercised (with these delays most writes wait for an earlier one).
    expect(waited).toBeGreaterThan(n / 4);
  });
});
