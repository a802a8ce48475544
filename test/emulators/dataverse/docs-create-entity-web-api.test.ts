// Replays the request/response examples of Microsoft's "Create a table row using the Web API"
// (powerapps-docs: developer/data-platform/webapi/create-entity-web-api.md) against the emulator.
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

const sampleAccount = {
  name: "Sample Account",
  creditonhold: false,
  address1_latitude: 47.639583,
  description: "This is the description of the sample account",
  revenue: 5000000,
  accountcategorycode: 1,
};

describe("create-entity-web-api", () => {
  it("Basic create: 204 with OData-EntityId", async () => {
    const res = await world.call("POST", "accounts", { body: sampleAccount });
    expect(res.status).toBe(204);
    expect(res.headers.get("odata-version")).toBe("4.0");
    const entityId = res.headers.get("odata-entityid") ?? "";
    expect(entityId).toMatch(new RegExp(`^${escapeRegExp(world.dataverse.serviceRoot)}accounts\\([0-9a-f-]{36}\\)$`));
    expect(await res.text()).toBe("");
  });

  it("Create with data returned: 201, Preference-Applied, the selected columns and the currency", async () => {
    const res = await world.call(
      "POST",
      "accounts?$select=name,creditonhold,address1_latitude,description,revenue,accountcategorycode,createdon",
      { body: sampleAccount, headers: { Prefer: "return=representation" } },
    );
    expect(res.status).toBe(201);
    expect(res.headers.get("content-type")).toBe("application/json; odata.metadata=minimal");
    expect(res.headers.get("preference-applied")).toBe("return=representation");
    expect(res.headers.get("odata-version")).toBe("4.0");
    const body = (await res.json()) as Json;
    expect(body["@odata.context"]).toBe(`${world.dataverse.serviceRoot}$metadata#accounts/$entity`);
    expect(body["@odata.etag"]).toMatch(/^W\/"\d+"$/);
    expect(body).toMatchObject({
      accountcategorycode: 1,
      description: "This is the description of the sample account",
      address1_latitude: 47.639583,
      creditonhold: false,
      name: "Sample Account",
      revenue: 5000000,
    });
    expect(body.createdon).toMatch(/^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}Z$/);
    // A money column brings the row's currency along (the base currency when none was set).
    expect(body._transactioncurrencyid_value).toMatch(/^[0-9a-f-]{36}$/);
    expect(Object.keys(body).sort()).toEqual(
      [
        "@odata.context",
        "@odata.etag",
        "accountid",
        "accountcategorycode",
        "description",
        "address1_latitude",
        "creditonhold",
        "name",
        "createdon",
        "revenue",
        "_transactioncurrencyid_value",
      ].sort(),
    );
  });

  it("Create related table rows in one operation (deep insert)", async () => {
    const res = await world.call("POST", "accounts", {
      body: {
        name: "Sample Account",
        primarycontactid: { firstname: "John", lastname: "Smith" },
        opportunity_customer_accounts: [{ name: "Opportunity associated to Sample Account" }],
      },
    });
    expect(res.status).toBe(204);
    const url = res.headers.get("odata-entityid") ?? "";
    const id = /\(([0-9a-f-]{36})\)$/.exec(url)?.[1];
    const read = await world.call(
      "GET",
      `accounts(${id})?$select=name&$expand=primarycontactid($select=fullname),opportunity_customer_accounts($select=name)`,
    );
    const body = (await read.json()) as Json;
    expect(body.primarycontactid.fullname).toBe("John Smith");
    expect(body.opportunity_customer_accounts.map((o: Json) => o.name)).toEqual([
      "Opportunity associated to Sample Account",
    ]);
  });

  it("Associate table rows on create: @odata.bind with $select/$expand and return=representation", async () => {
    const contact = await world.call("POST", "contacts?$select=contactid", {
      body: { firstname: "Yvonne", lastname: "McKay (sample)" },
      headers: { Prefer: "return=representation" },
    });
    const contactId = ((await contact.json()) as Json).contactid as string;
    const opportunity = await world.call("POST", "opportunities?$select=opportunityid", {
      body: { name: "Opportunity 1" },
      headers: { Prefer: "return=representation" },
    });
    const opportunityId = ((await opportunity.json()) as Json).opportunityid as string;
    const res = await world.call(
      "POST",
      "accounts?$select=name&$expand=primarycontactid($select=fullname),opportunity_customer_accounts($select=name)",
      {
        body: {
          name: "Sample Account",
          "primarycontactid@odata.bind": `/contacts(${contactId})`,
          "opportunity_customer_accounts@odata.bind": [`/opportunities(${opportunityId})`],
        },
        headers: { Prefer: "return=representation" },
      },
    );
    expect(res.status).toBe(201);
    expect(res.headers.get("preference-applied")).toBe("return=representation");
    const body = (await res.json()) as Json;
    expect(body["@odata.context"]).toBe(
      `${world.dataverse.serviceRoot}$metadata#accounts(name,primarycontactid(fullname),opportunity_customer_accounts(name))/$entity`,
    );
    expect(body.name).toBe("Sample Account");
    expect(body.primarycontactid).toEqual({
      "@odata.etag": expect.stringMatching(/^W\/"\d+"$/),
      fullname: "Yvonne McKay (sample)",
      contactid: contactId,
    });
    expect(body.opportunity_customer_accounts).toEqual([
      { "@odata.etag": expect.stringMatching(/^W\/"\d+"$/), name: "Opportunity 1", opportunityid: opportunityId },
    ]);
  });

  it("Check for duplicate records: detection is suppressed unless MSCRM.SuppressDuplicateDetection is false", async () => {
    // Earlier cases created accounts named "Sample Account": the default rule (same Account Name) finds them.
    const plain = await world.call("POST", "accounts", { body: { name: "Sample Account" } });
    expect(plain.status).toBe(204);
    const detected = await world.call("POST", "accounts", {
      body: { name: "Sample Account" },
      headers: { "MSCRM.SuppressDuplicateDetection": "false" },
    });
    expect(detected.status).toBe(500);
    expect(((await detected.json()) as Json).error.code).toBe("0x80040333");
    const unique = await world.call("POST", "accounts", {
      body: { name: "Sample Account (no duplicate)" },
      headers: { "MSCRM.SuppressDuplicateDetection": "false" },
    });
    expect(unique.status).toBe(204);
  });
});

function escapeRegExp(text: string): string {
  return text.replace(/[.*+?^${}()|[\]\\]/g, "\\$&");
}
