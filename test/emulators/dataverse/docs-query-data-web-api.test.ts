// Replays "Query data using the Web API" (powerapps-docs: developer/data-platform/webapi/query-data-web-api.md and
// the current query/*.md pages it was split into) against the emulator, on a fresh org with its own rows.
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { startWorld, type World } from "./helpers.ts";

// biome-ignore lint/suspicious/noExplicitAny: response bodies are untyped JSON.
type Json = Record<string, any>;

let world: World;
let root: string;
const ids: Record<string, string> = {};
beforeAll(async () => {
  world = await startWorld({ seed: "empty" });
  root = world.dataverse.serviceRoot;
  const create = async (set: string, body: unknown) => {
    const res = await world.call("POST", set, { body });
    return /\(([0-9a-f-]{36})\)$/.exec(res.headers.get("odata-entityid") ?? "")?.[1] as string;
  };
  ids.susanna = await create("contacts", { firstname: "Susanna", lastname: "Stubberod (sample)", jobtitle: "Buyer" });
  ids.nancy = await create("contacts", { firstname: "Nancy", lastname: "Anderson (sample)" });
  ids.fourth = await create("accounts", { name: "Fourth Coffee (sample)", revenue: 5000, numberofemployees: 9500 });
  ids.litware = await create("accounts", {
    name: "Litware, Inc. (sample)",
    revenue: 20000,
    customertypecode: 1,
    numberofemployees: 1500,
    donotpostalmail: false,
    accountratingcode: 1,
    "primarycontactid@odata.bind": `/contacts(${ids.susanna})`,
  });
  ids.adventure = await create("accounts", {
    name: "Adventure Works (sample)",
    revenue: 100000,
    numberofemployees: 4300,
    "primarycontactid@odata.bind": `/contacts(${ids.nancy})`,
  });
  ids.child = await create("accounts", {
    name: "Sample Child Account 1",
    "parentaccountid@odata.bind": `/accounts(${ids.adventure})`,
  });
  await create("opportunities", {
    name: "Litware deal",
    estimatedvalue: 300,
    "customerid_account@odata.bind": `/accounts(${ids.litware})`,
  });
  await world.call("PATCH", `contacts(${ids.susanna})`, {
    body: { "parentcustomerid_account@odata.bind": `/accounts(${ids.litware})` },
  });
});
afterAll(async () => {
  await world.close();
});

const names = (body: Json) => (body.value as Json[]).map((r) => r.name);

describe("query-data-web-api", () => {
  it("Basic query example: $select and $top", async () => {
    const res = await world.call("GET", "accounts?$select=name&$top=3");
    expect(res.status).toBe(200);
    expect(res.headers.get("content-type")).toBe("application/json; odata.metadata=minimal");
    expect(res.headers.get("odata-version")).toBe("4.0");
    const body = (await res.json()) as Json;
    expect(body["@odata.context"]).toBe(`${root}$metadata#accounts(name)`);
    expect(body.value).toHaveLength(3);
    for (const row of body.value) {
      expect(Object.keys(row)).toEqual(["@odata.etag", "name", "accountid"]);
      expect(row["@odata.etag"]).toMatch(/^W\/"\d+"$/);
    }
    expect(body["@odata.nextLink"]).toBeUndefined();
  });

  it("Page results: odata.maxpagesize with Preference-Applied and @odata.nextLink", async () => {
    const res = await world.call("GET", "accounts?$select=name", { headers: { Prefer: "odata.maxpagesize=3" } });
    expect(res.headers.get("preference-applied")).toBe("odata.maxpagesize=3");
    const body = (await res.json()) as Json;
    expect(body.value).toHaveLength(3);
    expect(body["@odata.nextLink"]).toMatch(
      new RegExp(`^${root.replace(/[.$()]/g, "\\$&")}accounts\\?\\$select=name&\\$skiptoken=`),
    );
    const next = (await (
      await fetch(body["@odata.nextLink"], {
        headers: { Authorization: `Bearer ${world.token()}`, Prefer: "odata.maxpagesize=3" },
      })
    ).json()) as Json;
    expect(next.value).toHaveLength(1);
    expect(next["@odata.nextLink"]).toBeUndefined();
  });

  it("Filter results: comparison, logical, grouping and string functions (case-insensitive)", async () => {
    const q = async (filter: string) =>
      names(
        (await (await world.call("GET", `accounts?$select=name&$filter=${encodeURIComponent(filter)}`)).json()) as Json,
      ).sort();
    expect(await q("revenue gt 10000")).toEqual(["Adventure Works (sample)", "Litware, Inc. (sample)"]);
    expect(await q("revenue lt 100000 and revenue gt 2000")).toEqual([
      "Fourth Coffee (sample)",
      "Litware, Inc. (sample)",
    ]);
    expect(await q("contains(name,'(SAMPLE)') and not contains(name,'Coffee')")).toEqual([
      "Adventure Works (sample)",
      "Litware, Inc. (sample)",
    ]);
    expect(await q("endswith(name,'Inc. (sample)') or startswith(name,'four')")).toEqual([
      "Fourth Coffee (sample)",
      "Litware, Inc. (sample)",
    ]);
    expect(await q("(contains(name,'sample') or contains(name,'test')) and revenue gt 5000")).toEqual([
      "Adventure Works (sample)",
      "Litware, Inc. (sample)",
    ]);
  });

  it("Dataverse query functions: Between", async () => {
    const res = await world.call(
      "GET",
      `accounts?$select=name,numberofemployees&$filter=${encodeURIComponent('Microsoft.Dynamics.CRM.Between(PropertyName=\'numberofemployees\',PropertyValues=["5","2000"])')}`,
    );
    expect(names((await res.json()) as Json)).toEqual(["Litware, Inc. (sample)"]);
  });

  it("Lambda operators any/all on collection-valued navigation properties", async () => {
    const any = await world.call(
      "GET",
      `accounts?$select=name&$filter=${encodeURIComponent("opportunity_customer_accounts/any(o:o/estimatedvalue le 300)")}`,
    );
    expect(names((await any.json()) as Json)).toEqual(["Litware, Inc. (sample)"]);
    const nested = await world.call(
      "GET",
      `accounts?$select=name&$filter=${encodeURIComponent("(contact_customer_accounts/any(c:c/jobtitle eq 'Buyer')) and endswith(name,'(sample)')")}`,
    );
    expect(names((await nested.json()) as Json)).toEqual(["Litware, Inc. (sample)"]);
    const all = await world.call(
      "GET",
      `accounts?$select=name&$filter=${encodeURIComponent("opportunity_customer_accounts/all(o:o/statecode eq 0) and opportunity_customer_accounts/any()")}`,
    );
    expect(names((await all.json()) as Json)).toEqual(["Litware, Inc. (sample)"]);
  });

  it("Filter on single-valued navigation properties", async () => {
    const byContact = await world.call(
      "GET",
      `accounts?$select=name&$filter=primarycontactid/contactid eq ${ids.susanna}`,
    );
    const body = (await byContact.json()) as Json;
    expect(body["@odata.context"]).toBe(`${root}$metadata#accounts(name)`);
    expect(body.value).toEqual([
      { "@odata.etag": expect.stringMatching(/^W\/"\d+"$/), name: "Litware, Inc. (sample)", accountid: ids.litware },
    ]);
    const children = await world.call(
      "GET",
      `accounts?$select=name&$filter=parentaccountid/accountid eq ${ids.adventure}`,
    );
    expect(names((await children.json()) as Json)).toEqual(["Sample Child Account 1"]);
  });

  it("Order results and parameter aliases give the same rows", async () => {
    const plain = (await (
      await world.call("GET", "accounts?$select=name,revenue&$orderby=revenue asc,name desc&$filter=revenue ne null")
    ).json()) as Json;
    expect(names(plain)).toEqual(["Fourth Coffee (sample)", "Litware, Inc. (sample)", "Adventure Works (sample)"]);
    const aliased = (await (
      await world.call(
        "GET",
        "accounts?$select=name,revenue&$orderby=@p1 asc,@p2 desc&$filter=@p1 ne @p3&@p1=revenue&@p2=name",
      )
    ).json()) as Json;
    expect(names(aliased)).toEqual(names(plain));
  });

  it("Count rows: $count=true with maxpagesize, totalrecordcount annotations, and /$count", async () => {
    const res = await world.call("GET", "accounts?$select=name&$filter=contains(name,'sample')&$count=true", {
      headers: { Prefer: 'odata.maxpagesize=2,odata.include-annotations="Microsoft.Dynamics.CRM.*"' },
    });
    const body = (await res.json()) as Json;
    expect(body["@odata.count"]).toBe(4);
    expect(body["@Microsoft.Dynamics.CRM.totalrecordcount"]).toBe(4);
    expect(body["@Microsoft.Dynamics.CRM.totalrecordcountlimitexceeded"]).toBe(false);
    expect(body.value).toHaveLength(2);
    expect(Object.keys(body).slice(0, 2)).toEqual(["@odata.context", "@odata.count"]);
    const noCount = (await (
      await world.call("GET", "accounts?$select=name", {
        headers: { Prefer: 'odata.include-annotations="Microsoft.Dynamics.CRM.totalrecordcount"' },
      })
    ).json()) as Json;
    expect(noCount["@Microsoft.Dynamics.CRM.totalrecordcount"]).toBe(-1);
    const count = await world.call("GET", "accounts/$count");
    expect(count.headers.get("content-type")).toMatch(/^text\/plain/);
    expect(await count.text()).toBe("4");
  });

  it("Formatted values: money, lookup, choice, yes/no, whole number, date", async () => {
    const res = await world.call(
      "GET",
      `accounts(${ids.litware})?$select=name,revenue,_primarycontactid_value,customertypecode,modifiedon,donotpostalmail,accountratingcode,numberofemployees`,
      { headers: { Prefer: 'odata.include-annotations="OData.Community.Display.V1.FormattedValue"' } },
    );
    expect(res.headers.get("preference-applied")).toBe(
      'odata.include-annotations="OData.Community.Display.V1.FormattedValue"',
    );
    const row = (await res.json()) as Json;
    const f = (name: string) => row[`${name}@OData.Community.Display.V1.FormattedValue`];
    expect(f("name")).toBeUndefined();
    expect(f("revenue")).toBe("$20,000.00");
    expect(f("_primarycontactid_value")).toBe("Susanna Stubberod (sample)");
    expect(f("customertypecode")).toBe("Competitor");
    expect(f("donotpostalmail")).toBe("Allow");
    expect(f("accountratingcode")).toBe("Default Value");
    expect(f("numberofemployees")).toBe("1,500");
    expect(f("_transactioncurrencyid_value")).toBe("US Dollar");
    expect(f("modifiedon")).toMatch(/^\d{1,2}\/\d{1,2}\/\d{4} \d{1,2}:\d{2} (AM|PM)$/);
    expect(f("accountid")).toBeUndefined();
  });

  it("Lookup property data: associatednavigationproperty and lookuplogicalname", async () => {
    const res = await world.call(
      "GET",
      "contacts?$select=fullname,_parentcustomerid_value,_ownerid_value&$filter=_parentcustomerid_value ne null",
      {
        headers: {
          Prefer:
            'odata.include-annotations="Microsoft.Dynamics.CRM.associatednavigationproperty,Microsoft.Dynamics.CRM.lookuplogicalname"',
        },
      },
    );
    const row = ((await res.json()) as Json).value[0];
    expect(row["_parentcustomerid_value@Microsoft.Dynamics.CRM.associatednavigationproperty"]).toBe(
      "parentcustomerid_account",
    );
    expect(row["_parentcustomerid_value@Microsoft.Dynamics.CRM.lookuplogicalname"]).toBe("account");
    expect(row["_ownerid_value@Microsoft.Dynamics.CRM.associatednavigationproperty"]).toBe("ownerid");
    expect(row["_ownerid_value@Microsoft.Dynamics.CRM.lookuplogicalname"]).toBe("systemuser");
    expect(row["_parentcustomerid_value@OData.Community.Display.V1.FormattedValue"]).toBeUndefined();
  });

  it("Expand in a collection: single-valued rows have no ETag, collections carry a nextLink and back-reference", async () => {
    const res = await world.call(
      "GET",
      `accounts?$select=name&$filter=accountid eq ${ids.litware}&$expand=primarycontactid($select=contactid,fullname),opportunity_customer_accounts($select=name)`,
    );
    const body = (await res.json()) as Json;
    expect(body["@odata.context"]).toBe(
      `${root}$metadata#accounts(name,primarycontactid(contactid,fullname),opportunity_customer_accounts(name))`,
    );
    expect(body.value[0]).toEqual({
      "@odata.etag": expect.stringMatching(/^W\/"\d+"$/),
      name: "Litware, Inc. (sample)",
      accountid: ids.litware,
      primarycontactid: { contactid: ids.susanna, fullname: "Susanna Stubberod (sample)" },
      opportunity_customer_accounts: [
        {
          "@odata.etag": expect.stringMatching(/^W\/"\d+"$/),
          name: "Litware deal",
          _customerid_value: ids.litware,
          opportunityid: expect.stringMatching(/^[0-9a-f-]{36}$/),
        },
      ],
      "opportunity_customer_accounts@odata.nextLink": `${root}accounts(${ids.litware})/opportunity_customer_accounts?$select=name`,
    });
    const refs = (await (
      await world.call("GET", `accounts?$select=name&$filter=accountid eq ${ids.litware}&$expand=primarycontactid/$ref`)
    ).json()) as Json;
    expect(refs["@odata.context"]).toBe(`${root}$metadata#accounts(name,primarycontactid,primarycontactid/$ref())`);
    expect(refs.value[0].primarycontactid).toEqual({ "@odata.id": `${root}contacts(${ids.susanna})` });
    const bad = await world.call("GET", "accounts?$select=name&$expand=opportunity_customer_accounts/$ref");
    expect(bad.status).toBe(400);
    expect(((await bad.json()) as Json).error).toEqual({
      code: "0x80060888",
      message: "Expand with $ref is only supported on lookup type navigation property.",
    });
  });

  it("Column comparison", async () => {
    await world.call("POST", "contacts", { body: { firstname: "Same", lastname: "Same" } });
    const res = await world.call("GET", "contacts?$select=firstname&$filter=firstname eq lastname");
    expect(((await res.json()) as Json).value.map((r: Json) => r.firstname)).toEqual(["Same"]);
  });

  it("Aggregate and grouping results with $apply (query/aggregate-data)", async () => {
    const fv = { Prefer: 'odata.include-annotations="OData.Community.Display.V1.FormattedValue"' };
    const statuses = await world.call("GET", "accounts?$apply=groupby((statuscode))", { headers: fv });
    expect(statuses.headers.get("preference-applied")).toBe(fv.Prefer.slice("".length));
    expect(await statuses.json()).toEqual({
      "@odata.context": `${root}$metadata#accounts`,
      value: [{ "statuscode@OData.Community.Display.V1.FormattedValue": "Active", statuscode: 1 }],
    });
    const counted = (await (
      await world.call("GET", "accounts?$apply=groupby((statuscode),aggregate($count as count))", { headers: fv })
    ).json()) as Json;
    expect(counted.value).toEqual([
      {
        "statuscode@OData.Community.Display.V1.FormattedValue": "Active",
        statuscode: 1,
        "count@OData.Community.Display.V1.FormattedValue": "4",
        count: 4,
      },
    ]);
    const total = (await (
      await world.call("GET", "accounts?$apply=aggregate(revenue with sum as total)", { headers: fv })
    ).json()) as Json;
    expect(total.value).toEqual([{ "total@OData.Community.Display.V1.FormattedValue": "$125,000.00", total: 125000 }]);
    const byContact = (await (
      await world.call(
        "GET",
        "accounts?$apply=groupby((primarycontactid/fullname),aggregate(revenue with sum as total))",
      )
    ).json()) as Json;
    expect(byContact.value).toEqual([
      { total: 5000 },
      { contact_fullname: "Nancy Anderson (sample)", total: 100000 },
      { contact_fullname: "Susanna Stubberod (sample)", total: 20000 },
    ]);
    const filtered = (await (
      await world.call("GET", "accounts?$apply=filter(revenue gt 10000)/groupby((primarycontactid/fullname))")
    ).json()) as Json;
    expect(filtered.value).toEqual([
      { contact_fullname: "Nancy Anderson (sample)" },
      { contact_fullname: "Susanna Stubberod (sample)" },
    ]);
    const last = (await (
      await world.call("GET", "accounts?$apply=aggregate(createdon with max as lastCreate)")
    ).json()) as Json;
    expect(last.value[0].lastCreate).toMatch(/^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}Z$/);
    const distinct = (await (
      await world.call("GET", "accounts?$apply=groupby((statecode,statuscode,customertypecode))")
    ).json()) as Json;
    expect(distinct.value).toEqual([
      { statecode: 0, statuscode: 1 },
      { statecode: 0, statuscode: 1, customertypecode: 1 },
    ]);
  });
});
