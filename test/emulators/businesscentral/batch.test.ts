// JSON $batch as documented in use-odata-batch.md: shape, 100-operation limit, default stop-at-first-error,
// Prefer: odata.continue-on-error, Isolation: snapshot (all-or-nothing) and dependsOn.

import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { BusinessCentralEmulator } from "../../../emulators/businesscentral/index.ts";
import { parseBatchResponse, serializeBatchRequest } from "../../../emulators/odata/index.ts";
import { call, expectError, type Json, startBc } from "./helpers.ts";

let bc: BusinessCentralEmulator;
let batchUrl: string;
let cid: string;

beforeAll(async () => {
  bc = await startBc();
  batchUrl = `${bc.apiUrl()}/$batch`;
  cid = bc.companyId();
});
afterAll(async () => {
  await bc.close();
});

const newItem = (id: string, number: string, extra: Json = {}) => ({
  id,
  method: "POST",
  url: `companies(${cid})/items`,
  headers: { "Content-Type": "application/json" },
  body: { number, displayName: `Batch item ${number}`, type: "Inventory", ...extra },
});

async function itemExists(number: string): Promise<boolean> {
  const r = await call(`${bc.apiUrl()}/companies(${cid})/items?$filter=number eq '${number}'`);
  return r.body.value.length === 1;
}

describe("$batch", () => {
  it("runs GET, POST and PATCH operations and answers with the documented response shape", async () => {
    const customers = await call(`${bc.apiUrl()}/companies(${cid})/customers?$filter=number eq '10000'`);
    const customer = customers.body.value[0];
    const r = await call(batchUrl, {
      method: "POST",
      body: {
        requests: [
          { id: "1", method: "GET", url: `companies(${cid})/items?$top=2&$select=number` },
          newItem("2", "B-1"),
          {
            id: "3",
            method: "PATCH",
            url: `companies(${cid})/customers(${customer.id})`,
            headers: { "Content-Type": "application/json", "If-Match": "*" },
            body: { phoneNumber: "+1 555 0199" },
          },
          {
            id: "4",
            method: "PATCH",
            url: `/v2.0/x/production/api/v2.0/companies(${cid})/customers(${customer.id})`,
            headers: { "If-Match": customer["@odata.etag"] },
            body: { phoneNumber: "+1 555 0100" },
          },
        ],
      },
    });
    expect(r.status).toBe(200);
    const byId = Object.fromEntries(r.body.responses.map((x: Json) => [x.id, x]));
    expect(byId["1"].status).toBe(200);
    expect(byId["1"].body.value.length).toBe(2);
    expect(byId["2"].status).toBe(201);
    expect(byId["2"].body.number).toBe("B-1");
    expect(byId["2"].headers["content-type"]).toContain("application/json");
    // A 201 inside the batch names the new record in Location, as a top-level POST does.
    expect(byId["2"].headers.location).toBe(`${bc.apiUrl()}/companies(${cid})/items(${byId["2"].body.id})`);
    expect(byId["2"].headers.etag).toBe(byId["2"].body["@odata.etag"]);
    expect(byId["3"].status).toBe(200);
    expect(byId["3"].body.phoneNumber).toBe("+1 555 0199");
    expect(byId["4"].status).toBe(409);
    expect(byId["4"].body.error.code).toBe("Request_EntityChanged");
  });

  it("stops at the first failed operation unless Prefer: odata.continue-on-error", async () => {
    const requests = [newItem("1", "B-10"), newItem("2", "B-10"), newItem("3", "B-11")];
    const stopped = await call(batchUrl, { method: "POST", body: { requests } });
    expect(stopped.body.responses.map((x: Json) => x.status)).toEqual([201, 400]);
    expect(stopped.body.responses[1].body.error.code).toBe("Internal_EntityWithSameKeyExists");
    expect(await itemExists("B-11")).toBe(false);
    const continued = await call(batchUrl, {
      method: "POST",
      headers: { Prefer: "odata.continue-on-error" },
      body: { requests: [newItem("1", "B-12"), newItem("2", "B-12"), newItem("3", "B-13")] },
    });
    expect(continued.body.responses.map((x: Json) => x.status)).toEqual([201, 400, 201]);
    expect(await itemExists("B-13")).toBe(true);
  });

  it("with Isolation: snapshot rolls everything back when one operation fails, as in the documented example", async () => {
    const r = await call(batchUrl, {
      method: "POST",
      headers: { Isolation: "snapshot" },
      body: {
        requests: [newItem("1", "B-20"), newItem("2", "B-21"), newItem("3", "B-22", { displayName: "x".repeat(200) })],
      },
    });
    expect(r.status).toBe(200);
    expect(r.body.responses.map((x: Json) => x.status)).toEqual([201, 201, 400]);
    expect(r.body.responses[2].body.error.code).toBe("Application_StringExceededLength");
    expect(await itemExists("B-20")).toBe(false);
    expect(await itemExists("B-21")).toBe(false);
    const ok = await call(batchUrl, {
      method: "POST",
      headers: { Isolation: "snapshot" },
      body: { requests: [newItem("1", "B-23"), newItem("2", "B-24")] },
    });
    expect(ok.body.responses.map((x: Json) => x.status)).toEqual([201, 201]);
    expect(await itemExists("B-24")).toBe(true);
  });

  it("answers 424 for an operation whose dependency failed", async () => {
    const r = await call(batchUrl, {
      method: "POST",
      headers: { Prefer: "odata.continue-on-error" },
      body: {
        requests: [
          newItem("a", "B-10"),
          { ...newItem("b", "B-30"), dependsOn: ["a"] },
          { ...newItem("c", "B-31"), dependsOn: [] },
        ],
      },
    });
    expect(r.body.responses.map((x: Json) => x.status)).toEqual([400, 424, 201]);
    expect(await itemExists("B-30")).toBe(false);
  });

  it("refuses more than 100 operations", async () => {
    const requests = Array.from({ length: 101 }, (_, i) => ({
      id: String(i),
      method: "GET",
      url: `companies(${cid})/items?$top=1`,
    }));
    expectError(await call(batchUrl, { method: "POST", body: { requests } }), 400, "BadRequest_BatchRequestTooLarge");
    const hundred = await call(batchUrl, { method: "POST", body: { requests: requests.slice(0, 100) } });
    expect(hundred.body.responses.length).toBe(100);
  });
});

describe("$batch with the Company header", () => {
  it("resolves company-less inner URLs through the Company header (company name or id)", async () => {
    const r = await call(batchUrl, {
      method: "POST",
      body: {
        requests: [
          { id: "1", method: "GET", url: "items?$top=1&$select=number", headers: { Company: "CRONUS Canada" } },
          { id: "2", method: "GET", url: "customers?$top=1&$select=number", headers: { Company: cid } },
        ],
      },
    });
    expect(r.body.responses.map((x: Json) => x.status)).toEqual([200, 200]);
    expect(r.body.responses[0].headers["odata-version"]).toBe("4.0");
  });
});

describe("multipart $batch", () => {
  it("runs top-level requests and all-or-nothing change sets with Content-ID references", async () => {
    const json = { "content-type": "application/json" };
    const ok = serializeBatchRequest([
      {
        kind: "request",
        request: { method: "GET", url: `companies(${cid})/items?$top=1&$select=number`, headers: {}, body: "" },
      },
      {
        kind: "changeset",
        requests: [
          {
            method: "POST",
            url: `companies(${cid})/salesOrders`,
            headers: json,
            body: JSON.stringify({ customerNumber: "10000" }),
            contentId: "1",
          },
          {
            method: "POST",
            url: "$1/salesOrderLines",
            headers: json,
            body: JSON.stringify({ lineType: "Item", lineObjectNumber: "1928-S", quantity: 2 }),
            contentId: "2",
          },
        ],
      },
    ]);
    const r = await fetch(batchUrl, { method: "POST", headers: { "content-type": ok.contentType }, body: ok.body });
    expect(r.status).toBe(200);
    const parts = parseBatchResponse(await r.text(), r.headers.get("content-type") ?? undefined);
    expect(parts?.[0]).toMatchObject({ kind: "response", response: { status: 200 } });
    expect(parts?.[1].kind).toBe("changeset");
    const changeset = parts?.[1] as {
      kind: "changeset";
      responses: { status: number; headers: Record<string, string>; body: string }[];
    };
    expect(changeset.responses.map((x) => x.status)).toEqual([201, 201]);
    const order = JSON.parse(changeset.responses[0].body);
    expect(changeset.responses[0].headers.location).toBe(`${bc.apiUrl()}/companies(${cid})/salesOrders(${order.id})`);
    const lines = await call(`${bc.apiUrl()}/companies(${cid})/salesOrders(${order.id})/salesOrderLines`);
    expect(lines.body.value.length).toBe(1);

    const failing = serializeBatchRequest([
      {
        kind: "changeset",
        requests: [
          {
            method: "POST",
            url: `companies(${cid})/items`,
            headers: json,
            body: JSON.stringify({ number: "MP-1", displayName: "Multipart 1" }),
          },
          {
            method: "POST",
            url: `companies(${cid})/items`,
            headers: json,
            body: JSON.stringify({ number: "MP-1", displayName: "Duplicate" }),
          },
        ],
      },
    ]);
    const f = await fetch(batchUrl, {
      method: "POST",
      headers: { "content-type": failing.contentType },
      body: failing.body,
    });
    const fparts = parseBatchResponse(await f.text(), f.headers.get("content-type") ?? undefined);
    expect(fparts).toMatchObject([{ kind: "response", response: { status: 400 } }]);
    expect(await itemExists("MP-1")).toBe(false);
  });
});
