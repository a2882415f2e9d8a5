/**
 * The references' event set: a 4-ary min-heap of (time, id) in two typed arrays, with the
 * fused pop-push (`replaceTop`) a hand-written loop uses when an event schedules its successor.
 * No sequence numbers: a hand-written loop of a continuous-time model does not pay for FIFO
 * ties (the engine does: that guarantee is part of what the ratio measures).
 */
export class Heap4 {
  times: Float64Array;
  ids: Int32Array;
  size = 0;

  constructor(capacity: number) {
    this.times = new Float64Array(capacity);
    this.ids = new Int32Array(capacity);
  }

  push(time: number, id: number): void {
    if (this.size === this.times.length) this.grow();
    const times = this.times;
    const ids = this.ids;
    let pos = this.size++;
    while (pos > 0) {
      const parent = (pos - 1) >> 2;
      const pt = times[parent] as number;
      if (pt <= time) break;
      times[pos] = pt;
      ids[pos] = ids[parent] as number;
      pos = parent;
    }
    times[pos] = time;
    ids[pos] = id;
  }

  /** Removes the root. */
  pop(): void {
    const last = --this.size;
    if (last > 0) this.replaceTop(this.times[last] as number, this.ids[last] as number);
  }

  /** Replaces the root by (time, id) and sifts it down: pop and push in one sift. */
  replaceTop(time: number, id: number): void {
    const times = this.times;
    const ids = this.ids;
    const n = this.size;
    let pos = 0;
    for (;;) {
      const first = 4 * pos + 1;
      if (first >= n) break;
      let best = first;
      let bt = times[first] as number;
      const end = Math.min(first + 4, n);
      for (let c = first + 1; c < end; c++) {
        const ct = times[c] as number;
        if (ct < bt) {
          bt = ct;
          best = c;
        }
      }
      if (time <= bt) break;
      times[pos] = bt;
      ids[pos] = ids[best] as number;
      pos = best;
    }
    times[pos] = time;
    ids[pos] = id;
  }

  private grow(): void {
    const t = new Float64Array(this.times.length * 2);
    t.set(this.times);
    const i = new Int32Array(this.ids.length * 2);
    i.set(this.ids);
    this.times = t;
    this.ids = i;
  }
}
