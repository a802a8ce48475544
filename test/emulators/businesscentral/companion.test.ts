// The companion API (docs/companion-api.md) over real HTTP, one block per endpoint, with the v2.0 conventions:
// ETags, If-Match, error codes, filters and paging.

import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { BusinessCentralEmulator } from "../../../emulators/businesscentral/index.ts";
import { call, companyUrl, expectError, type Json, startBc } from "./helpers.ts";

let bc: BusinessCentralEmulator;
let c: string;
let std: string;

beforeAll(async () => {
  bc = await startBc();
  c = companyUrl(bc, true);
  std = companyUrl(bc);
});
afterAll(async () => {
  await bc.close();
});

async function list(url: string): Promise<Json[]> {
  const r = await call(url);
  expect(r.status, JSON.stringify(r.body)).toBe(200);
  return r.body.value;
}

describe("resources", () => {
  it("creates a resource with its unit group, updates it with ETag and deletes it", async () => {
    const r = await call(`${c}/resources`, {
      method: "POST",
      body: {
        number: "TESTRES",
        displayName: "Test Person",
        type: "Person",
        baseUnitOfMeasureCode: "HOUR",
        unitPrice: 100,
      },
    });
    expect(r.status, JSON.stringify(r.body)).toBe(201);
    expect(r.body.unitGroupCode).toBe("RESOURCE TESTRES UOM GR");
    const groups = await list(`${c}/unitGroups?$filter=sourceNumber eq 'TESTRES'`);
    expect(groups).toMatchObject([{ sourceType: "Resource", code: "RESOURCE TESTRES UOM GR", sourceId: r.body.id }]);
    expectError(
      await call(`${c}/resources(${r.body.id})`, { method: "PATCH", body: { unitPrice: 1 } }),
      400,
      "BadRequest_InvalidToken",
    );
    const p = await call(`${c}/resources(${r.body.id})`, {
      method: "PATCH",
      body: { unitPrice: 110 },
      headers: { "If-Match": r.body["@odata.etag"] },
    });
    expect(p.body.unitPrice).toBe(110);
    expect(
      (await call(`${c}/resources(${r.body.id})`, { method: "DELETE", headers: { "If-Match": p.body["@odata.etag"] } }))
        .status,
    ).toBe(204);
    expect(await list(`${c}/unitGroups?$filter=sourceNumber eq 'TESTRES'`)).toEqual([]);
    expect((await list(`${c}/resources?$filter=type eq 'Machine'`)).map((x) => x.number)).toEqual(["LIFT"]);
  });
});

describe("itemUnitsOfMeasure and resourceUnitsOfMeasure", () => {
  it("adds units to an item's unit group, refuses duplicates and the base unit's deletion", async () => {
    const lines = await list(`${c}/itemUnitsOfMeasure?$filter=itemNumber eq '1900-S'`);
    expect(lines.map((l) => [l.code, l.qtyPerUnitOfMeasure])).toEqual([
      ["PCS", 1],
      ["SET", 4],
    ]);
    const created = await call(`${c}/itemUnitsOfMeasure`, {
      method: "POST",
      body: { itemNumber: "1900-S", code: "PALLET", qtyPerUnitOfMeasure: 40 },
    });
    expect(created.status, JSON.stringify(created.body)).toBe(201);
    expect(created.body).toMatchObject({ unitGroupCode: "ITEM 1900-S UOM GR", itemId: lines[0].itemId });
    const dup = await call(`${c}/itemUnitsOfMeasure`, {
      method: "POST",
      body: { itemNumber: "1900-S", code: "PALLET", qtyPerUnitOfMeasure: 20 },
    });
    expectError(dup, 400, "Internal_EntityWithSameKeyExists");
    expect(dup.body.error.message).toContain("Item No.='1900-S',Code='PALLET'");
    const base = lines.find((l) => l.code === "PCS") as Json;
    expectError(
      await call(`${c}/itemUnitsOfMeasure(${base.id})`, { method: "DELETE", headers: { "If-Match": "*" } }),
      400,
      "Application_DialogException",
    );
    expectError(
      await call(`${c}/itemUnitsOfMeasure`, { method: "POST", body: { itemNumber: "NOPE", code: "PCS" } }),
      400,
      "Internal_InvalidTableRelation",
    );
    // A sales line in the new unit is priced per pallet.
    const order = await call(`${std}/salesOrders`, { method: "POST", body: { customerNumber: "30000" } });
    const line = await call(`${std}/salesOrders(${order.body.id})/salesOrderLines`, {
      method: "POST",
      body: { lineType: "Item", lineObjectNumber: "1900-S", unitOfMeasureCode: "PALLET", quantity: 1 },
    });
    expect(line.body.unitPrice).toBeCloseTo(192.8 * 40, 2);
  });

  it("lists resource units", async () => {
    const units = await list(`${c}/resourceUnitsOfMeasure?$filter=resourceNumber eq 'KATHERINE'`);
    expect(units.map((u) => [u.code, u.qtyPerUnitOfMeasure])).toEqual(
      [
        ["DAY", 8],
        ["HOUR", 1],
      ].sort(),
    );
  });
});

describe("unitGroups and unitGroupLines", () => {
  it("has one unit group per item and resource, with lines, read-only", async () => {
    const items = await list(`${std}/items?$select=number`);
    const resources = await list(`${c}/resources?$select=number`);
    const groups = await list(`${c}/unitGroups`);
    expect(groups.length).toBe(items.length + resources.length);
    const group = groups.find((g) => g.code === "ITEM 1928-S UOM GR") as Json;
    const lines = await list(`${c}/unitGroups(${group.id})/unitGroupLines`);
    expect(lines.map((l) => l.code).sort()).toEqual(["BOX", "PCS"]);
    const expanded = await call(`${c}/unitGroups(${group.id})?$expand=unitGroupLines`);
    expect(expanded.body.unitGroupLines.length).toBe(2);
    expectError(
      await call(`${c}/unitGroups`, { method: "POST", body: { code: "X" } }),
      405,
      "BadRequest_MethodNotAllowed",
    );
  });
});

describe("customerPriceGroups, salesPrices, priceListHeaders and priceListLines", () => {
  it("manages price groups and prices that drive line prices", async () => {
    expect((await list(`${c}/customerPriceGroups`)).map((g) => g.code)).toEqual(["EXPORT", "RETAIL", "WHOLESALE"]);
    const group = await call(`${c}/customerPriceGroups`, {
      method: "POST",
      body: { code: "VIP", displayName: "VIP customers" },
    });
    expect(group.status).toBe(201);
    const price = await call(`${c}/salesPrices`, {
      method: "POST",
      body: { itemNumber: "1936-S", salesType: "Customer_x0020_Price_x0020_Group", salesCode: "VIP", unitPrice: 150 },
    });
    expect(price.status, JSON.stringify(price.body)).toBe(201);
    expect(price.body).toMatchObject({ salesType: "Customer_x0020_Price_x0020_Group", unitOfMeasureCode: "PCS" });
    expectError(
      await call(`${c}/salesPrices`, {
        method: "POST",
        body: { itemNumber: "1936-S", salesCode: "NOGROUP", unitPrice: 1 },
      }),
      400,
      "Internal_InvalidTableRelation",
    );
    const customer = (await list(`${c}/customers?$filter=number eq '30000'`))[0];
    const moved = await call(`${c}/customers(${customer.id})`, {
      method: "PATCH",
      body: { customerPriceGroupCode: "VIP" },
      headers: { "If-Match": customer["@odata.etag"] },
    });
    expect(moved.status).toBe(200);
    const order = await call(`${std}/salesOrders`, { method: "POST", body: { customerNumber: "30000" } });
    const line = await call(`${std}/salesOrders(${order.body.id})/salesOrderLines`, {
      method: "POST",
      body: { lineType: "Item", lineObjectNumber: "1936-S", quantity: 1 },
    });
    expect(line.body.unitPrice).toBe(150);
  });

  it("serves price lists with their lines", async () => {
    const header = (await list(`${c}/priceListHeaders?$filter=code eq 'S00001'`))[0];
    expect(header).toMatchObject({
      sourceType: "Customer_x0020_Price_x0020_Group",
      sourceNumber: "WHOLESALE",
      status: "Active",
    });
    const lines = await list(`${c}/priceListHeaders(${header.id})/priceListLines`);
    expect(lines.length).toBe(4);
    const added = await call(`${c}/priceListHeaders(${header.id})/priceListLines`, {
      method: "POST",
      body: { assetType: "Item", assetNumber: "1928-S", unitPrice: 45 },
    });
    expect(added.status, JSON.stringify(added.body)).toBe(201);
    expect(added.body).toMatchObject({
      priceListCode: "S00001",
      sourceNumber: "WHOLESALE",
      lineNumber: 50000,
      unitOfMeasureCode: "PCS",
    });
    const paged = await call(`${c}/priceListLines?$count=true`, { headers: { Prefer: "odata.maxpagesize=2" } });
    expect(paged.body["@odata.count"]).toBe(5);
    expect(paged.body["@odata.nextLink"]).toContain("$skiptoken=");
  });
});

describe("shippingAgents and integration fields of customers, vendors, contacts and items", () => {
  it("exposes the fields v2.0 lacks and validates them", async () => {
    expect((await list(`${c}/shippingAgents`)).map((s) => s.code)).toContain("FEDEX");
    const customer = (await list(`${c}/customers?$filter=number eq '10000'`))[0];
    expect(customer).toMatchObject({
      shippingAgentCode: "UPS",
      paymentTermsCode: "30 DAYS",
      customerPriceGroupCode: "WHOLESALE",
      contactName: "Robert Townes",
    });
    const patched = await call(`${c}/customers(${customer.id})`, {
      method: "PATCH",
      body: { shippingAgentCode: "DHL", faxNumber: "+1 555 0000" },
      headers: { "If-Match": customer["@odata.etag"] },
    });
    expect(patched.body.shippingAgentCode).toBe("DHL");
    expectError(
      await call(`${c}/customers`, { method: "POST", body: { displayName: "x" } }),
      405,
      "BadRequest_MethodNotAllowed",
    );
    const vendor = (await list(`${c}/vendors?$filter=number eq '10000'`))[0];
    expect(vendor.paymentTermsCode).toBe("30 DAYS");
    const prospects = await list(`${c}/contacts?$filter=contactBusinessRelation eq 'None'`);
    expect(prospects.map((p) => p.number).sort()).toEqual(["CT000100", "CT000101", "CT000102", "CT000103"]);
    const person = (await list(`${c}/contacts?$filter=number eq 'CT000011'`))[0];
    expect(person).toMatchObject({ firstName: "Robert", surname: "Townes", customerNumber: "10000" });
    const item = (await list(`${c}/items?$filter=number eq '1896-S'`))[0];
    expect(item).toMatchObject({ unitGroupCode: "ITEM 1896-S UOM GR", vendorNumber: "10000" });
  });
});

describe("salesOrders, salesOrderArchives and postedSalesInvoices", () => {
  it("shows the real order status and archives, and posted invoices with integration fields", async () => {
    const orders = await list(`${c}/salesOrders?$select=number,status`);
    expect(new Set(orders.map((o) => o.status))).toEqual(new Set(["Open", "Released"]));
    const released = orders.filter((o) => o.status === "Released").length;
    expect(released).toBe(2);
    const archives = await list(`${c}/salesOrderArchives?$filter=archiveReason eq 'Post'`);
    expect(archives.length).toBe(2);
    const invoices = await list(`${c}/postedSalesInvoices`);
    expect(invoices.map((i) => i.orderNumber).sort()).toEqual(archives.map((a) => a.number).sort());
    const paid = invoices.find((i) => i.customerNumber === "20000") as Json;
    expect(paid.remainingAmount).toBeCloseTo(paid.amountIncludingTax - 200, 2);
    expectError(
      await call(`${c}/salesOrderArchives(${archives[0].id})`, { method: "DELETE", headers: { "If-Match": "*" } }),
      405,
      "BadRequest_MethodNotAllowed",
    );
  });
});

describe("salesOrders insert (the header with its integration fields in one row write)", () => {
  it("creates the order v2.0 would create, with the integration fields, in one row written", async () => {
    const customer = (await list(`${std}/customers?$filter=number eq '10000'`))[0];
    const before = bc.tally.rowsWritten;
    const created = await call(`${c}/salesOrders`, {
      method: "POST",
      body: {
        customerId: customer.id,
        externalDocumentNumber: "PO-4711",
        requestedDeliveryDate: "2026-12-24",
        yourReference: "ORD-01001-X",
        workDescription: "Deliver before noon",
        paymentDiscountPercent: 2,
      },
    });
    expect(created.status, JSON.stringify(created.body)).toBe(201);
    expect(bc.tally.rowsWritten - before).toBe(1);
    expect(created.body).toMatchObject({ status: "Open", customerNumber: "10000", yourReference: "ORD-01001-X" });
    // The same row through v2.0: the number series, the customer's defaults and the page's own defaults as for a
    // v2.0 insert; the values sent win over the customer's.
    const reference = await call(`${std}/salesOrders`, { method: "POST", body: { customerId: customer.id } });
    const order = (await call(`${std}/salesOrders(${created.body.id})`)).body;
    expect(order.number).toMatch(/^S-ORD\d+$/);
    expect(Number(order.number.slice(5)) + 1).toBe(Number(reference.body.number.slice(5)));
    for (const field of ["customerName", "billToCustomerNumber", "sellToCity", "shipToName", "currencyCode"])
      expect(order[field], field).toEqual(reference.body[field]);
    expect(order).toMatchObject({
      status: "Draft",
      externalDocumentNumber: "PO-4711",
      requestedDeliveryDate: "2026-12-24",
      partialShipping: true,
    });
    const companionView = (await call(`${c}/salesOrders(${created.body.id})`)).body;
    expect(companionView).toMatchObject({ workDescription: "Deliver before noon", paymentDiscountPercent: 2 });
    // Lines go in through v2.0 under the companion-created header.
    const line = await call(`${std}/salesOrders(${created.body.id})/salesOrderLines`, {
      method: "POST",
      body: { lineType: "Item", lineObjectNumber: "1896-S", quantity: 2 },
    });
    expect(line.status, JSON.stringify(line.body)).toBe(201);
    for (const id of [created.body.id, reference.body.id])
      await call(`${std}/salesOrders(${id})`, { method: "DELETE", headers: { "If-Match": "*" } });
  });

  it("refuses an order without a customer, and deletes only through v2.0", async () => {
    expectError(
      await call(`${c}/salesOrders`, { method: "POST", body: { yourReference: "no customer" } }),
      400,
      "Application_DialogException",
    );
    const created = await call(`${c}/salesOrders`, { method: "POST", body: { customerNumber: "20000" } });
    expect(created.status).toBe(201);
    expectError(
      await call(`${c}/salesOrders(${created.body.id})`, { method: "DELETE", headers: { "If-Match": "*" } }),
      405,
      "BadRequest_MethodNotAllowed",
    );
    await call(`${std}/salesOrders(${created.body.id})`, { method: "DELETE", headers: { "If-Match": "*" } });
  });
});

describe("customerStatistics and itemAvailability", () => {
  it("computes statistics from ledgers and open documents", async () => {
    const stats = await list(`${c}/customerStatistics?$filter=customerNumber eq '20000'`);
    const customer = (await list(`${std}/customers?$filter=number eq '20000'`))[0];
    expect(stats[0].balance).toBeCloseTo(customer.balanceDue, 2);
    expect(stats[0].totalAmount).toBeCloseTo(
      stats[0].balance + stats[0].outstandingOrders + stats[0].shippedNotInvoiced + stats[0].outstandingInvoices,
      2,
    );
    expect(stats[0].creditLimit).toBe(20000);
    const one = await call(`${c}/customerStatistics(${customer.id})`);
    expect(one.body.customerNumber).toBe("20000");
    expectError(
      await call(`${c}/customerStatistics(${customer.id})`, {
        method: "PATCH",
        body: {},
        headers: { "If-Match": "*" },
      }),
      405,
      "BadRequest_MethodNotAllowed",
    );
  });

  it("derives availability from item ledger entries and open order lines", async () => {
    const availability = (await list(`${c}/itemAvailability?$filter=itemNumber eq '1906-S'`))[0];
    const item = (await list(`${std}/items?$filter=number eq '1906-S'`))[0];
    expect(availability.inventory).toBe(item.inventory);
    expect(availability.quantityOnSalesOrders).toBe(5);
    expect(availability.availableQuantity).toBe(item.inventory - 5);
    const since = await list(
      `${c}/itemAvailability?$filter=lastModifiedDateTime gt ${availability.lastModifiedDateTime}`,
    );
    expect(since.map((a) => a.itemNumber)).not.toContain("1906-S");
  });
});

describe("customer contacts", () => {
  it("creates a company contact with a new customer, mirrors renames and drops the relation on delete", async () => {
    const customer = await call(`${std}/customers`, {
      method: "POST",
      body: { displayName: "Contoso Pharmaceuticals", city: "Denver" },
    });
    const contact = (await list(`${c}/contacts?$filter=customerNumber eq '${customer.body.number}'`))[0];
    expect(contact).toMatchObject({ type: "Company", contactBusinessRelation: "Customer" });
    const person = await call(`${std}/contacts`, {
      method: "POST",
      body: { type: "Person", displayName: "Dana Birkby", companyNumber: contact.number },
    });
    expect(person.body).toMatchObject({ companyName: "Contoso Pharmaceuticals", contactBusinessRelation: "Customer" });
    await call(`${std}/customers(${customer.body.id})`, {
      method: "PATCH",
      body: { displayName: "Contoso Pharma" },
      headers: { "If-Match": "*" },
    });
    expect((await call(`${std}/contacts(${contact.id})`)).body.displayName).toBe("Contoso Pharma");
    expect((await call(`${std}/contacts(${person.body.id})`)).body.companyName).toBe("Contoso Pharma");
    await call(`${std}/customers(${customer.body.id})`, { method: "DELETE", headers: { "If-Match": "*" } });
    expect((await call(`${std}/contacts(${contact.id})`)).body.contactBusinessRelation).toBe("None");
  });
});

describe("salesOrderNotes", () => {
  it("adds notes to released orders, updates them with ETag and removes them with the order", async () => {
    const seeded = await list(`${c}/salesOrderNotes`);
    expect(seeded.length).toBe(1);
    const released = (await list(`${c}/salesOrders?$filter=status eq 'Released'`))[0];
    const note = await call(`${c}/salesOrders(${released.id})/salesOrderNotes`, {
      method: "POST",
      body: { description: "Call", note: "Customer asked for a call before delivery." },
    });
    expect(note.status, JSON.stringify(note.body)).toBe(201);
    expect(note.body).toMatchObject({ orderId: released.id, orderNumber: released.number });
    const patched = await call(`${c}/salesOrderNotes(${note.body.id})`, {
      method: "PATCH",
      body: { note: "Call first." },
      headers: { "If-Match": note.body["@odata.etag"] },
    });
    expect(patched.body.note).toBe("Call first.");
    expectError(
      await call(`${c}/salesOrderNotes`, {
        method: "POST",
        body: { orderId: "00000000-0000-0000-0000-000000000009", note: "x" },
      }),
      404,
      "Internal_RecordNotFound",
    );
    const order = await call(`${std}/salesOrders`, { method: "POST", body: { customerNumber: "10000" } });
    await call(`${c}/salesOrderNotes`, { method: "POST", body: { orderId: order.body.id, note: "temp" } });
    await call(`${std}/salesOrders(${order.body.id})`, { method: "DELETE", headers: { "If-Match": "*" } });
    expect(await list(`${c}/salesOrderNotes?$filter=orderId eq ${order.body.id}`)).toEqual([]);
  });
});
