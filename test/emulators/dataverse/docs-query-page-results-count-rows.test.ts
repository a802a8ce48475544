// Replays "Page results using OData" and "Count rows using OData" (powerapps-docs:
// developer/data-platform/webapi/query/page-results.md and query/count-rows.md) on a fresh org with its own rows.
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { startWorld, type World } from "./helpers.ts";

// biome-ignore lint/suspicious/noExplicitAny: response bodies are untyped JSON.
type Json = Record<string, any>;

let world: World;
let root: string;
const contacts = ["Yvonne McKay", "Susanna Stubberod", "Nancy Anderson", "Maria Campbell", "Sidney Higa"];

beforeAll(async () => {
  world = await startWorld({ seed: "empty" });
  root = world.dataverse.serviceRoot;
  for (const name of contacts) {
    const [firstname, lastname] = name.split(" ");
    const res = await world.call("POST", "contacts", { body: { firstname, lastname: `${lastname} (sample)` } });
    expect(res.status).toBe(204);
  }
  for (const name of ["Fourth Coffee (sample)", "Litware, Inc. (sample)", "Adventure Works (sample)", "Contoso"]) {
    expect((await world.call("POST", "accounts", { body: { name } })).status).toBe(204);
  }
});
afterAll(async () => {
  await world.close();
});

describe("page-results", () => {
  it("odata.maxpagesize=2: pages of two with Preference-Applied, until no @odata.nextLink", async () => {
    const seen: string[] = [];
    let next: string | undefined = "contacts?$select=fullname";
    let pages = 0;
    while (next) {
      const res = await world.call("GET", next, { headers: { Prefer: "odata.maxpagesize=2" } });
      expect(res.status).toBe(200);
      expect(res.headers.get("odata-version")).toBe("4.0");
      expect(res.headers.get("preference-applied")).toBe("odata.maxpagesize=2");
      const body = (await res.json()) as Json;
      expect(body["@odata.context"]).toBe(`${root}$metadata#contacts(fullname)`);
      for (const row of body.value) expect(Object.keys(row)).toEqual(["@odata.etag", "fullname", "contactid"]);
      seen.push(...body.value.map((r: Json) => r.fullname));
      expect(body.value.length).toBe(body["@odata.nextLink"] ? 2 : 1);
      if (body["@odata.nextLink"]) {
        // The nextLink keeps the query and adds the server's $skiptoken.
        expect(body["@odata.nextLink"]).toMatch(
          new RegExp(`^${root.replace(/[.*+?^${}()|[\]\\]/g, "\\$&")}contacts\\?\\$select=fullname&\\$skiptoken=.+`),
        );
        expect(Object.keys(body)).toEqual(["@odata.context", "value", "@odata.nextLink"]);
      }
      next = body["@odata.nextLink"]?.slice(root.length);
      pages++;
    }
    expect(pages).toBe(3);
    expect([...seen].sort()).toEqual(contacts.map((c) => `${c} (sample)`).sort());
  });

  it("$top=3 limits the rows without a nextLink", async () => {
    const body = (await (await world.call("GET", "accounts?$select=name,revenue&$top=3")).json()) as Json;
    expect(body.value).toHaveLength(3);
    expect(body["@odata.nextLink"]).toBeUndefined();
  });
});

describe("count-rows", () => {
  it("$count=true: @odata.count before value", async () => {
    const res = await world.call("GET", "accounts?$select=accountid&$count=true");
    const body = (await res.json()) as Json;
    expect(body["@odata.context"]).toBe(`${root}$metadata#accounts(accountid)`);
    expect(Object.keys(body)).toEqual(["@odata.context", "@odata.count", "value"]);
    expect(body["@odata.count"]).toBe(4);
    expect(Object.keys(body.value[0])).toEqual(["@odata.etag", "accountid"]);
  });

  it("With a filter, a page size and the CRM annotations: the count of all matches, both Preference-Applied", async () => {
    const res = await world.call("GET", "accounts?$select=name&$filter=contains(name,'sample')&$count=true", {
      headers: { Prefer: 'odata.maxpagesize=2, odata.include-annotations="Microsoft.Dynamics.CRM.*"' },
    });
    expect(res.status).toBe(200);
    expect(res.headers.get("preference-applied")).toContain("odata.maxpagesize=2");
    expect(res.headers.get("preference-applied")).toContain('odata.include-annotations="Microsoft.Dynamics.CRM.*"');
    const body = (await res.json()) as Json;
    expect(Object.keys(body)).toEqual([
      "@odata.context",
      "@odata.count",
      "@Microsoft.Dynamics.CRM.totalrecordcount",
      "@Microsoft.Dynamics.CRM.totalrecordcountlimitexceeded",
      "value",
      "@odata.nextLink",
    ]);
    expect(body["@odata.count"]).toBe(3);
    expect(body["@Microsoft.Dynamics.CRM.totalrecordcount"]).toBe(3);
    expect(body["@Microsoft.Dynamics.CRM.totalrecordcountlimitexceeded"]).toBe(false);
    expect(body.value).toHaveLength(2);
  });

  it("Without $count=true the totalrecordcount is -1", async () => {
    const res = await world.call("GET", "accounts?$select=name", {
      headers: {
        Prefer:
          'odata.include-annotations="Microsoft.Dynamics.CRM.totalrecordcount,Microsoft.Dynamics.CRM.totalrecordcountlimitexceeded"',
      },
    });
    const body = (await res.json()) as Json;
    expect(body["@Microsoft.Dynamics.CRM.totalrecordcount"]).toBe(-1);
  });

  it("/$count: just the number, as text/plain", async () => {
    const res = await world.call("GET", "accounts/$count");
    expect(res.status).toBe(200);
    expect(res.headers.get("content-type")).toMatch(/^text\/plain/);
    expect(res.headers.get("odata-version")).toBe("4.0");
    expect((await res.text()).trim()).toBe("4");
  });
});
