// The requests of the orders in flight, gathered into few (issue 13). Each order keeps its own chain of steps (read,
// create its header with the integration fields, then its lines, release, couple, write back), with its crash guard
// and its own outcome; but a step many orders take at about the same moment goes out as one request: a BC $batch of
// their creates, a Dataverse $batch of their write-backs, one `or` query for their lines. Dataverse counts a $batch
// as one request toward its 6,000 per 5 minutes, and BC spends its 15 ms per request once for all the operations.

import type {
  BatchOperation,
  BatchOperationResult,
  BcBatchRequest,
  BcBatchResult,
  Row,
} from "../../connectors/index.ts";
import { isBcsyncError } from "../../errors/catalogue.ts";
import type { IntegrationContext } from "../context.ts";
import { bcSlots, companion, lower, type Outcome, readAll, v2 } from "./common.ts";

/**
 * The request slots one service gives a client (Business Central: 5), shared by the coalescers that send to it: a
 * call is cut only when a slot is free for it, so what waits keeps gathering into the next call instead of waiting,
 * pre-cut, in the HTTP throttle's queue. Slots go to the coalescers in the order they asked.
 */
export class SlotGate {
  private active = 0;
  private readonly asking: Array<() => void> = [];

  constructor(private readonly limit: () => number) {}

  /** Slots the service allows now (at least 1). */
  get slots(): number {
    return Math.max(1, this.limit());
  }

  /** Calls `granted` once a slot is free (now, or when one is released); the holder must `release` it. */
  request(granted: () => void): void {
    if (this.active < this.slots) {
      this.active++;
      granted();
    } else this.asking.push(granted);
  }

  release(): void {
    this.active--;
    while (this.active < this.slots && this.asking.length > 0) {
      this.active++;
      this.asking.shift()!();
    }
  }
}

/** Fewest items a gated call is cut to while more wait (a call's fixed cost is spread over at least this many). */
const MIN_GATED_ITEMS = 10;

/**
 * Gathers submissions (each a list of items that must go out together, in order) and sends them as one call once
 * `maxItems` are waiting or `windowMs` after the first: the orders in flight reach the same step within a few
 * milliseconds of each other. Each submission gets its own slice of the answers; a call that fails as a whole
 * fails every submission in it.
 *
 * With a gate, a call is cut when a slot of the service is free: under a backlog each call carries up to
 * `maxItems`; as the backlog drains the calls shrink (what waits spread over the slots, guided self-scheduling), so
 * the last ones finish together instead of one slot working through a full call while the others idle.
 */
export class Coalescer<In, Out> {
  private waiting: Array<{ items: In[]; resolve(out: Out[]): void; reject(error: unknown): void }> = [];
  private size = 0;
  private timer: NodeJS.Timeout | undefined;
  /** A slot is asked for and not granted yet (gated only). */
  private asked = false;

  constructor(
    private readonly send: (items: In[]) => Promise<Out[]>,
    private readonly maxItems: number,
    private readonly windowMs = 5,
    private readonly gate?: SlotGate,
  ) {}

  submit(items: readonly In[]): Promise<Out[]> {
    if (items.length === 0) return Promise.resolve([]);
    // A submission is never split: one that would overflow the call goes into the next.
    if (!this.gate && this.size > 0 && this.size + items.length > this.maxItems) this.flush();
    return new Promise<Out[]>((resolve, reject) => {
      this.waiting.push({ items: [...items], resolve, reject });
      this.size += items.length;
      if (this.size >= this.maxItems) this.flush();
      else this.timer ??= setTimeout(() => this.flush(), this.windowMs);
    });
  }

  private flush(): void {
    if (this.timer) clearTimeout(this.timer);
    this.timer = undefined;
    if (this.gate) {
      if (!this.asked && this.waiting.length > 0) {
        this.asked = true;
        this.gate.request(() => this.sendGated());
      }
      return;
    }
    const group = this.waiting;
    this.waiting = [];
    this.size = 0;
    this.dispatch(group);
  }

  /** A slot is granted: cut a call from what waits (whole submissions, in order) and ask again if more waits. */
  private sendGated(): void {
    const gate = this.gate!;
    this.asked = false;
    const share = Math.ceil(this.size / gate.slots);
    const target = Math.min(this.maxItems, Math.max(MIN_GATED_ITEMS, share));
    const group: typeof this.waiting = [];
    let items = 0;
    while (this.waiting.length > 0) {
      const next = this.waiting[0];
      if (group.length > 0 && items + next.items.length > target) break;
      group.push(this.waiting.shift()!);
      items += next.items.length;
    }
    this.size -= items;
    if (group.length === 0) {
      gate.release();
      return;
    }
    this.dispatch(group, () => gate.release());
    // What still waits has waited its window already: it asks for the next free slot now.
    if (this.waiting.length > 0) this.flush();
  }

  private dispatch(
    group: Array<{ items: In[]; resolve(out: Out[]): void; reject(error: unknown): void }>,
    settled: () => void = () => {},
  ): void {
    if (group.length === 0) {
      settled();
      return;
    }
    this.send(group.flatMap((g) => g.items)).then(
      (out) => {
        settled();
        let at = 0;
        for (const g of group) {
          g.resolve(out.slice(at, at + g.items.length));
          at += g.items.length;
        }
      },
      (error) => {
        settled();
        for (const g of group) g.reject(error);
      },
    );
  }
}

/** Ids per `or` query: 50 GUID comparisons keep the URL near 3 KB, far under Dataverse's 32 KB. */
const IDS_PER_QUERY = 50;
/**
 * Most operations per BC $batch: BC's own limit (100). The $batches are cut only when one of BC's slots is free
 * (SlotGate): under a backlog they are full, spending BC's 15 ms per request once for 100 operations; as the
 * backlog drains they shrink, so the slots finish together.
 */
const BC_BATCH = 100;
/** Dataverse write operations per $batch: its 91 ms per request is spent once for 60 rows of 9 ms each. */
const DATAVERSE_BATCH = 60;
/**
 * How long a step waits for other orders to join it, in milliseconds. BC is the bottleneck: its steps go out after
 * 5 ms (a $batch of 25 operations fills sooner while orders queue for it). BC answers a $batch for 4 orders at a
 * time, about every 200 ms, so the orders reach their Dataverse steps in fours: waiting 100 ms there gathers
 * several such groups per request (Dataverse's 6,000 requests and 1,200 s per 5 minutes), while the order's BC
 * work, the slow part, goes on for the orders behind it.
 */
const BC_WINDOW_MS = 5;
const DATAVERSE_WINDOW_MS = 100;

export interface OrderRequests {
  /** v2.0 operations (an order's header and lines), run in order; continue-on-error across orders. */
  v2: Coalescer<BcBatchRequest, BcBatchResult>;
  /** Companion API operations (integration fields, release). */
  companion: Coalescer<BcBatchRequest, BcBatchResult>;
  /** Dataverse write operations (line numbers, the order's write-back). */
  salesWrites: Coalescer<BatchOperation, BatchOperationResult>;
  /** Rows of `entitySet` whose `column` is one of the ids, grouped by that id (an `or` query per 50 ids). */
  rowsBy(entitySet: string, column: string, extraFilter?: string): Coalescer<string, Outcome<Row[]>>;
}

const perContext = new WeakMap<IntegrationContext, OrderRequests>();

/** The coalescers of this context (one set per run's context, shared by all its orders in flight). */
export function orderRequests(ctx: IntegrationContext): OrderRequests {
  let found = perContext.get(ctx);
  if (found) return found;
  const bcBatch =
    (api: typeof v2) =>
    async (ops: BcBatchRequest[]): Promise<BcBatchResult[]> => {
      const sent = await api(ctx).batch(ops, { continueOnError: true });
      if (!sent.ok) return ops.map((_, i) => ({ id: String(i + 1), status: sent.error.status, error: sent.error }));
      return sent.value;
    };
  const readers = new Map<string, Coalescer<string, Outcome<Row[]>>>();
  // The v2.0 and companion $batches share BC's slots (5 per principal, fewer after a 429).
  const bcGate = new SlotGate(() => bcSlots(ctx));
  found = {
    v2: new Coalescer(bcBatch(v2), BC_BATCH, BC_WINDOW_MS, bcGate),
    companion: new Coalescer(bcBatch(companion), BC_BATCH, BC_WINDOW_MS, bcGate),
    salesWrites: new Coalescer(
      async (ops) => {
        const sent = await ctx.dataverse.batchOperations(ops, { continueOnError: true, idempotent: true });
        if (!sent.ok) return ops.map(() => ({ status: sent.error.status, error: sent.error }));
        return sent.value;
      },
      DATAVERSE_BATCH,
      DATAVERSE_WINDOW_MS,
    ),
    rowsBy(entitySet, column, extraFilter) {
      const name = `${entitySet} ${column} ${extraFilter ?? ""}`;
      let reader = readers.get(name);
      if (!reader) {
        reader = new Coalescer(
          (ids) => rowsByIds(ctx, entitySet, column, ids, extraFilter),
          IDS_PER_QUERY,
          DATAVERSE_WINDOW_MS,
        );
        readers.set(name, reader);
      }
      return reader;
    },
  };
  perContext.set(ctx, found);
  return found;
}

async function rowsByIds(
  ctx: IntegrationContext,
  entitySet: string,
  column: string,
  ids: string[],
  extraFilter?: string,
): Promise<Outcome<Row[]>[]> {
  const distinct = [...new Set(ids.map(lower))];
  const anyOf = distinct.map((id) => `${column} eq ${id}`).join(" or ");
  const filter = extraFilter ? `(${anyOf}) and ${extraFilter}` : anyOf;
  let rows: Row[];
  try {
    rows = await readAll(ctx.dataverse.pages(entitySet, { filter }));
  } catch (error) {
    // A page Dataverse refused fails each order that asked (it goes to the sync log); anything else is a bug.
    if (!isBcsyncError(error)) throw error;
    return ids.map(() => ({ ok: false as const, error }));
  }
  const byId = new Map<string, Row[]>();
  for (const row of rows) {
    const key = lower(row[column]);
    const list = byId.get(key);
    if (list) list.push(row);
    else byId.set(key, [row]);
  }
  return ids.map((id) => ({ ok: true, value: byId.get(lower(id)) ?? [] }));
}
