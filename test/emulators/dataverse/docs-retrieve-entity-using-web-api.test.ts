// Replays "Retrieve a table row using the Web API"
// (powerapps-docs: developer/data-platform/webapi/retrieve-entity-using-web-api.md) against the emulator.
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { startWorld, type World } from "./helpers.ts";

// biome-ignore lint/suspicious/noExplicitAny: response bodies are untyped JSON.
type Json = Record<string, any>;

let world: World;
let root: string;
let accountId: string;
let contactId: string;
let parentId: string;
beforeAll(async () => {
  world = await startWorld();
  root = world.dataverse.serviceRoot;
  const created = async (set: string, body: unknown, key: string) =>
    (
      (await (
        await world.call("POST", `${set}?$select=${key}`, { body, headers: { Prefer: "return=representation" } })
      ).json()) as Json
    )[key] as string;
  contactId = await created("contacts", { firstname: "Nancy", lastname: "Anderson (sample)" }, "contactid");
  parentId = await created("accounts", { name: "Adventure Works (sample)" }, "accountid");
  accountId = await created(
    "accounts",
    {
      name: "A. Datum Corporation (sample)",
      revenue: 10000,
      "primarycontactid@odata.bind": `/contacts(${contactId})`,
      "parentaccountid@odata.bind": `/accounts(${parentId})`,
    },
    "accountid",
  );
  await created(
    "opportunities",
    { name: "Sample Opportunity 1", "customerid_account@odata.bind": `/accounts(${accountId})` },
    "opportunityid",
  );
  await created(
    "opportunities",
    { name: "Sample Opportunity 2", "customerid_account@odata.bind": `/accounts(${accountId})` },
    "opportunityid",
  );
});
afterAll(async () => {
  await world.close();
});

describe("retrieve-entity-using-web-api", () => {
  it("Basic retrieve returns every property", async () => {
    const res = await world.call("GET", `accounts(${accountId})`);
    expect(res.status).toBe(200);
    const body = (await res.json()) as Json;
    expect(body["@odata.context"]).toBe(`${root}$metadata#accounts/$entity`);
    expect(body).toHaveProperty("telephone1");
    expect(body.accountid).toBe(accountId);
    expect(res.headers.get("etag")).toBe(body["@odata.etag"]);
  });

  it("Retrieve specific properties: $select, with the currency of a money column", async () => {
    const res = await world.call("GET", `accounts(${accountId})?$select=name,revenue`);
    expect(res.status).toBe(200);
    expect(res.headers.get("content-type")).toBe("application/json; odata.metadata=minimal");
    expect(res.headers.get("odata-version")).toBe("4.0");
    const body = (await res.json()) as Json;
    expect(body).toEqual({
      "@odata.context": `${root}$metadata#accounts(name,revenue)/$entity`,
      "@odata.etag": expect.stringMatching(/^W\/"\d+"$/),
      name: "A. Datum Corporation (sample)",
      revenue: 10000,
      accountid: accountId,
      _transactioncurrencyid_value: expect.stringMatching(/^[0-9a-f-]{36}$/),
    });
  });

  it("Retrieve using an alternate key", async () => {
    await world.call("PATCH", `accounts(${accountId})`, { body: { accountnumber: "ADATUM-1" } });
    const res = await world.call("GET", "accounts(accountnumber='ADATUM-1')?$select=name");
    expect(res.status).toBe(200);
    expect(((await res.json()) as Json).accountid).toBe(accountId);
  });

  it("Retrieve a single property value", async () => {
    const res = await world.call("GET", `accounts(${accountId})/name`);
    expect(res.status).toBe(200);
    expect(await res.json()).toEqual({
      "@odata.context": `${root}$metadata#accounts(${accountId})/name`,
      value: "A. Datum Corporation (sample)",
    });
  });

  it("Retrieve navigation property values: single-valued with $select", async () => {
    const res = await world.call("GET", `accounts(${accountId})/primarycontactid?$select=fullname`);
    expect(res.status).toBe(200);
    expect(await res.json()).toEqual({
      "@odata.context": `${root}$metadata#contacts(fullname)/$entity`,
      "@odata.etag": expect.stringMatching(/^W\/"\d+"$/),
      fullname: "Nancy Anderson (sample)",
      contactid: contactId,
    });
  });

  it("Retrieve navigation property values: collection /$ref and /$count", async () => {
    const refs = await world.call("GET", `accounts(${accountId})/opportunity_customer_accounts/$ref`);
    expect(refs.status).toBe(200);
    const body = (await refs.json()) as Json;
    expect(body["@odata.context"]).toBe(`${root}$metadata#Collection($ref)`);
    expect(body.value).toHaveLength(2);
    for (const ref of body.value)
      expect(ref["@odata.id"]).toMatch(
        new RegExp(`^${root.replace(/[.$()]/g, "\\$&")}opportunities\\([0-9a-f-]{36}\\)$`),
      );
    const count = await world.call("GET", `accounts(${accountId})/opportunity_customer_accounts/$count`);
    expect(count.status).toBe(200);
    // The value includes the UTF-8 byte order mark; fetch's text() strips it as a decoder would.
    const bytes = new Uint8Array(await count.arrayBuffer());
    expect([...bytes.slice(0, 3)]).toEqual([0xef, 0xbb, 0xbf]);
    expect(new TextDecoder().decode(bytes)).toBe("2");
  });

  it("Expand a single-valued navigation property with $select", async () => {
    const res = await world.call(
      "GET",
      `accounts(${accountId})?$select=name&$expand=primarycontactid($select=contactid,fullname)`,
    );
    expect(await res.json()).toEqual({
      "@odata.context": `${root}$metadata#accounts(name,primarycontactid(contactid,fullname))/$entity`,
      "@odata.etag": expect.stringMatching(/^W\/"\d+"$/),
      name: "A. Datum Corporation (sample)",
      accountid: accountId,
      primarycontactid: {
        "@odata.etag": expect.stringMatching(/^W\/"\d+"$/),
        contactid: contactId,
        fullname: "Nancy Anderson (sample)",
      },
    });
  });

  it("Expand a single-valued navigation property with /$ref", async () => {
    const res = await world.call("GET", `accounts(${accountId})?$select=name&$expand=primarycontactid/$ref`);
    expect(await res.json()).toEqual({
      "@odata.context": `${root}$metadata#accounts(name,primarycontactid,primarycontactid/$ref())/$entity`,
      "@odata.etag": expect.stringMatching(/^W\/"\d+"$/),
      name: "A. Datum Corporation (sample)",
      accountid: accountId,
      _primarycontactid_value: contactId,
      primarycontactid: { "@odata.id": `${root}contacts(${contactId})` },
    });
  });

  it("Expand single- and collection-valued navigation properties together", async () => {
    const res = await world.call(
      "GET",
      `accounts(${accountId})?$select=accountid&$expand=parentaccountid($select%20=%20createdon,%20name),opportunity_customer_accounts($select%20=%20name)`,
    );
    expect(res.status).toBe(200);
    const body = (await res.json()) as Json;
    expect(body["@odata.context"]).toBe(
      `${root}$metadata#accounts(accountid,parentaccountid(createdon,name),opportunity_customer_accounts(name))/$entity`,
    );
    expect(body.parentaccountid).toMatchObject({ name: "Adventure Works (sample)", accountid: parentId });
    expect(body.parentaccountid.createdon).toMatch(/Z$/);
    expect(body.opportunity_customer_accounts.map((o: Json) => o.name).sort()).toEqual([
      "Sample Opportunity 1",
      "Sample Opportunity 2",
    ]);
  });

  it("Options to apply to expanded tables: $filter, $orderby, $top and nested $expand", async () => {
    const filtered = (await (
      await world.call(
        "GET",
        `accounts(${accountId})?$select=name&$expand=opportunity_customer_accounts($filter=endswith(name,'1');$select=name)`,
      )
    ).json()) as Json;
    expect(filtered.opportunity_customer_accounts.map((o: Json) => o.name)).toEqual(["Sample Opportunity 1"]);
    const top = (await (
      await world.call(
        "GET",
        `accounts(${accountId})?$select=name&$expand=opportunity_customer_accounts($orderby=name desc;$top=1;$select=name)`,
      )
    ).json()) as Json;
    expect(top.opportunity_customer_accounts.map((o: Json) => o.name)).toEqual(["Sample Opportunity 2"]);
    const nested = (await (
      await world.call(
        "GET",
        `accounts(${accountId})?$select=name&$expand=modifiedby($select=fullname;$expand=businessunitid($select=name))`,
      )
    ).json()) as Json;
    expect(nested.modifiedby.businessunitid.name).toBe("contoso");
    // systemuser inherits its key from principal: the expanded row shows it as ownerid too.
    expect(nested.modifiedby.ownerid).toBe(nested.modifiedby.systemuserid);
  });

  it("Detect if a row has changed: 304 with the ETag; never with $expand or annotations", async () => {
    const first = await world.call("GET", `accounts(${accountId})?$select=name`);
    const etag = first.headers.get("etag") ?? "";
    const same = await world.call("GET", `accounts(${accountId})?$select=name`, { headers: { "If-None-Match": etag } });
    expect(same.status).toBe(304);
    const expanded = await world.call("GET", `accounts(${accountId})?$select=name&$expand=primarycontactid`, {
      headers: { "If-None-Match": etag },
    });
    expect(expanded.status).toBe(200);
  });
});
