// Submitted Sales orders in Business Central (S9, S10; bc-reference §4.1): the "Orders – Microsoft Dynamics 365
// Sales" list (every Sales order with status Submitted, and its coupled BC order if any), "Create in Business
// Central" for one order, and the auto-create job that takes every submitted order not yet sent to BC, each on
// its own (an error skips that order only and goes to the sync log with its fix; the order stays Submitted).

import { inParallel } from "../../engine/pipeline/write.ts";
import { bcsyncError } from "../../errors/catalogue.ts";
import { INTEGRATION_ORDER_NOT_SUBMITTED, INTEGRATION_ORDERS_MODE_OFF } from "../../errors/codes/integration.ts";
import type { IntegrationContext } from "../context.ts";
import { dataverseRecordUrl } from "../links.ts";
import {
  companion,
  FlowLog,
  type FlowSummary,
  forThisCompany,
  lower,
  ORDER_MAPPING,
  type Outcome,
  ordersInFlight,
  readAll,
  summaryOf,
} from "./common.ts";
import { type CreatedOrder, createOrderInBc } from "./create-order.ts";
import { documentNumber, readSalesDocument } from "./sales-document.ts";
import { decideOrder, SALES_ORDER_STATE, salesStateOf } from "./states.ts";

export interface SubmittedOrder {
  salesOrderId: string;
  orderNumber: string;
  name: string;
  customer: string;
  totalAmount: number;
  submitted: string | null;
  bcOrderNumber: string | null;
  bcOrderId: string | null;
  salesUrl: string;
}

const modeOf = (ctx: IntegrationContext) => (ctx.settings.bidirectionalSalesOrders ? "bidirectional" : "legacy");
const modeOn = (ctx: IntegrationContext) => ctx.settings.legacySalesOrders || ctx.settings.bidirectionalSalesOrders;

/** S10: every Sales order with status Submitted, with its coupled BC order number. */
export async function listSubmittedSalesOrders(ctx: IntegrationContext): Promise<SubmittedOrder[]> {
  const rows = await readAll(
    ctx.dataverse.pages("salesorders", {
      filter: forThisCompany(ctx, `statecode eq ${SALES_ORDER_STATE.submitted}`),
      select: [
        "salesorderid",
        "ordernumber",
        "name",
        "_customerid_value",
        "totalamount",
        "submitdate",
        "lastbackofficesubmit",
      ],
      annotations: "OData.Community.Display.V1.FormattedValue",
      orderby: "ordernumber",
    }),
  );
  const salesUrl = ctx.settings.salesUrl ?? ctx.config.dataverse?.url ?? "";
  const out: SubmittedOrder[] = [];
  for (const r of rows) {
    const id = lower(r.salesorderid);
    const coupling = await ctx.store.couplings.getByDataverseId(ORDER_MAPPING, id);
    const bc = coupling ? await companion(ctx).get("salesOrders", coupling.bcId, { select: ["number"] }) : undefined;
    out.push({
      salesOrderId: id,
      orderNumber: String(r.ordernumber ?? ""),
      name: String(r.name ?? ""),
      customer: String(r["_customerid_value@OData.Community.Display.V1.FormattedValue"] ?? r._customerid_value ?? ""),
      totalAmount: Number(r.totalamount ?? 0),
      submitted: (r.lastbackofficesubmit as string | null) ?? (r.submitdate as string | null) ?? null,
      bcOrderNumber: bc?.ok && bc.value ? String(bc.value.number) : null,
      bcOrderId: coupling?.bcId ?? null,
      salesUrl: dataverseRecordUrl(salesUrl, "salesorder", id),
    });
  }
  return out;
}

export type CreateResult = CreatedOrder & { alreadyCoupled: boolean };

/** "Create in Business Central" for one Sales order; logged as a sync job of SALESORDER-ORDER. */
export async function createSalesOrderInBc(
  ctx: IntegrationContext,
  salesOrderId: string,
): Promise<Outcome<CreateResult>> {
  if (!modeOn(ctx)) return { ok: false, error: bcsyncError(INTEGRATION_ORDERS_MODE_OFF, {}) };
  let result: Outcome<CreateResult> | undefined;
  await FlowLog.run(ctx, ORDER_MAPPING, "fromDataverse", async (log) => {
    result = await createOne(ctx, lower(salesOrderId), log);
  });
  return result as Outcome<CreateResult>;
}

async function createOne(ctx: IntegrationContext, id: string, log: FlowLog): Promise<Outcome<CreateResult>> {
  const doc = await readSalesDocument(ctx, "salesorder", id);
  if (!doc.ok) {
    await log.fail(id, doc.error);
    return doc;
  }
  const coupling = await ctx.store.couplings.getByDataverseId(ORDER_MAPPING, id);
  const sales = salesStateOf(doc.value.header.statecode);
  const step = decideOrder({ mode: modeOf(ctx), sales, bc: coupling ? "Released" : "none", salesChanged: false });
  if (coupling) {
    const bc = await companion(ctx).get("salesOrders", coupling.bcId, { select: ["number"] });
    return {
      ok: true,
      value: {
        salesOrderId: id,
        bcOrderId: coupling.bcId,
        bcOrderNumber: bc.ok && bc.value ? String(bc.value.number) : "",
        lines: 0,
        alreadyCoupled: true,
      },
    };
  }
  if (step.action !== "createInBc") {
    const error = bcsyncError(INTEGRATION_ORDER_NOT_SUBMITTED, { order: documentNumber(doc.value), state: sales });
    await log.fail(id, error);
    return { ok: false, error };
  }
  const created = await createOrderInBc(ctx, doc.value);
  if (!created.ok) {
    await log.fail(id, created.error);
    return created;
  }
  log.counters.inserted++;
  log.counters.coupled++;
  return { ok: true, value: { ...created.value, alreadyCoupled: false } };
}

/** The auto-create job (every 30 minutes with `sales.autoCreateSalesOrders`). */
export async function autoCreateSalesOrders(ctx: IntegrationContext): Promise<FlowSummary> {
  const counters = await FlowLog.run(ctx, ORDER_MAPPING, "fromDataverse", async (log) => {
    const rows = await readAll(
      ctx.dataverse.pages("salesorders", {
        filter: forThisCompany(ctx, `statecode eq ${SALES_ORDER_STATE.submitted} and lastbackofficesubmit eq null`),
        select: ["salesorderid"],
      }),
    );
    // Several orders in flight, as the bidirectional flow does (common.ts: ordersInFlight).
    await inParallel(rows, ordersInFlight(ctx), async (r) => {
      const id = lower(r.salesorderid);
      if (await ctx.store.couplings.getByDataverseId(ORDER_MAPPING, id)) return;
      await createOne(ctx, id, log);
    });
  });
  return summaryOf(counters);
}
