import { describe, expect, it } from 'vitest';
import { ApiServer } from '../../src/control-plane/api-server.js';
import { makeDistribution } from '../../src/engine/distributions.js';
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
});
