// Write stage: the writes of a page split into bulk requests sized so that the target's concurrency budget is
// used (Dataverse 52 concurrent requests per principal, Business Central 5), with that many in flight at once.
// The HTTP throttle (src/connectors/http/throttle.ts) still enforces the service's limits and its answers (429,
// Retry-After, x-ms-dop-hint); the budget here only decides how many requests are worth starting.

export interface WriteBudget {
  /** Requests the target accepts at once for this client (summed over its principals, lowered by 429s). */
  concurrency: number;
  /** Most records one request may carry (CreateMultiple 1,000; a Business Central $batch 100). */
  maxBatch: number;
}

/**
 * Below this, a bulk request's fixed cost (≈ 90 ms on Dataverse against ≈ 9 ms a record, see
 * emulators/runtime/cost.ts) outweighs what one more request in flight gains.
 */
export const MIN_BATCH = 10;

/**
 * The batch size that spreads `count` records over this page's share of the budget's concurrency (the budget
 * divided among the pages written at once): large enough that a request's fixed cost is spread over many
 * records, small enough that every slot the service allows is busy.
 */
export function batchSize(count: number, budget: WriteBudget | undefined, pagesInFlight = 1, fallback = 1000): number {
  if (!budget) return Math.min(fallback, Math.max(1, count));
  const lanes = Math.max(1, Math.floor(budget.concurrency / Math.max(1, pagesInFlight)));
  const spread = Math.ceil(count / lanes);
  return Math.max(1, Math.min(budget.maxBatch, Math.max(MIN_BATCH, spread)));
}

/**
 * Runs `work` over `items` with at most `limit` in flight; resolves when all are done, in any order. The first
 * failure is rethrown after the others have settled, so nothing keeps running behind the caller's back.
 */
export async function inParallel<T>(
  items: readonly T[],
  limit: number,
  work: (item: T, index: number) => Promise<void>,
): Promise<void> {
  let next = 0;
  let failure: { error: unknown } | undefined;
  const lane = async () => {
    while (next < items.length && !failure) {
      const i = next++;
      try {
        await work(items[i], i);
      } catch (error) {
        failure ??= { error };
      }
    }
  };
  await Promise.all(Array.from({ length: Math.max(1, Math.min(limit, items.length)) }, lane));
  if (failure) throw failure.error;
}

/** Resolves after the event loop has handled what is waiting (responses, timers): long CPU work cut into slices. */
export function yieldToEventLoop(): Promise<void> {
  return new Promise((resolve) => setImmediate(resolve));
}

/**
 * How many records the next bulk request takes (guided self-scheduling): the records waiting, spread over the
 * budget's slots, `spread` times larger (the requests in flight hold records too, so a backlog of one page per
 * few slots keeps requests large), within [MIN_BATCH, maxBatch]. At the start of a run the first page is cut
 * small to fill every slot at once; while a backlog waits requests are large (a request's fixed cost spread over
 * many records); as the backlog drains at the end they shrink, so the slots finish together.
 */
export function guidedBatchSize(waiting: number, budget: WriteBudget, spread = GUIDED_SPREAD): number {
  const share = Math.ceil((waiting * spread) / Math.max(1, budget.concurrency));
  return Math.max(1, Math.min(waiting, budget.maxBatch, Math.max(MIN_BATCH, share)));
}

/** See guidedBatchSize: with 8 pages in flight of 1,000 records, about 100 records a request at 52 slots. */
export const GUIDED_SPREAD = 2;

/**
 * Records a request carries while the source keeps coming (unless most slots are idle): on Dataverse a request's
 * fixed cost (≈ 91 ms, emulators/runtime/cost.ts) is then under a tenth of its time (≈ 9 ms a record).
 */
export const TARGET_BATCH = 100;

interface Group<T> {
  items: readonly T[];
  /** Items not yet taken into a request. */
  next: number;
  /** Items taken whose request has not settled. */
  unsettled: number;
  failure?: { error: unknown };
  resolve(): void;
  reject(error: unknown): void;
}

/**
 * The bulk requests of one pass, shared by its pages: whenever a slot of the target's budget is free, the next
 * records in read order (possibly from two pages) go out in one request sized by guidedBatchSize. `write` resolves
 * once every record it was given has been sent and `send` has settled for each of its requests, so each page can
 * record its outcome; a request whose `send` throws rejects the pages it carried (after their other requests
 * settle), the other pages go on. Requests start only when a slot is free: none waits, pre-cut, in the throttle's
 * queue, so the size is chosen with the latest backlog.
 */
export class BatchWriter<T> {
  private readonly groups: Group<T>[] = [];
  private waiting = 0;
  private active = 0;
  private finished = false;

  constructor(
    private readonly budget: () => WriteBudget | undefined,
    private readonly send: (batch: T[]) => Promise<void>,
  ) {}

  write(items: readonly T[]): Promise<void> {
    if (items.length === 0) return Promise.resolve();
    return new Promise<void>((resolve, reject) => {
      this.groups.push({ items, next: 0, unsettled: 0, resolve, reject });
      this.waiting += items.length;
      this.pump();
    });
  }

  /**
   * No more records will come (the source is read to its end): what waits goes out now, in shrinking requests,
   * instead of waiting for a full request's worth.
   */
  finish(): void {
    this.finished = true;
    this.pump();
  }

  private pump(): void {
    const budget = this.budget() ?? { concurrency: 1, maxBatch: 1000 };
    const full = Math.min(budget.maxBatch, TARGET_BATCH);
    while (this.active < budget.concurrency && this.waiting > 0) {
      // Fewer records than a full request wait: they go now only when no more will come or when most slots are
      // idle (the start of a run, a slow source); otherwise the next page fills the request.
      if (this.waiting < full && !this.finished && this.active >= budget.concurrency / 2) return;
      // At the end, classic guided self-scheduling (one share per slot): the last requests shrink towards the
      // minimum, so the slots finish together instead of one after the other for the length of a full request.
      const guided = guidedBatchSize(this.waiting, budget, this.finished ? 1 : GUIDED_SPREAD);
      // While records keep coming and slots are busy, requests are full ones at least; at the start (slots idle)
      // and at the end (nothing more to come) the guided size fills every slot and lets them finish together.
      const filling = this.finished || this.active < budget.concurrency / 2;
      let size = filling ? guided : Math.max(guided, Math.min(full, this.waiting));
      const batch: T[] = [];
      const parts: { group: Group<T>; count: number }[] = [];
      while (size > 0 && this.groups.length > 0) {
        const group = this.groups[0];
        const count = Math.min(size, group.items.length - group.next);
        for (let i = 0; i < count; i++) batch.push(group.items[group.next + i]);
        group.next += count;
        group.unsettled += count;
        parts.push({ group, count });
        size -= count;
        if (group.next === group.items.length) this.groups.shift();
      }
      this.waiting -= batch.length;
      this.active++;
      const settle = (failure?: { error: unknown }) => {
        this.active--;
        for (const { group, count } of parts) {
          group.unsettled -= count;
          if (failure) group.failure ??= failure;
          if (group.unsettled > 0 || group.next < group.items.length) continue;
          if (group.failure) group.reject(group.failure.error);
          else group.resolve();
        }
        this.pump();
      };
      this.send(batch).then(
        () => settle(),
        (error: unknown) => settle({ error }),
      );
    }
  }
}
