// Replays "Use Upsert to Create or Update a record"
// (powerapps-docs: developer/data-platform/use-upsert-insert-update-record.md), Web API sections, on accounts and
// their `accountnumber` alternate key in place of the docs' example_records(example_key1,example_key2).
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { startWorld, type World } from "./helpers.ts";

// biome-ignore lint/suspicious/noExplicitAny: response bodies are untyped JSON.
type Json = Record<string, any>;

let world: World;
beforeAll(async () => {
  world = await startWorld();
});
afterAll(async () => {
  await world.close();
});

const upsertHeaders = { "If-None-Match": "null" };

describe("use-upsert-insert-update-record", () => {
  it("Create with upsert, then update with upsert: 204 both times, OData-EntityId names the alternate key", async () => {
    const path = "accounts(accountnumber='UPS-2-2')";
    const created = await world.call("PATCH", path, { body: { name: "2:2" }, headers: upsertHeaders });
    expect(created.status).toBe(204);
    expect(created.headers.get("odata-version")).toBe("4.0");
    expect(created.headers.get("odata-entityid")).toBe(`${world.dataverse.serviceRoot}${path}`);
    expect(await created.text()).toBe("");

    const updated = await world.call("PATCH", path, { body: { name: "2:2 Updated" }, headers: upsertHeaders });
    expect(updated.status).toBe(204);
    // The response is identical for create and update.
    expect(updated.headers.get("odata-entityid")).toBe(`${world.dataverse.serviceRoot}${path}`);

    const read = (await (await world.call("GET", `${path}?$select=name,accountnumber`)).json()) as Json;
    expect(read).toMatchObject({ name: "2:2 Updated", accountnumber: "UPS-2-2" });
    const all = (await (
      await world.call("GET", "accounts?$select=accountid&$filter=accountnumber eq 'UPS-2-2'")
    ).json()) as Json;
    expect(all.value).toHaveLength(1);
  });

  it("Create with upsert and return=representation: 201, ETag, Preference-Applied, the select list in the context", async () => {
    const path = "accounts(accountnumber='UPS-3-3')?$select=accountid";
    const res = await world.call("PATCH", path, {
      body: { name: "3:3" },
      headers: { ...upsertHeaders, Prefer: "return=representation" },
    });
    expect(res.status).toBe(201);
    expect(res.headers.get("content-type")).toBe("application/json; odata.metadata=minimal");
    expect(res.headers.get("preference-applied")).toBe("return=representation");
    expect(res.headers.get("odata-version")).toBe("4.0");
    const etag = res.headers.get("etag");
    expect(etag).toMatch(/^W\/"\d+"$/);
    const body = (await res.json()) as Json;
    expect(Object.keys(body)).toEqual(["@odata.context", "@odata.etag", "accountid"]);
    expect(body["@odata.context"]).toBe(`${world.dataverse.serviceRoot}$metadata#accounts(accountid)/$entity`);
    expect(body["@odata.etag"]).toBe(etag);
    expect(body.accountid).toMatch(/^[0-9a-f-]{36}$/);

    // Update with upsert and return=representation: 200 shows it was an update, same row, a newer ETag.
    const again = await world.call("PATCH", path, {
      body: { name: "3:3 Updated" },
      headers: { ...upsertHeaders, Prefer: "return=representation" },
    });
    expect(again.status).toBe(200);
    expect(again.headers.get("content-type")).toBe("application/json; odata.metadata=minimal");
    const second = (await again.json()) as Json;
    expect(Object.keys(second)).toEqual(["@odata.context", "@odata.etag", "accountid"]);
    expect(second["@odata.context"]).toBe(`${world.dataverse.serviceRoot}$metadata#accounts(accountid)/$entity`);
    expect(second.accountid).toBe(body.accountid);
    expect(again.headers.get("etag")).toBe(second["@odata.etag"]);
    expect(second["@odata.etag"]).not.toBe(body["@odata.etag"]);
  });

  it("If-Match: * makes the PATCH an update: 404 when no row matches the key", async () => {
    const res = await world.call("PATCH", "accounts(accountnumber='UPS-MISSING')", {
      body: { name: "never created" },
      headers: { "If-Match": "*" },
    });
    expect(res.status).toBe(404);
    expect(((await res.json()) as Json).error.code).toMatch(/^0x[0-9a-f]{8}$/);
    const read = await world.call("GET", "accounts(accountnumber='UPS-MISSING')");
    expect(read.status).toBe(404);
  });

  it("Guidance for composing requests: an existing row's key values in the body are removed", async () => {
    const path = "accounts(accountnumber='UPS-KEEP')";
    expect((await world.call("PATCH", path, { body: { name: "keep" } })).status).toBe(204);
    const res = await world.call("PATCH", `${path}?$select=name,accountnumber`, {
      body: { name: "keep updated", accountnumber: "UPS-CHANGED" },
      headers: { Prefer: "return=representation" },
    });
    expect(res.status).toBe(200);
    expect((await res.json()) as Json).toMatchObject({ name: "keep updated", accountnumber: "UPS-KEEP" });
    expect((await world.call("GET", "accounts(accountnumber='UPS-CHANGED')")).status).toBe(404);
  });

  it("Guidance for composing requests: a new row takes the body's key values, even when they differ from the URL", async () => {
    const res = await world.call("PATCH", "accounts(accountnumber='UPS-URL')?$select=name,accountnumber", {
      body: { name: "body wins", accountnumber: "UPS-BODY" },
      headers: { Prefer: "return=representation" },
    });
    expect(res.status).toBe(201);
    expect((await res.json()) as Json).toMatchObject({ name: "body wins", accountnumber: "UPS-BODY" });
    expect((await world.call("GET", "accounts(accountnumber='UPS-URL')")).status).toBe(404);
    expect((await world.call("GET", "accounts(accountnumber='UPS-BODY')")).status).toBe(200);
  });

  it("UpsertMultiple by @odata.id applies the same key rule to an existing row", async () => {
    expect((await world.call("PATCH", "accounts(accountnumber='UPS-MULTI')", { body: { name: "multi" } })).status).toBe(
      204,
    );
    const res = await world.call("POST", "accounts/Microsoft.Dynamics.CRM.UpsertMultiple", {
      body: {
        Targets: [
          {
            "@odata.type": "Microsoft.Dynamics.CRM.account",
            "@odata.id": "accounts(accountnumber='UPS-MULTI')",
            name: "multi updated",
            accountnumber: "UPS-MULTI-CHANGED",
          },
        ],
      },
    });
    expect(res.status).toBe(204);
    const read = (await (
      await world.call("GET", "accounts(accountnumber='UPS-MULTI')?$select=name,accountnumber")
    ).json()) as Json;
    expect(read).toMatchObject({ name: "multi updated", accountnumber: "UPS-MULTI" });
  });
});
