// Sales documents (quotes, orders, draft invoices): header defaults from the customer, line pricing and
// amounts, header totals, and the status lock: lines and most header fields of a released order are refused
// with the TestField error BC raises ("Status must be equal to 'Open' …").

import type { Row } from "../entities/types.ts";
import { bcErrors } from "../errors.ts";
import type { CompanyStore } from "../store/database.ts";
import {
  applyDateFormula,
  CURRENCY,
  EMPTY_GUID,
  LINE_UOM,
  PAYMENT_TERMS,
  resolveRelations,
  SHIPMENT_METHOD,
} from "./relations.ts";
import { round2 } from "./statistics.ts";
import type { RuleContext, TableRules } from "./types.ts";

export type DocumentKind = "Quote" | "Order" | "Invoice";

export const HEADER_TABLE: Record<DocumentKind, string> = {
  Quote: "salesQuote",
  Order: "salesOrder",
  Invoice: "salesInvoice",
};
export const LINE_TABLE: Record<DocumentKind, string> = {
  Quote: "salesQuoteLine",
  Order: "salesOrderLine",
  Invoice: "salesInvoiceLine",
};

const SERIES: Record<DocumentKind, [string, string, number]> = {
  Quote: ["salesQuote", "S-QUO", 1001],
  Order: ["salesOrder", "S-ORD", 101001],
  Invoice: ["salesInvoice", "S-INV", 102001],
};

/** Fields of a released order that may still change (they do not affect amounts or delivery). */
const RELEASED_EDITABLE = new Set([
  "yourReference",
  "externalDocumentNumber",
  "workDescription",
  "phoneNumber",
  "email",
  "lastModifiedDateTime",
]);

/** Internal fields the rules maintain themselves; a client change to them is not a "change" to lock. */
const SYSTEM_MAINTAINED = new Set([
  "totalAmountExcludingTax",
  "totalTaxAmount",
  "totalAmountIncludingTax",
  "orderStatus",
  "status",
  "fullyShipped",
  "lastShipmentDate",
  "archivedVersions",
]);

export function testStatusOpen(header: Row, kind: DocumentKind): void {
  if (kind !== "Order") return;
  const status = String(header.orderStatus ?? "Open");
  if (status !== "Open")
    throw bcErrors.testField(
      `Status must be equal to 'Open'  in Sales Header: Document Type=Order, No.=${String(header.number)}. Current value is '${status}'.`,
    );
}

function findCustomer(store: CompanyStore, row: Row): Row | undefined {
  if (row.customerId && row.customerId !== EMPTY_GUID) {
    const byId = store.get("customer", String(row.customerId));
    if (!byId) throw bcErrors.recordNotFound("Customer", { Id: String(row.customerId) });
    return byId;
  }
  if (row.customerNumber) {
    const byNumber = store.findEqual("customer", { number: row.customerNumber });
    if (!byNumber) throw bcErrors.dialog(`The customer number '${String(row.customerNumber)}' does not exist.`);
    return byNumber;
  }
  return undefined;
}

function applyCustomer(row: Row, customer: Row): void {
  // Page order: the customer is validated first, so values sent in the same request win over its defaults.
  const sent = new Set(Array.isArray(row.$sent) ? (row.$sent as string[]) : []);
  // An id/code pair counts as sent when either side was (shipmentMethodId sent blank clears the code too).
  for (const [id, code] of [
    ["currencyId", "currencyCode"],
    ["paymentTermsId", "paymentTermsCode"],
    ["shipmentMethodId", "shipmentMethodCode"],
  ])
    if (sent.has(id) || sent.has(code)) sent.add(id).add(code);
  const fill = (field: string, value: unknown) => {
    if (!sent.has(field)) row[field] = value;
  };
  if (customer.blocked === "All")
    throw bcErrors.dialog(
      `You cannot create this type of document when Customer ${String(customer.number)} is blocked with type All`,
    );
  row.customerId = customer.id;
  row.customerNumber = customer.number;
  row.customerName = customer.displayName;
  row.billToCustomerId = customer.id;
  row.billToCustomerNumber = customer.number;
  row.billToName = customer.displayName;
  if (!row.shipToName) fill("shipToName", customer.displayName);
  const parts: [string, string][] = [
    ["AddressLine1", "addressLine1"],
    ["AddressLine2", "addressLine2"],
    ["City", "city"],
    ["Country", "country"],
    ["State", "state"],
    ["PostCode", "postalCode"],
  ];
  for (const [suffix, field] of parts) {
    if (!row[`sellTo${suffix}`]) fill(`sellTo${suffix}`, customer[field]);
    row[`billTo${suffix}`] = customer[field];
    if (!row[`shipTo${suffix}`]) fill(`shipTo${suffix}`, customer[field]);
  }
  for (const field of [
    "currencyId",
    "currencyCode",
    "paymentTermsId",
    "paymentTermsCode",
    "shipmentMethodId",
    "shipmentMethodCode",
    "shippingAgentCode",
  ]) {
    if (!row[field] || row[field] === EMPTY_GUID) fill(field, customer[field]);
  }
  if (!row.salesperson) fill("salesperson", customer.salespersonCode);
  if (!row.phoneNumber) fill("phoneNumber", customer.phoneNumber);
  if (!row.email) fill("email", customer.email);
}

function dueDate(store: CompanyStore, row: Row, from: string): string {
  const terms = store.find("paymentTerms", (t) => t.code === row.paymentTermsCode);
  return applyDateFormula(from, String(terms?.dueDateCalculation ?? "0D"));
}

function header(kind: DocumentKind): TableRules {
  const relations = [CURRENCY, PAYMENT_TERMS, SHIPMENT_METHOD];
  return {
    beforeInsert(ctx, row) {
      const customer = findCustomer(ctx.store, row);
      if (!customer) throw bcErrors.dialog("A customerNumber or a customerID must be provided.");
      resolveRelations(ctx.store, relations, row, undefined, ctx.def.caption);
      applyCustomer(row, customer);
      const [series, prefix, start] = SERIES[kind];
      if (!row.number) row.number = ctx.store.nextNumber(series, prefix, start);
      const date = ctx.workDate;
      if (kind === "Quote") {
        if (row.documentDate === "0001-01-01" || !row.documentDate) row.documentDate = date;
        if (!row.status || row.status === "Draft") row.status = "Draft";
      }
      if (kind === "Order") {
        if (!row.orderDate || row.orderDate === "0001-01-01") row.orderDate = date;
        if (!row.documentDate || row.documentDate === "0001-01-01") row.documentDate = row.orderDate;
        if (!row.shipmentDate || row.shipmentDate === "0001-01-01") row.shipmentDate = row.orderDate;
        row.orderStatus = row.orderStatus || "Open";
        row.archivedVersions = 0;
        row.documentOccurrence = 1;
      }
      if (kind === "Invoice") {
        if (!row.invoiceDate || row.invoiceDate === "0001-01-01") row.invoiceDate = date;
        if (!row.dueDate || row.dueDate === "0001-01-01")
          row.dueDate = dueDate(ctx.store, row, String(row.invoiceDate));
        row.status = "Draft";
      }
      if (!row.postingDate || row.postingDate === "0001-01-01") row.postingDate = date;
      row.totalAmountExcludingTax = 0;
      row.totalTaxAmount = 0;
      row.totalAmountIncludingTax = 0;
    },
    beforeModify(ctx, current, changes) {
      if (kind === "Invoice" && ["Open", "Paid", "Canceled", "Corrective"].includes(String(current.status)))
        throw bcErrors.dialog(`You cannot change posted Sales Invoice ${String(current.number)}.`);
      if (kind === "Order" && current.orderStatus !== "Open") {
        const locked = Object.keys(changes).filter(
          (k) => !RELEASED_EDITABLE.has(k) && !SYSTEM_MAINTAINED.has(k) && changes[k] !== current[k],
        );
        if (locked.length > 0) testStatusOpen(current, kind);
      }
      resolveRelations(ctx.store, relations, changes, current, ctx.def.caption);
      const customerChanged =
        ("customerId" in changes && changes.customerId !== current.customerId) ||
        ("customerNumber" in changes && changes.customerNumber !== current.customerNumber);
      if (customerChanged) {
        const probe: Row = { customerId: changes.customerId, customerNumber: changes.customerNumber };
        if (!("customerId" in changes) || changes.customerId === current.customerId) probe.customerId = undefined;
        const customer = findCustomer(ctx.store, probe);
        if (customer) {
          const refreshed: Row = {};
          applyCustomer(refreshed, customer);
          // Values sent in the same request win over the new customer's defaults (page field order).
          for (const [k, v] of Object.entries(refreshed))
            if (!(k in changes) || /^(customer|billTo)/.test(k)) changes[k] = v;
        }
      }
    },
    afterModify(ctx, row) {
      recalculateTotals(ctx.store, kind, row.id as string);
    },
    beforeDelete(ctx, row) {
      if (kind === "Invoice" && ["Open", "Paid", "Canceled", "Corrective"].includes(String(row.status)))
        throw bcErrors.dialog(`You cannot delete posted Sales Invoice ${String(row.number)}.`);
      if (
        kind === "Order" &&
        ctx.store.find(
          LINE_TABLE.Order,
          (l) => l.documentId === row.id && Number(l.shippedQuantity) > Number(l.invoicedQuantity),
        )
      )
        throw bcErrors.dialog(
          `You cannot delete Order ${String(row.number)} because one or more lines have been shipped but not invoiced.`,
        );
    },
    afterDelete(ctx, row) {
      if (kind === "Order")
        for (const note of ctx.store.whereEqual("salesOrderNote", { orderId: row.id }))
          ctx.store.delete("salesOrderNote", note.id as string);
      for (const line of ctx.store.whereEqual(LINE_TABLE[kind], { documentId: row.id }))
        ctx.store.delete(LINE_TABLE[kind], line.id as string);
    },
    decorate(_store, row) {
      if (kind !== "Order") return {};
      const status = String(row.orderStatus ?? "Open");
      return { status: status === "Open" ? "Draft" : status === "Pending Approval" ? "In Review" : "Open" };
    },
  };
}

/** Unit price for a customer: the best active sales price of its price group, else the item's unit price. */
export function priceFor(
  store: CompanyStore,
  customer: Row | undefined,
  item: Row,
  uom: string,
  quantity: number,
  on: string,
): number {
  const group = String(customer?.customerPriceGroupCode ?? "");
  let best: number | undefined;
  if (group) {
    for (const p of store.filter(
      "salesPrice",
      (p) => p.itemId === item.id && p.salesType === "Customer Price Group" && p.salesCode === group,
    )) {
      if (p.unitOfMeasureCode && p.unitOfMeasureCode !== uom) continue;
      if (Number(p.minimumQuantity) > quantity) continue;
      if (String(p.startingDate) !== "0001-01-01" && String(p.startingDate) > on) continue;
      if (String(p.endingDate) !== "0001-01-01" && String(p.endingDate) < on) continue;
      if (best === undefined || Number(p.unitPrice) < best) best = Number(p.unitPrice);
    }
  }
  if (best !== undefined) return best;
  const unit = store.findEqual("sourceUnitOfMeasure", { sourceId: item.id, code: uom });
  return round2(Number(item.unitPrice) * Number(unit?.qtyPerUnitOfMeasure ?? 1));
}

function computeLineAmounts(line: Row): void {
  const gross = round2(Number(line.quantity) * Number(line.unitPrice));
  let discount = Number(line.discountAmount ?? 0);
  if (Number(line.discountPercent ?? 0) > 0) discount = round2((gross * Number(line.discountPercent)) / 100);
  const excl = round2(gross - discount);
  const tax = round2((excl * Number(line.taxPercent ?? 0)) / 100);
  line.discountAmount = discount;
  line.amountExcludingTax = excl;
  line.totalTaxAmount = tax;
  line.amountIncludingTax = round2(excl + tax);
  line.netAmount = excl;
  line.netTaxAmount = tax;
  line.netAmountIncludingTax = round2(excl + tax);
}

export function recalculateTotals(store: CompanyStore, kind: DocumentKind, headerId: string): void {
  const head = store.get(HEADER_TABLE[kind], headerId);
  if (!head) return;
  let excl = 0;
  let tax = 0;
  for (const line of store.whereEqual(LINE_TABLE[kind], { documentId: headerId })) {
    excl += Number(line.amountExcludingTax);
    tax += Number(line.totalTaxAmount);
  }
  const discount = Number(head.discountAmount ?? 0);
  const factor = excl === 0 ? 1 : (excl - discount) / excl;
  const totals: Row = {
    totalAmountExcludingTax: round2(excl - discount),
    totalTaxAmount: round2(tax * factor),
    totalAmountIncludingTax: round2(excl - discount + tax * factor),
  };
  if (kind === "Order") {
    const lines = store.whereEqual(LINE_TABLE.Order, { documentId: headerId }).filter((l) => l.lineType !== "Comment");
    totals.fullyShipped = lines.length > 0 && lines.every((l) => Number(l.shippedQuantity) >= Number(l.quantity));
  }
  store.update(HEADER_TABLE[kind], headerId, totals);
}

function line(kind: DocumentKind): TableRules {
  const headerOf = (ctx: RuleContext, row: Row): Row => {
    const head = ctx.store.get(HEADER_TABLE[kind], String(row.documentId ?? ""));
    if (!head) throw bcErrors.recordNotFound("Sales Header", { "Document Type": kind, Id: String(row.documentId) });
    if (kind === "Invoice" && ["Open", "Paid", "Canceled", "Corrective"].includes(String(head.status)))
      throw bcErrors.dialog(`You cannot change posted Sales Invoice ${String(head.number)}.`);
    return head;
  };
  const resolveObject = (ctx: RuleContext, row: Row, head: Row, isNew: boolean) => {
    const customer = ctx.store.get("customer", String(head.customerId));
    if (row.lineType === "Item") {
      const item =
        row.itemId && row.itemId !== EMPTY_GUID
          ? ctx.store.get("item", String(row.itemId))
          : ctx.store.findEqual("item", { number: row.lineObjectNumber });
      if (!item) throw bcErrors.dialog(`The item '${String(row.lineObjectNumber || row.itemId)}' does not exist.`);
      if (item.blocked === true) throw bcErrors.dialog(`Item ${String(item.number)} is blocked.`);
      row.itemId = item.id;
      row.lineObjectNumber = item.number;
      if (!row.description) row.description = item.displayName;
      // The line takes the item's unit (the API exposes no sales unit, so the base unit) and stays blank when the
      // item has none: a blank value never fails a table relation, only a non-empty code must exist.
      if (!row.unitOfMeasureCode) row.unitOfMeasureCode = item.baseUnitOfMeasureCode ?? "";
      if (
        row.unitOfMeasureCode &&
        !ctx.store.findEqual("sourceUnitOfMeasure", { sourceId: item.id, code: row.unitOfMeasureCode })
      )
        throw bcErrors.invalidTableRelation(
          "Unit of Measure Code",
          "Item Unit of Measure",
          String(row.unitOfMeasureCode),
        );
      if (isNew && row.$unitPriceSent !== true)
        row.unitPrice = priceFor(
          ctx.store,
          customer,
          item,
          String(row.unitOfMeasureCode),
          Number(row.quantity),
          String(head.postingDate ?? ctx.workDate),
        );
    } else if (row.lineType === "Resource") {
      const resource = ctx.store.find("resource", (r) => r.number === row.lineObjectNumber);
      if (!resource) throw bcErrors.dialog(`The resource '${String(row.lineObjectNumber)}' does not exist.`);
      if (!row.description) row.description = resource.displayName;
      if (!row.unitOfMeasureCode) row.unitOfMeasureCode = resource.baseUnitOfMeasureCode ?? "";
      if (isNew && row.$unitPriceSent !== true) row.unitPrice = resource.unitPrice;
    } else if (row.lineType === "Account") {
      // A G/L account line names its account by number or id (the API's accountId / lineObjectNumber pair).
      const account =
        row.accountId && row.accountId !== EMPTY_GUID
          ? ctx.store.get("glAccount", String(row.accountId))
          : ctx.store.findEqual("glAccount", { number: row.lineObjectNumber });
      if (!account)
        throw bcErrors.invalidTableRelation(
          "No.",
          "G/L Account",
          String(row.lineObjectNumber || row.accountId),
          "Sales Line",
        );
      if (account.accountType !== "Posting" || account.blocked === true)
        throw bcErrors.dialog(`G/L Account ${String(account.number)} must be a posting account that is not blocked.`);
      row.accountId = account.id;
      row.lineObjectNumber = account.number;
      if (!row.description) row.description = account.displayName;
    } else if (row.lineType === "Comment") {
      row.quantity = 0;
      row.unitPrice = 0;
    }
    delete row.$unitPriceSent;
    if (row.unitOfMeasureCode) {
      const unit = { unitOfMeasureCode: row.unitOfMeasureCode } as Row;
      resolveRelations(ctx.store, [LINE_UOM], unit, undefined, ctx.def.caption);
      row.unitOfMeasureId = unit.unitOfMeasureId;
    } else row.unitOfMeasureId = EMPTY_GUID;
    row.taxPercent = customer?.taxLiable === true && row.lineType !== "Comment" ? 8 : 0;
  };
  return {
    beforeInsert(ctx, row) {
      const head = headerOf(ctx, row);
      testStatusOpen(head, kind);
      if (!row.sequence) {
        const last = ctx.store
          .whereEqual(LINE_TABLE[kind], { documentId: head.id })
          .reduce((m, l) => Math.max(m, Number(l.sequence)), 0);
        row.sequence = last + 10000;
      }
      resolveObject(ctx, row, head, true);
      if (kind === "Order") {
        row.shippedQuantity = 0;
        row.invoicedQuantity = 0;
        row.shipQuantity = row.quantity;
        row.invoiceQuantity = row.quantity;
        if (!row.shipmentDate || row.shipmentDate === "0001-01-01") row.shipmentDate = head.shipmentDate;
      }
      if (kind === "Invoice" && (!row.shipmentDate || row.shipmentDate === "0001-01-01"))
        row.shipmentDate = head.invoiceDate;
      computeLineAmounts(row);
    },
    afterInsert(ctx, row) {
      recalculateTotals(ctx.store, kind, row.documentId as string);
    },
    beforeModify(ctx, current, changes) {
      const head = headerOf(ctx, current);
      testStatusOpen(head, kind);
      if ("documentId" in changes && changes.documentId !== current.documentId) throw bcErrors.readOnly("documentId");
      const merged: Row = { ...current, ...changes };
      if ("lineObjectNumber" in changes || "itemId" in changes || "lineType" in changes) {
        if (!("itemId" in changes)) merged.itemId = EMPTY_GUID;
        if (!("description" in changes)) merged.description = "";
        if (!("unitOfMeasureCode" in changes)) merged.unitOfMeasureCode = "";
        merged.$unitPriceSent = "unitPrice" in changes;
        resolveObject(ctx, merged, head, true);
      }
      if (kind === "Order") {
        const quantity = Number(merged.quantity);
        if (quantity < Number(current.shippedQuantity))
          throw bcErrors.dialog(
            `Quantity cannot be less than ${String(current.shippedQuantity)} units, because that quantity has already been shipped.`,
          );
        if ("quantity" in changes) {
          merged.shipQuantity = quantity - Number(current.shippedQuantity);
          merged.invoiceQuantity = quantity - Number(current.invoicedQuantity);
        }
      }
      if ("discountAmount" in changes && !("discountPercent" in changes)) merged.discountPercent = 0;
      computeLineAmounts(merged);
      for (const [k, v] of Object.entries(merged)) if (current[k] !== v) changes[k] = v;
    },
    afterModify(ctx, row) {
      recalculateTotals(ctx.store, kind, row.documentId as string);
    },
    beforeDelete(ctx, row) {
      const head = headerOf(ctx, row);
      testStatusOpen(head, kind);
      if (kind === "Order" && Number(row.shippedQuantity) > 0)
        throw bcErrors.dialog(`You cannot delete line ${String(row.sequence)} because it has been shipped.`);
    },
    afterDelete(ctx, row) {
      recalculateTotals(ctx.store, kind, row.documentId as string);
    },
  };
}

export const DOCUMENT_RULES: Record<string, TableRules> = {
  salesQuote: header("Quote"),
  salesOrder: header("Order"),
  salesInvoice: header("Invoice"),
  salesQuoteLine: line("Quote"),
  salesOrderLine: line("Order"),
  salesInvoiceLine: line("Invoice"),
};

export { computeLineAmounts };
