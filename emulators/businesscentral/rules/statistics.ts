// Figures BC computes rather than stores: inventory and availability from item ledger entries, customer balance
// and statistics from customer ledger entries and open sales documents (CRM Statistics Job, §5.2 of the
// reference). Pages call these on every read, so they are always consistent with the ledgers.

import type { ComputeContext, Row } from "../entities/types.ts";
import type { CompanyStore } from "../store/database.ts";

export const round2 = (value: number): number => Math.round(value * 100) / 100;

/** The latest of some ISO timestamps (strings compare in time order). */
export function maxIso(...values: unknown[]): string {
  let latest = "0001-01-01T00:00:00Z";
  for (const v of values) if (typeof v === "string" && v > latest) latest = v;
  return latest;
}

const OPEN_INVOICE_STATUSES = new Set(["Draft", "In Review"]);
const POSTED_INVOICE_STATUSES = new Set(["Open", "Paid", "Canceled", "Corrective"]);

/** Sums `value` of `rows` per `key` in one pass. */
export function sumBy(rows: readonly Row[], key: string, value: string): Map<string, number> {
  const sums = new Map<string, number>();
  for (const row of rows) {
    const k = String(row[key]);
    sums.set(k, (sums.get(k) ?? 0) + Number(row[value]));
  }
  return sums;
}

/** Inventory of an item: the sum of its item ledger entries (memoized per ledger state). */
export function inventoryOf(store: CompanyStore, itemId: string): number {
  const sums = store.memo("itemLedgerEntry", "quantityByItem", () =>
    sumBy(store.rows("itemLedgerEntry"), "itemId", "quantity"),
  );
  return round2(sums.get(itemId) ?? 0);
}

/** Balance of a customer: the remaining amounts of its customer ledger entries. */
export function balanceOf(store: CompanyStore, customerId: string): number {
  const sums = store.memo("custLedgerEntry", "remainingByCustomer", () =>
    sumBy(store.rows("custLedgerEntry"), "customerId", "remainingAmount"),
  );
  return round2(sums.get(customerId) ?? 0);
}

function groupBy(rows: readonly Row[], key: (row: Row) => unknown): Map<string, Row[]> {
  const groups = new Map<string, Row[]>();
  for (const row of rows) {
    const k = String(key(row));
    let list = groups.get(k);
    if (!list) {
      list = [];
      groups.set(k, list);
    }
    list.push(row);
  }
  return groups;
}

/** Outstanding and shipped-not-invoiced share of a line's amount including tax. */
function lineShares(line: Row): { outstanding: number; shippedNotInvoiced: number; outstandingQty: number } {
  const quantity = Number(line.quantity);
  if (quantity === 0) return { outstanding: 0, shippedNotInvoiced: 0, outstandingQty: 0 };
  const shipped = Number(line.shippedQuantity ?? 0);
  const invoiced = Number(line.invoicedQuantity ?? 0);
  const perUnit = Number(line.amountIncludingTax) / quantity;
  return {
    outstanding: perUnit * (quantity - shipped),
    shippedNotInvoiced: perUnit * (shipped - invoiced),
    outstandingQty: quantity - shipped,
  };
}

export function customerStatistics(ctx: ComputeContext): Row[] {
  const ledgerByCustomer = groupBy(ctx.rows("custLedgerEntry"), (e) => e.customerId);
  const orders = new Map(ctx.rows("salesOrder").map((o) => [o.id as string, o]));
  const linesByCustomer = groupBy(ctx.rows("salesOrderLine"), (l) => orders.get(l.documentId as string)?.customerId);
  const invoicesByCustomer = groupBy(ctx.rows("salesInvoice"), (i) => i.customerId);
  return ctx.rows("customer").map((customer) => {
    const id = customer.id as string;
    const ledger = ledgerByCustomer.get(id) ?? [];
    const orderLines = linesByCustomer.get(id) ?? [];
    const invoices = invoicesByCustomer.get(id) ?? [];
    let lastChange = maxIso(customer.lastModifiedDateTime);
    let balance = 0;
    let overdue = 0;
    for (const entry of ledger) {
      if (entry.customerId !== id) continue;
      balance += Number(entry.remainingAmount);
      if (Number(entry.remainingAmount) !== 0 && String(entry.dueDate) < ctx.workDate)
        overdue += Number(entry.remainingAmount);
      lastChange = maxIso(lastChange, entry.lastModifiedDateTime);
    }
    let outstandingOrders = 0;
    let shippedNotInvoiced = 0;
    for (const line of orderLines) {
      const shares = lineShares(line);
      outstandingOrders += shares.outstanding;
      shippedNotInvoiced += shares.shippedNotInvoiced;
      lastChange = maxIso(lastChange, line.lastModifiedDateTime);
    }
    let outstandingInvoices = 0;
    let totalSales = 0;
    for (const invoice of invoices) {
      if (invoice.customerId !== id) continue;
      if (OPEN_INVOICE_STATUSES.has(String(invoice.status)))
        outstandingInvoices += Number(invoice.totalAmountIncludingTax);
      if (POSTED_INVOICE_STATUSES.has(String(invoice.status)) && invoice.status !== "Canceled")
        totalSales += Number(invoice.totalAmountExcludingTax);
      lastChange = maxIso(lastChange, invoice.lastModifiedDateTime);
    }
    return {
      id,
      customerId: id,
      customerNumber: customer.number,
      customerName: customer.displayName,
      balance: round2(balance),
      outstandingOrders: round2(outstandingOrders),
      shippedNotInvoiced: round2(shippedNotInvoiced),
      outstandingInvoices: round2(outstandingInvoices),
      outstandingServiceOrders: 0,
      serviceShippedNotInvoiced: 0,
      outstandingServiceInvoices: 0,
      totalAmount: round2(balance + outstandingOrders + shippedNotInvoiced + outstandingInvoices),
      creditLimit: Number(customer.creditLimit ?? 0),
      overdueAmounts: round2(overdue),
      overdueAmountsAsOf: ctx.workDate,
      totalSales: round2(totalSales),
      invoicedPrepaymentAmount: 0,
      lastModifiedDateTime: lastChange,
    };
  });
}

export function itemAvailability(ctx: ComputeContext): Row[] {
  const ledgerByItem = groupBy(ctx.rows("itemLedgerEntry"), (e) => e.itemId);
  const linesByItem = groupBy(
    ctx.rows("salesOrderLine").filter((l) => l.lineType === "Item"),
    (l) => l.itemId,
  );
  return ctx.rows("item").map((item) => {
    const id = item.id as string;
    let inventory = 0;
    let lastEntry = "0001-01-01T00:00:00Z";
    for (const entry of ledgerByItem.get(id) ?? []) {
      inventory += Number(entry.quantity);
      lastEntry = maxIso(lastEntry, entry.lastModifiedDateTime);
    }
    let onOrders = 0;
    for (const line of linesByItem.get(id) ?? []) onOrders += lineShares(line).outstandingQty;
    return {
      id,
      itemId: id,
      itemNumber: item.number,
      baseUnitOfMeasureCode: item.baseUnitOfMeasureCode,
      inventory: round2(inventory),
      quantityOnSalesOrders: round2(onOrders),
      availableQuantity: round2(inventory - onOrders),
      lastLedgerEntryDateTime: lastEntry,
      lastModifiedDateTime: maxIso(item.lastModifiedDateTime, lastEntry),
    };
  });
}
