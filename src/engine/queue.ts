/**
 * The pending-event set: a binary min-heap stored as a struct of typed arrays.
 *
 * Entries are ordered by (time, seq). `seq` is an insertion counter that only goes up, so two
 * events at the same time always come out in the order they were scheduled (FIFO), whatever the
 * heap's shape: ties are never left to float comparison or to sift order.
 *
 * Why typed arrays: a heap of objects costs an allocation per event and a pointer chase per
 * comparison; typed arrays keep the keys contiguous and the heap allocation-free once grown
 * (measured ~3x faster on the hold model, see bench/ and docs/ARCHITECTURE.md).
 *
 * Each entry is a time and a `slot`: an index into the owner's payload arrays, which must be a
 * non-negative integer unique among the entries queued at one time (the engine's slots are).
 * The heap moves only (time, slot) pairs; `seq` lives in `seqOf`, indexed by slot, and is read
 * only to break ties, which continuous times rarely produce. Two arrays moved per sift level
 * instead of three measured +7% on Model A and +10-15% on the hold benchmark at 10k entries.
 * Binary rather than 4-ary: the 4-ary heap measured slower at sizes 100, 10k and 1M.
 */
export class EventQueue {
  private times: Float64Array;
  private slots: Int32Array;
  /** Sequence number of the entry holding each slot (indexed by slot, not by heap position). */
  private seqOf: Float64Array;
  private _size = 0;

  constructor(initialCapacity = 1024) {
    const cap = Math.max(4, initialCapacity | 0);
    this.times = new Float64Array(cap);
    this.slots = new Int32Array(cap);
    this.seqOf = new Float64Array(cap);
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

  /** Inserts an entry; `slot` must not be queued already. */
  push(time: number, seq: number, slot: number): void {
    if (this._size === this.times.length) this.grow();
    if (slot >= this.seqOf.length) this.growSeq(slot);
    this.seqOf[slot] = seq;
    const pos = this._size++;
    this.times[pos] = time;
    this.siftUp(pos, slot);
  }

  /**
   * Replace the root with a new entry and restore heap order. Equivalent to pop() then push(),
   * at the cost of one sift instead of two: the engine uses it when a handler schedules its
   * follow-on event while the event being dispatched still sits at the root ("fused pop-push").
   */
  replaceTop(time: number, seq: number, slot: number): void {
    if (slot >= this.seqOf.length) this.growSeq(slot);
    this.seqOf[slot] = seq;
    this.times[0] = time;
    this.siftDown(0, slot);
  }

  /** Remove the root (no-op when empty). The caller reads it first with peekTime/peekSlot. */
  pop(): void {
    if (this._size === 0) return;
    const last = --this._size;
    if (last > 0) {
      this.times[0] = this.times[last] as number;
      this.siftDown(0, this.slots[last] as number);
    }
  }

  clear(): void {
    this._size = 0;
  }

  /**
   * Drop every entry whose slot fails `keep`, then rebuild the heap in O(n). Used to purge
   * lazily cancelled events so that the heap never holds more dead entries than live ones.
   * Returns the number of entries dropped.
   */
  compact(keep: (slot: number) => boolean): number {
    const { times, slots } = this;
    let w = 0;
    for (let r = 0; r < this._size; r++) {
      const s = slots[r] as number;
      if (keep(s)) {
        times[w] = times[r] as number;
        slots[w] = s;
        w++;
      }
    }
    const removed = this._size - w;
    this._size = w;
    for (let i = (w >> 1) - 1; i >= 0; i--) this.siftDown(i, slots[i] as number);
    return removed;
  }

  private grow(): void {
    const cap = this.times.length * 2;
    const t = new Float64Array(cap);
    t.set(this.times);
    const s = new Int32Array(cap);
    s.set(this.slots);
    this.times = t;
    this.slots = s;
  }

  private growSeq(slot: number): void {
    let cap = this.seqOf.length * 2;
    while (cap <= slot) cap *= 2;
    const q = new Float64Array(cap);
    q.set(this.seqOf);
    this.seqOf = q;
  }

  // Sifts move a hole rather than swapping, writing each displaced entry once. The entry being
  // placed is (times[pos], slot), its sequence seqOf[slot]: the sifts take no float argument,
  // because a double passed to a call V8 does not inline is boxed as a heap number (16 bytes per
  // schedule, measured with the sampling heap profiler), while reading it from the array is free.
  private siftUp(pos: number, slot: number): void {
    const { times, slots, seqOf } = this;
    const time = times[pos] as number;
    const seq = seqOf[slot] as number;
    while (pos > 0) {
      const parent = (pos - 1) >> 1;
      const pt = times[parent] as number;
      if (pt < time) break;
      const ps = slots[parent] as number;
      if (pt === time && (seqOf[ps] as number) < seq) break;
      times[pos] = pt;
      slots[pos] = ps;
      pos = parent;
    }
    times[pos] = time;
    slots[pos] = slot;
  }

  private siftDown(pos: number, slot: number): void {
    const { times, slots, seqOf } = this;
    const n = this._size;
    const time = times[pos] as number;
    const seq = seqOf[slot] as number;
    for (;;) {
      let child = 2 * pos + 1;
      if (child >= n) break;
      let ct = times[child] as number;
      const right = child + 1;
      if (right < n) {
        const rt = times[right] as number;
        if (
          rt < ct ||
          (rt === ct &&
            (seqOf[slots[right] as number] as number) < (seqOf[slots[child] as number] as number))
        ) {
          child = right;
          ct = rt;
        }
      }
      if (time < ct || (time === ct && seq < (seqOf[slots[child] as number] as number))) break;
      times[pos] = ct;
      slots[pos] = slots[child] as number;
      pos = child;
    }
    times[pos] = time;
    slots[pos] = slot;
  }
}
