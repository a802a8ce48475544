// Replays sections 1, 2, 4 and 5 of the "Web API Basic Operations Sample"
// (powerapps-docs: developer/data-platform/webapi/web-api-basic-operations-sample.md): create, update and retrieve a
// contact with every annotation, single-property PUT and GET, create an account bound to it and expand it, associate
// and disassociate (1:N and N:N) with absolute @odata.id URLs, delete. Section 3 needs tasks, which are not served.
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { startWorld, type World } from "./helpers.ts";

// biome-ignore lint/suspicious/noExplicitAny: response bodies are untyped JSON.
type Json = Record<string, any>;

let world: World;
let root: string;
const all = { Prefer: 'odata.include-annotations="*"', "If-None-Match": "null" };
const F = "@OData.Community.Display.V1.FormattedValue";
const NAV = "@Microsoft.Dynamics.CRM.associatednavigationproperty";
const LOGICAL = "@Microsoft.Dynamics.CRM.lookuplogicalname";
let contactId: string;

beforeAll(async () => {
  world = await startWorld({ seed: "empty" });
  root = world.dataverse.serviceRoot;
});
afterAll(async () => {
  await world.close();
});

describe("web-api-basic-operations-sample", () => {
  it("Section 1: create, update, retrieve with all annotations, PUT and GET a single property", async () => {
    const created = await world.call("POST", "contacts", {
      headers: { "If-None-Match": "null" },
      body: { firstname: "Rafel", lastname: "Shillo" },
    });
    expect(created.status).toBe(204);
    expect(created.headers.get("odata-version")).toBe("4.0");
    const uri = created.headers.get("odata-entityid") ?? "";
    expect(uri).toMatch(new RegExp(`^${root.replace(/[.*+?^${}()|[\]\\]/g, "\\$&")}contacts\\([0-9a-f-]{36}\\)$`));
    contactId = /\(([0-9a-f-]{36})\)$/.exec(uri)?.[1] as string;

    const updated = await world.call("PATCH", `contacts(${contactId})`, {
      headers: { "If-Match": "*", "If-None-Match": "null" },
      body: { annualincome: 80000, jobtitle: "Junior Developer" },
    });
    expect(updated.status).toBe(204);
    expect(updated.headers.get("odata-entityid")).toBe(uri);

    const read = await world.call("GET", `contacts(${contactId})?$select=fullname,annualincome,jobtitle,description`, {
      headers: all,
    });
    expect(read.status).toBe(200);
    expect(read.headers.get("preference-applied")).toBe('odata.include-annotations="*"');
    const body = (await read.json()) as Json;
    expect(read.headers.get("etag")).toBe(body["@odata.etag"]);
    expect(body["@odata.context"]).toBe(
      `${root}$metadata#contacts(fullname,annualincome,jobtitle,description)/$entity`,
    );
    expect(Object.keys(body)).toEqual([
      "@odata.context",
      "@odata.etag",
      "fullname",
      `annualincome${F}`,
      "annualincome",
      "jobtitle",
      "description",
      `_transactioncurrencyid_value${F}`,
      `_transactioncurrencyid_value${NAV}`,
      `_transactioncurrencyid_value${LOGICAL}`,
      "_transactioncurrencyid_value",
      "contactid",
    ]);
    expect(body).toMatchObject({
      fullname: "Rafel Shillo",
      [`annualincome${F}`]: "$80,000.00",
      annualincome: 80000,
      jobtitle: "Junior Developer",
      description: null,
      [`_transactioncurrencyid_value${NAV}`]: "transactioncurrencyid",
      [`_transactioncurrencyid_value${LOGICAL}`]: "transactioncurrency",
      contactid: contactId,
    });

    const put = await world.call("PUT", `contacts(${contactId})/telephone1`, { body: { value: "555-0105" } });
    expect(put.status).toBe(204);
    const phone = await world.call("GET", `contacts(${contactId})/telephone1`);
    expect(phone.status).toBe(200);
    expect(await phone.json()).toEqual({
      "@odata.context": `${root}$metadata#contacts(${contactId})/telephone1`,
      value: "555-0105",
    });
  });

  it("Section 2: create with association (bind without a leading slash), then expand with all annotations", async () => {
    const created = await world.call("POST", "accounts", {
      headers: { "If-None-Match": "null" },
      body: { name: "Contoso Ltd", telephone1: "555-5555", "primarycontactid@odata.bind": `contacts(${contactId})` },
    });
    expect(created.status).toBe(204);
    const accountId = /\(([0-9a-f-]{36})\)$/.exec(created.headers.get("odata-entityid") ?? "")?.[1] as string;
    const res = await world.call(
      "GET",
      `accounts(${accountId})?$select=name&$expand=primarycontactid($select=fullname,jobtitle,annualincome)`,
      { headers: all },
    );
    expect(res.status).toBe(200);
    const body = (await res.json()) as Json;
    expect(body["@odata.context"]).toBe(
      `${root}$metadata#accounts(name,primarycontactid(fullname,jobtitle,annualincome))/$entity`,
    );
    expect(Object.keys(body)).toEqual(["@odata.context", "@odata.etag", "name", "accountid", "primarycontactid"]);
    expect(Object.keys(body.primarycontactid)).toEqual([
      "@odata.etag",
      "fullname",
      "jobtitle",
      `annualincome${F}`,
      "annualincome",
      `_transactioncurrencyid_value${F}`,
      `_transactioncurrencyid_value${NAV}`,
      `_transactioncurrencyid_value${LOGICAL}`,
      "_transactioncurrencyid_value",
      "contactid",
    ]);
    expect(body.primarycontactid.fullname).toBe("Rafel Shillo");
  });

  it("Section 4: associate and disassociate existing rows", async () => {
    const fourth = /\(([0-9a-f-]{36})\)$/.exec(
      (await world.call("POST", "accounts", { body: { name: "Fourth Coffee" } })).headers.get("odata-entityid") ?? "",
    )?.[1] as string;
    // The sample's @odata.id is an absolute URL of the service.
    const add = await world.call("POST", `accounts(${fourth})/contact_customer_accounts/$ref`, {
      headers: { "If-None-Match": "null" },
      body: { "@odata.id": `${root}contacts(${contactId})` },
    });
    expect(add.status).toBe(204);
    const list = await world.call("GET", `accounts(${fourth})/contact_customer_accounts?$select=fullname,jobtitle`);
    expect(await list.json()).toEqual({
      "@odata.context": `${root}$metadata#contacts(fullname,jobtitle)`,
      value: [
        {
          "@odata.etag": expect.stringMatching(/^W\/"\d+"$/),
          fullname: "Rafel Shillo",
          jobtitle: "Junior Developer",
          contactid: contactId,
        },
      ],
    });
    const remove = await world.call("DELETE", `accounts(${fourth})/contact_customer_accounts(${contactId})/$ref`);
    expect(remove.status).toBe(204);

    const bu = ((await (await world.call("GET", "businessunits?$select=businessunitid&$top=1")).json()) as Json)
      .value[0].businessunitid as string;
    const role = await world.call("POST", "roles", {
      body: { "businessunitid@odata.bind": `businessunits(${bu})`, name: "Example Security Role" },
    });
    expect(role.status).toBe(204);
    const roleId = /\(([0-9a-f-]{36})\)$/.exec(role.headers.get("odata-entityid") ?? "")?.[1] as string;
    const me = ((await (await world.call("GET", "WhoAmI")).json()) as Json).UserId as string;
    const assign = await world.call("POST", `systemusers(${me})/systemuserroles_association/$ref`, {
      body: { "@odata.id": `${root}roles(${roleId})` },
    });
    expect(assign.status).toBe(204);
    const roles = await world.call(
      "GET",
      `systemusers(${me})/systemuserroles_association?$select=name&$filter=roleid%20eq%20${roleId}`,
    );
    expect(await roles.json()).toEqual({
      "@odata.context": `${root}$metadata#roles(name)`,
      value: [{ "@odata.etag": expect.stringMatching(/^W\/"\d+"$/), name: "Example Security Role", roleid: roleId }],
    });
    const unassign = await world.call("DELETE", `systemusers(${me})/systemuserroles_association(${roleId})/$ref`);
    expect(unassign.status).toBe(204);

    // Section 5: delete the rows.
    for (const path of [`contacts(${contactId})`, `accounts(${fourth})`, `roles(${roleId})`]) {
      const res = await world.call("DELETE", path, { headers: { "If-None-Match": "null" } });
      expect(res.status).toBe(204);
      expect(res.headers.get("odata-version")).toBe("4.0");
    }
  });
});
