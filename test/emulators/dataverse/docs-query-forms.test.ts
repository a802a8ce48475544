// Replays query forms of the Dataverse Web API documentation that clients rely on (powerapps-docs:
// developer/data-platform/webapi/query/page-results.md "Don't use the $top query option while paging records",
// query/filter-rows.md "Condition limits" and its filtered-collection example, query/join-tables.md and
// retrieve-entity-using-web-api.md on `$expand=<lookup>/$ref`, reference/retrieveversion.md, and
// execute-batch-operations-using-web-api.md for request lines written by common clients).
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { startWorld, type World } from "./helpers.ts";

// biome-ignore lint/suspicious/noExplicitAny: response bodies are untyped JSON.
type Json = Record<string, any>;

let world: World;
let root: string;
let me: string;
const contacts: string[] = [];
beforeAll(async () => {
  world = await startWorld({ seed: "empty" });
  root = world.dataverse.serviceRoot;
  me = ((await (await world.call("GET", "WhoAmI")).json()) as Json).UserId;
  for (const name of ["Yvonne", "Susanna"]) {
    const res = await world.call("POST", "contacts", { body: { firstname: name, lastname: "McKay (sample)" } });
    contacts.push(/\(([0-9a-f-]{36})\)$/.exec(res.headers.get("odata-entityid") ?? "")?.[1] as string);
  }
  for (let i = 1; i <= 5; i++) {
    await world.call("POST", "accounts", {
      body: {
        name: `Account ${i}`,
        revenue: i * 1000,
        ...(i <= 2 ? { "primarycontactid@odata.bind": `/contacts(${contacts[i - 1]})` } : {}),
      },
    });
  }
});
afterAll(async () => {
  await world.close();
});

const json = async (res: Response) => (await res.json()) as Json;

describe("page-results: $top with odata.maxpagesize", () => {
  it("$top is ignored when odata.maxpagesize is given: pages of the page size until the last row", async () => {
    const first = await world.call("GET", "accounts?$select=name&$top=2&$orderby=name", {
      headers: { Prefer: "odata.maxpagesize=3" },
    });
    expect(first.headers.get("preference-applied")).toBe("odata.maxpagesize=3");
    const page1 = await json(first);
    expect(page1.value.map((r: Json) => r.name)).toEqual(["Account 1", "Account 2", "Account 3"]);
    expect(page1["@odata.nextLink"]).toMatch(/^http/);
    const page2 = await json(
      await fetch(page1["@odata.nextLink"], {
        headers: { Authorization: `Bearer ${world.token()}`, Prefer: "odata.maxpagesize=3" },
      }),
    );
    expect(page2.value.map((r: Json) => r.name)).toEqual(["Account 4", "Account 5"]);
    expect(page2["@odata.nextLink"]).toBeUndefined();
  });

  it("$top alone limits the rows and gives no nextLink", async () => {
    const body = await json(await world.call("GET", "accounts?$select=name&$top=2&$orderby=name"));
    expect(body.value).toHaveLength(2);
    expect(body["@odata.nextLink"]).toBeUndefined();
  });
});

describe("filter-rows: Condition limits", () => {
  const conditions = (n: number) =>
    Array.from({ length: n }, (_, i) => `name eq 'Account ${i}'`)
      .join(" or ")
      .replace(/ /g, "%20");

  it("500 conditions run", async () => {
    const res = await world.call("GET", `accounts?$select=name&$filter=${conditions(500)}`);
    expect(res.status).toBe(200);
    expect((await json(res)).value).toHaveLength(5);
  });

  it("501 conditions answer TooManyConditionsInQuery as a JSON error", async () => {
    const res = await world.call("GET", `accounts?$select=name&$filter=${conditions(501)}`);
    expect(res.status).toBe(400);
    expect(res.headers.get("content-type")).toMatch(/^application\/json/);
    expect(await json(res)).toEqual({
      error: { code: "0x8004430c", message: "Number of conditions in query exceeded maximum limit." },
    });
  });
});

describe("functions clients call on connect", () => {
  it("RetrieveVersion returns the version of the organization", async () => {
    for (const path of ["RetrieveVersion()", "RetrieveVersion"]) {
      const res = await world.call("GET", path);
      expect(res.status).toBe(200);
      const body = await json(res);
      expect(body["@odata.context"]).toBe(`${root}$metadata#Microsoft.Dynamics.CRM.RetrieveVersionResponse`);
      expect(body.Version).toMatch(/^9\.2\.\d+\.\d+$/);
    }
  });

  it("RetrieveCurrentOrganization returns the organization detail with its endpoints", async () => {
    const res = await world.call(
      "GET",
      "RetrieveCurrentOrganization(AccessType=@p1)?@p1=Microsoft.Dynamics.CRM.EndpointAccessType'Default'",
    );
    expect(res.status).toBe(200);
    const body = await json(res);
    expect(body["@odata.context"]).toBe(`${root}$metadata#Microsoft.Dynamics.CRM.RetrieveCurrentOrganizationResponse`);
    const whoami = await json(await world.call("GET", "WhoAmI()"));
    expect(body.Detail.OrganizationId).toBe(whoami.OrganizationId);
    expect(body.Detail.OrganizationVersion).toMatch(/^9\.2\./);
    expect(body.Detail.Endpoints.Keys).toContain("WebApplication");
    expect(body.Detail.Endpoints.Values[body.Detail.Endpoints.Keys.indexOf("WebApplication")]).toBe(
      new URL(root).origin,
    );
  });

  it("the metadata document declares the functions", async () => {
    const xml = await (await world.call("GET", "$metadata")).text();
    expect(xml).toContain('<Function Name="RetrieveVersion">');
    expect(xml).toContain(
      '<FunctionImport Name="RetrieveVersion" Function="Microsoft.Dynamics.CRM.RetrieveVersion" />',
    );
    expect(xml).toContain('<Function Name="RetrieveCurrentOrganization">');
  });
});

describe("$expand=<single-valued navigation property>/$ref", () => {
  it("in a collection: each row carries the reference, or null", async () => {
    const body = await json(
      await world.call("GET", "accounts?$select=name&$orderby=name&$expand=primarycontactid/$ref"),
    );
    expect(body["@odata.context"]).toBe(`${root}$metadata#accounts(name,primarycontactid,primarycontactid/$ref())`);
    expect(body.value[0].primarycontactid).toEqual({ "@odata.id": `${root}contacts(${contacts[0]})` });
    expect(body.value[1].primarycontactid).toEqual({ "@odata.id": `${root}contacts(${contacts[1]})` });
    expect(body.value[2].primarycontactid).toBeNull();
  });

  it("on a collection-valued navigation property it is refused", async () => {
    const res = await world.call("GET", "accounts?$select=name&$expand=contact_customer_accounts/$ref");
    expect(res.status).toBe(400);
    expect((await json(res)).error.message).toBe(
      "Expand with $ref is only supported on lookup type navigation property.",
    );
  });
});

describe("filter-rows: filtered collections", () => {
  it("systemusers(<id>)/user_accounts returns the same rows as the _owninguser_value filter", async () => {
    const byFilter = await json(
      await world.call("GET", `accounts?$filter=_owninguser_value eq '${me}'&$select=name&$orderby=name`),
    );
    const byPath = await world.call("GET", `systemusers(${me})/user_accounts?$select=name&$orderby=name`);
    expect(byPath.status).toBe(200);
    const body = await json(byPath);
    expect(body["@odata.context"]).toBe(`${root}$metadata#accounts(name)`);
    expect(body.value).toEqual(byFilter.value);
    expect(body.value).toHaveLength(5);
  });

  it("with $filter, $top and odata.maxpagesize paging", async () => {
    const filtered = await json(
      await world.call("GET", `systemusers(${me})/user_accounts?$select=name,revenue&$filter=revenue ge 3000`),
    );
    expect(filtered.value.map((r: Json) => r.name).sort()).toEqual(["Account 3", "Account 4", "Account 5"]);
    const paged = await world.call("GET", `systemusers(${me})/user_accounts?$select=name&$orderby=name`, {
      headers: { Prefer: "odata.maxpagesize=2" },
    });
    expect(paged.headers.get("preference-applied")).toBe("odata.maxpagesize=2");
    const page1 = await json(paged);
    expect(page1.value.map((r: Json) => r.name)).toEqual(["Account 1", "Account 2"]);
    expect(page1["@odata.nextLink"]).toMatch(new RegExp(`^${root.replace(/[.$()]/g, "\\$&")}systemusers\\(`));
    const page2 = await json(
      await fetch(page1["@odata.nextLink"], {
        headers: { Authorization: `Bearer ${world.token()}`, Prefer: "odata.maxpagesize=2" },
      }),
    );
    expect(page2.value.map((r: Json) => r.name)).toEqual(["Account 3", "Account 4"]);
  });

  it("an unknown property in $select is refused as on the entity set", async () => {
    const res = await world.call("GET", `systemusers(${me})/user_accounts?$select=nosuchcolumn`);
    expect(res.status).toBe(400);
  });
});

describe("filter-rows: Filter using lookup column property values", () => {
  it("a filter two lookups deep with the nested $expand of the example and its context URL", async () => {
    const creator = await json(await world.call("GET", `systemusers(${me})?$select=fullname`));
    const res = await world.call(
      "GET",
      `accounts?$filter=${encodeURIComponent(`primarycontactid/createdby/fullname eq '${creator.fullname}'`)}&$select=name,_primarycontactid_value&$expand=primarycontactid($select=fullname,_createdby_value;$expand=createdby($select=fullname))&$top=1&$orderby=name`,
    );
    expect(res.status).toBe(200);
    const body = await json(res);
    expect(body["@odata.context"]).toBe(
      `${root}$metadata#accounts(name,_primarycontactid_value,primarycontactid(fullname,_createdby_value,createdby(fullname)))`,
    );
    expect(body.value).toHaveLength(1);
    const row = body.value[0];
    expect(row.name).toBe("Account 1");
    expect(row.primarycontactid.fullname).toBe("Yvonne McKay (sample)");
    expect(row.primarycontactid._createdby_value).toBe(me);
    expect(row.primarycontactid.createdby.fullname).toBe(creator.fullname);
  });
});

describe("$batch request lines written by common clients", () => {
  it("a GET whose $filter has unencoded spaces: the URL is read between the first and the last space", async () => {
    const b = "batch_spaces";
    const res = await world.call("POST", "$batch", {
      raw: [
        `--${b}`,
        "Content-Type: application/http",
        "Content-Transfer-Encoding: binary",
        "",
        "GET /api/data/v9.2/accounts?$select=name&$filter=revenue ge 4000 and startswith(name,'Account') HTTP/1.1",
        "Accept: application/json",
        "",
        "",
        `--${b}--`,
        "",
      ].join("\r\n"),
      headers: { "Content-Type": `multipart/mixed; boundary=${b}` },
    });
    expect(res.status).toBe(200);
    const text = await res.text();
    expect(text).toContain("HTTP/1.1 200 OK");
    const body = JSON.parse(text.slice(text.indexOf("{"), text.lastIndexOf("}") + 1)) as Json;
    expect(body.value.map((r: Json) => r.name).sort()).toEqual(["Account 4", "Account 5"]);
  });
});
