// Business Central table relations take a blank value (only a non-empty code must exist in the related table),
// and `$expand` nests (api-reference/v2.0 "Using filtering, expanding and selecting": `$expand=customer,
// salesOrderLines($expand=item)`). Replays the documents of dynamics_salesOrder_create.md,
// dynamics_salesQuote_makeOrder.md / makeInvoice.md, dynamics_salesInvoice_post.md and
// dynamics_salesOrder_shipAndInvoice.md for an item created without a base unit of measure.

import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { BusinessCentralEmulator } from "../../../emulators/businesscentral/index.ts";
import { call, companyUrl, expectError, type Json, startBc } from "./helpers.ts";

let bc: BusinessCentralEmulator;
let company: string;
let bare: Json;
let withUnit: Json;
beforeAll(async () => {
  bc = await startBc();
  company = companyUrl(bc);
  const created = await call(`${company}/items`, {
    method: "POST",
    body: { number: "NOUNIT-1", displayName: "Item without a unit", type: "Non-Inventory", unitPrice: 10 },
  });
  expect(created.status, JSON.stringify(created.body)).toBe(201);
  bare = created.body;
  expect(bare.baseUnitOfMeasureCode).toBe("");
  const unit = await call(`${company}/items`, {
    method: "POST",
    body: {
      number: "UNIT-1",
      displayName: "Item in boxes",
      type: "Non-Inventory",
      unitPrice: 5,
      baseUnitOfMeasureCode: "BOX",
    },
  });
  expect(unit.status, JSON.stringify(unit.body)).toBe(201);
  withUnit = unit.body;
});
afterAll(async () => {
  await bc.close();
});

const line = (item: Json, quantity = 2) => ({ lineType: "Item", lineObjectNumber: item.number, quantity });
const action = (path: string) => call(`${company}/${path}`, { method: "POST" });

describe("a blank value never fails a table relation", () => {
  it("a sales order line for an item without a base unit stays blank; with one it takes the item's unit", async () => {
    const order = await call(`${company}/salesOrders`, { method: "POST", body: { customerNumber: "10000" } });
    expect(order.status).toBe(201);
    const blank = await call(`${company}/salesOrders(${order.body.id})/salesOrderLines`, {
      method: "POST",
      body: line(bare),
    });
    expect(blank.status, JSON.stringify(blank.body)).toBe(201);
    expect(blank.body.unitOfMeasureCode).toBe("");
    expect(blank.body.unitOfMeasureId).toBe("00000000-0000-0000-0000-000000000000");
    expect(blank.body.amountExcludingTax).toBe(20);
    const boxed = await call(`${company}/salesOrders(${order.body.id})/salesOrderLines`, {
      method: "POST",
      body: line(withUnit),
    });
    expect(boxed.status, JSON.stringify(boxed.body)).toBe(201);
    expect(boxed.body.unitOfMeasureCode).toBe("BOX");
  });

  it("deep insert of an order with such a line, then shipAndInvoice", async () => {
    const order = await call(`${company}/salesOrders?$expand=salesOrderLines`, {
      method: "POST",
      body: { customerNumber: "10000", salesOrderLines: [line(bare, 3)] },
    });
    expect(order.status, JSON.stringify(order.body)).toBe(201);
    expect(order.body.salesOrderLines).toHaveLength(1);
    expect(order.body.salesOrderLines[0].unitOfMeasureCode).toBe("");
    expect(order.body.totalAmountExcludingTax).toBe(30);
    const posted = await action(`salesOrders(${order.body.id})/Microsoft.NAV.shipAndInvoice`);
    expect(posted.status, JSON.stringify(posted.body)).toBe(204);
    const invoices = await call(
      `${company}/salesInvoices?$filter=orderNumber eq '${order.body.number}'&$expand=salesInvoiceLines`,
    );
    expect(invoices.body.value).toHaveLength(1);
    expect(invoices.body.value[0].salesInvoiceLines[0].unitOfMeasureCode).toBe("");
  });

  it("a quote with such a line: makeOrder and makeInvoice", async () => {
    for (const make of ["makeOrder", "makeInvoice"]) {
      const quote = await call(`${company}/salesQuotes`, {
        method: "POST",
        body: { customerNumber: "10000", salesQuoteLines: [line(bare)] },
      });
      expect(quote.status, JSON.stringify(quote.body)).toBe(201);
      const made = await action(`salesQuotes(${quote.body.id})/Microsoft.NAV.${make}`);
      expect(made.status, JSON.stringify(made.body)).toBe(204);
    }
  });

  it("an invoice with such a line posts", async () => {
    const invoice = await call(`${company}/salesInvoices`, {
      method: "POST",
      body: { customerNumber: "10000", salesInvoiceLines: [line(bare)] },
    });
    expect(invoice.status, JSON.stringify(invoice.body)).toBe(201);
    const posted = await action(`salesInvoices(${invoice.body.id})/Microsoft.NAV.post`);
    expect(posted.status, JSON.stringify(posted.body)).toBe(204);
    expect((await call(`${company}/salesInvoices(${invoice.body.id})`)).body.status).toBe("Open");
  });

  it("a non-empty code that does not exist is still refused", async () => {
    const order = await call(`${company}/salesOrders`, { method: "POST", body: { customerNumber: "10000" } });
    const reply = await call(`${company}/salesOrders(${order.body.id})/salesOrderLines`, {
      method: "POST",
      body: { ...line(bare), unitOfMeasureCode: "NOPE" },
    });
    expectError(reply, 400, "Internal_InvalidTableRelation");
  });

  it("blank codes clear the other relations of the pages (customer currency, payment terms, item category)", async () => {
    const customer = await call(`${company}/customers`, {
      method: "POST",
      body: {
        displayName: "Blank relations",
        currencyCode: "",
        paymentTermsId: "00000000-0000-0000-0000-000000000000",
      },
    });
    expect(customer.status, JSON.stringify(customer.body)).toBe(201);
    // A blank currency is the local currency, which the customers page shows by its code.
    expect(customer.body.currencyId).toBe("00000000-0000-0000-0000-000000000000");
    const cleared = await call(`${company}/customers(${customer.body.id})`, {
      method: "PATCH",
      body: { currencyCode: "", shipmentMethodId: "00000000-0000-0000-0000-000000000000" },
      headers: { "If-Match": "*" },
    });
    expect(cleared.status, JSON.stringify(cleared.body)).toBe(200);
    const item = await call(`${company}/items(${bare.id})`, {
      method: "PATCH",
      body: { itemCategoryCode: "", baseUnitOfMeasureCode: "" },
      headers: { "If-Match": "*" },
    });
    expect(item.status, JSON.stringify(item.body)).toBe(200);
    expect(item.body.baseUnitOfMeasureCode).toBe("");
    const opportunity = await call(`${company}/opportunities`, {
      method: "POST",
      body: { description: "No contact yet", contactNumber: "" },
    });
    expect(opportunity.status, JSON.stringify(opportunity.body)).toBe(201);
    expect(opportunity.body.contactName).toBe("");
  });
});

describe("nested $expand", () => {
  it("salesOrders(id)?$expand=customer,salesOrderLines($expand=item)", async () => {
    const order = await call(`${company}/salesOrders`, {
      method: "POST",
      body: { customerNumber: "10000", salesOrderLines: [line(withUnit), line(bare)] },
    });
    expect(order.status).toBe(201);
    const reply = await call(`${company}/salesOrders(${order.body.id})?$expand=customer,salesOrderLines($expand=item)`);
    expect(reply.status, JSON.stringify(reply.body)).toBe(200);
    expect(reply.body.customer.number).toBe("10000");
    const lines = reply.body.salesOrderLines as Json[];
    expect(lines).toHaveLength(2);
    expect(lines.map((l) => l.item?.number)).toEqual(["UNIT-1", "NOUNIT-1"]);
    expect(lines[0].item["@odata.etag"]).toMatch(/^W\//);
  });

  it("nested options: $select and $expand inside, on a collection", async () => {
    const reply = await call(
      `${company}/salesOrders?$top=1&$orderby=number desc&$select=number&$expand=salesOrderLines($select=sequence;$expand=item($select=number))`,
    );
    expect(reply.status, JSON.stringify(reply.body)).toBe(200);
    const lines = reply.body.value[0].salesOrderLines as Json[];
    expect(lines.length).toBeGreaterThan(0);
    for (const l of lines) {
      expect(Object.keys(l).filter((k) => !k.startsWith("@"))).toEqual(["sequence", "item"]);
      expect(Object.keys(l.item).filter((k) => !k.startsWith("@"))).toEqual(["number"]);
    }
  });

  it("an unknown navigation property inside is refused as at the top level", async () => {
    const order = (await call(`${company}/salesOrders?$top=1`)).body.value[0] as Json;
    const top = await call(`${company}/salesOrders(${order.id})?$expand=nosuch`);
    const nested = await call(`${company}/salesOrders(${order.id})?$expand=salesOrderLines($expand=nosuch)`);
    expect(nested.status).toBe(top.status);
    expect(nested.body.error.code).toBe(top.body.error.code);
    expect(nested.body.error.message).toMatch(/Could not find a property named 'nosuch'/);
    const emptyList = await call(`${company}/salesOrders?$filter=number eq 'none'&$expand=customer($expand=nosuch)`);
    expect(emptyList.status).toBe(top.status);
  });
});
