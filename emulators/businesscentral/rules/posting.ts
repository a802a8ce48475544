// Bound actions: release/reopen (companion), shipAndInvoice (Sales-Post), post/cancel of invoices, makeOrder /
// makeInvoice / send of quotes, and the sales order archive written on reopen, posting and deletion.
// Posting writes item ledger entries (inventory) and customer ledger entries (balance); nothing is stored twice.

import type { Row } from "../entities/types.ts";
import { bcErrors } from "../errors.ts";
import type { CompanyStore } from "../store/database.ts";
import { computeLineAmounts, HEADER_TABLE, LINE_TABLE, recalculateTotals } from "./documents.ts";
import { applyDateFormula } from "./relations.ts";
import { round2 } from "./statistics.ts";
import type { ActionHandler, RuleContext } from "./types.ts";

const HEADER_COPY = [
  "externalDocumentNumber",
  "yourReference",
  "customerId",
  "customerNumber",
  "customerName",
  "billToName",
  "billToCustomerId",
  "billToCustomerNumber",
  "shipToName",
  "shipToContact",
  ...["sellTo", "billTo", "shipTo"].flatMap((p) =>
    ["AddressLine1", "AddressLine2", "City", "Country", "State", "PostCode"].map((s) => `${p}${s}`),
  ),
  "shortcutDimension1Code",
  "shortcutDimension2Code",
  "currencyId",
  "currencyCode",
  "paymentTermsId",
  "paymentTermsCode",
  "shipmentMethodId",
  "shipmentMethodCode",
  "shippingAgentCode",
  "salesperson",
  "discountAmount",
  "phoneNumber",
  "email",
  "workDescription",
  "paymentDiscountPercent",
];

const LINE_COPY = [
  "sequence",
  "itemId",
  "accountId",
  "lineType",
  "lineObjectNumber",
  "description",
  "description2",
  "unitOfMeasureId",
  "unitOfMeasureCode",
  "unitPrice",
  "discountPercent",
  "taxCode",
  "taxPercent",
  "itemVariantId",
  "locationId",
];

const pick = (row: Row, fields: readonly string[]): Row => {
  const out: Row = {};
  for (const f of fields) if (row[f] !== undefined) out[f] = row[f];
  return out;
};

function linesOf(store: CompanyStore, table: string, headerId: unknown): Row[] {
  return store.whereEqual(table, { documentId: headerId }).sort((a, b) => Number(a.sequence) - Number(b.sequence));
}

function hasQuantity(lines: Row[]): boolean {
  return lines.some((l) => l.lineType !== "Comment" && Number(l.quantity) !== 0);
}

/** Writes a new archive version of the order with its lines, as they are now. */
export function archiveOrder(store: CompanyStore, order: Row, reason: "Reopen" | "Post" | "Delete" | "Manual"): Row {
  const version = store.whereEqual("salesOrderArchive", { number: order.number }).length + 1;
  const lines = linesOf(store, LINE_TABLE.Order, order.id);
  const archive = store.insert("salesOrderArchive", {
    orderId: order.id,
    number: order.number,
    versionNumber: version,
    documentOccurrence: order.documentOccurrence ?? 1,
    archiveReason: reason,
    archivedAt: store.nowIso(),
    status: order.orderStatus,
    customerId: order.customerId,
    customerNumber: order.customerNumber,
    customerName: order.customerName,
    yourReference: order.yourReference ?? "",
    externalDocumentNumber: order.externalDocumentNumber,
    orderDate: order.orderDate,
    postingDate: order.postingDate,
    shipmentDate:
      order.lastShipmentDate && order.lastShipmentDate !== "0001-01-01" ? order.lastShipmentDate : order.shipmentDate,
    requestedDeliveryDate: order.requestedDeliveryDate,
    currencyCode: order.currencyCode,
    paymentTermsCode: order.paymentTermsCode ?? "",
    shipmentMethodCode: order.shipmentMethodCode ?? "",
    shippingAgentCode: order.shippingAgentCode ?? "",
    salespersonCode: order.salesperson,
    paymentDiscountPercent: order.paymentDiscountPercent ?? 0,
    invoiceDiscountAmount: order.discountAmount,
    totalAmountExcludingTax: order.totalAmountExcludingTax,
    totalAmountIncludingTax: order.totalAmountIncludingTax,
    workDescription: order.workDescription ?? "",
    fullyInvoiced: lines.every((l) => Number(l.invoicedQuantity) >= Number(l.quantity)),
  });
  for (const l of lines) {
    store.insert("salesOrderArchiveLine", {
      archiveId: archive.id,
      documentNumber: order.number,
      versionNumber: version,
      sequence: l.sequence,
      lineType: l.lineType,
      lineObjectNumber: l.lineObjectNumber,
      itemId: l.itemId,
      description: l.description,
      unitOfMeasureCode: l.unitOfMeasureCode,
      quantity: l.quantity,
      quantityShipped: l.shippedQuantity,
      quantityInvoiced: l.invoicedQuantity,
      unitPrice: l.unitPrice,
      lineDiscountAmount: l.discountAmount,
      amount: l.amountExcludingTax,
      amountIncludingTax: l.amountIncludingTax,
      shipmentDate: l.shipmentDate,
    });
  }
  store.update("salesOrder", order.id as string, { archivedVersions: version });
  return archive;
}

const release: ActionHandler = (ctx, order) => {
  if (order.orderStatus === "Released") return;
  if (!hasQuantity(linesOf(ctx.store, LINE_TABLE.Order, order.id)))
    throw bcErrors.dialog(
      `There is nothing to release for the document of type Order with the number ${String(order.number)}.`,
    );
  ctx.store.update("salesOrder", order.id as string, { orderStatus: "Released" });
};

const reopen: ActionHandler = (ctx, order) => {
  if (order.orderStatus === "Open") return;
  archiveOrder(ctx.store, order, "Reopen");
  ctx.store.update("salesOrder", order.id as string, { orderStatus: "Open" });
};

function itemLedger(
  ctx: RuleContext,
  line: Row,
  quantity: number,
  documentNumber: unknown,
  postingDate: unknown,
): void {
  if (line.lineType !== "Item" || quantity === 0) return;
  const item = ctx.store.get("item", String(line.itemId));
  if (item?.type !== "Inventory") return;
  const unit = ctx.store.find(
    "sourceUnitOfMeasure",
    (u) => u.sourceId === item.id && u.code === line.unitOfMeasureCode,
  );
  ctx.store.insert("itemLedgerEntry", {
    itemId: item.id,
    itemNumber: item.number,
    entryType: quantity < 0 ? "Sale" : "Positive Adjmt.",
    quantity: round2(quantity * Number(unit?.qtyPerUnitOfMeasure ?? 1)),
    documentNumber,
    postingDate,
  });
}

function customerLedger(ctx: RuleContext, invoice: Row): void {
  ctx.store.insert("custLedgerEntry", {
    customerId: invoice.customerId,
    customerNumber: invoice.customerNumber,
    documentType: "Invoice",
    documentNumber: invoice.number,
    postingDate: invoice.postingDate,
    dueDate: invoice.dueDate,
    amount: invoice.totalAmountIncludingTax,
    remainingAmount: invoice.totalAmountIncludingTax,
  });
}

function invoiceDueDate(store: CompanyStore, header: Row, postingDate: string): string {
  const terms = store.find("paymentTerms", (t) => t.code === header.paymentTermsCode);
  return applyDateFormula(postingDate, String(terms?.dueDateCalculation ?? "0D"));
}

/** Sales-Post with Ship and Invoice: shipment, posted invoice, ledgers, archive; deletes a fully invoiced order. */
const shipAndInvoice: ActionHandler = (ctx, order) => {
  const { store } = ctx;
  const lines = linesOf(store, LINE_TABLE.Order, order.id);
  const toPost = lines.filter(
    (l) => l.lineType !== "Comment" && (Number(l.shipQuantity) > 0 || Number(l.invoiceQuantity) > 0),
  );
  if (!hasQuantity(lines) || toPost.length === 0) throw bcErrors.dialog("There is nothing to post.");
  const customer = store.get("customer", String(order.customerId));
  if (customer && (customer.blocked === "All" || customer.blocked === "Ship" || customer.blocked === "Invoice"))
    throw bcErrors.dialog(
      `You cannot post this type of document when Customer ${String(customer.number)} is blocked with type ${String(customer.blocked)}`,
    );
  if (order.orderStatus === "Open") store.update("salesOrder", order.id as string, { orderStatus: "Released" });
  const postingDate = ctx.workDate;
  const copied = pick(order, HEADER_COPY);

  const shippable = toPost.filter((l) => Number(l.shipQuantity) > 0);
  if (shippable.length > 0) {
    const shipment = store.insert("salesShipment", {
      ...copied,
      number: store.nextNumber("salesShipment", "S-SHPT", 102001),
      orderNumber: order.number,
      postingDate,
      invoiceDate: postingDate,
      dueDate: invoiceDueDate(store, order, postingDate),
      customerPurchaseOrderReference: order.externalDocumentNumber,
      pricesIncludeTax: false,
    });
    for (const l of shippable) {
      store.insert("salesShipmentLine", {
        documentId: shipment.id,
        documentNo: shipment.number,
        sequence: l.sequence,
        lineType: l.lineType === "Account" ? "G/L Account" : l.lineType === "Charge" ? "Charge (Item)" : l.lineType,
        lineObjectNumber: l.lineObjectNumber,
        description: l.description,
        description2: l.description2,
        unitOfMeasureCode: l.unitOfMeasureCode,
        unitPrice: l.unitPrice,
        quantity: l.shipQuantity,
        discountPercent: l.discountPercent,
        taxPercent: l.taxPercent,
        shipmentDate: postingDate,
      });
      itemLedger(ctx, l, -Number(l.shipQuantity), shipment.number, postingDate);
    }
  }

  const invoiceable = toPost.filter((l) => Number(l.invoiceQuantity) > 0);
  if (invoiceable.length > 0) {
    const invoice = store.insert("salesInvoice", {
      ...copied,
      number: store.nextNumber("postedSalesInvoice", "PS-INV", 103001),
      invoiceDate: postingDate,
      postingDate,
      dueDate: invoiceDueDate(store, order, postingDate),
      orderId: order.id,
      orderNumber: order.number,
      shipmentDate: postingDate,
      customerPurchaseOrderReference: order.externalDocumentNumber,
      status: "Open",
    });
    for (const l of invoiceable) {
      const posted: Row = {
        ...pick(l, LINE_COPY),
        documentId: invoice.id,
        quantity: l.invoiceQuantity,
        discountAmount: round2((Number(l.discountAmount) * Number(l.invoiceQuantity)) / Number(l.quantity || 1)),
        shipmentDate: postingDate,
      };
      computeLineAmounts(posted);
      store.insert("salesInvoiceLine", posted);
    }
    recalculateTotals(store, "Invoice", invoice.id as string);
    const totals = store.get("salesInvoice", invoice.id as string) as Row;
    store.update("salesInvoice", invoice.id as string, {
      remainingAmount: totals.totalAmountIncludingTax,
      closed: false,
    });
    customerLedger(ctx, totals);
  }

  for (const l of toPost) {
    const shipped = Number(l.shippedQuantity) + Number(l.shipQuantity);
    const invoiced = Number(l.invoicedQuantity) + Number(l.invoiceQuantity);
    store.update("salesOrderLine", l.id as string, {
      shippedQuantity: shipped,
      invoicedQuantity: invoiced,
      shipQuantity: Number(l.quantity) - shipped,
      invoiceQuantity: Number(l.quantity) - invoiced,
    });
  }
  store.update("salesOrder", order.id as string, { lastShipmentDate: postingDate, postingDate });
  recalculateTotals(store, "Order", order.id as string);
  const current = store.get("salesOrder", order.id as string) as Row;
  archiveOrder(store, current, "Post");
  const remaining = linesOf(store, LINE_TABLE.Order, order.id);
  if (remaining.every((l) => Number(l.invoicedQuantity) >= Number(l.quantity))) {
    for (const l of remaining) store.delete("salesOrderLine", l.id as string);
    for (const n of store.filter("salesOrderNote", (x) => x.orderId === order.id))
      store.delete("salesOrderNote", n.id as string);
    store.delete("salesOrder", order.id as string);
  }
};

/** Posts a draft invoice: it keeps its id, gets a posted number and status Open (unpaid). */
const postInvoice: ActionHandler = (ctx, invoice) => {
  const { store } = ctx;
  if (invoice.status !== "Draft" && invoice.status !== "In Review")
    throw bcErrors.dialog(`Sales Invoice ${String(invoice.number)} has already been posted.`);
  const lines = linesOf(store, LINE_TABLE.Invoice, invoice.id);
  if (!hasQuantity(lines)) throw bcErrors.dialog("There is nothing to post.");
  const postingDate = ctx.workDate;
  for (const l of lines) itemLedger(ctx, l, -Number(l.quantity), invoice.number, postingDate);
  const posted = store.update("salesInvoice", invoice.id as string, {
    number: store.nextNumber("postedSalesInvoice", "PS-INV", 103001),
    postingDate,
    dueDate: invoiceDueDate(store, invoice, postingDate),
    status: "Open",
    remainingAmount: invoice.totalAmountIncludingTax,
    closed: false,
  });
  customerLedger(ctx, posted);
};

/** Cancels a posted invoice with a corrective credit memo: reverses both ledgers. */
const cancelInvoice: ActionHandler = (ctx, invoice) => {
  const { store } = ctx;
  if (invoice.status !== "Open")
    throw bcErrors.dialog(
      `You cannot cancel Sales Invoice ${String(invoice.number)} because it is ${invoice.status === "Paid" ? "paid" : "not posted"}.`,
    );
  for (const l of linesOf(store, LINE_TABLE.Invoice, invoice.id))
    itemLedger(ctx, l, Number(l.quantity), invoice.number, ctx.workDate);
  for (const e of store.filter(
    "custLedgerEntry",
    (e) => e.documentNumber === invoice.number && e.customerId === invoice.customerId,
  ))
    store.update("custLedgerEntry", e.id as string, { remainingAmount: 0 });
  store.update("salesInvoice", invoice.id as string, {
    status: "Canceled",
    remainingAmount: 0,
    cancelled: true,
    closed: true,
  });
};

function copyQuote(ctx: RuleContext, quote: Row, kind: "Order" | "Invoice"): Row {
  const { store } = ctx;
  const lines = linesOf(store, LINE_TABLE.Quote, quote.id);
  if (!hasQuantity(lines))
    throw bcErrors.dialog("There is nothing to convert: the quote has no lines with a quantity.");
  const date = ctx.workDate;
  const headerFields: Row =
    kind === "Order"
      ? {
          number: store.nextNumber("salesOrder", "S-ORD", 101001),
          orderDate: date,
          documentDate: date,
          postingDate: date,
          shipmentDate: date,
          orderStatus: "Open",
          quoteNumber: quote.number,
          archivedVersions: 0,
          documentOccurrence: 1,
        }
      : {
          number: store.nextNumber("salesInvoice", "S-INV", 102001),
          invoiceDate: date,
          postingDate: date,
          dueDate: invoiceDueDate(store, quote, date),
          status: "Draft",
        };
  const head = store.insert(HEADER_TABLE[kind], { ...pick(quote, HEADER_COPY), ...headerFields });
  for (const l of lines) {
    const copy: Row = {
      ...pick(l, LINE_COPY),
      documentId: head.id,
      quantity: l.quantity,
      discountAmount: l.discountAmount,
    };
    if (kind === "Order")
      Object.assign(copy, {
        shippedQuantity: 0,
        invoicedQuantity: 0,
        shipQuantity: l.quantity,
        invoiceQuantity: l.quantity,
        shipmentDate: date,
      });
    else copy.shipmentDate = date;
    computeLineAmounts(copy);
    store.insert(LINE_TABLE[kind], copy);
  }
  recalculateTotals(store, kind, head.id as string);
  for (const l of lines) store.delete(LINE_TABLE.Quote, l.id as string);
  store.delete(HEADER_TABLE.Quote, quote.id as string);
  return head;
}

const sendQuote: ActionHandler = (ctx, quote) => {
  ctx.store.update("salesQuote", quote.id as string, { status: "Sent", sentDate: ctx.store.nowIso() });
};

/** Bound actions by `<table>.<action>`; results the handler reports go to the caller (created record). */
export const ACTIONS: Record<string, ActionHandler> = {
  "salesOrder.release": release,
  "salesOrder.reopen": reopen,
  "salesOrder.shipAndInvoice": shipAndInvoice,
  "salesInvoice.post": postInvoice,
  "salesInvoice.postAndSend": postInvoice,
  "salesInvoice.send": () => undefined,
  "salesInvoice.cancel": cancelInvoice,
  // Sending is not emulated (no e-mail), as for `send` and `postAndSend`.
  "salesInvoice.cancelAndSend": cancelInvoice,
  "salesQuote.makeOrder": (ctx, quote) => void copyQuote(ctx, quote, "Order"),
  "salesQuote.makeInvoice": (ctx, quote) => void copyQuote(ctx, quote, "Invoice"),
  "salesQuote.send": sendQuote,
};

/** Applies a customer payment to the oldest open invoice entries (for balances and Paid status in tests). */
export function applyPayment(store: CompanyStore, customerId: string, amount: number, postingDate: string): void {
  let left = amount;
  const open = store
    .filter("custLedgerEntry", (e) => e.customerId === customerId && Number(e.remainingAmount) > 0)
    .sort((a, b) => String(a.postingDate).localeCompare(String(b.postingDate)));
  for (const entry of open) {
    if (left <= 0) break;
    const applied = Math.min(left, Number(entry.remainingAmount));
    left = round2(left - applied);
    const remaining = round2(Number(entry.remainingAmount) - applied);
    store.update("custLedgerEntry", entry.id as string, { remainingAmount: remaining });
    const invoice = store.find("salesInvoice", (i) => i.number === entry.documentNumber && i.status === "Open");
    if (invoice)
      store.update("salesInvoice", invoice.id as string, {
        remainingAmount: remaining,
        ...(remaining === 0 ? { status: "Paid", closed: true } : {}),
      });
  }
  store.insert("custLedgerEntry", {
    customerId,
    documentType: "Payment",
    documentNumber: store.nextNumber("payment", "PAY", 1001),
    postingDate,
    dueDate: postingDate,
    amount: -amount,
    remainingAmount: -left,
  });
}
