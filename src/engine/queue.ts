/**
 * The pending-event set: a binary min-heap stored as a struct of typed arrays.
 *
 * Entries are ordered by (time, seq). `seq` is an insertion counter that only goes up, so two
 * events at the same time always come out in the order they were scheduled (FIFO), whatever the
 * heap's shape: ties are never left to float comparison or to sift order.
 *
 * Why typed arrays: a heap of objects costs an allocation per event and a pointer chase per
 * comparison; three parallel typed arrays keep the keys contiguous and the heap allocation-free
 * once grown (measured ~3x faster on the hold model, see bench/).
 *
 * The heap stores, per position, the event's time, its sequence number and a `slot`: an index
 * into the owner's payload arrays. It knows nothing of what an event means.
 */
export class EventQueue {
  private times: Float64Array;
  private seqs: Float64Array;
  private slots: Int32Array;
  private _size = 0;

  constructor(initialCapacity = 1024) {
    const cap = Math.max(4, initialCapacity | 0);
    this.times = new Float64Array(cap);
    this.seqs = new Float64Array(cap);
    this.slots = new Int32Array(cap);
  }

  get size(): number {
    return this._size;
  }

  get capacity(): number {
    return this.times.length;
  }

  /** Time of the earliest entry; +Infinity when empty. */
  peekTime(): number {
    return this._size > 0 ? (this.times[0] as number) : Number.POSITIVE_INFINITY;
  }

  /** Slot of the earliest entry; -1 when empty. */
  peekSlot(): number {
    return this._size > 0 ? (this.slots[0] as number) : -1;
  }

  push(time: number, seq: number, slot: number): void {
    if (this._size === this.times.length) this.grow();
    this.siftUp(this._size++, time, seq, slot);
  }

  /**
   * Replace the root with a new entry and restore heap order. Equivalent to pop() then push(),
   * at the cost of one sift instead of two: the engine uses it when a handler schedules its
   * follow-on event while the event being dispatched still sits at the root ("fused pop-push").
   */
  replaceTop(time: number, seq: number, slot: number): void {
    this.siftDown(0, time, seq, slot);
  }

  /** Remove the root. The caller reads it first with peekTime/peekSlot. */
  pop(): void {
    if (this._size === 0) return;
    const last = --this._size;
    if (last > 0) {
      this.siftDown(
        0,
        this.times[last] as number,
        this.seqs[last] as number,
        this.slots[last] as number,
      );
    }
  }

  clear(): void {
    this._size = 0;
  }

  /**
   * Drop every entry whose slot fails `keep`, then rebuild the heap in O(n). Used to purge
   * lazily cancelled events so that the heap never holds more dead entries than live ones.
   */
  compact(keep: (slot: number) => boolean): number {
    const { times, seqs, slots } = this;
    let w = 0;
    for (let r = 0; r < this._size; r++) {
      const s = slots[r] as number;
      if (keep(s)) {
        times[w] = times[r] as number;
        seqs[w] = seqs[r] as number;
        slots[w] = s;
        w++;
      }
    }
    const removed = this._size - w;
    this._size = w;
    for (let i = (w >> 1) - 1; i >= 0; i--) {
      this.siftDown(i, times[i] as number, seqs[i] as number, slots[i] as number);
    }
    return removed;
  }

  private grow(): void {
    const cap = this.times.length * 2;
    const t = new Float64Array(cap);
    t.set(this.times);
    const q = new Float64Array(cap);
    q.set(this.seqs);
    const s = new Int32Array(cap);
    s.set(this.slots);
    this.times = t;
    this.seqs = q;
    this.slots = s;
  }

  // Sifts move a hole rather than swapping, writing each displaced entry once.
  private siftUp(pos: number, time: number, seq: number, slot: number): void {
    const { times, seqs, slots } = this;
    while (pos > 0) {
      const parent = (pos - 1) >> 1;
      const pt = times[parent] as number;
      if (pt < time || (pt === time && (seqs[parent] as number) < seq)) break;
      times[pos] = pt;
      seqs[pos] = seqs[parent] as number;
      slots[pos] = slots[parent] as number;
      pos = parent;
    }
    times[pos] = time;
    seqs[pos] = seq;
    slots[pos] = slot;
  }

  private siftDown(pos: number, time: number, seq: number, slot: number): void {
    const { times, seqs, slots } = this;
    const n = this._size;
    for (;;) {
      let child = 2 * pos + 1;
      if (child >= n) break;
      let ct = times[child] as number;
      let cs = seqs[child] as number;
      const right = child + 1;
      if (right < n) {
        const rt = times[right] as number;
        if (rt < ct || (rt === ct && (seqs[right] as number) < cs)) {
          child = right;
          ct = rt;
          cs = seqs[right] as number;
        }
      }
      if (time < ct || (time === ct && seq < cs)) break;
      times[pos] = ct;
      seqs[pos] = cs;
      slots[pos] = slots[child] as number;
      pos = child;
    }
    times[pos] = time;
    seqs[pos] = seq;
    slots[pos] = slot;
  }
}
