// Writes a resolved Sales document to Business Central: a new sales order (header with its integration fields
// through the companion page, lines through v2.0) or quote (header and lines through v2.0), the order's release
// and reopen, and the replacement of an order's lines. BC does all of this in one transaction; over the API a
// failed step is undone by hand (a new document is deleted; replaced lines are put back) so BC keeps its previous
// state.

import type { BcBatchRequest, BcBatchResult, Row } from "../../connectors/index.ts";
import { newRecordId } from "../../engine/record-id.ts";
import { bcsyncError } from "../../errors/catalogue.ts";
import { INTEGRATION_ORDER_BC_WRITE_FAILED } from "../../errors/codes/integration.ts";
import type { IntegrationContext } from "../context.ts";
import { companion, lower, type Outcome, readAll, v2 } from "./common.ts";
import { orderRequests } from "./request-batches.ts";
import type { BcDocumentDraft, BcLineDraft } from "./sales-document.ts";

export type BcDocumentSet = "salesOrders" | "salesQuotes";
const LINE_SET: Record<BcDocumentSet, string> = { salesOrders: "salesOrderLines", salesQuotes: "salesQuoteLines" };

export interface WrittenLine {
  salesLineId: string;
  bcLineId: string;
  /** BC's Line No. (`bcbi_businesscentrallinenumber` in Sales: archive lines are matched by it). */
  sequence: number;
}

export interface WrittenDocument {
  id: string;
  number: string;
  lines: WrittenLine[];
}

export const refused = (order: string, step: string, error: { message: string }) => ({
  ok: false as const,
  error: bcsyncError(INTEGRATION_ORDER_BC_WRITE_FAILED, { order, step, reason: error.message }),
});

function lineBody(documentId: string, l: BcLineDraft): Row {
  const body: Row = { documentId, lineType: l.lineType };
  if (l.itemId) body.itemId = l.itemId;
  if (l.lineObjectNumber) body.lineObjectNumber = l.lineObjectNumber;
  if (l.unitOfMeasureCode) body.unitOfMeasureCode = l.unitOfMeasureCode;
  if (l.description) body.description = l.description;
  if (l.lineType !== "Comment") {
    body.quantity = l.quantity ?? 0;
    body.unitPrice = l.unitPrice ?? 0;
  }
  return body;
}

/**
 * Inserts the lines in one JSON $batch (BC runs its operations in order, so Line No. follows the draft): one
 * request of 100 ms's work instead of one request per line. The first refused line is the error; the caller undoes
 * the document (or puts the old lines back) as before.
 */
async function insertLines(
  ctx: IntegrationContext,
  set: BcDocumentSet,
  documentId: string,
  lines: readonly BcLineDraft[],
): Promise<Outcome<WrittenLine[]>> {
  if (lines.length === 0) return { ok: true, value: [] };
  const sent = await v2(ctx).batch(
    lines.map((l) => ({ method: "POST" as const, url: LINE_SET[set], body: lineBody(documentId, l) })),
    { continueOnError: false },
  );
  if (!sent.ok) return sent;
  return writtenLines(documentId, lines, sent.value);
}

/** The lines as BC wrote them, from their operations' answers; the first refused one is the error. */
function writtenLines(
  documentId: string,
  lines: readonly BcLineDraft[],
  answers: readonly (BcBatchResult | undefined)[],
): Outcome<WrittenLine[]> {
  const written: WrittenLine[] = [];
  for (const [i, l] of lines.entries()) {
    const created = answers[i];
    if (!created || created.error || !created.body) {
      return {
        ok: false,
        error: created?.error ?? bcsyncError(INTEGRATION_ORDER_BC_WRITE_FAILED, noAnswer(documentId)),
      };
    }
    const row = created.body as Row;
    // Only item/resource lines are coupled: comment lines never go back to Sales (SOLINE-ORDERDETAIL's filter).
    if (l.salesLineId && l.lineType !== "Comment")
      written.push({ salesLineId: l.salesLineId, bcLineId: lower(row.id), sequence: Number(row.sequence) });
  }
  return { ok: true, value: written };
}

const noAnswer = (documentId: string) => ({ order: documentId, step: "insert lines", reason: "no answer for a line" });

/**
 * Creates the document with its lines (and, for an order, its invoice discount, integration fields and, if asked,
 * its release); on any failure deletes what it created. Every step goes out as operations of a $batch shared with
 * the other documents in flight (request-batches.ts). An order's header is inserted through the companion page with
 * its integration fields (one row written; v2.0's page cannot set them, and a PATCH after it wrote the row twice),
 * then its lines and discount through v2.0, then its release through the companion page. A quote's header and lines
 * are consecutive operations of one v2.0 $batch. BC runs a $batch's operations in order, so Line No. follows the
 * draft and each line finds its header. The header's id is chosen here (or by the caller) so the lines can name it.
 */
export async function createBcDocument(
  ctx: IntegrationContext,
  set: BcDocumentSet,
  draft: BcDocumentDraft,
  label: string,
  /** The document's id, chosen by the caller (a write intent's key), so a crashed create can be found again. */
  key?: string,
  options: { release?: boolean } = {},
): Promise<Outcome<WrittenDocument>> {
  const id = lower(key ?? newRecordId());
  const order = set === "salesOrders";
  const header: Row = { id, customerId: draft.customerId };
  if (draft.externalDocumentNumber) header.externalDocumentNumber = draft.externalDocumentNumber;
  if (order && draft.requestedDeliveryDate) header.requestedDeliveryDate = draft.requestedDeliveryDate;
  if (order) Object.assign(header, integrationFields(draft));
  const headerOp: BcBatchRequest = { method: "POST", url: set, body: header, record: label };
  const lineOps = draft.lines.map((l) => ({
    method: "POST" as const,
    url: LINE_SET[set],
    body: lineBody(id, l),
    record: label,
  }));
  // The Sales discount amount as the document's invoice discount: after the lines, as BC spreads it over them.
  const discountOps =
    draft.invoiceDiscountAmount === undefined
      ? []
      : [
          {
            method: "PATCH" as const,
            url: `${set}(${id})`,
            headers: IF_ANY,
            body: { discountAmount: draft.invoiceDiscountAmount },
            record: label,
          },
        ];
  const requests = orderRequests(ctx);
  const [created, ...quoteAnswers] = order
    ? await requests.companion.submit([headerOp])
    : await requests.v2.submit([headerOp, ...lineOps, ...discountOps]);
  // The header refused: nothing was written (a quote's lines were refused with it: their document does not exist).
  if (!created || created.error || !created.body)
    return refused(label, `create ${set}`, created?.error ?? new Error("no answer for the header"));
  const answers = order ? await requests.v2.submit([...lineOps, ...discountOps]) : quoteAnswers;
  const undo = async () => void (await v2(ctx).delete(set, id, "*"));
  const lines = writtenLines(id, draft.lines, answers);
  if (!lines.ok) {
    await undo();
    return refused(label, "insert lines", lines.error);
  }
  const discount = answers[lineOps.length];
  const discountFailure = discountOps.length > 0 ? failureOf(discount) : undefined;
  if (discountFailure) {
    await undo();
    return refused(label, "apply the invoice discount", discountFailure);
  }
  if (order && options.release) {
    const released = await releaseOrder(ctx, id, label);
    if (!released.ok) {
      await undo();
      return released;
    }
  }
  return { ok: true, value: { id, number: String((created.body as Row).number), lines: lines.value } };
}

const IF_ANY = { "If-Match": "*" };

/** What went wrong with one operation of a shared $batch: its error, or no answer at all; undefined when it ran. */
function failureOf(answer: BcBatchResult | undefined): Error | undefined {
  if (!answer) return new Error("no answer");
  return answer.error;
}

const releaseOperation = (id: string, label: string): BcBatchRequest => ({
  method: "POST",
  url: `salesOrders(${id})/Microsoft.NAV.release`,
  body: {},
  record: label,
});

/** The Sales discount amount as the document's invoice discount (after the lines: BC spreads it over them). */
async function applyInvoiceDiscount(ctx: IntegrationContext, set: BcDocumentSet, id: string, draft: BcDocumentDraft) {
  if (draft.invoiceDiscountAmount === undefined) return { ok: true as const, value: undefined };
  return v2(ctx).update(set, id, { discountAmount: draft.invoiceDiscountAmount }, "*");
}

function integrationFields(draft: BcDocumentDraft): Row {
  const fields: Row = {};
  if (draft.yourReference) fields.yourReference = draft.yourReference;
  if (draft.workDescription) fields.workDescription = draft.workDescription;
  if (draft.paymentDiscountPercent !== undefined) fields.paymentDiscountPercent = draft.paymentDiscountPercent;
  return fields;
}

/** Releases the order, in a companion $batch with the other orders in flight. */
export async function releaseOrder(ctx: IntegrationContext, id: string, label: string): Promise<Outcome<void>> {
  const [answer] = await orderRequests(ctx).companion.submit([releaseOperation(id, label)]);
  const failure = failureOf(answer);
  return failure ? refused(label, "release", failure) : { ok: true, value: undefined };
}

/** Reopens a released order; BC writes a sales order archive version first. */
export async function reopenOrder(ctx: IntegrationContext, id: string, label: string): Promise<Outcome<void>> {
  const r = await companion(ctx).action("salesOrders", id, "reopen");
  return r.ok ? { ok: true, value: undefined } : refused(label, "reopen", r.error);
}

export async function deleteOrder(ctx: IntegrationContext, id: string): Promise<void> {
  await v2(ctx).delete("salesOrders", id, "*");
}

const asDraftLine = (row: Row): BcLineDraft => ({
  lineType: row.lineType === "Resource" ? "Resource" : row.lineType === "Comment" ? "Comment" : "Item",
  ...(row.lineType === "Item" ? { itemId: String(row.itemId) } : { lineObjectNumber: String(row.lineObjectNumber) }),
  quantity: Number(row.quantity ?? 0),
  unitPrice: Number(row.unitPrice ?? 0),
  description: String(row.description ?? ""),
});

/**
 * Brings an Open order's header and lines to the draft: integration fields patched, every line replaced.
 * If a step fails the old lines are put back (new line ids: their couplings are the caller's to renew).
 */
export async function replaceOrderContent(
  ctx: IntegrationContext,
  id: string,
  draft: BcDocumentDraft,
  label: string,
): Promise<Outcome<WrittenLine[]>> {
  const header: Row = { ...integrationFields(draft) };
  if (draft.externalDocumentNumber) header.externalDocumentNumber = draft.externalDocumentNumber;
  if (Object.keys(header).length > 0) {
    const patched = await companion(ctx).update("salesOrders", id, header, "*");
    if (!patched.ok) return refused(label, "update the order header", patched.error);
  }
  const old = await readAll(v2(ctx).pages("salesOrderLines", { filter: `documentId eq ${id}` }));
  old.sort((a, b) => Number(a.sequence) - Number(b.sequence));
  // Every delete must succeed before new lines go in: a surviving old line would sit beside its replacement.
  const clear = async (): Promise<Error | undefined> => {
    const now = await readAll(v2(ctx).pages("salesOrderLines", { filter: `documentId eq ${id}` }));
    for (const l of now) {
      const deleted = await v2(ctx).delete("salesOrderLines", String(l.id), "*");
      if (!deleted.ok) return deleted.error;
    }
    return undefined;
  };
  const notCleared = await clear();
  if (notCleared) return refused(label, "remove the old lines", notCleared);
  const lines = await insertLines(ctx, "salesOrders", id, draft.lines);
  const discount = lines.ok ? await applyInvoiceDiscount(ctx, "salesOrders", id, draft) : undefined;
  if (lines.ok && discount?.ok) return lines;
  // Put the old lines back, unless the new ones cannot all be removed (then the order is left as the error says).
  if (!(await clear())) await insertLines(ctx, "salesOrders", id, old.map(asDraftLine));
  const error = !lines.ok ? lines.error : discount && !discount.ok ? discount.error : undefined;
  return refused(label, "replace lines", error ?? new Error("unknown"));
}
