// Write stage: the writes of a page split into bulk requests sized so that the target's concurrency budget is
// used (Dataverse 52 concurrent requests per principal, Business Central 5), with that many in flight at once.
// The HTTP throttle (src/connectors/http/throttle.ts) still enforces the service's limits and its answers (429,
// Retry-After, x-ms-dop-hint); the budget here only decides how many requests are worth starting.

export interface WriteBudget {
  /** Requests the target accepts at once for this client (summed over its principals, lowered by 429s). */
  concurrency: number;
  /** Most records one request may carry (CreateMultiple 1,000; a Business Central $batch 100). */
  maxBatch: number;
  /** Fewest records a request carries while more keep coming and most slots are busy (default MIN_BATCH). */
  minBatch?: number;
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
 * Records a request carries while the source keeps coming and its size is not known: on Dataverse a request's
 * fixed cost (≈ 91 ms, emulators/runtime/cost.ts) is then under a tenth of its time (≈ 9 ms a record), and a
 * request ends within about a second, so the last ones of a pass do not run long after the others.
 */
export const TARGET_BATCH = 100;

/** What the writer knows when a slot is free (see nextBatchSize). */
export interface Backlog {
  /** Records handed to the writer and not yet sent. */
  waiting: number;
  /** Records in requests that have not settled. */
  inFlight: number;
  /** Records still to come from the source (0 once it is read to its end); undefined when unknown. */
  upcoming?: number;
  /**
   * The work the requests in flight still have, in records' worth of the target's time (a request's expected end
   * minus now, over the time a record takes); undefined until the target's times are learned.
   */
  inFlightWork?: number;
  /** Milliseconds until each request in flight is expected to end (with `requestTime`, once learned). */
  inFlightEnds?: readonly number[];
  /** The target's time for a request, learned: fixed + perRecord × its records. */
  requestTime?: { fixedMs: number; perRecordMs: number };
}

/**
 * While the source keeps coming, the records in flight count this much more in a request's share: records read
 * while a request runs go to the slots that free up meanwhile, so requests grow sooner and fewer of them pay the
 * target's fixed cost; with nothing in flight (a run's first page) what waits is still spread over every slot.
 * Simulated against a 20,000-customer sync's page arrivals and request times (52 slots, 91 ms + 9 ms a record and
 * the measured ~26 ms more): 231 requests instead of 267 and 1.6% sooner; 1.3 to 1.5 gave less.
 */
const IN_FLIGHT_WHILE_COMING = 1.2;

/**
 * How many records the next bulk request takes, within [MIN_BATCH, maxBatch] and what waits:
 * - an equal share, per slot, of what the pass holds (waiting, and in flight: a fifth more while the source keeps
 *   coming): at the start of a run the first pages are cut small, so every slot is busy at once; while a backlog
 *   builds requests grow, and a request's fixed cost is spread over more records;
 * - at most an equal share of the work left (what is still to send, what is still to come, and what the requests
 *   in flight still have to do), so that the slots finish together instead of one long request running on alone
 *   (guided self-scheduling, counted in time instead of in records, because the requests in flight started at
 *   different times);
 * - where the work left is not known (the size of the source, or the target's times), TARGET_BATCH at most.
 */
export function nextBatchSize(backlog: Backlog, budget: WriteBudget): number {
  const slots = Math.max(1, budget.concurrency);
  const least = budget.minBatch ?? MIN_BATCH;
  if (backlog.upcoming === 0 && backlog.inFlightEnds && backlog.requestTime) {
    const level = lastRequestSize(backlog.waiting, slots, backlog.inFlightEnds, backlog.requestTime);
    return Math.max(1, Math.min(backlog.waiting, budget.maxBatch, Math.max(least, level)));
  }
  const inFlight = backlog.upcoming === 0 ? backlog.inFlight : backlog.inFlight * IN_FLIGHT_WHILE_COMING;
  const share = Math.ceil((backlog.waiting + inFlight) / slots);
  const workLeft =
    backlog.upcoming !== undefined && backlog.inFlightWork !== undefined
      ? Math.ceil((backlog.waiting + backlog.upcoming + backlog.inFlightWork) / slots)
      : TARGET_BATCH;
  return Math.max(1, Math.min(backlog.waiting, budget.maxBatch, Math.max(least, Math.min(share, workLeft))));
}

/**
 * Once the source is read, what waits is poured over the slots as they free up, like water into a vessel whose
 * floor is each slot's free time: the level T is where the free slots' requests (each paying the fixed time) hold
 * it all, and the slot free now takes what reaches T. Every slot then ends at about T. An equal share of the work
 * left instead gave the first slots to free up as much as the last, so several ran out of records while the others
 * still wrote: 6 of the 236 slot-seconds of a 20,000-customer sync idle at its end, 3.8 this way (simulated against
 * its timeline; 0.8% sooner).
 */
export function lastRequestSize(
  waiting: number,
  slots: number,
  inFlightEnds: readonly number[],
  time: { fixedMs: number; perRecordMs: number },
): number {
  if (waiting <= 0 || time.perRecordMs <= 0) return waiting;
  // When each slot is free, from now: the free ones now (this one among them), the others as their request ends.
  const frees = [...new Array(Math.max(1, slots - inFlightEnds.length)).fill(0), ...inFlightEnds].sort((a, b) => a - b);
  const starts = frees.map((f) => f + time.fixedMs);
  // Records the slots hold below level T: Σ (T − start) / perRecord over the starts below T. Raise T slot by slot.
  let below = 0;
  let sum = 0;
  let level = starts[0];
  for (let i = 0; i < starts.length; i++) {
    below = i + 1;
    sum += starts[i];
    level = (waiting * time.perRecordMs + sum) / below;
    if (i + 1 >= starts.length || level <= starts[i + 1]) break;
  }
  return Math.ceil((level - starts[0]) / time.perRecordMs);
}

/**
 * A target's time for a bulk request of n records, learned from the requests of a pass: fixed + perRecord × n
 * (least squares over every settled request; the request sizes vary from the first small ones on). Until the
 * sizes vary it is the mean time a record took, without a fixed part.
 */
export class RequestTimes {
  private count = 0;
  private sumN = 0;
  private sumMs = 0;
  private sumNN = 0;
  private sumNMs = 0;

  observe(records: number, ms: number): void {
    this.count++;
    this.sumN += records;
    this.sumMs += ms;
    this.sumNN += records * records;
    this.sumNMs += records * ms;
  }

  /** undefined before the first request has settled. */
  model(): { fixedMs: number; perRecordMs: number } | undefined {
    if (this.count === 0 || this.sumN === 0) return undefined;
    const spread = this.count * this.sumNN - this.sumN * this.sumN;
    if (this.count >= 3 && spread > 0) {
      const perRecordMs = (this.count * this.sumNMs - this.sumN * this.sumMs) / spread;
      const fixedMs = (this.sumMs - perRecordMs * this.sumN) / this.count;
      if (perRecordMs > 0 && fixedMs >= 0) return { fixedMs, perRecordMs };
    }
    return { fixedMs: 0, perRecordMs: this.sumMs / this.sumN };
  }
}

/**
 * The bulk requests of one writer that have not settled, and the time a request takes (learned from those that
 * did): what nextBatchSize needs to know of them. Shared by the engine's BatchWriter and the price list lines.
 */
export class InFlightRequests {
  private readonly requests = new Set<{ records: number; startedAt: number }>();
  private readonly times = new RequestTimes();

  constructor(private readonly now: () => number = () => performance.now()) {}

  /** Requests that have not settled. */
  get count(): number {
    return this.requests.size;
  }

  /** A request of `records` starts; call what this returns when it settles (`ok`: its time is learned). */
  start(records: number): (ok: boolean) => void {
    const request = { records, startedAt: this.now() };
    this.requests.add(request);
    return (ok) => {
      this.requests.delete(request);
      if (ok) this.times.observe(records, this.now() - request.startedAt);
    };
  }

  /** The backlog nextBatchSize sizes the next request by, with these records waiting and still to come. */
  backlog(waiting: number, upcoming: number | undefined): Backlog {
    let inFlight = 0;
    for (const r of this.requests) inFlight += r.records;
    const time = this.times.model();
    if (!time) return { waiting, inFlight, upcoming };
    // Each request's expected end (its start + fixed + perRecord × its records) from now; what they still have to
    // do, in records' worth of the target's time, is their sum over the time a record takes.
    const now = this.now();
    const inFlightEnds = [...this.requests].map((r) =>
      Math.max(0, r.startedAt + time.fixedMs + time.perRecordMs * r.records - now),
    );
    let endsSum = 0;
    for (const end of inFlightEnds) endsSum += end;
    return {
      waiting,
      inFlight,
      upcoming,
      inFlightWork: endsSum / time.perRecordMs,
      inFlightEnds,
      requestTime: time,
    };
  }
}

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
 * records in read order (possibly from two pages) go out in one request sized by nextBatchSize. `write` resolves
 * once every record it was given has been sent and `send` has settled for each of its requests, so each page can
 * record its outcome; a request whose `send` throws rejects the pages it carried (after their other requests
 * settle), the other pages go on. Requests start only when a slot is free: none waits, pre-cut, in the throttle's
 * queue, so the size is chosen with the latest backlog.
 */
export class BatchWriter<T> {
  private readonly groups: Group<T>[] = [];
  private waiting = 0;
  private readonly inFlight: InFlightRequests;
  private finished = false;
  /** Records handed to `write` so far (not necessarily sent yet). */
  private handedOver = 0;

  constructor(
    private readonly budget: () => WriteBudget | undefined,
    private readonly send: (batch: T[]) => Promise<void>,
    private readonly source: {
      /** Records the source is still expected to hand over (see Backlog.upcoming); undefined when unknown. */
      upcoming?: () => number | undefined;
      now?: () => number;
    } = {},
  ) {
    this.inFlight = new InFlightRequests(source.now);
  }

  write(items: readonly T[]): Promise<void> {
    if (items.length === 0) return Promise.resolve();
    return new Promise<void>((resolve, reject) => {
      this.groups.push({ items, next: 0, unsettled: 0, resolve, reject });
      this.waiting += items.length;
      this.handedOver += items.length;
      this.pump();
    });
  }

  /** Records handed to `write` so far. */
  get received(): number {
    return this.handedOver;
  }

  /**
   * No more records will come (the source is read to its end): what waits goes out now, in requests sized so
   * that the slots finish together.
   */
  finish(): void {
    this.finished = true;
    this.pump();
  }

  private pump(): void {
    const budget = this.budget() ?? { concurrency: 1, maxBatch: 1000 };
    while (this.inFlight.count < budget.concurrency && this.waiting > 0) {
      // A few records while more keep coming and most slots are busy: the next page joins them, instead of a
      // request whose fixed cost outweighs its records.
      const least = budget.minBatch ?? MIN_BATCH;
      if (this.waiting < least && !this.finished && this.inFlight.count >= budget.concurrency / 2) return;
      const upcoming = this.finished ? 0 : this.source.upcoming?.();
      let size = nextBatchSize(this.inFlight.backlog(this.waiting, upcoming), budget);
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
      const settled = this.inFlight.start(batch.length);
      const settle = (failure?: { error: unknown }) => {
        settled(!failure);
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
