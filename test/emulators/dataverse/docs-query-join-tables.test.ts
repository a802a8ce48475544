// Replays "Join tables using OData" (powerapps-docs: developer/data-platform/webapi/query/join-tables.md), with
// opportunity_customer_accounts in place of the docs' Account_Tasks (the emulator serves no activity tables).
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { startWorld, type World } from "./helpers.ts";

// biome-ignore lint/suspicious/noExplicitAny: response bodies are untyped JSON.
type Json = Record<string, any>;

let world: World;
let root: string;
const ids: Record<string, string> = {};

async function create(set: string, body: Json): Promise<string> {
  const res = await world.call("POST", set, { body });
  expect(res.status).toBe(204);
  return /\(([0-9a-f-]{36})\)$/.exec(res.headers.get("odata-entityid") ?? "")?.[1] as string;
}

beforeAll(async () => {
  world = await startWorld({ seed: "empty" });
  root = world.dataverse.serviceRoot;
  ids.susanna = await create("contacts", { firstname: "Susanna", lastname: "Stubberod (sample)" });
  ids.litware = await create("accounts", {
    name: "Litware, Inc. (sample)",
    "primarycontactid@odata.bind": `/contacts(${ids.susanna})`,
  });
  ids.adventure = await create("accounts", { name: "Adventure Works (sample)" });
  await world.call("PATCH", `contacts(${ids.susanna})`, {
    body: { "parentcustomerid_account@odata.bind": `/accounts(${ids.litware})` },
  });
  for (const n of [1, 2, 3]) {
    await create("opportunities", {
      name: `Opportunity ${n} for Litware`,
      "customerid_account@odata.bind": `/accounts(${ids.litware})`,
    });
  }
});
afterAll(async () => {
  await world.close();
});

const page1 = { Prefer: "odata.maxpagesize=1", "If-None-Match": "null" };
const litwareFirst = `$filter=accountid eq ${"LITWARE"}`;
const only = (query: string) => query.replace("LITWARE", ids.litware);

describe("join-tables", () => {
  it("Expand single-valued navigation properties: no ETag on the expanded rows; systemuser shows ownerid", async () => {
    const res = await world.call(
      "GET",
      only(
        `accounts?$select=name&$expand=primarycontactid($select=contactid,fullname),createdby($select=fullname)&${litwareFirst}`,
      ),
      { headers: { ...page1, Prefer: "odata.maxpagesize=2" } },
    );
    expect(res.status).toBe(200);
    expect(res.headers.get("preference-applied")).toBe("odata.maxpagesize=2");
    const body = (await res.json()) as Json;
    expect(body["@odata.context"]).toBe(
      `${root}$metadata#accounts(name,primarycontactid(contactid,fullname),createdby(fullname))`,
    );
    const row = body.value[0];
    expect(Object.keys(row)).toEqual(["@odata.etag", "name", "accountid", "primarycontactid", "createdby"]);
    expect(row.primarycontactid).toEqual({ contactid: ids.susanna, fullname: "Susanna Stubberod (sample)" });
    expect(Object.keys(row.createdby)).toEqual(["fullname", "systemuserid", "ownerid"]);
    expect(row.createdby.ownerid).toBe(row.createdby.systemuserid);
  });

  it("Single $expand on a collection: no paging of the expanded rows, a nextLink with the query options", async () => {
    const res = await world.call(
      "GET",
      only(
        `accounts?$select=name,accountid&$expand=opportunity_customer_accounts($select=name;$filter=contains(name,'Litware')),contact_customer_accounts($select=fullname)&${litwareFirst}`,
      ),
      { headers: page1 },
    );
    expect(res.status).toBe(200);
    const row = ((await res.json()) as Json).value[0];
    expect(row.opportunity_customer_accounts).toHaveLength(3);
    for (const o of row.opportunity_customer_accounts) {
      expect(Object.keys(o)).toEqual(["@odata.etag", "name", "_customerid_value", "opportunityid"]);
    }
    expect(row.contact_customer_accounts).toEqual([
      {
        "@odata.etag": expect.stringMatching(/^W\/"\d+"$/),
        fullname: "Susanna Stubberod (sample)",
        _parentcustomerid_value: ids.litware,
        contactid: ids.susanna,
      },
    ]);
    expect(row["contact_customer_accounts@odata.nextLink"]).toBe(
      `${root}accounts(${ids.litware})/contact_customer_accounts?$select=fullname`,
    );
    // The filtered collection with the query options appended returns the same rows.
    const link = row["opportunity_customer_accounts@odata.nextLink"] as string;
    expect(link).toBe(
      `${root}accounts(${ids.litware})/opportunity_customer_accounts?$select=name&$filter=contains(name,'Litware')`,
    );
    const again = (await (await world.call("GET", link.slice(root.length))).json()) as Json;
    expect(again.value.map((o: Json) => o.name)).toEqual(row.opportunity_customer_accounts.map((o: Json) => o.name));
  });

  it("Nested $expand on collections: each expanded collection is paged, its rows carry no ETag", async () => {
    const res = await world.call(
      "GET",
      only(
        `accounts?$select=name,accountid&$expand=opportunity_customer_accounts($select=name),contact_customer_accounts($select=fullname;$expand=owninguser($select=fullname))&${litwareFirst}`,
      ),
      { headers: page1 },
    );
    expect(res.status).toBe(200);
    expect(res.headers.get("preference-applied")).toBe("odata.maxpagesize=1");
    const body = (await res.json()) as Json;
    expect(body["@odata.context"]).toBe(
      `${root}$metadata#accounts(name,accountid,opportunity_customer_accounts(name),contact_customer_accounts(fullname,owninguser(fullname)))`,
    );
    const row = body.value[0];
    expect(row.opportunity_customer_accounts).toEqual([
      {
        name: expect.stringMatching(/^Opportunity \d for Litware$/),
        opportunityid: expect.stringMatching(/^[0-9a-f-]{36}$/),
      },
    ]);
    expect(Object.keys(row.contact_customer_accounts[0])).toEqual(["fullname", "contactid", "owninguser"]);
    expect(Object.keys(row.contact_customer_accounts[0].owninguser)).toEqual(["fullname", "systemuserid", "ownerid"]);
    const contacts = row["contact_customer_accounts@odata.nextLink"] as string;
    expect(contacts).toMatch(
      new RegExp(
        `^${escapeRegExp(`${root}accounts(${ids.litware})/contact_customer_accounts?$select=fullname&$expand=owninguser($select=fullname)&$skiptoken=`)}.+`,
      ),
    );

    // The expanded collection's nextLink returns the next rows.
    const names = row.opportunity_customer_accounts.map((o: Json) => o.name);
    let next: string | undefined = row["opportunity_customer_accounts@odata.nextLink"];
    expect(next).toContain("$skiptoken=");
    while (next) {
      const more = (await (await world.call("GET", next.slice(root.length), { headers: page1 })).json()) as Json;
      names.push(...more.value.map((o: Json) => o.name));
      next = more["@odata.nextLink"];
    }
    expect(names).toHaveLength(3);
    expect([...names].sort()).toEqual([
      "Opportunity 1 for Litware",
      "Opportunity 2 for Litware",
      "Opportunity 3 for Litware",
    ]);
  });

  it("Nested $expand: $top or $orderby on an expanded collection is refused", async () => {
    for (const option of ["$top=1", "$orderby=name desc"]) {
      const res = await world.call(
        "GET",
        `accounts?$select=name&$expand=opportunity_customer_accounts($select=name;${option}),contact_customer_accounts($select=fullname;$expand=owninguser($select=fullname))`,
        { headers: page1 },
      );
      expect(res.status).toBe(400);
      expect(((await res.json()) as Json).error).toEqual({
        code: "0x80060888",
        message:
          "Only $select and $filter clause can be provided while doing $expand on many-to-one relationship or nested one-to-many relationship.",
      });
    }
    // Without a nested $expand they are supported.
    const single = await world.call(
      "GET",
      only(
        `accounts?$select=name&$expand=opportunity_customer_accounts($select=name;$orderby=name desc;$top=1)&${litwareFirst}`,
      ),
    );
    expect(single.status).toBe(200);
    const row = ((await single.json()) as Json).value[0];
    expect(row.opportunity_customer_accounts.map((o: Json) => o.name)).toEqual(["Opportunity 3 for Litware"]);
  });

  it("Up to 15 $expand options, nested ones included; more answer TooManyLinkEntitiesInQuery", async () => {
    const fifteen = [
      "primarycontactid($select=fullname;$expand=createdby($select=fullname))",
      "createdby($select=fullname)",
      "modifiedby($select=fullname)",
      "owninguser($select=fullname)",
      "owningbusinessunit($select=name)",
      "contact_customer_accounts($select=fullname)",
      "opportunity_customer_accounts($select=name)",
      "parentaccountid($select=name)",
      "account_parent_account($select=name)",
      "transactioncurrencyid($select=currencyname)",
      "createdonbehalfby($select=fullname)",
      "modifiedonbehalfby($select=fullname)",
      "owningteam($select=name)",
      "ownerid",
    ];
    const ok = await world.call("GET", `accounts?$select=name&$top=1&$expand=${fifteen.join(",")}`);
    expect(ok.status).toBe(200);
    const sixteen = [...fifteen, "bcbi_companyid"];
    for (const path of ["accounts?$select=name&$top=1", only("accounts(LITWARE)?$select=name")]) {
      const res = await world.call("GET", `${path}&$expand=${sixteen.join(",")}`);
      expect(res.status).toBe(400);
      expect(((await res.json()) as Json).error).toEqual({
        code: "0x8004430d",
        message: "Number of link entities in query exceeded maximum limit.",
      });
    }
  });

  it("Return references: $expand=primarycontactid/$ref", async () => {
    const res = await world.call("GET", only(`accounts?$select=name&$expand=primarycontactid/$ref&${litwareFirst}`));
    const body = (await res.json()) as Json;
    expect(body["@odata.context"]).toBe(`${root}$metadata#accounts(name,primarycontactid,primarycontactid/$ref())`);
    expect(Object.keys(body.value[0])).toEqual([
      "@odata.etag",
      "name",
      "_primarycontactid_value",
      "accountid",
      "primarycontactid",
    ]);
    expect(body.value[0]).toEqual({
      "@odata.etag": expect.stringMatching(/^W\/"\d+"$/),
      name: "Litware, Inc. (sample)",
      _primarycontactid_value: ids.susanna,
      accountid: ids.litware,
      primarycontactid: { "@odata.id": `${root}contacts(${ids.susanna})` },
    });
  });
});

function escapeRegExp(text: string): string {
  return text.replace(/[.*+?^${}()|[\]\\]/g, "\\$&");
}
