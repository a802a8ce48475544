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
