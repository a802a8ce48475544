// dynamics_account_get.md replayed (accounts is read-only: GET is its only documented operation), sales lines of
// type Account naming their G/L account, and dynamics-rate-limits.md's multi-level expand
// `salesOrders?$filter=orderDate ge 2019-05-01&$expand=paymentTerm,salesOrderLines($expand=account,item($expand=itemCategory))`.

import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { BusinessCentralEmulator } from "../../../emulators/businesscentral/index.ts";
import {
  expectCollectionReply,
  expectCreated,
  expectDocumentedRecord,
  expectEntityReply,
  first,
} from "./docs-helpers.ts";
import { call, companyUrl, expectError, type Json, startBc } from "./helpers.ts";

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

describe("accounts, as documented", () => {
  it("GET accounts and accounts({id}) answer the documented shape", async () => {
    const list = await call(`${company}/accounts`);
    expectCollectionReply(bc, list, `companies(${companyId})/accounts`, "accounts");
    const operating = (list.body.value as Json[]).find((a) => a.number === "10100");
    expect(operating).toMatchObject({
      displayName: "Bank Account - Operating",
      category: "Assets",
      subCategory: "Current Assets",
      blocked: false,
      accountType: "Posting",
      directPosting: true,
    });
    const one = await call(`${company}/accounts(${operating?.id})`);
    expectEntityReply(bc, one, 200, `companies(${companyId})/accounts`, "accounts");
  });

  it("is read-only: POST, PATCH and DELETE answer 405", async () => {
    const operating = await first(`${company}/accounts`, "number eq '10100'");
    const url = `${company}/accounts(${operating.id})`;
    expectError(
      await call(`${company}/accounts`, { method: "POST", body: { number: "99999" } }),
      405,
      "BadRequest_MethodNotAllowed",
    );
    expectError(
      await call(url, { method: "PATCH", body: { displayName: "x" }, headers: { "If-Match": "*" } }),
      405,
      "BadRequest_MethodNotAllowed",
    );
    expectError(
      await call(url, { method: "DELETE", headers: { "If-Match": "*" } }),
      405,
      "BadRequest_MethodNotAllowed",
    );
  });

  it("a sales order line of type Account names its account; unknown or heading accounts are refused", async () => {
    const order = await call(`${company}/salesOrders`, { method: "POST", body: { customerNumber: "10000" } });
    expect(order.status).toBe(201);
    const linesUrl = `${company}/salesOrders(${order.body.id})/salesOrderLines`;
    const freight = await first(`${company}/accounts`, "number eq '40200'");
    const line = await call(linesUrl, {
      method: "POST",
      body: { lineType: "Account", lineObjectNumber: "40200", quantity: 1, unitPrice: 25 },
    });
    expectCreated(bc, line, linesUrl, "salesOrderLines");
    expect(line.body).toMatchObject({
      lineType: "Account",
      accountId: freight.id,
      itemId: "00000000-0000-0000-0000-000000000000",
      lineObjectNumber: "40200",
      description: "Freight Income",
      amountExcludingTax: 25,
    });
    const byId = await call(linesUrl, {
      method: "POST",
      body: { lineType: "Account", accountId: freight.id, quantity: 2, unitPrice: 10 },
    });
    expect(byId.body.lineObjectNumber).toBe("40200");
    const expanded = await call(`${linesUrl}(${line.body.id})?$expand=account`);
    expect(expanded.status).toBe(200);
    expectDocumentedRecord("salesOrderLines", expanded.body, ["account"]);
    expectDocumentedRecord("accounts", expanded.body.account);
    expectError(
      await call(linesUrl, { method: "POST", body: { lineType: "Account", lineObjectNumber: "99999", quantity: 1 } }),
      400,
      "Internal_InvalidTableRelation",
    );
    expectError(
      await call(linesUrl, { method: "POST", body: { lineType: "Account", lineObjectNumber: "10000", quantity: 1 } }),
      400,
      "Application_DialogException",
    );
  });

  it("serves dynamics-rate-limits.md's multi-level $expand with account", async () => {
    const query =
      "$filter=orderDate ge 2019-05-01&$expand=paymentTerm,salesOrderLines($expand=account,item($expand=itemCategory))";
    const reply = await call(`${company}/salesOrders?${query}`);
    expect(reply.status, JSON.stringify(reply.body)).toBe(200);
    expect(reply.body["@odata.context"]).toBe(`${bc.apiUrl()}/$metadata#companies(${companyId})/salesOrders`);
    expect(reply.body.value.length).toBeGreaterThan(0);
    let itemLines = 0;
    for (const order of reply.body.value as Json[]) {
      expectDocumentedRecord("salesOrders", order, ["paymentTerm", "salesOrderLines"]);
      for (const line of order.salesOrderLines as Json[]) {
        expectDocumentedRecord("salesOrderLines", line, ["account", "item"]);
        if (line.lineType === "Item") {
          itemLines++;
          expect(line.account).toBeNull();
          expectDocumentedRecord("items", line.item, ["itemCategory"]);
          expect(line.item.itemCategory === null || line.item.itemCategory.code === line.item.itemCategoryCode).toBe(
            true,
          );
        }
      }
    }
    expect(itemLines).toBeGreaterThan(0);
  });
});
