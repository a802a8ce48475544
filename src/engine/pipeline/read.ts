// Read stage: keeps the next pages of a source coming while the current one is planned and written. At most
// `depth` pages are read ahead (bounded memory whatever the table size); a paged read is a chain of next links,
// so read-ahead is the only parallelism a single source read has.

/**
 * Yields what `source` yields, in order, reading up to `depth` items ahead of the consumer. When the consumer
 * stops early, the source is closed once the read in flight has settled (no request is left dangling).
 * `onEnd` is called as soon as the source is known to be read to its end, possibly before the consumer has taken
 * the last items (the writes of a run can then stop waiting for more records).
 */
export async function* readAhead<T>(
  source: AsyncIterable<T>,
  depth: number,
  onEnd: () => void = () => {},
): AsyncGenerator<T> {
  if (depth <= 0) {
    yield* source;
    onEnd();
    return;
  }
  const iterator = source[Symbol.asyncIterator]();
  const buffer: Promise<IteratorResult<T>>[] = [];
  let ended = false;
  const fill = () => {
    // One read at a time: a paged source cannot start page n+1 before page n told it where n+1 is.
    while (!ended && buffer.length < depth + 1) {
      const previous = buffer.at(-1);
      const next: Promise<IteratorResult<T>> = previous
        ? previous.then((r) => (r.done ? r : iterator.next()))
        : iterator.next();
      next.then(
        (r) => {
          if (r.done && !ended) {
            ended = true;
            onEnd();
          }
        },
        () => {
          ended = true;
        },
      );
      buffer.push(next);
    }
  };
  let finished = false;
  try {
    for (;;) {
      fill();
      const result = await buffer.shift()!;
      if (result.done) {
        finished = true;
        return;
      }
      yield result.value;
    }
  } finally {
    if (!finished) {
      // Stopped early (break, or a throw in the consumer): let the reads in flight settle, then close the source.
      await Promise.allSettled(buffer);
      await iterator.return?.();
    }
  }
}

/**
 * A read begun before its consumer is there: the first item is asked for at once and kept, the rest when the
 * consumer reads on (a full pass's first page, read while the mapping before it still writes: its first writes go
 * out as soon as the pass may plan). `take` hands the read over once; `cancel` closes an unclaimed one after its
 * first item settles, so no request is left dangling.
 */
export class HeadStart<T> {
  private readonly iterator: AsyncIterator<T>;
  private readonly first: Promise<IteratorResult<T>>;
  private claimed = false;

  constructor(source: AsyncIterable<T>) {
    this.iterator = source[Symbol.asyncIterator]();
    this.first = this.iterator.next();
    // A failed first read is the taker's to see (it awaits the same promise), or nobody's.
    this.first.catch(() => undefined);
  }

  /** The whole read, the first item included; undefined once taken or cancelled. */
  take(): AsyncIterable<T> | undefined {
    if (this.claimed) return undefined;
    this.claimed = true;
    return continued(this.first, this.iterator);
  }

  async cancel(): Promise<void> {
    if (this.claimed) return;
    this.claimed = true;
    await this.first.catch(() => undefined);
    await this.iterator.return?.();
  }
}

async function* continued<T>(first: Promise<IteratorResult<T>>, iterator: AsyncIterator<T>): AsyncGenerator<T> {
  let finished = false;
  try {
    for (let next = await first; !next.done; next = await iterator.next()) yield next.value;
    finished = true;
  } finally {
    // Stopped early: the source is closed, as a read the consumer had started itself would be.
    if (!finished) await iterator.return?.();
  }
}
