// "Automatically process sales quotes" (S7, bc-reference §4.6): activated and won Sales quotes in Business
// Central. An active (or won) quote without a BC quote becomes a BC sales quote, coupled; a won quote's BC quote
// becomes a BC order (`makeOrder`), which is released and, when Sales already has the order created from the
// quote, coupled to it with its lines. The quote's coupling then remembers the order so it is done once.

import type { Row } from "../../connectors/index.ts";
import { bcsyncError } from "../../errors/catalogue.ts";
import { INTEGRATION_QUOTE_FAILED } from "../../errors/codes/integration.ts";
import type { IntegrationContext } from "../context.ts";
import { createBcDocument, releaseOrder } from "./bc-document-writer.ts";
import {
  companion,
  FlowLog,
  type FlowSummary,
  forThisCompany,
  LINE_MAPPING,
  lower,
  ORDER_MAPPING,
  type Outcome,
  QUOTE_COUPLING,
  readAll,
  summaryOf,
  v2,
} from "./common.ts";
import { writeBackToSales } from "./create-order.ts";
import { documentNumber, readSalesDocument, resolveDraft, type SalesDocument } from "./sales-document.ts";
import { decideQuote, QUOTE_STATE } from "./states.ts";

const failed = (quote: string, step: string, reason: string) => ({
  ok: false as const,
  error: bcsyncError(INTEGRATION_QUOTE_FAILED, { quote, step, reason }),
});

const quoteState = (statecode: unknown) =>
  (["Draft", "Active", "Won", "Closed"] as const)[Number(statecode)] ?? ("Draft" as const);

async function createBcQuote(ctx: IntegrationContext, doc: SalesDocument): Promise<Outcome<string>> {
  if (Number(doc.header.revisionnumber ?? 0) > 0)
    return failed(documentNumber(doc), "create the BC quote", "revised quotes (revision > 0) are not processed yet");
  const draft = await resolveDraft(ctx, doc);
  if (!draft.ok) return failed(documentNumber(doc), "create the BC quote", draft.error.message);
  const created = await createBcDocument(ctx, "salesQuotes", draft.value, documentNumber(doc));
  if (!created.ok) return failed(documentNumber(doc), "create the BC quote", created.error.message);
  await ctx.store.couplings.couple({ mappingName: QUOTE_COUPLING, bcId: created.value.id, dataverseId: doc.id });
  return { ok: true, value: created.value.id };
}

/** Couples the Sales order made from the quote with the BC order, line by line in order of appearance. */
async function coupleOrderFromQuote(ctx: IntegrationContext, quoteId: string, bcOrder: Row): Promise<void> {
  const [salesOrder] = await readAll(
    ctx.dataverse.pages("salesorders", { filter: `_quoteid_value eq ${quoteId}`, select: ["salesorderid"] }),
  );
  if (!salesOrder) return;
  const doc = await readSalesDocument(ctx, "salesorder", lower(salesOrder.salesorderid));
  if (!doc.ok || (await ctx.store.couplings.getByDataverseId(ORDER_MAPPING, doc.value.id))) return;
  await ctx.store.couplings.couple({ mappingName: ORDER_MAPPING, bcId: lower(bcOrder.id), dataverseId: doc.value.id });
  const bcLines = (await readAll(v2(ctx).pages("salesOrderLines", { filter: `documentId eq ${String(bcOrder.id)}` })))
    .filter((l) => l.lineType === "Item" || l.lineType === "Resource")
    .sort((a, b) => Number(a.sequence) - Number(b.sequence));
  const salesLines = doc.value.lines.filter((l) => l._productid_value && l.isproductoverridden !== true);
  // Lines are coupled only where the line mapping exists (bidirectional orders).
  const lineMapping = ctx.mappings.some((m) => m.name === LINE_MAPPING);
  for (let i = 0; lineMapping && i < Math.min(bcLines.length, salesLines.length); i++) {
    await ctx.store.couplings.couple({
      mappingName: LINE_MAPPING,
      bcId: lower(bcLines[i].id),
      dataverseId: lower(salesLines[i].salesorderdetailid),
    });
  }
  if (doc.value.header.ordernumber) {
    await companion(ctx).update(
      "salesOrders",
      lower(bcOrder.id),
      { yourReference: String(doc.value.header.ordernumber).slice(0, 35) },
      "*",
    );
  }
  await writeBackToSales(ctx, doc.value, String(bcOrder.number), lower(bcOrder.id));
}

async function makeOrder(ctx: IntegrationContext, doc: SalesDocument, bcQuoteId: string): Promise<Outcome<Row>> {
  const label = documentNumber(doc);
  const quote = await v2(ctx).get("salesQuotes", bcQuoteId, { select: ["number"] });
  if (!quote.ok || !quote.value)
    return failed(label, "read the BC quote", quote.ok ? "not found" : quote.error.message);
  const made = await v2(ctx).action("salesQuotes", bcQuoteId, "makeOrder");
  if (!made.ok) return failed(label, "makeOrder", made.error.message);
  const [order] = await readAll(
    companion(ctx).pages("salesOrders", { filter: `quoteNumber eq '${String(quote.value.number)}'` }),
  );
  if (!order)
    return failed(
      label,
      "find the order made from the quote",
      `no order with quote number ${String(quote.value.number)}`,
    );
  const released = await releaseOrder(ctx, lower(order.id), label);
  if (!released.ok) return failed(label, "release the order", released.error.message);
  return { ok: true, value: order };
}

/** One run of the auto-process quotes job over active and won Sales quotes. */
export async function autoProcessSalesQuotes(ctx: IntegrationContext): Promise<FlowSummary> {
  const counters = await FlowLog.run(ctx, QUOTE_COUPLING, "fromDataverse", async (log) => {
    const quotes = await readAll(
      ctx.dataverse.pages("quotes", {
        filter: forThisCompany(ctx, `statecode eq ${QUOTE_STATE.active} or statecode eq ${QUOTE_STATE.won}`),
        select: ["quoteid"],
      }),
    );
    for (const q of quotes) {
      const id = lower(q.quoteid);
      const doc = await readSalesDocument(ctx, "quote", id);
      if (!doc.ok) {
        await log.fail(id, doc.error);
        continue;
      }
      let coupling = await ctx.store.couplings.getByDataverseId(QUOTE_COUPLING, id);
      const converted = coupling?.snapshot?.convertedTo !== undefined;
      let step = decideQuote(
        quoteState(doc.value.header.statecode),
        converted ? "converted" : coupling ? "coupled" : "none",
      );
      if (step.action === "createBcQuote") {
        const created = await createBcQuote(ctx, doc.value);
        if (!created.ok) {
          await log.fail(id, created.error);
          continue;
        }
        log.counters.inserted++;
        log.counters.coupled++;
        coupling = await ctx.store.couplings.getByDataverseId(QUOTE_COUPLING, id);
        step = decideQuote(quoteState(doc.value.header.statecode), "coupled");
      }
      if (step.action === "makeOrder" && coupling) {
        const order = await makeOrder(ctx, doc.value, coupling.bcId);
        if (!order.ok) {
          await log.fail(id, order.error);
          continue;
        }
        await coupleOrderFromQuote(ctx, id, order.value);
        // The BC quote is gone (makeOrder deletes it); the coupling remembers the order instead.
        await ctx.store.couplings.uncoupleByDataverseId(QUOTE_COUPLING, id);
        await ctx.store.couplings.couple({
          mappingName: QUOTE_COUPLING,
          bcId: coupling.bcId,
          dataverseId: id,
          snapshot: { convertedTo: lower(order.value.id) },
        });
        log.counters.modified++;
      } else if (step.action === "wait") log.counters.unchanged++;
    }
  });
  return summaryOf(counters);
}
