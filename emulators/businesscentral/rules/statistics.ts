// Figures BC computes rather than stores: inventory and availability from item ledger entries, customer balance
// and statistics from customer ledger entries and open sales documents (CRM Statistics Job, §5.2 of the
// reference). Pages call these on every read, so they are always consistent with the ledgers.

import type { ComputeContext, Row } from "../entities/types.ts";

export const round2 = (value: number): number => Math.round(value * 100) / 100;

const maxIso = (...values: unknown[]): string =>
  values
    .filter((v): v is string => typeof v === "string" && v.length > 0)
    .reduce((a, b) => (a > b ? a : b), "0001-01-01T00:00:00Z");

const OPEN_INVOICE_STATUSES = new Set(["Draft", "In Review"]);
const POSTED_INVOICE_STATUSES = new Set(["Open", "Paid", "Canceled", "Corrective"]);

export function inventoryOf(ledger: readonly Row[], itemId: string): number {
  let sum = 0;
  for (const entry of ledger) if (entry.itemId === itemId) sum += Number(entry.quantity);
  return round2(sum);
}

export function balanceOf(ledger: readonly Row[], customerId: string): number {
  let sum = 0;
  for (const entry of ledger) if (entry.customerId === customerId) sum += Number(entry.remainingAmount);
  return round2(sum);
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
  const ledger = ctx.rows("custLedgerEntry");
  const orders = new Map(ctx.rows("salesOrder").map((o) => [o.id as string, o]));
  const orderLines = ctx.rows("salesOrderLine");
  const invoices = ctx.rows("salesInvoice");
  return ctx.rows("customer").map((customer) => {
    const id = customer.id as string;
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
      const order = orders.get(line.documentId as string);
      if (!order || order.customerId !== id) continue;
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
  const ledger = ctx.rows("itemLedgerEntry");
  const orderLines = ctx.rows("salesOrderLine");
  return ctx.rows("item").map((item) => {
    const id = item.id as string;
    let inventory = 0;
    let lastEntry = "0001-01-01T00:00:00Z";
    for (const entry of ledger) {
      if (entry.itemId !== id) continue;
      inventory += Number(entry.quantity);
      lastEntry = maxIso(lastEntry, entry.lastModifiedDateTime);
    }
    let onOrders = 0;
    for (const line of orderLines)
      if (line.itemId === id && line.lineType === "Item") onOrders += lineShares(line).outstandingQty;
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
