// Bidirectional sales orders (S8, bc-reference §4.2): one run of SALESORDER-ORDER in both directions.
// BC → Sales: the engine's pass of the header mapping over released BC orders (price, tax, expected delivery…),
// then the order's lines and notes under it. Sales → BC: submitted Sales orders by the table in states.ts —
// a new one is created and released; one a Sales user resubmitted is reopened in BC (BC writes an archive
// version), takes the Sales header and lines, and is released again. The engine's own Sales → BC pass is not
// used: a released BC order takes no writes, and a new BC order is created through API v2.0.

import type { TableMapping } from "../../engine/model.ts";
import { inParallel } from "../../engine/pipeline/write.ts";
import { type PassReport, runMapping } from "../../engine/runner.ts";
import type { IntegrationContext } from "../context.ts";
import { syncLines } from "../lines.ts";
import { releaseOrder, reopenOrder, replaceOrderContent } from "./bc-document-writer.ts";
import {
  companion,
  FlowLog,
  type FlowSummary,
  forThisCompany,
  LINE_MAPPING,
  lower,
  ORDER_MAPPING,
  type Outcome,
  ordersInFlight,
  readAll,
  summaryOf,
} from "./common.ts";
import { coupleLines, createOrderInBc, writeBackToSales } from "./create-order.ts";
import { importSalesNotes } from "./notes.ts";
import { salesChanged } from "./sales-changes.ts";
import { documentNumber, readSalesDocument, resolveDraft, type SalesDocument } from "./sales-document.ts";
import { type BcState, decideOrder, SALES_ORDER_STATE, salesStateOf } from "./states.ts";

export interface BidirectionalRun {
  toDataverse: PassReport[];
  fromDataverse: FlowSummary;
}

/** The BC → Sales half: header pass, then every child of the header mapping (lines, notes). */
export async function pushOrdersToSales(ctx: IntegrationContext): Promise<PassReport[]> {
  const reports = await runMapping(ctx.engine, ORDER_MAPPING, { passes: ["toDataverse"] });
  const children: TableMapping[] = ctx.mappings.filter((m) => m.parent?.mapping === ORDER_MAPPING);
  for (const child of children) reports.push(await syncLines(ctx, child));
  return reports;
}

async function bcStateOf(ctx: IntegrationContext, bcId: string | undefined): Promise<BcState> {
  if (!bcId) return "none";
  const order = await companion(ctx).get("salesOrders", bcId, { select: ["status"] });
  if (!order.ok) return "Open"; // unreadable now: wait for the next run
  if (!order.value) return "Invoiced"; // gone: the archived-orders job finishes it (posted, or resets if deleted)
  return order.value.status === "Released" ? "Released" : "Open";
}

/** Reopen, take header and lines from Sales, release; BC keeps its previous state if the Sales order is wrong. */
export async function updateOrderFromSales(
  ctx: IntegrationContext,
  doc: SalesDocument,
  bcOrderId: string,
): Promise<Outcome<{ lines: number }>> {
  const label = documentNumber(doc);
  const draft = await resolveDraft(ctx, doc);
  if (!draft.ok) return draft;
  const reopened = await reopenOrder(ctx, bcOrderId, label);
  if (!reopened.ok) return reopened;
  const replaced = await replaceOrderContent(ctx, bcOrderId, draft.value, label);
  const released = await releaseOrder(ctx, bcOrderId, label);
  if (!replaced.ok) return replaced;
  if (!released.ok) return released;
  for (const line of doc.lines) {
    const id = lower(line.salesorderdetailid);
    await ctx.store.couplings.uncoupleByDataverseId(LINE_MAPPING, id);
  }
  await coupleLines(ctx, replaced.value);
  await importSalesNotes(ctx, doc.id, bcOrderId);
  const bc = await companion(ctx).get("salesOrders", bcOrderId, { select: ["number"] });
  const back = await writeBackToSales(ctx, doc, bc.ok && bc.value ? String(bc.value.number) : "", bcOrderId);
  if (!back.ok) return back;
  return { ok: true, value: { lines: replaced.value.length } };
}

/** The Sales → BC half over every submitted Sales order. */
export async function pullSubmittedOrders(ctx: IntegrationContext): Promise<FlowSummary> {
  const counters = await FlowLog.run(ctx, ORDER_MAPPING, "fromDataverse", async (log) => {
    const submitted = await readAll(
      ctx.dataverse.pages("salesorders", {
        filter: forThisCompany(ctx, `statecode eq ${SALES_ORDER_STATE.submitted}`),
        select: ["salesorderid"],
      }),
    );
    // Several orders in flight: each order's own steps stay in their order (and its crash guard, the coupling).
    await inParallel(submitted, ordersInFlight(ctx), async (row) => {
      const id = lower(row.salesorderid);
      const doc = await readSalesDocument(ctx, "salesorder", id);
      if (!doc.ok) {
        await log.fail(id, doc.error);
        return;
      }
      const coupling = await ctx.store.couplings.getByDataverseId(ORDER_MAPPING, id);
      const step = decideOrder({
        mode: "bidirectional",
        sales: salesStateOf(doc.value.header.statecode),
        bc: await bcStateOf(ctx, coupling?.bcId),
        salesChanged: coupling ? await salesChanged(ctx, doc.value) : true,
      });
      if (step.action === "createInBc") {
        const created = await createOrderInBc(ctx, doc.value);
        if (created.ok) {
          log.counters.inserted++;
          log.counters.coupled++;
        } else await log.fail(id, created.error);
      } else if (step.action === "updateBcFromSales" && coupling) {
        const updated = await updateOrderFromSales(ctx, doc.value, coupling.bcId);
        if (updated.ok) log.counters.modified++;
        else await log.fail(id, updated.error);
      } else log.counters.unchanged++;
    });
  });
  return summaryOf(counters);
}

/**
 * One run of the bidirectional order sync: Sales → BC first, then BC → Sales. Business Central runs the BC → Sales
 * pass first, but then a Sales order a user reopened, changed and resubmitted is overwritten with the BC order's
 * older values before they reach BC (issue 10.10: the quantity 4 came back as 3). A resubmitted Sales order wins:
 * BC takes it first, and the BC → Sales pass that follows finds both sides equal.
 */
export async function syncBidirectionalOrders(ctx: IntegrationContext): Promise<BidirectionalRun> {
  const fromDataverse = await pullSubmittedOrders(ctx);
  const toDataverse = await pushOrdersToSales(ctx);
  return { toDataverse, fromDataverse };
}
