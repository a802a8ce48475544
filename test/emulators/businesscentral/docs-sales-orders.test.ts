// dynamics_salesOrder_create.md, dynamics_salesorder_{get,update,delete}.md, dynamics_salesOrderLine_create.md and
// dynamics_salesorderline_{get,update,delete}.md replayed, plus the bound action shipAndInvoice (204) and a deep
// insert. The examples' customer GL00000008 and item 1996-S do not exist in the seed: 10000 and 1936-S are used.

import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { BusinessCentralEmulator } from "../../../emulators/businesscentral/index.ts";
import {
  type DocsContext,
  expectCollectionReply,
  expectCreated,
  expectDocumentedRecord,
  expectEntityReply,
  expectNoContent,
  first,
  replayDocumentedCrud,
  withEtag,
} from "./docs-helpers.ts";
import { call, companyUrl, type Json, startBc } from "./helpers.ts";

let bc: BusinessCentralEmulator;
let company: string;
let companyId: string;
beforeAll(async () => {
  bc = await startBc();
  company = companyUrl(bc);
  companyId = bc.companyId();
});
afterAll(async () => {
  await bc.close();
});
const ctx = (): DocsContext => ({ bc, company });

async function orderBody(): Promise<Json> {
  const terms = await first(`${company}/paymentTerms`, "code eq '30 DAYS'");
  return { orderDate: "2023-09-01", customerNumber: "10000", currencyCode: "GBP", paymentTermsId: terms.id };
}

async function newOrder(): Promise<Json> {
  const reply = await call(`${company}/salesOrders`, { method: "POST", body: await orderBody() });
  expect(reply.status, JSON.stringify(reply.body)).toBe(201);
  return reply.body;
}

async function orderLine(orderId: string, quantity = 12): Promise<Json> {
  const item = await first(`${company}/items`, "number eq '1936-S'");
  const pcs = await first(`${company}/unitsOfMeasure`, "code eq 'PCS'");
  const url = `${company}/salesOrders(${orderId})/salesOrderLines`;
  const reply = await call(url, {
    method: "POST",
    body: {
      itemId: item.id,
      lineType: "Item",
      lineObjectNumber: "1936-S",
      description: "BERLIN Guest Chair, yellow",
      unitOfMeasureId: pcs.id,
      unitOfMeasureCode: "PCS",
      quantity,
      unitPrice: 192.8,
      discountAmount: 0,
      discountPercent: 0,
      taxCode: "STANDARD",
      shipmentDate: "2020-04-02",
      invoiceQuantity: quantity,
      shipQuantity: quantity,
      itemVariantId: "00000000-0000-0000-0000-000000000000",
      locationId: "00000000-0000-0000-0000-000000000000",
    },
  });
  expectCreated(bc, reply, url, "salesOrderLines");
  return reply.body;
}

describe("salesOrders, as documented", () => {
  replayDocumentedCrud(
    ctx,
    {
      set: "salesOrders",
      existing: "number eq 'S-ORD101003'",
      create: () => orderBody(),
      update: { externalDocumentNumber: "PO-101005" },
    },
    it,
  );

  it("fills the documented header from the customer and shows status Draft", async () => {
    const order = await newOrder();
    expect(order.customerName).toBe("Adatum Corporation");
    expect(order.billToCustomerNumber).toBe("10000");
    expect(order.currencyCode).toBe("GBP");
    expect(order.status).toBe("Draft");
    expect(order.orderDate).toBe("2023-09-01");
  });

  it("shows the defaults of the documented create response (partialShipping, blank dates, zero totals)", async () => {
    const order = await newOrder();
    // Shipping Advice is Partial by default: the documented response shows "partialShipping": true.
    expect(order).toMatchObject({
      externalDocumentNumber: "",
      partialShipping: true,
      requestedDeliveryDate: "0001-01-01",
      discountAmount: 0,
      discountAppliedBeforeTax: false,
      totalAmountExcludingTax: 0,
      totalTaxAmount: 0,
      totalAmountIncludingTax: 0,
      fullyShipped: false,
      pricesIncludeTax: false,
      status: "Draft",
    });
    // Seeded orders and orders made from quotes show the same default.
    const seeded = await first(`${company}/salesOrders`, "number eq 'S-ORD101003'");
    expect(seeded.partialShipping).toBe(true);
    // It stays writable.
    const url = `${company}/salesOrders(${order.id})`;
    const patched = await call(url, {
      method: "PATCH",
      body: { partialShipping: false },
      headers: { "If-Match": order["@odata.etag"] },
    });
    expect(patched.status).toBe(200);
    expect(patched.body.partialShipping).toBe(false);
  });

  it("PATCH with the documented paymentTermsId body answers 200", async () => {
    const order = await newOrder();
    const terms = await first(`${company}/paymentTerms`, "code eq '14 DAYS'");
    const url = `${company}/salesOrders(${order.id})`;
    const { etag } = await withEtag(url);
    const reply = await call(url, {
      method: "PATCH",
      body: { paymentTermsId: terms.id },
      headers: { "If-Match": etag },
    });
    expectEntityReply(bc, reply, 200, `companies(${companyId})/salesOrders`, "salesOrders");
    expect(reply.body.paymentTermsId).toBe(terms.id);
  });

  it("filters on the encoded status (In_x0020_Review) and on Draft", async () => {
    const drafts = await call(`${company}/salesOrders?$filter=status eq 'Draft'&$select=status`);
    expect(drafts.status).toBe(200);
    expect(drafts.body.value.every((o: Json) => o.status === "Draft")).toBe(true);
    const review = await call(`${company}/salesOrders?$filter=status eq 'In_x0020_Review'&$select=status`);
    expect(review.status).toBe(200);
    expect(review.body.value.every((o: Json) => o.status === "In_x0020_Review")).toBe(true);
  });
});

describe("salesOrderLines, as documented", () => {
  it("creates, reads, updates (unitPrice) and deletes a line through its order", async () => {
    const order = await newOrder();
    const line = await orderLine(order.id);
    const context = `companies(${companyId})/salesOrders(${order.id})/salesOrderLines`;
    expect(line.quantity).toBe(12);
    expect(line.shipQuantity).toBe(12);
    const url = `${company}/salesOrders(${order.id})/salesOrderLines(${line.id})`;
    const got = await call(url);
    expectEntityReply(bc, got, 200, context, "salesOrderLines");
    expectCollectionReply(
      bc,
      await call(`${company}/salesOrders(${order.id})/salesOrderLines`),
      context,
      "salesOrderLines",
    );
    const patched = await call(url, {
      method: "PATCH",
      body: { unitPrice: 1397.3 },
      headers: { "If-Match": got.body["@odata.etag"] },
    });
    expectEntityReply(bc, patched, 200, context, "salesOrderLines");
    expect(patched.body.unitPrice).toBe(1397.3);
    expect(patched.body.amountExcludingTax).toBeCloseTo(1397.3 * 12, 2);
    const { etag } = await withEtag(url);
    expectNoContent(await call(url, { method: "DELETE", headers: { "If-Match": etag } }));
  });

  it("creates an order with its lines in one deep insert; $expand returns them", async () => {
    const reply = await call(`${company}/salesOrders?$expand=salesOrderLines`, {
      method: "POST",
      body: {
        ...(await orderBody()),
        salesOrderLines: [{ lineType: "Item", lineObjectNumber: "1936-S", quantity: 3 }],
      },
    });
    expect(reply.status, JSON.stringify(reply.body)).toBe(201);
    expectDocumentedRecord("salesOrders", reply.body, ["salesOrderLines"]);
    expect(reply.body.salesOrderLines).toHaveLength(1);
    expectDocumentedRecord("salesOrderLines", reply.body.salesOrderLines[0]);
    const plain = await call(`${company}/salesOrders(${reply.body.id})`);
    expect(plain.body.salesOrderLines).toBeUndefined();
    const expanded = await call(`${company}/salesOrders(${reply.body.id})?$expand=salesOrderLines($select=quantity)`);
    expect(expanded.body.salesOrderLines.map((l: Json) => l.quantity)).toEqual([3]);
  });
});

describe("salesOrders bound action shipAndInvoice, as documented", () => {
  it("answers 204, posts a shipment and an invoice and removes the fully invoiced order", async () => {
    const order = await newOrder();
    await orderLine(order.id, 2);
    const shipments = (await call(`${company}/salesShipments?$count=true&$top=0`)).body["@odata.count"];
    expectNoContent(await call(`${company}/salesOrders(${order.id})/Microsoft.NAV.shipAndInvoice`, { method: "POST" }));
    expect((await call(`${company}/salesShipments?$count=true&$top=0`)).body["@odata.count"]).toBe(shipments + 1);
    const invoice = await call(`${company}/salesInvoices?$filter=orderNumber eq '${order.number}'`);
    expect(invoice.body.value).toHaveLength(1);
    expect(invoice.body.value[0].status).toBe("Open");
    expect((await call(`${company}/salesOrders(${order.id})`)).status).toBe(404);
  });
});
