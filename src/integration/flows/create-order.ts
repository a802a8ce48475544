// A submitted Sales order becomes a released Business Central order (S8, S9; bc-reference §4.1): resolve
// customer and lines (nothing written if that fails), create header and lines, release, couple the order and
// its item/resource lines, and tell Sales (lastbackofficesubmit; bidirectional: the BC order number).

import { newRecordId } from "../../engine/record-id.ts";
import { bcsyncError, isBcsyncError } from "../../errors/catalogue.ts";
import { INTEGRATION_ORDER_SALES_WRITE_FAILED } from "../../errors/codes/integration.ts";
import type { IntegrationContext } from "../context.ts";
import { withLease } from "../mapping-lease.ts";
import {
  createBcDocument,
  deleteOrder,
  refused,
  type WrittenDocument,
  type WrittenLine,
} from "./bc-document-writer.ts";
import { companyStamp, LINE_MAPPING, lower, ORDER_MAPPING, type Outcome, v2 } from "./common.ts";
import { importSalesNotes } from "./notes.ts";
import { orderRequests } from "./request-batches.ts";
import { rememberSales } from "./sales-changes.ts";
import {
  type BcDocumentDraft,
  documentNumber,
  readSalesDocument,
  resolveDraft,
  type SalesDocument,
} from "./sales-document.ts";

export interface CreatedOrder {
  salesOrderId: string;
  bcOrderId: string;
  bcOrderNumber: string;
  lines: number;
}

/** Couples each Sales line with its BC line and gives it BC's line number, as the line mapping would. */
export async function coupleLines(ctx: IntegrationContext, lines: readonly WrittenLine[]): Promise<void> {
  // Legacy mode has no line mapping (BC creates SOLINE-ORDERDETAIL for bidirectional orders only).
  const lineMapping = ctx.mappings.some((m) => m.name === LINE_MAPPING);
  for (const l of lines) {
    if (lineMapping) {
      await ctx.store.couplings.uncoupleByDataverseId(LINE_MAPPING, l.salesLineId);
      await ctx.store.couplings.couple({ mappingName: LINE_MAPPING, bcId: l.bcLineId, dataverseId: l.salesLineId });
    }
  }
  // The line numbers in a $batch shared with the other orders in flight (request-batches.ts); as before, a refused
  // one is left for the next write of the order.
  await orderRequests(ctx).salesWrites.submit(
    lines.map((l) => ({
      method: "PATCH" as const,
      url: `salesorderdetails(${l.salesLineId})`,
      headers: { "If-Match": "*" },
      body: { bcbi_businesscentrallinenumber: l.sequence },
    })),
  );
}

/** What BC writes back on the Sales order after creating or updating its BC order. */
export async function writeBackToSales(
  ctx: IntegrationContext,
  doc: SalesDocument,
  bcOrderNumber: string,
  bcOrderId: string,
): Promise<Outcome<void>> {
  const changes: Record<string, unknown> = {
    lastbackofficesubmit: new Date().toISOString().slice(0, 10),
    ...companyStamp(ctx),
  };
  if (ctx.settings.bidirectionalSalesOrders) {
    changes.bcbi_businesscentralordernumber = bcOrderNumber;
    changes.bcbi_businesscentraldocumentoccurrencenumber = 1;
  }
  // In a $batch shared with the other orders in flight; each order's answer is its own.
  const [updated] = await orderRequests(ctx).salesWrites.submit([
    { method: "PATCH", url: `salesorders(${doc.id})`, headers: { "If-Match": "*" }, body: changes, record: doc.id },
  ]);
  if (!updated || updated.error)
    return salesRefused(doc, "write back the Business Central order number", updated?.error ?? new Error("no answer"));
  // Re-read so the flow's own write does not look like a Sales user's change.
  const again = await readSalesDocument(ctx, "salesorder", doc.id);
  if (again.ok) {
    await rememberSales(ctx, again.value);
    await stampOrderCoupling(ctx, bcOrderId, doc.id, again.value.header.modifiedon);
  }
  return { ok: true, value: undefined };
}

/**
 * The order coupling as of now: Sales was last written by the flow at `dataverseModifiedAt`, so the engine's
 * next BC → Sales pass takes BC's values (addresses, totals, salesperson) instead of seeing both sides changed.
 * No snapshot: every field is compared afresh on that pass.
 */
async function stampOrderCoupling(ctx: IntegrationContext, bcId: string, dataverseId: string, modifiedOn: unknown) {
  if (typeof modifiedOn !== "string") return;
  await ctx.store.couplings.uncoupleByDataverseId(ORDER_MAPPING, dataverseId);
  await ctx.store.couplings.couple({ mappingName: ORDER_MAPPING, bcId, dataverseId, dataverseModifiedAt: modifiedOn });
}

export const salesRefused = (doc: SalesDocument, step: string, error: { message: string }) => ({
  ok: false as const,
  error: bcsyncError(INTEGRATION_ORDER_SALES_WRITE_FAILED, {
    order: documentNumber(doc),
    step,
    reason: error.message,
  }),
});

/**
 * Write intents of order creations (store: pending_writes), under a name of their own: the engine's pass of the
 * order mapping settles its own intents, whose keys are records of the mapping's tables.
 */
const ORDER_CREATES = `${ORDER_MAPPING} order creations`;

/**
 * The id the BC order of this Sales order is created under, recorded before anything is written. A process killed
 * between the create and the coupling (several orders are in flight) leaves an order under that id and no
 * coupling: the next attempt finds it by the same id and removes it (it may lack lines or its release) before
 * creating the order again, where before it created a second BC order for the same Sales order.
 */
async function orderKey(ctx: IntegrationContext, doc: SalesDocument, label: string): Promise<Outcome<string>> {
  const proposed = newRecordId();
  // On disk before the order is created: a power loss must not take an intent whose order landed.
  const [intent] = await ctx.store.transaction(
    (store) =>
      store.pendingWrites.record([
        { mappingName: ORDER_CREATES, direction: "fromDataverse", sourceId: lower(doc.id), targetKey: proposed },
      ]),
    { durable: true },
  );
  const key = intent.targetKey;
  // A fresh intent: nothing can exist under its id, so no request is spent looking.
  if (key === proposed) return { ok: true, value: key };
  const left = await v2(ctx).get("salesOrders", key, { select: ["id"] });
  if (!left.ok) return refused(label, "look for the order an interrupted run left", left.error);
  if (left.value) {
    const removed = await v2(ctx).delete("salesOrders", key, "*");
    if (!removed.ok) return refused(label, `remove the order ${key} an interrupted run left unfinished`, removed.error);
  }
  return { ok: true, value: key };
}

/** The BC order created under its recorded id, released and coupled; undone if a step fails. */
async function createAndCouple(
  ctx: IntegrationContext,
  doc: SalesDocument,
  draft: BcDocumentDraft,
): Promise<Outcome<WrittenDocument>> {
  const label = documentNumber(doc);
  const key = await orderKey(ctx, doc, label);
  if (!key.ok) return key;
  // Created and released (deleted again if either fails).
  const created = await createBcDocument(ctx, "salesOrders", draft, label, key.value, { release: true });
  if (!created.ok) return created;
  try {
    await ctx.store.couplings.couple({ mappingName: ORDER_MAPPING, bcId: created.value.id, dataverseId: doc.id });
  } catch (error) {
    // Created at the same time by someone else (the job and `bcsync orders create`): theirs stands.
    await deleteOrder(ctx, created.value.id);
    if (isBcsyncError(error)) return { ok: false, error };
    throw error;
  }
  // Coupled: the coupling guards this Sales order from now on.
  await ctx.store.pendingWrites.clear(ORDER_CREATES, "fromDataverse", [lower(doc.id)]);
  return created;
}

/** Creates, releases and couples the BC order of a Sales order that has none. */
export async function createOrderInBc(ctx: IntegrationContext, doc: SalesDocument): Promise<Outcome<CreatedOrder>> {
  const label = documentNumber(doc);
  const draft = await resolveDraft(ctx, doc);
  if (!draft.ok) return draft;
  // One creator of this order at a time (the orders job, `bcsync orders create`, the API): the intent's id is
  // shared, and a second creator must not take the first one's order in progress for an interrupted run's leftover.
  let created: Outcome<WrittenDocument>;
  try {
    created = await withLease(ctx.store, `${ORDER_CREATES} ${label}`, () => createAndCouple(ctx, doc, draft.value));
  } catch (error) {
    if (isBcsyncError(error)) return { ok: false, error };
    throw error;
  }
  if (!created.ok) return created;
  // Independent of each other (line couplings and numbers; the order's notes): side by side.
  await Promise.all([coupleLines(ctx, created.value.lines), importSalesNotes(ctx, doc.id, created.value.id)]);
  const back = await writeBackToSales(ctx, doc, created.value.number, created.value.id);
  if (!back.ok) return back;
  return {
    ok: true,
    value: {
      salesOrderId: lower(doc.id),
      bcOrderId: created.value.id,
      bcOrderNumber: created.value.number,
      lines: created.value.lines.length,
    },
  };
}
