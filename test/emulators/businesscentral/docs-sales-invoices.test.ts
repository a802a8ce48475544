// dynamics_salesInvoice_create.md, dynamics_salesinvoice_{get,update,delete}.md, dynamics_salesInvoiceLine_create.md
// (single line, deep insert, transactional $batch of lines) and dynamics_salesinvoiceline_{get,update,delete}.md
// replayed, with the bound actions of resources/dynamics_salesinvoice.md: post, postAndSend, send, cancel and
// cancelAndSend (204; makeCorrectiveCreditMemo needs salesCreditMemos, not served). The create example's `number` is read-only and left out.

import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { BusinessCentralEmulator } from "../../../emulators/businesscentral/index.ts";
import {
  type DocsContext,
  expectCollectionReply,
  expectCreated,
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

async function invoiceBody(): Promise<Json> {
  const trey = await first(`${company}/customers`, "number eq '20000'");
  const terms = await first(`${company}/paymentTerms`, "code eq '14 DAYS'");
  return {
    externalDocumentNumber: "",
    invoiceDate: "2019-01-15",
    postingDate: "2019-01-15",
    dueDate: "2019-01-15",
    customerPurchaseOrderReference: "",
    customerId: trey.id,
    customerNumber: "20000",
    customerName: "Trey Research",
    billToCustomerId: trey.id,
    billToCustomerNumber: "20000",
    shipToName: "Trey Research",
    shipToContact: "Helen Ray",
    sellToAddressLine1: "153 Thomas Drive",
    sellToAddressLine2: "",
    sellToCity: "Chicago",
    sellToCountry: "US",
    sellToState: "IL",
    sellToPostCode: "61236",
    shipToAddressLine1: "153 Thomas Drive",
    shipToAddressLine2: "",
    shipToCity: "Chicago",
    shipToCountry: "US",
    shipToState: "IL",
    shipToPostCode: "61236",
    currencyId: "00000000-0000-0000-0000-000000000000",
    currencyCode: "USD",
    paymentTermsId: terms.id,
    shipmentMethodId: "00000000-0000-0000-0000-000000000000",
    salesperson: "JO",
    discountAmount: 0,
    phoneNumber: "",
    email: "helen.ray@contoso.com",
  };
}

async function newInvoice(): Promise<Json> {
  const reply = await call(`${company}/salesInvoices`, { method: "POST", body: { customerNumber: "20000" } });
  expect(reply.status, JSON.stringify(reply.body)).toBe(201);
  return reply.body;
}

async function invoiceLine(invoiceId: string): Promise<Json> {
  const lamp = await first(`${company}/items`, "number eq '1928-S'");
  const pcs = await first(`${company}/unitsOfMeasure`, "code eq 'PCS'");
  const url = `${company}/salesInvoices(${invoiceId})/salesInvoiceLines`;
  const reply = await call(url, {
    method: "POST",
    body: {
      itemId: lamp.id,
      lineType: "Item",
      lineObjectNumber: "1928-S",
      description: "AMSTERDAM Lamp",
      unitOfMeasureId: pcs.id,
      unitOfMeasureCode: "PCS",
      unitPrice: 54.9,
      quantity: 10,
      discountAmount: 0,
      discountPercent: 0,
      itemVariantId: "00000000-0000-0000-0000-000000000000",
      locationId: "00000000-0000-0000-0000-000000000000",
    },
  });
  expectCreated(bc, reply, url, "salesInvoiceLines");
  return reply.body;
}

describe("salesInvoices, as documented", () => {
  replayDocumentedCrud(
    ctx,
    {
      set: "salesInvoices",
      existing: "number eq 'S-INV102001'",
      create: () => invoiceBody(),
      update: { customerPurchaseOrderReference: "PO-7" },
    },
    it,
  );

  it("lists draft and posted invoices in one set; posted ones are read-only", async () => {
    const posted = await first(`${company}/salesInvoices`, "number eq 'PS-INV103001'");
    expect(posted.status).toBe("Open");
    const url = `${company}/salesInvoices(${posted.id})`;
    const { etag } = await withEtag(url);
    const refused = await call(url, {
      method: "PATCH",
      body: { externalDocumentNumber: "X" },
      headers: { "If-Match": etag },
    });
    expect(refused.status).toBe(400);
    expect(refused.body.error.code).toBe("Application_DialogException");
  });

  it("refuses an unknown paymentTermsId with the record-not-found error", async () => {
    const invoice = await newInvoice();
    const url = `${company}/salesInvoices(${invoice.id})`;
    const { etag } = await withEtag(url);
    const reply = await call(url, {
      method: "PATCH",
      body: { paymentTermsId: "3bb5b4b6-ea4c-43ca-ba1c-3b69e29a6668" },
      headers: { "If-Match": etag },
    });
    expect(reply.status).toBe(404);
    expect(reply.body.error.code).toBe("Internal_RecordNotFound");
  });
});

describe("salesInvoiceLines, as documented", () => {
  it("creates, reads, updates (discountAmount) and deletes a line", async () => {
    const invoice = await newInvoice();
    const line = await invoiceLine(invoice.id);
    const context = `companies(${companyId})/salesInvoices(${invoice.id})/salesInvoiceLines`;
    const url = `${company}/salesInvoices(${invoice.id})/salesInvoiceLines(${line.id})`;
    const got = await call(url);
    expectEntityReply(bc, got, 200, context, "salesInvoiceLines");
    expectCollectionReply(
      bc,
      await call(`${company}/salesInvoices(${invoice.id})/salesInvoiceLines`),
      context,
      "salesInvoiceLines",
    );
    const patched = await call(url, {
      method: "PATCH",
      body: { discountAmount: 0 },
      headers: { "If-Match": got.body["@odata.etag"] },
    });
    expectEntityReply(bc, patched, 200, context, "salesInvoiceLines");
    const { etag } = await withEtag(url);
    expectNoContent(await call(url, { method: "DELETE", headers: { "If-Match": etag } }));
  });

  it("creates an invoice and its line in one deep insert", async () => {
    const reply = await call(`${company}/salesInvoices?$expand=salesInvoiceLines`, {
      method: "POST",
      body: {
        customerNumber: "20000",
        salesInvoiceLines: [{ lineType: "Item", lineObjectNumber: "1928-S", quantity: 3 }],
      },
    });
    expect(reply.status, JSON.stringify(reply.body)).toBe(201);
    expect(reply.body.salesInvoiceLines.map((l: Json) => [l.lineObjectNumber, l.quantity])).toEqual([["1928-S", 3]]);
  });

  it("adds lines to an existing invoice in one transactional $batch; a failing line rolls all back", async () => {
    const invoice = await newInvoice();
    const lineOp = (id: string, item: string, quantity: number) => ({
      method: "POST",
      id,
      url: `companies(${companyId})/salesInvoices(${invoice.id})/salesInvoiceLines`,
      headers: { "Content-Type": "application/json" },
      body: { lineType: "Item", lineObjectNumber: item, quantity, shipmentDate: "2024-04-15" },
    });
    const batch = (requests: Json[]) =>
      call(`${bc.apiUrl()}/$batch`, { method: "POST", body: { requests }, headers: { Isolation: "snapshot" } });
    const ok = await batch([lineOp("1", "1928-S", 3), lineOp("2", "1936-S", 6)]);
    expect(ok.status).toBe(200);
    expect(ok.body.responses.map((r: Json) => [r.id, r.status])).toEqual([
      ["1", 201],
      ["2", 201],
    ]);
    for (const r of ok.body.responses) {
      expect(r.headers["content-type"]).toMatch(/^application\/json/);
      expect(r.headers["odata-version"]).toBe("4.0");
      expect(r.body.documentId).toBe(invoice.id);
    }
    const failing = await batch([lineOp("3", "1928-S", 1), lineOp("4", "NO-SUCH-ITEM", 1)]);
    expect(failing.body.responses.map((r: Json) => r.status)).toEqual([201, 400]);
    const lines = await call(`${company}/salesInvoices(${invoice.id})/salesInvoiceLines?$select=quantity`);
    expect(lines.body.value.map((l: Json) => l.quantity).sort()).toEqual([3, 6]);
  });
});

describe("salesInvoices bound actions, as documented", () => {
  it("post answers 204 and turns the draft into an Open invoice; cancel answers 204", async () => {
    const invoice = await newInvoice();
    await invoiceLine(invoice.id);
    expectNoContent(await call(`${company}/salesInvoices(${invoice.id})/Microsoft.NAV.post`, { method: "POST" }));
    // The posted invoice keeps the draft's id (Sales Invoice Aggregator).
    const posted = await call(`${company}/salesInvoices(${invoice.id})`);
    expect(posted.body.status).toBe("Open");
    expect(posted.body.number).not.toBe(invoice.number);
    const mine = posted.body;
    expectNoContent(await call(`${company}/salesInvoices(${mine.id})/Microsoft.NAV.cancel`, { method: "POST" }));
    const after = await call(`${company}/salesInvoices(${mine.id})`);
    expect(after.body.status).toBe("Canceled");
  });

  it("postAndSend and cancelAndSend answer 204 and post, then cancel the invoice", async () => {
    const invoice = await newInvoice();
    await invoiceLine(invoice.id);
    const url = `${company}/salesInvoices(${invoice.id})`;
    expectNoContent(await call(`${url}/Microsoft.NAV.postAndSend`, { method: "POST" }));
    expect((await call(url)).body.status).toBe("Open");
    expectNoContent(await call(`${url}/Microsoft.NAV.cancelAndSend`, { method: "POST" }));
    const after = await call(url);
    expect(after.body.status).toBe("Canceled");
    expect(after.body.remainingAmount).toBe(0);
    // Like cancel, it needs a posted, unpaid invoice.
    const draft = await newInvoice();
    const refused = await call(`${company}/salesInvoices(${draft.id})/Microsoft.NAV.cancelAndSend`, {
      method: "POST",
    });
    expect(refused.status).toBe(400);
    expect(refused.body.error.code).toBe("Application_DialogException");
  });
});
