// Sales documents and their bound actions over real HTTP: quotes → orders, release lock, shipAndInvoice and its
// effects (inventory, balance, statistics, archive, shipment, posted invoice), draft invoice posting.

import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { BusinessCentralEmulator } from "../../../emulators/businesscentral/index.ts";
import { call, companyUrl, expectError, type Json, startBc } from "./helpers.ts";

let bc: BusinessCentralEmulator;
let base: string;
let companion: string;

beforeAll(async () => {
  bc = await startBc();
  base = companyUrl(bc);
  companion = companyUrl(bc, true);
});
afterAll(async () => {
  await bc.close();
});

async function one(url: string): Promise<Json> {
  const r = await call(url);
  expect(r.status, JSON.stringify(r.body)).toBe(200);
  return r.body.value ? r.body.value[0] : r.body;
}

async function createOrder(customerNumber: string, lines: [string, number][]): Promise<Json> {
  const order = await call(`${base}/salesOrders`, {
    method: "POST",
    body: { customerNumber, externalDocumentNumber: "EXT-1" },
  });
  expect(order.status, JSON.stringify(order.body)).toBe(201);
  for (const [lineObjectNumber, quantity] of lines) {
    const line = await call(`${base}/salesOrders(${order.body.id})/salesOrderLines`, {
      method: "POST",
      body: { lineType: "Item", lineObjectNumber, quantity },
    });
    expect(line.status, JSON.stringify(line.body)).toBe(201);
  }
  return (await call(`${base}/salesOrders(${order.body.id})`)).body;
}

describe("sales orders", () => {
  it("creates an order from a customer number, fills the header and totals, and reports status Draft while Open", async () => {
    const order = await createOrder("30000", [
      ["1908-S", 2],
      ["1928-S", 4],
    ]);
    expect(order.customerName).toBe("School of Fine Art");
    expect(order.number).toMatch(/^S-ORD\d+$/);
    expect(order.status).toBe("Draft");
    expect(order.totalAmountExcludingTax).toBeCloseTo(2 * 190.1 + 4 * 49.9, 2); // RETAIL price group price for 1928-S
    const lines = await call(`${base}/salesOrders(${order.id})/salesOrderLines`);
    expect(lines.body.value.map((l: Json) => l.sequence)).toEqual([10000, 20000]);
    const topLevel = await call(`${base}/salesOrderLines?$filter=documentId eq ${order.id}`);
    expect(topLevel.body.value.length).toBe(2);
  });

  it("requires a customer", async () => {
    const r = await call(`${base}/salesOrders`, { method: "POST", body: { externalDocumentNumber: "X" } });
    expectError(r, 400, "Application_DialogException");
    expect(r.body.error.message).toContain("A customerNumber or a customerID must be provided.");
  });

  it("locks a released order: line edits are refused until it is reopened, and reopening writes an archive version", async () => {
    const order = await createOrder("20000", [["1900-S", 3]]);
    const release = await call(`${companion}/salesOrders(${order.id})/Microsoft.NAV.release`, { method: "POST" });
    expect(release.status).toBe(204);
    const released = await one(`${companion}/salesOrders(${order.id})`);
    expect(released.status).toBe("Released");
    expect((await one(`${base}/salesOrders(${order.id})`)).status).toBe("Open");

    const lines = await call(`${base}/salesOrders(${order.id})/salesOrderLines`);
    const line = lines.body.value[0];
    const edit = await call(`${base}/salesOrders(${order.id})/salesOrderLines(${line.id})`, {
      method: "PATCH",
      body: { quantity: 5 },
      headers: { "If-Match": line["@odata.etag"] },
    });
    expectError(edit, 400, "Application_FieldValidationException");
    expect(edit.body.error.message).toContain(
      `Status must be equal to 'Open'  in Sales Header: Document Type=Order, No.=${order.number}. Current value is 'Released'.`,
    );
    const add = await call(`${base}/salesOrders(${order.id})/salesOrderLines`, {
      method: "POST",
      body: { lineType: "Item", lineObjectNumber: "1900-S", quantity: 1 },
    });
    expectError(add, 400, "Application_FieldValidationException");
    // Your Reference may still change on a released order.
    const ref = await call(`${companion}/salesOrders(${order.id})`, {
      method: "PATCH",
      body: { yourReference: "ORD-01001" },
      headers: { "If-Match": released["@odata.etag"] },
    });
    expect(ref.status, JSON.stringify(ref.body)).toBe(200);

    expect((await call(`${companion}/salesOrders(${order.id})/Microsoft.NAV.reopen`, { method: "POST" })).status).toBe(
      204,
    );
    const archives = await call(
      `${companion}/salesOrderArchives?$filter=number eq '${order.number}'&$expand=salesOrderArchiveLines`,
    );
    expect(archives.body.value.length).toBe(1);
    expect(archives.body.value[0]).toMatchObject({
      versionNumber: 1,
      archiveReason: "Reopen",
      status: "Released",
      yourReference: "ORD-01001",
    });
    expect(archives.body.value[0].salesOrderArchiveLines[0]).toMatchObject({ lineObjectNumber: "1900-S", quantity: 3 });
    const fresh = (await call(`${base}/salesOrders(${order.id})/salesOrderLines`)).body.value[0];
    const ok = await call(`${base}/salesOrders(${order.id})/salesOrderLines(${fresh.id})`, {
      method: "PATCH",
      body: { quantity: 5 },
      headers: { "If-Match": fresh["@odata.etag"] },
    });
    expect(ok.status).toBe(200);
    expect(ok.body.amountExcludingTax).toBeCloseTo(5 * 192.8, 2);
    expect((await one(`${companion}/salesOrders(${order.id})`)).archivedVersions).toBe(1);
  });

  it("shipAndInvoice posts a shipment and an invoice, lowers inventory, raises the balance and statistics, archives and deletes the order", async () => {
    const itemBefore = await one(`${base}/items?$filter=number eq '1896-S'`);
    const customerBefore = await one(`${base}/customers?$filter=number eq '40000'`);
    const statsBefore = await one(`${companion}/customerStatistics?$filter=customerNumber eq '40000'`);
    const availabilityBefore = await one(`${companion}/itemAvailability?$filter=itemNumber eq '1896-S'`);
    const order = await createOrder("40000", [
      ["1896-S", 3],
      ["INSTALL", 2],
    ]);
    const statsOpen = await one(`${companion}/customerStatistics?$filter=customerNumber eq '40000'`);
    expect(statsOpen.outstandingOrders).toBeCloseTo(statsBefore.outstandingOrders + order.totalAmountIncludingTax, 2);
    expect((await one(`${companion}/itemAvailability?$filter=itemNumber eq '1896-S'`)).quantityOnSalesOrders).toBe(
      availabilityBefore.quantityOnSalesOrders + 3,
    );

    const posted = await call(`${base}/salesOrders(${order.id})/Microsoft.NAV.shipAndInvoice`, { method: "POST" });
    expect(posted.status, JSON.stringify(posted.body)).toBe(204);

    expectError(await call(`${base}/salesOrders(${order.id})`), 404, "Internal_RecordNotFound");
    const item = await one(`${base}/items?$filter=number eq '1896-S'`);
    expect(item.inventory).toBe(itemBefore.inventory - 3);
    const customer = await one(`${base}/customers?$filter=number eq '40000'`);
    expect(customer.balanceDue).toBeCloseTo(customerBefore.balanceDue + order.totalAmountIncludingTax, 2);
    const stats = await one(`${companion}/customerStatistics?$filter=customerNumber eq '40000'`);
    expect(stats.balance).toBeCloseTo(statsBefore.balance + order.totalAmountIncludingTax, 2);
    expect(stats.totalSales).toBeCloseTo(statsBefore.totalSales + order.totalAmountExcludingTax, 2);
    expect(stats.outstandingOrders).toBeCloseTo(statsBefore.outstandingOrders, 2);

    const invoice = await one(`${base}/salesInvoices?$filter=orderNumber eq '${order.number}'`);
    expect(invoice).toMatchObject({ status: "Open", customerNumber: "40000", externalDocumentNumber: "EXT-1" });
    expect(invoice.number).toMatch(/^PS-INV/);
    expect(invoice.remainingAmount).toBeCloseTo(order.totalAmountIncludingTax, 2);
    const invoiceLines = await call(`${base}/salesInvoices(${invoice.id})/salesInvoiceLines`);
    expect(invoiceLines.body.value.map((l: Json) => [l.lineObjectNumber, l.quantity])).toEqual([
      ["1896-S", 3],
      ["INSTALL", 2],
    ]);
    const shipment = await one(
      `${base}/salesShipments?$filter=orderNumber eq '${order.number}'&$expand=salesShipmentLines`,
    );
    expect(shipment.salesShipmentLines.map((l: Json) => l.quantity)).toEqual([3, 2]);
    const archive = await one(
      `${companion}/salesOrderArchives?$filter=number eq '${order.number}'&$expand=salesOrderArchiveLines`,
    );
    expect(archive).toMatchObject({ archiveReason: "Post", fullyInvoiced: true, status: "Released" });
    expect(archive.salesOrderArchiveLines.map((l: Json) => l.quantityShipped)).toEqual([3, 2]);
    const postedInvoice = await one(`${companion}/postedSalesInvoices(${invoice.id})`);
    expect(postedInvoice).toMatchObject({ orderNumber: order.number, closed: false });

    bc.postPayment(bc.companyId(), "40000", invoice.remainingAmount);
    expect((await one(`${base}/salesInvoices(${invoice.id})`)).status).toBe("Paid");
    expect((await one(`${base}/customers?$filter=number eq '40000'`)).balanceDue).toBeCloseTo(
      customerBefore.balanceDue,
      2,
    );
  });

  it("refuses to post an order without quantities", async () => {
    const order = await call(`${base}/salesOrders`, { method: "POST", body: { customerNumber: "10000" } });
    const r = await call(`${base}/salesOrders(${order.body.id})/Microsoft.NAV.shipAndInvoice`, { method: "POST" });
    expectError(r, 400, "Application_DialogException");
    expectError(
      await call(`${base}/salesOrders(${order.body.id})/Microsoft.NAV.nosuch`, { method: "POST" }),
      501,
      "BadRequest_MethodNotImplemented",
    );
  });
});

describe("quotes and invoices", () => {
  it("deep-inserts a quote with lines and makes an order of it", async () => {
    const quote = await call(`${base}/salesQuotes`, {
      method: "POST",
      body: {
        customerNumber: "50000",
        salesQuoteLines: [
          { lineType: "Item", lineObjectNumber: "1920-S", quantity: 2 },
          { lineType: "Item", lineObjectNumber: "1900-S", quantity: 10 },
        ],
      },
    });
    expect(quote.status, JSON.stringify(quote.body)).toBe(201);
    expect(quote.body.status).toBe("Draft");
    expect(quote.body.totalAmountExcludingTax).toBeCloseTo(2 * 1099 + 10 * 169, 2); // WHOLESALE prices
    expect(
      (await call(`${base}/salesQuotes(${quote.body.id})/Microsoft.NAV.makeOrder`, { method: "POST" })).status,
    ).toBe(204);
    expectError(await call(`${base}/salesQuotes(${quote.body.id})`), 404, "Internal_RecordNotFound");
    const order = await one(`${companion}/salesOrders?$filter=quoteNumber eq '${quote.body.number}'`);
    const lines = await call(`${base}/salesOrders(${order.id})/salesOrderLines`);
    expect(lines.body.value.map((l: Json) => l.quantity)).toEqual([2, 10]);
  });

  it("posts a draft invoice: same id, posted number, status Open, ledger entries", async () => {
    const draft = await call(`${base}/salesInvoices`, { method: "POST", body: { customerNumber: "20000" } });
    await call(`${base}/salesInvoices(${draft.body.id})/salesInvoiceLines`, {
      method: "POST",
      body: { lineType: "Item", lineObjectNumber: "1928-S", quantity: 6 },
    });
    const inventoryBefore = (await one(`${base}/items?$filter=number eq '1928-S'`)).inventory;
    expect((await call(`${base}/salesInvoices(${draft.body.id})/Microsoft.NAV.post`, { method: "POST" })).status).toBe(
      204,
    );
    const posted = await one(`${base}/salesInvoices(${draft.body.id})`);
    expect(posted.status).toBe("Open");
    expect(posted.number).toMatch(/^PS-INV/);
    expect((await one(`${base}/items?$filter=number eq '1928-S'`)).inventory).toBe(inventoryBefore - 6);
    const edit = await call(`${base}/salesInvoices(${draft.body.id})`, {
      method: "PATCH",
      body: { externalDocumentNumber: "X" },
      headers: { "If-Match": "*" },
    });
    expectError(edit, 400, "Application_DialogException");
  });
});

describe("approval and prepayment statuses", () => {
  it("shows Pending Approval as In Review in v2.0 and locks the lines like Released", async () => {
    const order = await createOrder("10000", [["1928-S", 1]]);
    bc.setOrderStatus(bc.companyId(), order.number, "Pending Approval");
    expect((await one(`${base}/salesOrders(${order.id})`)).status).toBe("In_x0020_Review");
    expect((await one(`${companion}/salesOrders(${order.id})`)).status).toBe("Pending_x0020_Approval");
    const line = (await call(`${base}/salesOrders(${order.id})/salesOrderLines`)).body.value[0];
    const edit = await call(`${base}/salesOrders(${order.id})/salesOrderLines(${line.id})`, {
      method: "DELETE",
      headers: { "If-Match": "*" },
    });
    expectError(edit, 400, "Application_FieldValidationException");
    expect(edit.body.error.message).toContain("Current value is 'Pending Approval'.");
    bc.setOrderStatus(bc.companyId(), order.number, "Pending Prepayment");
    expect((await one(`${base}/salesOrders(${order.id})`)).status).toBe("Open");
  });
});

describe("document CRUD", () => {
  it.each(["salesQuotes", "salesOrders", "salesInvoices"])(
    "%s: create, list with filter and paging, update with ETag, delete with lines",
    async (set) => {
      const lineSet = `${set.slice(0, -1)}Lines`;
      const made: Json[] = [];
      for (let i = 0; i < 3; i++) {
        const r = await call(`${base}/${set}`, {
          method: "POST",
          body: { customerNumber: "20000", externalDocumentNumber: `CRUD-${set}` },
        });
        expect(r.status, JSON.stringify(r.body)).toBe(201);
        made.push(r.body);
      }
      const line = await call(`${base}/${set}(${made[0].id})/${lineSet}`, {
        method: "POST",
        body: { lineType: "Item", lineObjectNumber: "1928-S", quantity: 2 },
      });
      expect(line.status).toBe(201);
      const page = await call(`${base}/${set}?$filter=externalDocumentNumber eq 'CRUD-${set}'`, {
        headers: { Prefer: "odata.maxpagesize=2" },
      });
      expect(page.body.value.length).toBe(2);
      const rest = await call(page.body["@odata.nextLink"]);
      expect([...page.body.value, ...rest.body.value].map((d: Json) => d.id).sort()).toEqual(
        made.map((d) => d.id).sort(),
      );
      const head = (await call(`${base}/${set}(${made[0].id})`)).body;
      const patched = await call(`${base}/${set}(${head.id})`, {
        method: "PATCH",
        body: { discountAmount: 10 },
        headers: { "If-Match": head["@odata.etag"] },
      });
      expect(patched.status, JSON.stringify(patched.body)).toBe(200);
      expect(patched.body.totalAmountExcludingTax).toBeCloseTo(line.body.amountExcludingTax - 10, 2);
      expectError(
        await call(`${base}/${set}(${head.id})`, { method: "DELETE", headers: { "If-Match": head["@odata.etag"] } }),
        409,
        "Request_EntityChanged",
      );
      expect(
        (
          await call(`${base}/${set}(${head.id})`, {
            method: "DELETE",
            headers: { "If-Match": patched.body["@odata.etag"] },
          })
        ).status,
      ).toBe(204);
      expect((await call(`${base}/${lineSet}?$filter=documentId eq ${head.id}`)).body.value).toEqual([]);
    },
  );

  it("serves shipments read-only", async () => {
    const shipments = await call(`${base}/salesShipments?$top=1`);
    expect(shipments.body.value.length).toBe(1);
    expectError(await call(`${base}/salesShipments`, { method: "POST", body: {} }), 405, "BadRequest_MethodNotAllowed");
    expectError(
      await call(`${base}/salesShipments(${shipments.body.value[0].id})`, {
        method: "DELETE",
        headers: { "If-Match": "*" },
      }),
      405,
      "BadRequest_MethodNotAllowed",
    );
  });
});
