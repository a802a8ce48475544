// An ordered list kept sorted under inserts and removals: sorted chunks of at most 2 × LOAD items, so an insert or
// a removal costs a binary search and a splice of one chunk (not of the whole list), and iteration from a position
// visits only what it yields. Positions (ranks) are counted over all chunks.

const LOAD = 512;

export class SortedList<T> {
  private chunks: T[][] = [];
  /** Items in the chunks. */
  private count = 0;
  /**
   * Inserted items not yet in the chunks: a bulk insert (a seed, a load) is sorted once and merged when the list is
   * next read, instead of one splice per item; a few are inserted one by one.
   */
  private pending: T[] = [];

  /** `compare` must be a total order: equal items are the same item. */
  constructor(private readonly compare: (a: T, b: T) => number) {}

  get size(): number {
    return this.count + this.pending.length;
  }

  /** Builds the list from items in any order (replaces the content). */
  reset(items: T[]): void {
    items.sort(this.compare);
    this.pending = [];
    this.rechunk(items);
  }

  private rechunk(sorted: T[]): void {
    this.chunks = [];
    for (let i = 0; i < sorted.length; i += LOAD) this.chunks.push(sorted.slice(i, i + LOAD));
    this.count = sorted.length;
  }

  /** Moves the pending items into the chunks: merged in one pass when they are many, else inserted one by one. */
  private flush(): void {
    const pending = this.pending;
    if (pending.length === 0) return;
    this.pending = [];
    if (pending.length < 64 || pending.length * 16 < this.count) {
      for (const item of pending) this.place(item);
      return;
    }
    pending.sort(this.compare);
    const merged: T[] = new Array(this.count + pending.length);
    let i = 0;
    let p = 0;
    for (const chunk of this.chunks) {
      for (const item of chunk) {
        while (p < pending.length && this.compare(pending[p], item) < 0) merged[i++] = pending[p++];
        merged[i++] = item;
      }
    }
    while (p < pending.length) merged[i++] = pending[p++];
    this.rechunk(merged);
  }

  /** Index of the chunk that holds `item`, or would: the first whose last item is not before it. */
  private chunkFor(item: T): number {
    const chunks = this.chunks;
    let lo = 0;
    let hi = chunks.length - 1;
    while (lo < hi) {
      const mid = (lo + hi) >>> 1;
      const last = chunks[mid][chunks[mid].length - 1];
      if (this.compare(last, item) < 0) lo = mid + 1;
      else hi = mid;
    }
    return lo;
  }

  /** First position in `chunk` whose item is not before `item`. */
  private within(chunk: T[], item: T): number {
    let lo = 0;
    let hi = chunk.length;
    while (lo < hi) {
      const mid = (lo + hi) >>> 1;
      if (this.compare(chunk[mid], item) < 0) lo = mid + 1;
      else hi = mid;
    }
    return lo;
  }

  insert(item: T): void {
    this.pending.push(item);
  }

  private place(item: T): void {
    this.count++;
    if (this.chunks.length === 0) {
      this.chunks.push([item]);
      return;
    }
    const c = this.chunkFor(item);
    const chunk = this.chunks[c];
    chunk.splice(this.within(chunk, item), 0, item);
    if (chunk.length > 2 * LOAD) this.chunks.splice(c, 1, chunk.slice(0, LOAD), chunk.slice(LOAD));
  }

  /** Removes the item equal (by `compare`) to `item`; false when there is none. */
  remove(item: T): boolean {
    this.flush();
    if (this.chunks.length === 0) return false;
    const c = this.chunkFor(item);
    const chunk = this.chunks[c];
    const at = this.within(chunk, item);
    if (at >= chunk.length || this.compare(chunk[at], item) !== 0) return false;
    chunk.splice(at, 1);
    this.count--;
    if (chunk.length === 0) this.chunks.splice(c, 1);
    else if (chunk.length < LOAD / 4 && c + 1 < this.chunks.length && this.chunks[c + 1].length < LOAD) {
      // Keeps chunks from thinning out after many removals.
      this.chunks.splice(c, 2, chunk.concat(this.chunks[c + 1]));
    }
    return true;
  }

  /**
   * The first position in [from, to) whose item passes `test`, for a `test` that is false then true along the
   * list (monotone); `to` when none does.
   */
  search(test: (item: T) => boolean, from = 0, to = this.size): number {
    this.flush();
    let lo = Math.max(0, from);
    let hi = Math.min(this.count, to);
    while (lo < hi) {
      const mid = (lo + hi) >>> 1;
      if (test(this.at(mid) as T)) hi = mid;
      else lo = mid + 1;
    }
    return lo;
  }

  /** The item at a position. */
  at(position: number): T | undefined {
    this.flush();
    if (position < 0 || position >= this.count) return undefined;
    let p = position;
    for (const chunk of this.chunks) {
      if (p < chunk.length) return chunk[p];
      p -= chunk.length;
    }
    return undefined;
  }

  /** Items from a position on, in order. The list must not change while iterating. */
  *from(position = 0): IterableIterator<T> {
    this.flush();
    let p = Math.max(0, position);
    let c = 0;
    while (c < this.chunks.length && p >= this.chunks[c].length) {
      p -= this.chunks[c].length;
      c++;
    }
    for (; c < this.chunks.length; c++) {
      const chunk = this.chunks[c];
      for (let i = p; i < chunk.length; i++) yield chunk[i];
      p = 0;
    }
  }

  /** Every item, in order (a new array). */
  toArray(): T[] {
    this.flush();
    const out: T[] = new Array(this.count);
    let i = 0;
    for (const chunk of this.chunks) for (const item of chunk) out[i++] = item;
    return out;
  }
}
