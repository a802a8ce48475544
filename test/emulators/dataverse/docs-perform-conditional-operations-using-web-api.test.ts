// Replays "Perform conditional operations using the Web API"
// (powerapps-docs: developer/data-platform/webapi/perform-conditional-operations-using-web-api.md).
import { randomUUID } from "node:crypto";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { startWorld, type World } from "./helpers.ts";

// biome-ignore lint/suspicious/noExplicitAny: response bodies are untyped JSON.
type Json = Record<string, any>;

let world: World;
let id: string;
let etag: string;
beforeAll(async () => {
  world = await startWorld();
  const res = await world.call("POST", "accounts?$select=name", {
    body: { name: "Sample Account", accountnumber: "COND-1" },
    headers: { Prefer: "return=representation" },
  });
  const body = (await res.json()) as Json;
  id = body.accountid;
  etag = body["@odata.etag"];
});
afterAll(async () => {
  await world.close();
});

const select = "$select=accountcategorycode,accountnumber,creditonhold,createdon,numberofemployees,name,revenue";

describe("perform-conditional-operations-using-web-api", () => {
  it("Conditional retrieval: 304 Not Modified while the ETag matches", async () => {
    const res = await world.call("GET", `accounts(${id})?${select}`, { headers: { "If-None-Match": etag } });
    expect(res.status).toBe(304);
    expect(res.headers.get("odata-version")).toBe("4.0");
    expect(await res.text()).toBe("");
  });

  it("Query must not include annotations: never 304 with odata.include-annotations", async () => {
    const res = await world.call("GET", `accounts(${id})?${select}`, {
      headers: { "If-None-Match": etag, Prefer: 'odata.include-annotations="*"' },
    });
    expect(res.status).toBe(200);
  });

  it("Prevent create in upsert: If-Match: * on a missing row is a 404", async () => {
    const missing = randomUUID();
    const res = await world.call("PATCH", `accounts(${missing})`, {
      headers: { "If-Match": "*" },
      body: { name: "Updated Sample Account " },
    });
    expect(res.status).toBe(404);
    expect(res.headers.get("content-type")).toBe("application/json; odata.metadata=minimal");
    expect(((await res.json()) as Json).error.message).toBe(`account With Id = ${missing} Does Not Exist`);
    const found = await world.call("PATCH", `accounts(${id})`, {
      headers: { "If-Match": "*" },
      body: { revenue: 6000000 },
    });
    expect(found.status).toBe(204);
  });

  it("Prevent update in upsert: If-None-Match: * on an existing row is a 412", async () => {
    const res = await world.call("PATCH", `accounts(${id})`, {
      headers: { "If-None-Match": "*" },
      body: { name: "Updated Sample Account " },
    });
    expect(res.status).toBe(412);
    expect(((await res.json()) as Json).error.message).toBe("A record with matching key values already exists.");
    const created = await world.call("PATCH", `accounts(${randomUUID()})`, {
      headers: { "If-None-Match": "*" },
      body: { name: "Created by upsert" },
    });
    expect(created.status).toBe(204);
  });

  it("Optimistic concurrency on delete and update: a stale ETag is a 412", async () => {
    const stale = 'W/"470867"';
    for (const method of ["DELETE", "PATCH"]) {
      const res = await world.call(method, `accounts(${id})`, {
        headers: { "If-Match": stale },
        ...(method === "PATCH" ? { body: { name: "Updated Account Name" } } : {}),
      });
      expect(res.status).toBe(412);
      expect(res.headers.get("content-type")).toBe("application/json; odata.metadata=minimal");
      expect(((await res.json()) as Json).error).toEqual({
        code: "0x80060882",
        message: "The version of the existing record doesn't match the RowVersion property provided.",
      });
    }
    const current = (await world.call("GET", `accounts(${id})?$select=name`)).headers.get("etag") ?? "";
    const ok = await world.call("PATCH", `accounts(${id})`, {
      headers: { "If-Match": current },
      body: { name: "Now" },
    });
    expect(ok.status).toBe(204);
  });
});
