// dynamics_salesquote_* and dynamics_salesquoteline_* replayed, with the bound actions of the salesQuote resource
// (makeOrder, makeInvoice, send: 204). The create example's `number` (read-only) and the line example's computed
// amounts are left out: BC refuses writing read-only fields with other values than the record shows.

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

async function newQuote(): Promise<Json> {
  const terms = await first(`${company}/paymentTerms`, "code eq '30 DAYS'");
  const reply = await call(`${company}/salesQuotes`, {
    method: "POST",
    body: { documentDate: "2016-12-31", customerNumber: "10000", currencyCode: "GBP", paymentTermsId: terms.id },
  });
  expect(reply.status, JSON.stringify(reply.body)).toBe(201);
  return reply.body;
}

async function quoteLine(quoteId: string): Promise<Json> {
  const item = await first(`${company}/items`, "number eq '1936-S'");
  const pcs = await first(`${company}/unitsOfMeasure`, "code eq 'PCS'");
  const url = `${company}/salesQuotes(${quoteId})/salesQuoteLines`;
  const reply = await call(url, {
    method: "POST",
    body: {
      sequence: 10000,
      itemId: item.id,
      accountId: "00000000-0000-0000-0000-000000000000",
      lineType: "Item",
      lineObjectNumber: "1936-S",
      description: "BERLIN Guest Chair, yellow",
      unitOfMeasureId: pcs.id,
      unitOfMeasureCode: "PCS",
      unitPrice: 192.8,
      quantity: 10,
      discountAmount: 0,
      discountPercent: 0,
      itemVariantId: "00000000-0000-0000-0000-000000000000",
    },
  });
  expectCreated(bc, reply, url, "salesQuoteLines");
  return reply.body;
}

describe("salesQuotes, as documented", () => {
  replayDocumentedCrud(
    ctx,
    {
      set: "salesQuotes",
      existing: "number eq 'S-QUO1001'",
      async create({ company }) {
        const terms = await first(`${company}/paymentTerms`, "code eq '30 DAYS'");
        return { documentDate: "2016-12-31", customerNumber: "10000", currencyCode: "GBP", paymentTermsId: terms.id };
      },
      update: { externalDocumentNumber: "PO-1006" },
    },
    it,
  );

  it("PATCH with the documented paymentTermsId body keeps the other fields and shows status Draft", async () => {
    const quote = await newQuote();
    const terms = await first(`${company}/paymentTerms`, "code eq '14 DAYS'");
    const url = `${company}/salesQuotes(${quote.id})`;
    const { etag } = await withEtag(url);
    const reply = await call(url, {
      method: "PATCH",
      body: { paymentTermsId: terms.id },
      headers: { "If-Match": etag },
    });
    expectEntityReply(bc, reply, 200, `companies(${companyId})/salesQuotes`, "salesQuotes");
    expect(reply.body.paymentTermsId).toBe(terms.id);
    expect(reply.body.customerNumber).toBe("10000");
    expect(reply.body.status).toBe("Draft");
  });
});

describe("salesQuoteLines, as documented", () => {
  it("creates, reads, updates and deletes a line through its quote", async () => {
    const quote = await newQuote();
    const line = await quoteLine(quote.id);
    expect(line.documentId).toBe(quote.id);
    expect(line.amountExcludingTax).toBe(1928);
    const url = `${company}/salesQuotes(${quote.id})/salesQuoteLines(${line.id})`;
    const got = await call(url);
    expectEntityReply(
      bc,
      got,
      200,
      `companies(${companyId})/salesQuotes(${quote.id})/salesQuoteLines`,
      "salesQuoteLines",
    );
    const list = await call(`${company}/salesQuotes(${quote.id})/salesQuoteLines`);
    expectCollectionReply(
      bc,
      list,
      `companies(${companyId})/salesQuotes(${quote.id})/salesQuoteLines`,
      "salesQuoteLines",
    );
    expect(list.body.value).toHaveLength(1);

    const patched = await call(url, {
      method: "PATCH",
      body: { lineType: "Item" },
      headers: { "If-Match": got.body["@odata.etag"] },
    });
    expectEntityReply(
      bc,
      patched,
      200,
      `companies(${companyId})/salesQuotes(${quote.id})/salesQuoteLines`,
      "salesQuoteLines",
    );
    expect(patched.body.lineType).toBe("Item");

    const header = await call(`${company}/salesQuotes(${quote.id})`);
    expect(header.body.totalAmountExcludingTax).toBe(1928);
    const { etag } = await withEtag(url);
    expectNoContent(await call(url, { method: "DELETE", headers: { "If-Match": etag } }));
    expect((await call(`${company}/salesQuotes(${quote.id})/salesQuoteLines`)).body.value).toEqual([]);
  });

  it("expands the lines on the quote ($expand=salesQuoteLines) and on the list", async () => {
    const quote = await newQuote();
    await quoteLine(quote.id);
    const one = await call(`${company}/salesQuotes(${quote.id})?$expand=salesQuoteLines`);
    expect(one.status).toBe(200);
    expectDocumentedRecord("salesQuotes", one.body, ["salesQuoteLines"]);
    expect(one.body.salesQuoteLines).toHaveLength(1);
    for (const l of one.body.salesQuoteLines) expectDocumentedRecord("salesQuoteLines", l);
    const many = await call(`${company}/salesQuotes?$expand=salesQuoteLines&$filter=id eq ${quote.id}`);
    expect(many.body.value[0].salesQuoteLines).toHaveLength(1);
  });
});

describe("salesQuotes bound actions, as documented", () => {
  it("send answers 204 and marks the quote Sent", async () => {
    const quote = await newQuote();
    await quoteLine(quote.id);
    expectNoContent(await call(`${company}/salesQuotes(${quote.id})/Microsoft.NAV.send`, { method: "POST" }));
    const after = await call(`${company}/salesQuotes(${quote.id})`);
    expect(after.body.status).toBe("Sent");
  });

  it("makeOrder and makeInvoice answer 204 and create the documents", async () => {
    const forOrder = await newQuote();
    await quoteLine(forOrder.id);
    const orders = (await call(`${company}/salesOrders?$count=true&$top=0`)).body["@odata.count"];
    expectNoContent(await call(`${company}/salesQuotes(${forOrder.id})/Microsoft.NAV.makeOrder`, { method: "POST" }));
    expect((await call(`${company}/salesOrders?$count=true&$top=0`)).body["@odata.count"]).toBe(orders + 1);

    const forInvoice = await newQuote();
    await quoteLine(forInvoice.id);
    const invoices = (await call(`${company}/salesInvoices?$count=true&$top=0`)).body["@odata.count"];
    expectNoContent(
      await call(`${company}/salesQuotes(${forInvoice.id})/Microsoft.NAV.makeInvoice`, { method: "POST" }),
    );
    expect((await call(`${company}/salesInvoices?$count=true&$top=0`)).body["@odata.count"]).toBe(invoices + 1);
  });

  it("refuses actions the resource does not offer (501) and GET on an action (405)", async () => {
    const quote = await newQuote();
    const post = await call(`${company}/salesQuotes(${quote.id})/Microsoft.NAV.post`, { method: "POST" });
    expect(post.status).toBe(501);
    expect(post.body.error.code).toBe("BadRequest_MethodNotImplemented");
    // The message dynamics-error-codes.md documents for ODataNotImplementedException.
    expect(post.body.error.message).toMatch(/^Entity does not support bound actions or an orderby query option/);
    const get = await call(`${company}/salesQuotes(${quote.id})/Microsoft.NAV.send`);
    expect(get.status).toBe(405);
  });
});
