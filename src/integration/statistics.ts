// Customer statistics (seed S17, bc-reference §5.2) and item availability (S19, §5.1): jobs that read the companion
// API's computed pages and write Sales. Statistics go to `nav_accountstatistics` rows linked from the coupled
// account; availability goes to the coupled product's `quantityonhand` (negative values sent as 0).

import { type BulkResult, COMPANION_API, type Result, type Row } from "../connectors/index.ts";
import { writeBudgetOf } from "../engine/adapters/common.ts";
import type { TableMapping } from "../engine/model.ts";
import { batchSize, inParallel } from "../engine/pipeline/write.ts";
import { chunks, getAllByIds } from "../engine/prefetch.ts";
import type { SideRecord } from "../engine/records.ts";
import { sameValue } from "../engine/values.ts";
import type { Coupling } from "../store/repositories/couplings.ts";
import type { IntegrationContext } from "./context.ts";
import { hasUnsyncedEdit, updateBehindMapping } from "./unsynced-edits.ts";

export interface JobCounters {
  inserted: number;
  modified: number;
  unchanged: number;
  /** Left for the next run: a Sales user's edit of the row waits for its mapping's Dataverse → BC pass. */
  deferred: number;
  failed: number;
  errors: string[];
}

const zero = (): JobCounters => ({ inserted: 0, modified: 0, unchanged: 0, deferred: 0, failed: 0, errors: [] });

/** BC statistics field → Dataverse nav_accountstatistics attribute (§5.2). */
export const STATISTICS_FIELDS: Record<string, string> = {
  customerName: "nav_name",
  customerNumber: "nav_customerno",
  balance: "nav_balancelcy",
  outstandingOrders: "nav_outstandingorderslcy",
  shippedNotInvoiced: "nav_shippednotinvoicedlcy",
  outstandingInvoices: "nav_outstandinginvoiceslcy",
  outstandingServiceOrders: "nav_outstandingserviceorderslcy",
  serviceShippedNotInvoiced: "nav_servshippednotinvoicedlcy",
  outstandingServiceInvoices: "nav_outstandingservinvoiceslcy",
  totalAmount: "nav_totallcy",
  creditLimit: "nav_creditlimitlcy",
  overdueAmounts: "nav_overdueamountslcy",
  overdueAmountsAsOf: "nav_overdueamountsasof",
  totalSales: "nav_totalsaleslcy",
  invoicedPrepaymentAmount: "nav_invoicedprepaymentamountlcy",
};

async function readAll(gen: AsyncGenerator<{ ok: true; value: { rows: Row[] } } | { ok: false; error: Error }>) {
  const rows: Row[] = [];
  for await (const page of gen) {
    if (!page.ok) return { ok: false as const, error: page.error };
    rows.push(...page.value.rows);
  }
  return { ok: true as const, rows };
}

function statisticsRow(stat: Row): Row {
  const row: Row = {};
  for (const [bc, dv] of Object.entries(STATISTICS_FIELDS)) if (stat[bc] !== undefined) row[dv] = stat[bc];
  return row;
}

/** True when a wanted value is not what the row holds (dates compare by day: Dataverse may add a time). */
const differs = (current: Row, wanted: Row) =>
  Object.entries(wanted).some(([k, v]) => {
    const c = current[k];
    if (typeof v === "string" && /^\d{4}-\d{2}-\d{2}$/.test(v)) return String(c ?? "").slice(0, 10) !== v;
    return !sameValue(c, v);
  });

/** Most rows a CreateMultiple or UpdateMultiple of these jobs carries; fewer when that fills more of the slots. */
const JOB_BATCH = 500;

/**
 * Creates or updates the statistics of every coupled customer (S17), set-based: the coupled accounts are read by id
 * (100 a request, several at once) and the statistics rows in pages, then only what differs is written, in bulk
 * requests as many at once as Dataverse's budget allows. (Customer by customer, this job made two or three requests
 * in a row per customer, issue 13's "set-based integration passes".)
 */
export async function runCustomerStatistics(ctx: IntegrationContext): Promise<JobCounters> {
  const counters = zero();
  const customers = ctx.mappings.find((m) => m.name === "CUSTOMER");
  const couplings = new Map<string, Coupling>();
  for await (const c of ctx.store.couplings.iterate("CUSTOMER")) if (!c.skipped) couplings.set(c.bcId, c);
  if (!customers || couplings.size === 0) return counters;
  const failed = (message: string) => {
    counters.failed++;
    counters.errors.push(message);
  };
  const stats = await readAll(
    ctx.businessCentral.company(ctx.companyId, COMPANION_API).pages("customerStatistics", {}),
  );
  if (!stats.ok) {
    failed(stats.error.message);
    return counters;
  }
  const wanted = stats.rows.flatMap((stat) => {
    const coupling = couplings.get(String(stat.customerId).toLowerCase());
    return coupling ? [{ coupling, row: statisticsRow(stat) }] : [];
  });
  const [accounts, current] = await Promise.all([
    getAllByIds(
      ctx.engine.ports.forMapping(customers, "dataverse"),
      wanted.map((w) => w.coupling.dataverseId),
      [LINK],
    ),
    readAll(ctx.dataverse.pages(STATISTICS_SET, { select: [STATISTICS_KEY, ...Object.values(STATISTICS_FIELDS)] })),
  ]);
  if (!accounts.ok) {
    failed(accounts.error.message);
    return counters;
  }
  if (!current.ok) {
    failed(current.error.message);
    return counters;
  }
  const statisticsById = new Map(current.rows.map((r) => [String(r[STATISTICS_KEY]).toLowerCase(), r]));
  const updates: { key: string; row: Row }[] = [];
  const creates: { coupling: Coupling; account: SideRecord; row: Row }[] = [];
  const users = ctx.engine.integrationUsers?.dataverse;
  for (const { coupling, row } of wanted) {
    const account = accounts.value.get(coupling.dataverseId.toLowerCase());
    if (!account) {
      failed(`account ${coupling.dataverseId} is gone`);
      continue;
    }
    const linked = account.values[LINK];
    const existing = typeof linked === "string" ? statisticsById.get(linked.toLowerCase()) : undefined;
    if (existing) {
      if (differs(existing, row)) updates.push({ key: String(existing[STATISTICS_KEY]), row });
      else counters.unchanged++;
      continue;
    }
    // Not linked yet (or linked to a row since deleted): a new row, linked when the account has no Sales edit that
    // CUSTOMER has yet to carry to Business Central (unsynced-edits.ts); else both wait for the next run.
    if (hasUnsyncedEdit(customers, account, coupling, users)) counters.deferred++;
    else creates.push({ coupling, account, row });
  }
  await writeStatistics(ctx, customers, updates, creates, counters);
  return counters;
}

const STATISTICS_SET = "nav_accountstatisticses";
const STATISTICS_KEY = "nav_accountstatisticsid";
/** The account's lookup to its statistics row, as read. */
const LINK = "_nav_accountstatisticsid_value";

async function writeStatistics(
  ctx: IntegrationContext,
  customers: TableMapping,
  updates: readonly { key: string; row: Row }[],
  creates: readonly { coupling: Coupling; account: SideRecord; row: Row }[],
  counters: JobCounters,
): Promise<void> {
  const budget = writeBudgetOf(ctx.dataverse.throttleStates(), JOB_BATCH);
  // Updates and creates share the slots: each spread over them, so the requests finish about together.
  const size = batchSize(updates.length + creates.length, budget);
  const lanes = budget.concurrency;
  const createdIds: (string | undefined)[] = [];
  await Promise.all([
    inParallel(chunks(updates, size), lanes, async (part) => {
      const res = await ctx.dataverse.updateMultiple(STATISTICS_SET, "nav_accountstatistics", part);
      tallyUpdates(counters, part.length, res);
    }),
    inParallel(chunkIndexes(creates.length, size), lanes, async ({ from, to }) => {
      const part = creates.slice(from, to);
      const res = await ctx.dataverse.createMultiple(
        STATISTICS_SET,
        "nav_accountstatistics",
        part.map((c) => c.row),
      );
      for (let i = 0; i < part.length; i++) {
        const outcome = res.ok ? res.value.outcomes[i] : { ok: false as const, error: res.error };
        if (outcome?.ok && outcome.id) createdIds[from + i] = outcome.id;
        else {
          counters.failed++;
          counters.errors.push(outcome && !outcome.ok ? outcome.error.message : "no id returned");
        }
      }
    }),
  ]);
  const made = [...creates.keys()].filter((i) => createdIds[i] !== undefined);
  const links = await updateBehindMapping(
    ctx,
    customers,
    made.map((i) => ({
      coupling: creates[i].coupling,
      stamp: creates[i].account,
      changes: { "nav_accountstatisticsid@odata.bind": `/${STATISTICS_SET}(${createdIds[i]})` },
    })),
  );
  // A row whose link was not written (edited meanwhile, or refused) goes again, or every run would leave one more.
  const orphans: string[] = [];
  for (const [n, i] of made.entries()) {
    const link = links[n];
    if (link.kind === "written") {
      counters.inserted++;
      continue;
    }
    orphans.push(createdIds[i]!);
    if (link.kind === "deferred") counters.deferred++;
    else {
      counters.failed++;
      counters.errors.push(link.error.message);
    }
  }
  if (orphans.length > 0) {
    await ctx.dataverse.batchOperations(
      orphans.map((id) => ({
        method: "DELETE" as const,
        url: `${STATISTICS_SET}(${id})`,
        headers: { "If-Match": "*" },
      })),
    );
  }
}

function chunkIndexes(length: number, size: number): { from: number; to: number }[] {
  const out: { from: number; to: number }[] = [];
  for (let from = 0; from < length; from += size) out.push({ from, to: Math.min(length, from + size) });
  return out;
}

/** Counts an update request's outcomes: modified for each row written, a failure (with its reason) for each other. */
function tallyUpdates(counters: JobCounters, rows: number, res: Result<BulkResult>): void {
  for (let i = 0; i < rows; i++) {
    const outcome = res.ok ? res.value.outcomes[i] : { ok: false as const, error: res.error };
    if (outcome?.ok) counters.modified++;
    else {
      counters.failed++;
      counters.errors.push(outcome ? outcome.error.message : "no outcome");
    }
  }
}

/** Writes the availability of every coupled item to its product's quantity on hand (S19), set-based as above. */
export async function runItemAvailability(ctx: IntegrationContext): Promise<JobCounters> {
  const counters = zero();
  const items = ctx.mappings.find((m) => m.name === "ITEM-PRODUCT");
  const couplings = new Map<string, string>();
  for await (const c of ctx.store.couplings.iterate("ITEM-PRODUCT"))
    if (!c.skipped) couplings.set(c.bcId, c.dataverseId);
  if (!items || couplings.size === 0) return counters;
  const rows = await readAll(ctx.businessCentral.company(ctx.companyId, COMPANION_API).pages("itemAvailability", {}));
  if (!rows.ok) {
    counters.failed++;
    counters.errors.push(rows.error.message);
    return counters;
  }
  const wanted = rows.rows.flatMap((row) => {
    const productId = couplings.get(String(row.itemId).toLowerCase());
    // Sales keeps no negative quantity on hand: a negative availability is sent as 0.
    const quantity = Math.max(0, Number(row.availableQuantity ?? row.inventory ?? 0));
    return productId ? [{ productId, quantity }] : [];
  });
  const products = await getAllByIds(
    ctx.engine.ports.forMapping(items, "dataverse"),
    wanted.map((w) => w.productId),
    ["quantityonhand"],
  );
  if (!products.ok) {
    counters.failed++;
    counters.errors.push(products.error.message);
    return counters;
  }
  const updates: { key: string; row: Row }[] = [];
  for (const { productId, quantity } of wanted) {
    const product = products.value.get(productId.toLowerCase());
    if (product && Number(product.values.quantityonhand) === quantity) counters.unchanged++;
    else updates.push({ key: productId, row: { quantityonhand: quantity } });
  }
  const budget = writeBudgetOf(ctx.dataverse.throttleStates(), JOB_BATCH);
  await inParallel(chunks(updates, batchSize(updates.length, budget)), budget.concurrency, async (part) => {
    tallyUpdates(counters, part.length, await ctx.dataverse.updateMultiple("products", "product", part));
  });
  return counters;
}
