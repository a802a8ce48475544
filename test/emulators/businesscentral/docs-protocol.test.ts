// Protocol behaviour the BC docs describe across entities: companies (dynamics_company_get.md), the OData limits
// (operational-limits-online.md: queue timeout 503, page size 20,000), `$schemaversion=2.1`
// (use-filter-expressions-in-odata-uris.md), `Data-Access-Intent` and transactional `$batch`
// (devenv-connect-apps-tips.md, use-odata-batch.md) and the error codes of dynamics-error-codes.md.

import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { BusinessCentralEmulator } from "../../../emulators/businesscentral/index.ts";
import { expectCollectionReply, expectEntityReply, first } from "./docs-helpers.ts";
import { call, companyUrl, expectError, type Json, startBc } from "./helpers.ts";

let bc: BusinessCentralEmulator;
let company: string;
beforeAll(async () => {
  bc = await startBc();
  company = companyUrl(bc);
});
afterAll(async () => {
  await bc.close();
});

describe("companies, as documented", () => {
  it("GET companies and companies({id}) answer the documented shape", async () => {
    expectCollectionReply(bc, await call(`${bc.apiUrl()}/companies`), "companies", "companies");
    expectEntityReply(bc, await call(`${bc.apiUrl()}/companies(${bc.companyId()})`), 200, "companies", "companies");
  });
});

describe("the endpoint and its $metadata (devenv-connect-apps-tips.md)", () => {
  it("GET the endpoint lists the API's entity sets; GET $metadata answers the CSDL with OData-Version", async () => {
    const root = await call(`${bc.apiUrl()}/`);
    expect(root.status).toBe(200);
    expect(root.headers.get("odata-version")).toBe("4.0");
    expect(root.body["@odata.context"]).toBe(`${bc.apiUrl()}/$metadata`);
    expect(root.body.value).toContainEqual({ name: "companies", kind: "EntitySet", url: "companies" });
    const metadata = await fetch(`${bc.apiUrl()}/$metadata`);
    const text = await metadata.text();
    expect(metadata.status).toBe(200);
    expect(metadata.headers.get("odata-version")).toBe("4.0");
    expect(metadata.headers.get("content-type")).toMatch(/^application\/xml/);
    expect(text).toMatch(/^<\?xml /);
    expect(text).toContain('<EntitySet Name="customers" EntityType="Microsoft.NAV.customer" />');
    // The companyInformation picture is a stream property (resources/dynamics_companyinformation.md).
    expect(text).toMatch(/<EntityType Name="companyInformation">.*<Property Name="picture" Type="Edm.Stream" \/>/);
    expect(text).toContain('<Action Name="cancelAndSend" IsBound="true">');
  });
});

describe("OData limits (operational-limits-online.md)", () => {
  it("answers 503 with Retry-After to a request that waited out the concurrency queue", async () => {
    // One slot; the first request holds it for 2 s of server time, the second may wait only 50 ms.
    const slow = await startBc({
      limits: { maxConcurrent: 1, maxQueued: 5, maxQueueWaitMs: 50 },
      cost: { perRequestMs: 2000, perRecordReadMs: 0, perRecordWrittenMs: 0 },
    });
    try {
      const url = `${slow.apiUrl()}/companies`;
      const replies = await Promise.all([call(url), call(url)]);
      expect(replies.map((r) => r.status).sort()).toEqual([200, 503]);
      const refused = replies.find((r) => r.status === 503);
      if (!refused) return;
      expectError(refused, 503, "Application_ServiceUnavailable");
      expect(Number(refused.headers.get("retry-after"))).toBeGreaterThan(0);
    } finally {
      await slow.close();
    }
  });

  it("serves at most 20,000 entities per page: a larger odata.maxpagesize is 413, 20,000 is served", async () => {
    const url = `${company}/items?$select=number`;
    const tooLarge = await call(url, { headers: { Prefer: "odata.maxpagesize=20001" } });
    expectError(tooLarge, 413, "BadRequest_RequestEntityTooLarge");
    const max = await call(url, { headers: { Prefer: "odata.maxpagesize=20000" } });
    expect(max.status).toBe(200);
    expect(max.headers.get("preference-applied")).toBe("odata.maxpagesize=20000");
    expect(max.body["@odata.nextLink"]).toBeUndefined();
  });

  it("answers a body over the size limit with 413 in BC's error shape", async () => {
    const small = await startBc({ maxBodyMegabytes: 0.001 });
    try {
      const reply = await call(`${companyUrl(small)}/customers`, {
        method: "POST",
        body: { displayName: "x", website: "y".repeat(2000) },
      });
      expectError(reply, 413, "BadRequest_RequestEntityTooLarge");
      expect(reply.headers.get("odata-version")).toBe("4.0");
    } finally {
      await small.close();
    }
  });

  it("refuses more than 100 operations in a $batch", async () => {
    const requests = Array.from({ length: 101 }, (_, i) => ({ id: String(i), method: "GET", url: "companies" }));
    const reply = await call(`${bc.apiUrl()}/$batch`, { method: "POST", body: { requests } });
    expect(reply.status).toBe(400);
  });
});

describe("$schemaversion=2.1 (use-filter-expressions-in-odata-uris.md)", () => {
  it("accepts `in` and nested function calls only with $schemaversion=2.1", async () => {
    const nested = "contains(tolower(displayName),'adatum')";
    expectError(await call(`${company}/customers?$filter=${nested}`), 400, "BadRequest_NotFound");
    const ok = await call(`${company}/customers?$filter=${nested}&$schemaversion=2.1&$select=number`);
    expect(ok.status, JSON.stringify(ok.body)).toBe(200);
    expect(ok.body.value.map((c: Json) => c.number)).toEqual(["10000"]);
    const single = await call(`${company}/customers?$filter=startswith(displayName,'Adatum')&$select=number`);
    expect(single.body.value.map((c: Json) => c.number)).toEqual(["10000"]);
    expectError(await call(`${company}/customers?$filter=number in ('10000')`), 400, "BadRequest_NotFound");
  });
});

describe("Data-Access-Intent (devenv-connect-apps-tips.md)", () => {
  it("serves GET with ReadOnly and refuses modifications with ReadOnly", async () => {
    const read = await call(`${company}/customers?$top=1`, { headers: { "Data-Access-Intent": "ReadOnly" } });
    expect(read.status).toBe(200);
    const target = read.body.value[0];
    const url = `${company}/customers(${target.id})`;
    const write = await call(url, {
      method: "PATCH",
      body: { website: "x.example" },
      headers: { "Data-Access-Intent": "ReadOnly", "If-Match": "*" },
    });
    expectError(write, 400, "BadRequest");
    expect((await call(url)).body.website).toBe(target.website);
    const readWrite = await call(url, {
      method: "PATCH",
      body: { website: "x.example" },
      headers: { "Data-Access-Intent": "ReadWrite", "If-Match": "*" },
    });
    expect(readWrite.status).toBe(200);
  });
});

describe("transactional $batch (use-odata-batch.md)", () => {
  it("answers the documented shape and rolls back everything when an inner request fails", async () => {
    const item = await first(`${company}/items`, "number eq '1900-S'");
    const headers = { Company: "CRONUS USA, Inc.", "Content-Type": "application/json", "If-Match": "*" };
    const reply = await call(`${bc.apiUrl()}/$batch`, {
      method: "POST",
      headers: { Isolation: "snapshot" },
      body: {
        requests: [
          { method: "PATCH", url: `items(${item.id})`, headers, body: { displayName: "Touring Bicycle v2" } },
          { method: "PATCH", url: `items(${item.id})`, headers, body: { type: "Invalid Type" } },
        ],
      },
    });
    expect(reply.status).toBe(200);
    const [ok, failed] = reply.body.responses as Json[];
    expect(ok).toMatchObject({ id: null, status: 200 });
    expect(ok.headers["content-type"]).toMatch(/^application\/json; odata\.metadata=minimal/);
    expect(ok.headers["odata-version"]).toBe("4.0");
    expect(ok.body.displayName).toBe("Touring Bicycle v2");
    expect(failed).toMatchObject({ id: null, status: 400 });
    expect(failed.body.error.code).toBe("Unknown");
    expect(failed.body.error.message).toMatch(
      /^'Invalid Type' is not an option\. The existing options are: Inventory,Service,Non-Inventory {2}CorrelationId: {2}/,
    );
    expect((await call(`${company}/items(${item.id})`)).body.displayName).toBe(item.displayName);
  });
});

describe("error codes (dynamics-error-codes.md)", () => {
  it("answers each documented error with its code, status and the CorrelationId of ms-correlation-x", async () => {
    const url = `${company}/customers`;
    const guid = await call(url, { method: "POST", body: { displayName: "G", paymentTermsId: "not-a-guid" } });
    expectError(guid, 400, "Application_InvalidGUID");
    expect(guid.body.error.message).toContain(guid.headers.get("ms-correlation-x"));
    expectError(
      await call(url, { method: "POST", body: { displayName: "N", creditLimit: null } }),
      400,
      "BadRequest_RequiredParamNotProvided",
    );
    const raw = await fetch(url, { method: "POST", headers: { "content-type": "application/json" }, body: "{nope" });
    const rawBody = (await raw.json()) as Json;
    expect(raw.status).toBe(400);
    expect(rawBody.error.code).toBe("BadRequest");
    expect(rawBody.error.message).toMatch(/^Invalid Request Body {2}CorrelationId/);
    const date = await call(`${company}/employees`, {
      method: "POST",
      body: { givenName: "D", birthDate: "12/12/1973" },
    });
    expectError(date, 400, "BadRequest");
    const companies = await call(`${bc.apiUrl()}/companies`, { method: "POST", body: { name: "X" } });
    expectError(companies, 405, "BadRequest_MethodNotAllowed");
    expect(companies.body.error.message).toMatch(
      /^'POST' requests for 'companies' of EdmType 'Entity' are not allowed/,
    );
    expectError(await call(`${company}/nosuchentities`), 404, "BadRequest_ResourceNotFound");
    const long = await call(url, { method: "POST", body: { displayName: "x".repeat(101) } });
    expectError(long, 400, "Application_StringExceededLength");
    expect(long.body.error.message).toMatch(
      /^The length of the string is 101, but it must be less than or equal to 100 characters\./,
    );
    const relation = await call(url, { method: "POST", body: { displayName: "R", currencyCode: "XYZ" } });
    expectError(relation, 400, "Internal_InvalidTableRelation");
    expect(relation.body.error.message).toMatch(
      /^The field Currency Code of table Customer contains a value \(XYZ\) that cannot be found in the related table \(Currency\)\./,
    );
    const dup = await call(`${company}/itemCategories`, { method: "POST", body: { code: "CHAIR" } });
    expectError(dup, 400, "Internal_EntityWithSameKeyExists");
    const cust = await first(url, "number eq '10000'");
    expectError(
      await call(`${url}(${cust.id})`, { method: "PATCH", body: { website: "y" } }),
      400,
      "BadRequest_InvalidToken",
    );
    expectError(
      await call(`${company}/salesOrders`, { method: "POST", body: { externalDocumentNumber: "X" } }),
      400,
      "Application_DialogException",
    );
  });
});
