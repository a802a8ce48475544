// What posting in Business Central does to the Sales order (bc-reference §4.1 posting, §4.2 archive/posting):
// the "Sales Order Status" job (legacy mode, every 7 min) and the "Archived Sales Orders" job (bidirectional,
// every 30 min) look at every coupled order. Fully shipped → Sales order Fulfilled; fully invoiced (BC deleted
// the order after posting; its last archive version says so) → Sales order Invoiced and the couplings go.
// The archived-orders job first pushes the archive's final values (fulfilment date, discount, lines) to Sales.

import type { Row } from "../../connectors/index.ts";
import type { IntegrationContext } from "../context.ts";
import {
  companion,
  FlowLog,
  type FlowSummary,
  LINE_MAPPING,
  lower,
  ORDER_MAPPING,
  readAll,
  summaryOf,
  v2,
} from "./common.ts";
import { salesRefused } from "./create-order.ts";
import { forgetSales } from "./sales-changes.ts";
import { readSalesDocument, type SalesDocument } from "./sales-document.ts";
import { type BcState, decideOrder, SALES_ORDER_STATE, SALES_ORDER_STATUS, salesStateOf } from "./states.ts";

interface BcOrderFacts {
  state: BcState;
  /** The newest archive version (bidirectional mode reads it for the final values). */
  archive?: Row;
}

async function latestArchive(ctx: IntegrationContext, bcOrderId: string): Promise<Row | undefined> {
  const versions = await readAll(companion(ctx).pages("salesOrderArchives", { filter: `orderId eq ${bcOrderId}` }));
  return versions.sort((a, b) => Number(b.versionNumber) - Number(a.versionNumber))[0];
}

async function bcFacts(ctx: IntegrationContext, bcOrderId: string): Promise<BcOrderFacts> {
  const order = await companion(ctx).get("salesOrders", bcOrderId, { select: ["status"] });
  if (order.ok && order.value) {
    const lines = await readAll(v2(ctx).pages("salesOrderLines", { filter: `documentId eq ${bcOrderId}` }));
    const goods = lines.filter((l) => l.lineType !== "Comment" && Number(l.quantity) > 0);
    const shipped = goods.length > 0 && goods.every((l) => Number(l.shippedQuantity) >= Number(l.quantity));
    if (shipped) return { state: "Shipped" };
    return { state: order.value.status === "Released" ? "Released" : "Open" };
  }
  if (!order.ok) return { state: "Released" }; // unreadable now: try again next run
  const archive = await latestArchive(ctx, bcOrderId);
  if (archive?.archiveReason === "Post" && archive.fullyInvoiced === true) return { state: "Invoiced", archive };
  return { state: "Deleted" };
}

const number = (v: unknown) => Number(v ?? 0);

/** The archive's final values on the Sales order and its lines (bidirectional mode). */
async function pushArchive(ctx: IntegrationContext, doc: SalesDocument, archive: Row): Promise<string | undefined> {
  const header: Row = { discountpercentage: number(archive.paymentDiscountPercent) };
  const shipped = archive.shipmentDate;
  if (typeof shipped === "string" && shipped !== "0001-01-01") header.datefulfilled = shipped;
  const h = await ctx.dataverse.update("salesorders", doc.id, header);
  if (!h.ok) return h.error.message;
  const lines = await readAll(
    companion(ctx).pages(`salesOrderArchives(${String(archive.id)})/salesOrderArchiveLines`, {}),
  );
  const bySequence = new Map<number, Row>();
  for (const l of doc.lines) {
    if (l.bcbi_businesscentrallinenumber !== null && l.bcbi_businesscentrallinenumber !== undefined)
      bySequence.set(number(l.bcbi_businesscentrallinenumber), l);
  }
  for (const a of lines) {
    if (a.lineType !== "Item" && a.lineType !== "Resource") continue;
    const detail = bySequence.get(number(a.sequence));
    bySequence.delete(number(a.sequence));
    const values: Row = {
      quantity: number(a.quantity),
      quantityshipped: number(a.quantityShipped),
      priceperunit: number(a.unitPrice),
      ispriceoverridden: true,
      manualdiscountamount: number(a.lineDiscountAmount),
      bcbi_businesscentrallinenumber: number(a.sequence),
    };
    const written = detail
      ? await ctx.dataverse.update("salesorderdetails", String(detail.salesorderdetailid), values)
      : await ctx.dataverse.create("salesorderdetails", {
          ...values,
          "salesorderid@odata.bind": `/salesorders(${doc.id})`,
          isproductoverridden: true,
          productdescription: String(a.description ?? a.lineObjectNumber ?? ""),
        });
    if (!written.ok) return written.error.message;
  }
  // Lines BC no longer has (numbered lines only: write-in lines never came from BC).
  for (const gone of bySequence.values()) {
    const d = await ctx.dataverse.delete("salesorderdetails", String(gone.salesorderdetailid));
    if (!d.ok) return d.error.message;
  }
  return undefined;
}

async function setSalesState(ctx: IntegrationContext, doc: SalesDocument, state: number, status: number) {
  return ctx.dataverse.update("salesorders", doc.id, { statecode: state, statuscode: status });
}

async function uncoupleOrder(ctx: IntegrationContext, doc: SalesDocument): Promise<void> {
  await ctx.store.couplings.uncoupleByDataverseId(ORDER_MAPPING, doc.id);
  for (const l of doc.lines) await ctx.store.couplings.uncoupleByDataverseId(LINE_MAPPING, lower(l.salesorderdetailid));
  await forgetSales(ctx, doc.id);
}

/** One run over every coupled order; `withArchiveValues` in bidirectional mode. */
export async function completePostedOrders(
  ctx: IntegrationContext,
  options: { withArchiveValues: boolean },
): Promise<FlowSummary> {
  const counters = await FlowLog.run(ctx, ORDER_MAPPING, "toDataverse", async (log) => {
    const couplings = [];
    for await (const c of ctx.store.couplings.iterate(ORDER_MAPPING)) couplings.push(c);
    for (const coupling of couplings) {
      const doc = await readSalesDocument(ctx, "salesorder", coupling.dataverseId);
      if (!doc.ok) {
        await log.fail(coupling.dataverseId, doc.error);
        continue;
      }
      const facts = await bcFacts(ctx, coupling.bcId);
      const step = decideOrder({
        mode: options.withArchiveValues ? "bidirectional" : "legacy",
        sales: salesStateOf(doc.value.header.statecode),
        bc: facts.state,
        salesChanged: false,
      });
      if (step.action === "markFulfilled") {
        const r = await setSalesState(ctx, doc.value, SALES_ORDER_STATE.fulfilled, SALES_ORDER_STATUS.complete);
        if (r.ok) log.counters.modified++;
        else await log.fail(doc.value.id, salesRefused(doc.value, "mark Fulfilled", r.error).error);
      } else if (step.action === "markInvoiced") {
        if (options.withArchiveValues && facts.archive) {
          const failed = await pushArchive(ctx, doc.value, facts.archive);
          if (failed) {
            const error = salesRefused(doc.value, "write the archived order's final values", { message: failed }).error;
            await log.fail(doc.value.id, error);
            continue;
          }
        }
        const r = await setSalesState(ctx, doc.value, SALES_ORDER_STATE.invoiced, SALES_ORDER_STATUS.invoiced);
        if (!r.ok) {
          await log.fail(doc.value.id, salesRefused(doc.value, "mark Invoiced", r.error).error);
          continue;
        }
        await uncoupleOrder(ctx, doc.value);
        log.counters.modified++;
        log.counters.uncoupled++;
      } else if (step.action === "resetSales") {
        const r = await ctx.dataverse.update("salesorders", doc.value.id, {
          statecode: SALES_ORDER_STATE.active,
          statuscode: SALES_ORDER_STATUS.pending,
          lastbackofficesubmit: null,
        });
        if (!r.ok) {
          await log.fail(doc.value.id, salesRefused(doc.value, "reset to Active", r.error).error);
          continue;
        }
        await uncoupleOrder(ctx, doc.value);
        log.counters.modified++;
        log.counters.uncoupled++;
      } else log.counters.unchanged++;
    }
  });
  return summaryOf(counters);
}
