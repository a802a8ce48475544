// Replays "Select columns using OData" and "Order rows using OData" (powerapps-docs:
// developer/data-platform/webapi/query/select-columns.md and query/order-rows.md) on a fresh org with its own rows.
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { startWorld, type World } from "./helpers.ts";

// biome-ignore lint/suspicious/noExplicitAny: response bodies are untyped JSON.
type Json = Record<string, any>;

let world: World;
const formatted = 'odata.include-annotations="OData.Community.Display.V1.FormattedValue"';

async function create(set: string, body: Json): Promise<string> {
  const res = await world.call("POST", set, { body });
  expect(res.status).toBe(204);
  return /\(([0-9a-f-]{36})\)$/.exec(res.headers.get("odata-entityid") ?? "")?.[1] as string;
}

beforeAll(async () => {
  world = await startWorld({ seed: "empty" });
  // Contacts whose GUID order is the reverse of their name order (ids chosen so), to tell the two orders apart.
  const zoe = await world.call("PATCH", "contacts(00000000-0000-0000-0000-00000000000a)", {
    body: { firstname: "Adele", lastname: "Vance" },
  });
  expect(zoe.status).toBe(204);
  await world.call("PATCH", "contacts(00000000-0000-0000-0000-00000000000b)", {
    body: { firstname: "Megan", lastname: "Bowen" },
  });
  await world.call("PATCH", "contacts(00000000-0000-0000-0000-00000000000c)", {
    body: { firstname: "Alex", lastname: "Wilber" },
  });
  const bind = (id: string) => `/contacts(00000000-0000-0000-0000-00000000000${id})`;
  await create("accounts", {
    name: "Litware, Inc. (sample)",
    revenue: 20000,
    customertypecode: 1,
    "primarycontactid@odata.bind": bind("c"),
  });
  await create("accounts", {
    name: "Adventure Works (sample)",
    revenue: 20000,
    "primarycontactid@odata.bind": bind("b"),
  });
  await create("accounts", { name: "Fourth Coffee (sample)", revenue: 5000, "primarycontactid@odata.bind": bind("a") });
  await create("accounts", { name: "No revenue (sample)", customertypecode: 1 });
});
afterAll(async () => {
  await world.close();
});

describe("select-columns", () => {
  it("$select=name,revenue&$top=1: the primary key and the money column's currency come along", async () => {
    const res = await world.call("GET", "accounts?$select=name,revenue&$top=1&$filter=revenue ne null");
    expect(res.status).toBe(200);
    expect(res.headers.get("content-type")).toBe("application/json; odata.metadata=minimal");
    expect(res.headers.get("odata-version")).toBe("4.0");
    const body = (await res.json()) as Json;
    expect(body["@odata.context"]).toBe(`${world.dataverse.serviceRoot}$metadata#accounts(name,revenue)`);
    expect(body.value).toHaveLength(1);
    expect(Object.keys(body.value[0])).toEqual([
      "@odata.etag",
      "name",
      "revenue",
      "_transactioncurrencyid_value",
      "accountid",
    ]);
  });

  it("Formatted values: each annotation precedes its value", async () => {
    const res = await world.call(
      "GET",
      "accounts?$select=name,revenue,_primarycontactid_value,customertypecode,modifiedon&$top=1&$filter=name eq 'Litware, Inc. (sample)'",
      { headers: { Prefer: formatted } },
    );
    expect(res.status).toBe(200);
    expect(res.headers.get("preference-applied")).toBe(formatted);
    const row = ((await res.json()) as Json).value[0];
    const f = "@OData.Community.Display.V1.FormattedValue";
    expect(Object.keys(row)).toEqual([
      "@odata.etag",
      "name",
      `revenue${f}`,
      "revenue",
      `_primarycontactid_value${f}`,
      "_primarycontactid_value",
      `customertypecode${f}`,
      "customertypecode",
      `modifiedon${f}`,
      "modifiedon",
      `_transactioncurrencyid_value${f}`,
      "_transactioncurrencyid_value",
      "accountid",
    ]);
    expect(row[`revenue${f}`]).toBe("$20,000.00");
    expect(row[`_primarycontactid_value${f}`]).toBe("Alex Wilber");
    expect(row._primarycontactid_value).toBe("00000000-0000-0000-0000-00000000000c");
    expect(row[`customertypecode${f}`]).toBe("Competitor");
    expect(row.customertypecode).toBe(1);
    expect(row[`modifiedon${f}`]).toMatch(/^\d{1,2}\/\d{1,2}\/\d{4} \d{1,2}:\d{2} [AP]M$/);
  });

  it("Lookup property data: _ownerid_value with associatednavigationproperty and lookuplogicalname", async () => {
    const prefer =
      'odata.include-annotations="Microsoft.Dynamics.CRM.associatednavigationproperty,Microsoft.Dynamics.CRM.lookuplogicalname"';
    const res = await world.call("GET", "accounts?$select=name,_ownerid_value&$top=2", { headers: { Prefer: prefer } });
    expect(res.headers.get("preference-applied")).toBe(prefer);
    const body = (await res.json()) as Json;
    expect(body["@odata.context"]).toBe(`${world.dataverse.serviceRoot}$metadata#accounts(name,_ownerid_value)`);
    expect(body.value).toHaveLength(2);
    for (const row of body.value) {
      expect(Object.keys(row)).toEqual([
        "@odata.etag",
        "name",
        "_ownerid_value@Microsoft.Dynamics.CRM.associatednavigationproperty",
        "_ownerid_value@Microsoft.Dynamics.CRM.lookuplogicalname",
        "_ownerid_value",
        "accountid",
      ]);
      expect(row["_ownerid_value@Microsoft.Dynamics.CRM.associatednavigationproperty"]).toBe("ownerid");
      expect(row["_ownerid_value@Microsoft.Dynamics.CRM.lookuplogicalname"]).toBe("systemuser");
    }
  });
});

describe("order-rows", () => {
  it("$orderby=revenue asc,name desc with $filter=revenue ne null", async () => {
    const res = await world.call(
      "GET",
      "accounts?$select=name,revenue&$orderby=revenue asc,name desc&$filter=revenue ne null",
    );
    expect(res.status).toBe(200);
    const body = (await res.json()) as Json;
    expect(body.value.map((r: Json) => [r.name, r.revenue])).toEqual([
      ["Fourth Coffee (sample)", 5000],
      ["Litware, Inc. (sample)", 20000],
      ["Adventure Works (sample)", 20000],
    ]);
  });

  it("Lookup columns are ordered by the related row's primary name, not its GUID", async () => {
    for (const [query, names] of [
      ["$orderby=_primarycontactid_value", ["Adele Vance", "Alex Wilber", "Megan Bowen"]],
      ["$orderby=_primarycontactid_value desc", ["Megan Bowen", "Alex Wilber", "Adele Vance"]],
    ] as const) {
      const res = await world.call(
        "GET",
        `accounts?$select=name,_primarycontactid_value&$filter=_primarycontactid_value ne null&${query}`,
        { headers: { Prefer: formatted } },
      );
      expect(res.status).toBe(200);
      const rows = ((await res.json()) as Json).value as Json[];
      expect(rows.map((r) => r["_primarycontactid_value@OData.Community.Display.V1.FormattedValue"])).toEqual(names);
    }
  });

  it("Lookup order holds across pages", async () => {
    const seen: string[] = [];
    let next: string | undefined =
      "accounts?$select=name&$filter=_primarycontactid_value ne null&$orderby=_primarycontactid_value";
    while (next) {
      const res = await world.call("GET", next, { headers: { Prefer: "odata.maxpagesize=1" } });
      expect(res.status).toBe(200);
      const body = (await res.json()) as Json;
      seen.push(...body.value.map((r: Json) => r.name));
      next = body["@odata.nextLink"]?.slice(world.dataverse.serviceRoot.length);
    }
    expect(seen).toEqual(["Fourth Coffee (sample)", "Litware, Inc. (sample)", "Adventure Works (sample)"]);
  });

  it("Choice columns are ordered by their integer value", async () => {
    await create("accounts", { name: "Choice 3 (sample)", customertypecode: 3 });
    await create("accounts", { name: "Choice 2 (sample)", customertypecode: 2 });
    const res = await world.call(
      "GET",
      "accounts?$select=customertypecode&$filter=customertypecode ne null&$orderby=customertypecode desc",
    );
    const rows = ((await res.json()) as Json).value as Json[];
    expect(rows.map((r) => r.customertypecode)).toEqual([3, 2, 1, 1]);
  });
});
