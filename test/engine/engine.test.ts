import { describe, expect, it } from 'vitest';
import { EventQueue } from '../../src/engine/queue.js';
import { RandomSource } from '../../src/engine/random.js';
import { NO_EVENT, Simulation } from '../../src/engine/simulation.js';

/** A simulation whose one handler records (arg, time) of every fired event. */
function recorder(initialCapacity?: number) {
  const sim = new Simulation(initialCapacity === undefined ? {} : { initialCapacity });
  const fired: number[] = [];
  const times: number[] = [];
  const kind = sim.register('record', (arg) => {
    fired.push(arg);
    times.push(sim.now);
  });
  return { sim, kind, fired, times };
}

/** Integer times 0..buckets-1 drawn from a named stream: many ties, shuffled insertion order. */
function tiedTimes(n: number, buckets: number, seed = 7): number[] {
  const rng = new RandomSource(seed).stream('test');
  return Array.from({ length: n }, () => Math.floor(rng.next() * buckets));
}

/** Expected firing order: by time, ties in insertion order (Array.prototype.sort is stable). */
function expectedOrder(times: readonly number[], keep: (i: number) => boolean = () => true) {
  return times
    .map((t, i) => ({ t, i }))
    .filter(({ i }) => keep(i))
    .sort((a, b) => a.t - b.t)
    .map(({ i }) => i);
}

describe('ordering', () => {
  it('fires equal times in scheduling order (FIFO)', () => {
    const { sim, kind, fired } = recorder();
    for (let i = 0; i < 1000; i++) sim.schedule(5, kind, i);
    sim.run();
    expect(fired).toEqual(Array.from({ length: 1000 }, (_, i) => i));
  });

  it('orders by time then insertion, across heap growth from a tiny capacity', () => {
    const { sim, kind, fired } = recorder(16);
    const times = tiedTimes(20_000, 10);
    for (const [i, t] of times.entries()) sim.schedule(t, kind, i);
    sim.run();
    expect(fired).toEqual(expectedOrder(times));
  });

  it('fires ties scheduled from handlers after earlier-scheduled ties (fused pop-push)', () => {
    const sim = new Simulation();
    const log: string[] = [];
    const rec = sim.register('rec', (arg) => log.push(`r${arg}@${sim.now}`));
    const spawn = sim.register('spawn', (arg) => {
      log.push(`s${arg}@${sim.now}`);
      // Zero delay: same time as the event now firing, but a later sequence number.
      sim.schedule(0, rec, 10 + arg);
      sim.schedule(0, rec, 20 + arg);
    });
    sim.schedule(1, spawn, 1);
    sim.schedule(1, rec, 2);
    sim.schedule(1, spawn, 3);
    sim.run();
    expect(log).toEqual(['s1@1', 'r2@1', 's3@1', 'r11@1', 'r21@1', 'r13@1', 'r23@1']);
  });

  it('keeps FIFO among many ties created from handlers while the heap grows', () => {
    // Each of 2000 seeds at t=0 schedules a child at t=1; children must fire in seed order,
    // interleaved after 2000 pre-scheduled t=1 events.
    const sim = new Simulation({ initialCapacity: 16 });
    const fired: number[] = [];
    const child = sim.register('child', (arg) => fired.push(arg));
    const parent = sim.register('parent', (arg) => {
      sim.schedule(1, child, 10_000 + arg);
    });
    for (let i = 0; i < 2000; i++) sim.schedule(0, parent, i);
    for (let i = 0; i < 2000; i++) sim.schedule(1, child, i);
    sim.run();
    expect(fired).toEqual([
      ...Array.from({ length: 2000 }, (_, i) => i),
      ...Array.from({ length: 2000 }, (_, i) => 10_000 + i),
    ]);
  });

  it('scheduleAt fires at the absolute time and interleaves FIFO with schedule', () => {
    const { sim, kind, fired, times } = recorder();
    sim.scheduleAt(3, kind, 0);
    sim.schedule(1, kind, 1);
    sim.scheduleAt(1, kind, 2);
    sim.run(2);
    expect(sim.now).toBe(2);
    sim.scheduleAt(2, kind, 3); // at now: allowed
    sim.schedule(1, kind, 4); // t = 3, after arg 0 (scheduled earlier for t = 3)
    sim.run();
    expect(fired).toEqual([1, 2, 3, 0, 4]);
    expect(times).toEqual([1, 1, 2, 3, 3]);
    expect(() => sim.scheduleAt(2.5, kind)).toThrow(/got 2\.5/);
  });
});

describe('cancel', () => {
  it('cancels a pending event, and not a fired one or twice', () => {
    const { sim, kind, fired } = recorder();
    const a = sim.schedule(1, kind, 1);
    const b = sim.schedule(2, kind, 2);
    expect(sim.isPending(b)).toBe(true);
    expect(sim.pending).toBe(2);
    expect(sim.cancel(b)).toBe(true);
    expect(sim.isPending(b)).toBe(false);
    expect(sim.pending).toBe(1);
    expect(sim.cancel(b)).toBe(false); // double cancel
    sim.run();
    expect(fired).toEqual([1]);
    expect(sim.cancel(a)).toBe(false); // already fired
    expect(sim.cancel(NO_EVENT)).toBe(false);
    expect(sim.eventsProcessed).toBe(1);
  });

  it('a stale handle never cancels the event that reused its slot', () => {
    const { sim, kind, fired } = recorder();
    const old = sim.schedule(1, kind, 1);
    sim.run();
    const fresh = sim.schedule(1, kind, 2);
    // Same slot (low 26 bits), different generation: the case this test is about.
    expect(fresh % 2 ** 26).toBe(old % 2 ** 26);
    expect(fresh).not.toBe(old);
    expect(sim.cancel(old)).toBe(false);
    expect(sim.isPending(fresh)).toBe(true);
    sim.run();
    expect(fired).toEqual([1, 2]);
  });

  it('a handler cannot cancel its own (firing) event, even after reusing its slot', () => {
    const sim = new Simulation();
    const fired: number[] = [];
    let self = NO_EVENT;
    let results: boolean[] = [];
    const k = sim.register('k', (arg) => {
      fired.push(arg);
      if (arg === 0) {
        const next = sim.schedule(1, k, 1); // fused: takes the root and the freed slot
        results = [sim.cancel(self), sim.isPending(next)];
      }
    });
    self = sim.schedule(1, k, 0);
    sim.run();
    expect(results).toEqual([false, true]);
    expect(fired).toEqual([0, 1]);
  });

  it('purges many cancellations and keeps the order of the survivors', () => {
    const { sim, kind, fired } = recorder(16);
    const times = tiedTimes(30_000, 50);
    const handles = times.map((t, i) => sim.schedule(t, kind, i));
    const rng = new RandomSource(3).stream('cancel');
    const cancelled = new Set<number>();
    for (let i = 0; i < handles.length; i++) {
      if (rng.next() < 0.8) {
        expect(sim.cancel(handles[i] as number)).toBe(true);
        cancelled.add(i);
      }
    }
    expect(sim.pending).toBe(30_000 - cancelled.size);
    sim.run();
    expect(fired).toEqual(expectedOrder(times, (i) => !cancelled.has(i)));
    expect(sim.pending).toBe(0);
    expect(sim.eventsProcessed).toBe(30_000 - cancelled.size);
  });

  for (const when of ['before', 'after'] as const) {
    it(`purges correctly inside a handler that schedules ${when} cancelling`, () => {
      // The handler at t=0 cancels 9000 of 10000 timers (enough to trigger a purge while the
      // dispatched event still sits at the heap root) and schedules one follow-on event.
      const sim = new Simulation({ initialCapacity: 16 });
      const fired: number[] = [];
      const timer = sim.register('timer', (arg) => fired.push(arg));
      const times = tiedTimes(10_000, 20).map((t) => t + 1);
      const handles: number[] = [];
      let trigger = 0;
      const canceller = sim.register('canceller', () => {
        trigger++;
        if (when === 'before') sim.schedule(0.5, timer, -1);
        for (let i = 0; i < 9000; i++) sim.cancel(handles[i] as number);
        if (when === 'after') sim.schedule(0.5, timer, -1);
      });
      sim.schedule(0, canceller);
      for (const [i, t] of times.entries()) handles.push(sim.schedule(t, timer, i));
      expect(sim.step()).toBe(true);
      expect(trigger).toBe(1);
      expect(sim.pending).toBe(1001);
      sim.run();
      expect(trigger).toBe(1); // the canceller did not fire again
      expect(fired).toEqual([-1, ...expectedOrder(times, (i) => i >= 9000)]);
      expect(sim.pending).toBe(0);
    });
  }
});

describe('run, stop, step', () => {
  it('run(until) fires events before until, leaves events at until pending, sets now = until', () => {
    const { sim, kind, fired } = recorder();
    for (const t of [1, 2, 2, 3]) sim.schedule(t, kind, t);
    expect(sim.run(2)).toBe(1);
    expect(fired).toEqual([1]);
    expect(sim.now).toBe(2);
    expect(sim.pending).toBe(3);
    expect(sim.peek()).toBe(2);
    expect(sim.run(2)).toBe(0); // until == now: nothing fires
    expect(sim.run(2.5)).toBe(2);
    expect(sim.now).toBe(2.5);
    expect(sim.run(10)).toBe(1);
    expect(sim.now).toBe(10); // clock advances to until even with an empty queue
    expect(sim.run()).toBe(0);
    expect(sim.now).toBe(10); // run() with no until leaves the clock at the last event
    expect(() => sim.run(9)).toThrow(/got 9/);
    expect(() => sim.run(Number.NaN)).toThrow(/got NaN/);
  });

  it('run() without until stops the clock at the last event', () => {
    const { sim, kind } = recorder();
    sim.schedule(4.25, kind);
    sim.run();
    expect(sim.now).toBe(4.25);
    expect(sim.peek()).toBe(Number.POSITIVE_INFINITY);
  });

  it('stop() returns after the current event and keeps the clock there', () => {
    const sim = new Simulation();
    const fired: number[] = [];
    const k = sim.register('k', (arg) => {
      fired.push(arg);
      if (arg === 2) sim.stop();
    });
    for (let i = 1; i <= 4; i++) sim.schedule(i, k, i);
    expect(sim.run(100)).toBe(2);
    expect(sim.now).toBe(2);
    expect(sim.run(100)).toBe(2); // a later run resumes
    expect(fired).toEqual([1, 2, 3, 4]);
    expect(sim.now).toBe(100);
  });

  it('step() fires exactly one live event, skipping cancelled ones', () => {
    const { sim, kind, fired } = recorder();
    const a = sim.schedule(1, kind, 1);
    sim.schedule(2, kind, 2);
    sim.cancel(a);
    expect(sim.step()).toBe(true);
    expect(fired).toEqual([2]);
    expect(sim.now).toBe(2);
    expect(sim.step()).toBe(false);
  });

  it('peek() inside a handler sees the next event', () => {
    const sim = new Simulation();
    const seen: number[] = [];
    const k = sim.register('k', () => {
      seen.push(sim.peek());
      if (sim.now < 2) sim.schedule(5, k);
    });
    sim.schedule(1, k);
    sim.schedule(3, k);
    sim.run();
    expect(seen).toEqual([3, 6, Number.POSITIVE_INFINITY]);
  });
});

describe('post / postAt (schedule without a handle)', () => {
  it('interleave with schedule in one (time, insertion) order, FIFO on ties', () => {
    const sim = new Simulation({ initialCapacity: 16 });
    const fired: number[] = [];
    const k = sim.register('e', (arg) => fired.push(arg));
    for (let i = 0; i < 200; i++) {
      const t = (i * 7) % 5; // 5 distinct times, 40 events each, through heap growth
      if (i % 3 === 0) sim.post(t, k, i);
      else if (i % 3 === 1) sim.postAt(t, k, i);
      else sim.schedule(t, k, i);
    }
    sim.run();
    const expected = [...Array(200).keys()].sort((a, b) => ((a * 7) % 5) - ((b * 7) % 5) || a - b);
    expect(fired).toEqual(expected);
  });

  it('a post from a handler takes the fused pop-push like schedule, and cancel of others works', () => {
    const sim = new Simulation();
    const fired: string[] = [];
    const later = sim.register('later', (arg) => fired.push(`later ${arg} at ${sim.now}`));
    const first = sim.register('first', () => {
      fired.push(`first at ${sim.now}`);
      sim.post(0, later, 1); // same instant: after every event already pending at t = 1
    });
    sim.post(1, first);
    const h = sim.schedule(1, later, 2);
    const gone = sim.schedule(1.5, later, 3);
    expect(sim.cancel(gone)).toBe(true);
    expect(sim.pending).toBe(2);
    sim.run();
    expect(fired).toEqual(['first at 1', 'later 2 at 1', 'later 1 at 1']);
    expect(sim.isPending(h)).toBe(false);
  });

  it('reject what schedule and scheduleAt reject, with the same messages', () => {
    const sim = new Simulation();
    const k = sim.register('timeout', () => {});
    sim.post(2, k);
    sim.run(1);
    for (const d of [-1, Number.NaN, Number.POSITIVE_INFINITY]) {
      expect(() => sim.post(d, k)).toThrow(/^schedule\(timeout\): delay must be a finite number/);
    }
    expect(() => sim.postAt(0.5, k)).toThrow(
      /^scheduleAt\(timeout\): time must be finite and >= now \(1\), got 0\.5/,
    );
    expect(() => sim.postAt(Number.NaN, k)).toThrow(/got NaN/);
    expect(() => sim.post(1, 7)).toThrow(
      /kind must be a value returned by register\(\) \(0\.\.0\), got 7/,
    );
    expect(() => sim.postAt(2, 0.5)).toThrow(/got 0\.5/);
    expect(sim.pending).toBe(1);
  });
});

describe('errors', () => {
  const sim = new Simulation();
  const k = sim.register('timeout', () => {});

  it.each([
    [-1, /timeout.*got -1/],
    [-1e-9, /got -1e-9/],
    [Number.NaN, /got NaN/],
    [Number.POSITIVE_INFINITY, /got Infinity/],
  ])('schedule(%s) throws naming the value and the kind', (delay, message) => {
    expect(() => sim.schedule(delay, k)).toThrow(RangeError);
    expect(() => sim.schedule(delay, k)).toThrow(message);
  });

  it('scheduleAt rejects NaN and Infinity, naming the value', () => {
    expect(() => sim.scheduleAt(Number.NaN, k)).toThrow(/got NaN/);
    expect(() => sim.scheduleAt(Number.POSITIVE_INFINITY, k)).toThrow(/got Infinity/);
  });

  it('rejects a kind that was never registered', () => {
    expect(() => sim.schedule(1, 7)).toThrow(/got 7/);
    expect(() => sim.schedule(1, 0.5)).toThrow(/got 0\.5/);
  });

  it("a handler's exception stops the run and names the event, its payload and time", () => {
    const s = new Simulation();
    const fired: number[] = [];
    const ok = s.register('ok', (arg) => fired.push(arg));
    const boom = s.register('pod-crash', (arg) => {
      s.schedule(1, ok, 99); // scheduled before the throw: kept
      throw new Error(`kaput ${arg}`);
    });
    s.schedule(1, ok, 1);
    s.schedule(2, boom, 42);
    s.schedule(3, ok, 3);
    let error: unknown;
    try {
      s.run();
    } catch (e) {
      error = e;
    }
    expect(error).toBeInstanceOf(Error);
    expect((error as Error).message).toBe('event pod-crash(42) at t=2s failed: kaput 42');
    expect(((error as Error).cause as Error).message).toBe('kaput 42');
    expect(s.now).toBe(2);
    // The engine is left consistent: the rest still runs, the failed event does not refire.
    s.run();
    expect(fired).toEqual([1, 3, 99]);
  });

  it('an event whose handler threw before scheduling anything is not fired again', () => {
    const s = new Simulation();
    let calls = 0;
    const fail = s.register('fail-fast', () => {
      calls++;
      throw new Error('no');
    });
    const ok = s.register('ok', () => {});
    s.schedule(1, fail);
    s.schedule(2, ok);
    expect(() => s.run()).toThrow(/fail-fast\(0\) at t=1s failed: no/);
    expect(s.pending).toBe(1);
    expect(s.run()).toBe(1);
    expect(calls).toBe(1);
    expect(s.now).toBe(2);
  });

  it('a handler may not call run() or step()', () => {
    const s = new Simulation();
    const k2 = s.register('nested', () => {
      s.run();
    });
    s.schedule(1, k2);
    expect(() => s.run()).toThrow(/nested.*cannot be called from an event handler/);
  });
});

describe('EventQueue', () => {
  it('matches a sorted reference under random push, pop and replaceTop', () => {
    const q = new EventQueue(4);
    const ref: { t: number; s: number; slot: number }[] = [];
    const rng = new RandomSource(11).stream('queue');
    let seq = 0;
    let now = 0;
    const popped: number[] = [];
    const expected: number[] = [];
    // ref stays sorted by (t, s): insert at the first position that compares greater.
    const insert = (e: (typeof ref)[number]) => {
      const at = ref.findIndex((x) => x.t > e.t || (x.t === e.t && x.s > e.s));
      ref.splice(at < 0 ? ref.length : at, 0, e);
    };
    for (let op = 0; op < 30_000; op++) {
      const r = rng.next();
      const t = now + Math.floor(rng.next() * 8); // coarse times: many ties
      if (r < 0.45 || ref.length === 0) {
        q.push(t, seq, seq);
        insert({ t, s: seq, slot: seq });
        seq++;
      } else {
        const top = ref.shift() as (typeof ref)[number];
        expected.push(top.slot);
        expect(q.peekTime()).toBe(top.t);
        popped.push(q.peekSlot());
        now = top.t;
        if (r < 0.7) {
          q.pop();
        } else {
          q.replaceTop(t, seq, seq);
          insert({ t, s: seq, slot: seq });
          seq++;
        }
      }
      expect(q.size).toBe(ref.length);
    }
    expect(popped).toEqual(expected);
    expect(q.capacity).toBeGreaterThanOrEqual(q.size);
  });

  it('compact keeps the surviving entries in (time, seq) order', () => {
    const q = new EventQueue(4);
    const times = tiedTimes(5000, 13);
    for (const [i, t] of times.entries()) q.push(t, i, i);
    expect(q.compact((slot) => slot % 3 !== 0)).toBe(Math.ceil(5000 / 3));
    const out: number[] = [];
    while (q.size > 0) {
      out.push(q.peekSlot());
      q.pop();
    }
    expect(out).toEqual(expectedOrder(times, (i) => i % 3 !== 0));
    expect(q.peekTime()).toBe(Number.POSITIVE_INFINITY);
    expect(q.peekSlot()).toBe(-1);
  });
});
