import { describe, expect, it } from 'vitest';
import { DeadlineQueue } from '../../src/dataplane/deadline-queue.js';
import { Simulation } from '../../src/engine/index.js';

describe('DeadlineQueue', () => {
  it('expires live entries exactly at push time + duration, skips disarmed ones, one event per head', () => {
    const sim = new Simulation();
    const gen = new Map<number, number>();
    const fired: [number, number][] = [];
    const q = new DeadlineQueue(
      sim,
      'timeout',
      2,
      (id, stamp) => gen.get(id) === stamp,
      (id) => fired.push([id, sim.now]),
      2, // tiny capacity: exercises growth
    );
    const push = sim.register('push', (id) => {
      gen.set(id, 0);
      q.push(id, 0);
    });
    const disarm = sim.register('disarm', (id) => gen.set(id, 1));
    for (let i = 0; i < 10; i++) sim.schedule(i * 0.5, push, i);
    for (const i of [0, 2, 3, 7]) sim.schedule(i * 0.5 + 0.1, disarm, i);
    const before = sim.eventsProcessed;
    sim.run(100);
    expect(fired).toEqual([1, 4, 5, 6, 8, 9].map((i) => [i, i * 0.5 + 2]));
    // 10 pushes + 4 disarms + at most one queue event per live expiry (6) + the initial one.
    expect(sim.eventsProcessed - before).toBeLessThanOrEqual(10 + 4 + 7);
    expect(q.size).toBe(0);
  });

  it('an expiry that pushes a new deadline keeps the queue armed for the earliest one', () => {
    const sim = new Simulation();
    const fired: [number, number][] = [];
    let q: DeadlineQueue | null = null;
    q = new DeadlineQueue(
      sim,
      'timeout',
      1,
      () => true,
      (id) => {
        fired.push([id, sim.now]);
        if (id < 3) q?.push(id + 10, 0); // a retry arming its own timeout
      },
    );
    const push = sim.register('push', (id) => q?.push(id, 0));
    sim.schedule(0, push, 1);
    sim.schedule(0.25, push, 2);
    sim.schedule(0.5, push, 3);
    sim.run(10);
    expect(fired).toEqual([
      [1, 1],
      [2, 1.25],
      [3, 1.5],
      [11, 2],
      [12, 2.25],
    ]);
  });

  it('rejects a non-positive duration', () => {
    expect(
      () =>
        new DeadlineQueue(
          new Simulation(),
          'x',
          0,
          () => true,
          () => {},
        ),
    ).toThrow(/x: duration must be/);
  });
});
