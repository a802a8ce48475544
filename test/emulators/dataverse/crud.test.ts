import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { DEMO_ADMIN_APP, DEMO_INTEGRATION_APP, DEMO_SALES_USER_ID } from "../../../emulators/identity/demo-apps.ts";
import { startWorld, type World } from "./helpers.ts";

// biome-ignore lint/suspicious/noExplicitAny: rows from the client are untyped JSON.
type Row = Record<string, any>;

let world: World;
beforeAll(async () => {
  world = await startWorld();
});
afterAll(async () => {
  await world.close();
});

describe("Dataverse CRUD through dynamics-web-api", () => {
  it("creates, reads, updates and deletes an account with lookups and ETags", async () => {
    const api = world.client();
    const contact = await api.create<Row, Row>({
      collection: "contacts",
      data: { firstname: "Ana", lastname: "Lopez" },
      returnRepresentation: true,
    });
    expect(contact.fullname).toBe("Ana Lopez");
    const created = await api.create<Row, Row>({
      collection: "accounts",
      data: {
        name: "Northwind",
        accountnumber: "NW-1",
        "primarycontactid@odata.bind": `/contacts(${contact.contactid})`,
      },
      returnRepresentation: true,
      select: ["name", "_primarycontactid_value", "versionnumber"],
    });
    expect(created.name).toBe("Northwind");
    expect(created._primarycontactid_value).toBe(contact.contactid);
    expect(created["@odata.etag"]).toBe(`W/"${created.versionnumber}"`);

    const read = await api.retrieve({
      collection: "accounts",
      key: created.accountid,
      select: ["name", "_createdby_value", "createdon"],
    });
    expect(read._createdby_value).toBe(DEMO_INTEGRATION_APP.dataverseUserId);
    // dynamics-web-api turns ISO dates into Date objects.
    expect(read.createdon).toBeInstanceOf(Date);

    const updated = await api.update<Row, Row>({
      collection: "accounts",
      key: created.accountid,
      data: { telephone1: "555" },
      returnRepresentation: true,
    });
    expect(updated.telephone1).toBe("555");
    expect(Number(updated.versionnumber)).toBeGreaterThan(Number(created.versionnumber));

    await api.deleteRecord({ collection: "accounts", key: created.accountid });
    await expect(api.retrieve({ collection: "accounts", key: created.accountid })).rejects.toMatchObject({
      status: 404,
      code: "0x80040217",
    });
  });

  it("reads and upserts by alternate key", async () => {
    const api = world.client();
    await api.upsert({ collection: "accounts", key: "accountnumber='ALT-1'", data: { name: "Created by upsert" } });
    const byKey = await api.retrieve({
      collection: "accounts",
      key: "accountnumber='ALT-1'",
      select: ["name", "accountnumber"],
    });
    expect(byKey).toMatchObject({ name: "Created by upsert", accountnumber: "ALT-1" });
    await api.upsert({ collection: "accounts", key: "accountnumber='ALT-1'", data: { name: "Updated by upsert" } });
    const again = await api.retrieve({ collection: "accounts", key: "accountnumber='ALT-1'", select: ["name"] });
    expect(again.name).toBe("Updated by upsert");
    expect(again.accountid).toBe(byKey.accountid);
    await expect(api.retrieve({ collection: "accounts", key: "accountnumber='NOPE'" })).rejects.toMatchObject({
      status: 404,
      code: "0x80060891",
    });
  });

  it("refuses a duplicate alternate key with 0x80060892", async () => {
    const api = world.client();
    await api.create<Row, Row>({ collection: "products", data: { name: "Bike", productnumber: "P-100" } });
    await expect(
      api.create<Row, Row>({ collection: "products", data: { name: "Bike 2", productnumber: "p-100" } }),
    ).rejects.toMatchObject({
      status: 412,
      code: "0x80060892",
    });
  });

  it("associates and disassociates roles (N:N $ref)", async () => {
    const api = world.client();
    const roles = await api.retrieveMultiple({
      collection: "roles",
      select: ["name"],
      filter: "name eq 'Salesperson'",
    });
    const roleId = roles.value[0].roleid as string;
    const userId = DEMO_INTEGRATION_APP.dataverseUserId!;
    await api.associate({
      collection: "systemusers",
      primaryKey: userId,
      relationshipName: "systemuserroles_association",
      relatedCollection: "roles",
      relatedKey: roleId,
    });
    const after = await world.call("GET", `systemusers(${userId})/systemuserroles_association?$select=name`);
    expect(((await after.json()) as { value: { name: string }[] }).value.map((r) => r.name).sort()).toEqual([
      "Salesperson",
      "bcsync Integration",
    ]);
    await api.disassociate({
      collection: "systemusers",
      primaryKey: userId,
      relationshipName: "systemuserroles_association",
      relatedKey: roleId,
    });
    const back = await world.call("GET", `systemusers(${userId})/systemuserroles_association?$select=name`);
    expect(((await back.json()) as { value: { name: string }[] }).value.map((r) => r.name)).toEqual([
      "bcsync Integration",
    ]);
  });
});

describe("Dataverse CRUD over raw HTTP (shapes from Microsoft's docs)", () => {
  it("answers 204 with OData-EntityId on create, 201 with return=representation", async () => {
    const res = await world.call("POST", "accounts", {
      body: { name: "Sample Account", creditonhold: false, revenue: 5000000 },
    });
    expect(res.status).toBe(204);
    expect(res.headers.get("odata-version")).toBe("4.0");
    expect(res.headers.get("odata-entityid")).toMatch(/\/api\/data\/v9\.2\/accounts\([0-9a-f-]{36}\)$/);
    const rep = await world.call("POST", "accounts?$select=name,revenue", {
      body: { name: "Sample Account", revenue: 5000000 },
      headers: { Prefer: "return=representation" },
    });
    expect(rep.status).toBe(201);
    expect(rep.headers.get("preference-applied")).toBe("return=representation");
    const body = (await rep.json()) as Record<string, unknown>;
    // create-entity-web-api shows `accounts/$entity` for a create with $select (no select list).
    expect(body["@odata.context"]).toMatch(/\$metadata#accounts\/\$entity$/);
    expect(body.revenue).toBe(5000000);
  });

  it("PATCH upserts unless If-Match: *, and If-None-Match: * prevents update", async () => {
    const id = "3b5d2f5e-1111-4bbb-8ccc-000000000001";
    const missing = await world.call("PATCH", `accounts(${id})`, { body: { name: "x" }, headers: { "If-Match": "*" } });
    expect(missing.status).toBe(404);
    expect(((await missing.json()) as { error: { code: string; message: string } }).error).toEqual({
      code: "0x80040217",
      message: `account With Id = ${id} Does Not Exist`,
    });
    const created = await world.call("PATCH", `accounts(${id})`, { body: { name: "Upserted" } });
    expect(created.status).toBe(204);
    const blocked = await world.call("PATCH", `accounts(${id})`, {
      body: { name: "y" },
      headers: { "If-None-Match": "*" },
    });
    expect(blocked.status).toBe(412);
    expect(((await blocked.json()) as { error: { code: string } }).error.code).toBe("0x80040237");
  });

  it("answers 412 to a stale If-Match and 304 to a matching If-None-Match", async () => {
    const rep = await world.call("POST", "accounts", {
      body: { name: "Versioned" },
      headers: { Prefer: "return=representation" },
    });
    const row = (await rep.json()) as { accountid: string; "@odata.etag": string };
    const etag = row["@odata.etag"];
    const ok = await world.call("PATCH", `accounts(${row.accountid})`, {
      body: { name: "v2" },
      headers: { "If-Match": etag },
    });
    expect(ok.status).toBe(204);
    const stale = await world.call("PATCH", `accounts(${row.accountid})`, {
      body: { name: "v3" },
      headers: { "If-Match": etag },
    });
    expect(stale.status).toBe(412);
    expect(await stale.json()).toEqual({
      error: {
        code: "0x80060882",
        message: "The version of the existing record doesn't match the RowVersion property provided.",
      },
    });
    const current = await world.call("GET", `accounts(${row.accountid})?$select=name`);
    const currentEtag = current.headers.get("etag")!;
    const notModified = await world.call("GET", `accounts(${row.accountid})?$select=name`, {
      headers: { "If-None-Match": currentEtag },
    });
    expect(notModified.status).toBe(304);
  });

  it("returns the service's error bodies for bad payloads and queries", async () => {
    const cases: [string, string, unknown, number, string, RegExp][] = [
      [
        "POST",
        "accounts",
        { nosuchcolumn: 1 },
        400,
        "0x80048d19",
        /The property 'nosuchcolumn' does not exist on type 'Microsoft.Dynamics.CRM.account'/,
      ],
      [
        "POST",
        "accounts",
        { name: "x".repeat(161) },
        400,
        "0x80044331",
        /exceeded the maximum allowed length of '160'/,
      ],
      [
        "POST",
        "accounts",
        { customertypecode: 42 },
        400,
        "0x8004431a",
        /The value 42 of 'customertypecode'.*Accepted Values: 1,2,3/,
      ],
      [
        "POST",
        "leads",
        { subject: "x", statecode: 0, statuscode: 3 },
        400,
        "0x80048408",
        /3 is not a valid status code for state code LeadState.Open/,
      ],
      ["GET", "accounts?$select=nosuch", undefined, 400, "0x80060888", /Could not find a property named 'nosuch'/],
      ["GET", "accounts?$skip=10", undefined, 400, "0x80060888", /\$skip is not supported/],
      ["GET", "nosuchset", undefined, 404, "0x8006088a", /Resource not found for the segment 'nosuchset'/],
      ["POST", "uoms", { name: "Box" }, 400, "0x80040200", /uomscheduleid/],
    ];
    for (const [method, path, body, status, code, message] of cases) {
      const res = await world.call(method, path, { body });
      expect(res.status, `${method} ${path}`).toBe(status);
      const err = ((await res.json()) as { error: { code: string; message: string } }).error;
      expect(err.code, `${method} ${path}`).toBe(code);
      expect(err.message).toMatch(message);
    }
  });

  it("validates state transitions", async () => {
    const rep = await world.call("POST", "opportunities", {
      body: { name: "Deal" },
      headers: { Prefer: "return=representation" },
    });
    const opp = (await rep.json()) as { opportunityid: string; statecode: number; statuscode: number };
    expect([opp.statecode, opp.statuscode]).toEqual([0, 1]);
    const won = await world.call("PATCH", `opportunities(${opp.opportunityid})`, {
      body: { statecode: 1, statuscode: 3 },
    });
    expect(won.status).toBe(204);
    const lost = await world.call("PATCH", `opportunities(${opp.opportunityid})`, {
      body: { statecode: 2, statuscode: 4 },
    });
    expect(lost.status).toBe(400);
    expect(((await lost.json()) as { error: { message: string } }).error.message).toMatch(
      /state transition requested is not valid/,
    );
  });

  it("stamps the impersonated user and the calling app (MSCRMCallerID and CallerObjectId)", async () => {
    const byId = await world.call("POST", "accounts?$select=_createdby_value,_createdonbehalfby_value,_ownerid_value", {
      body: { name: "Impersonated" },
      headers: { MSCRMCallerID: DEMO_SALES_USER_ID, Prefer: "return=representation" },
    });
    const row = (await byId.json()) as Record<string, string>;
    expect(row._createdby_value).toBe(DEMO_SALES_USER_ID);
    expect(row._ownerid_value).toBe(DEMO_SALES_USER_ID);
    expect(row._createdonbehalfby_value).toBe(DEMO_INTEGRATION_APP.dataverseUserId);

    const dana = (await (
      await world.call("GET", `systemusers(${DEMO_SALES_USER_ID})?$select=azureactivedirectoryobjectid`)
    ).json()) as {
      azureactivedirectoryobjectid: string;
    };
    const byAad = await world.call(
      "PATCH",
      `accounts(${row.accountid})?$select=_modifiedby_value,_modifiedonbehalfby_value`,
      {
        body: { name: "Impersonated 2" },
        headers: { CallerObjectId: dana.azureactivedirectoryobjectid, Prefer: "return=representation" },
      },
    );
    const updated = (await byAad.json()) as Record<string, string>;
    expect(updated._modifiedby_value).toBe(DEMO_SALES_USER_ID);
    expect(updated._modifiedonbehalfby_value).toBe(DEMO_INTEGRATION_APP.dataverseUserId);

    const who = (await (
      await world.call("GET", "WhoAmI", { headers: { MSCRMCallerID: DEMO_SALES_USER_ID } })
    ).json()) as { UserId: string };
    expect(who.UserId).toBe(DEMO_SALES_USER_ID);
  });

  it("rejects missing or foreign tokens with 401 and apps without an application user with 403", async () => {
    const none = await fetch(`${world.dataverse.serviceRoot}WhoAmI`);
    expect(none.status).toBe(401);
    expect(none.headers.get("www-authenticate")).toMatch(
      /^Bearer authorization_uri=https:\/\/.+, resource_id=http:\/\/127\.0\.0\.1:\d+\/$/,
    );
    const wrongAudience = world.identity.issueToken(DEMO_INTEGRATION_APP.clientId, "https://org.crm.dynamics.com");
    const foreign = await fetch(`${world.dataverse.serviceRoot}WhoAmI`, {
      headers: { Authorization: `Bearer ${wrongAudience}` },
    });
    expect(foreign.status).toBe(401);
    const localhostAudience = world.identity.issueToken(
      DEMO_ADMIN_APP.clientId,
      world.dataverse.url.replace("127.0.0.1", "localhost"),
    );
    const admin = await fetch(`${world.dataverse.serviceRoot}WhoAmI`, {
      headers: { Authorization: `Bearer ${localhostAudience}` },
    });
    expect(((await admin.json()) as { UserId: string }).UserId).toBe(DEMO_ADMIN_APP.dataverseUserId);
    // Remove the admin app's user: its valid token now has no application user.
    world.dataverse.records.transaction(() =>
      world.dataverse.records.delete(world.dataverse.model.table("systemuser"), DEMO_ADMIN_APP.dataverseUserId!, {
        caller: { userId: DEMO_INTEGRATION_APP.dataverseUserId!, callingUserId: DEMO_INTEGRATION_APP.dataverseUserId! },
        now: new Date(),
        serviceRoot: new URL(world.dataverse.serviceRoot),
      }),
    );
    const orphan = await fetch(`${world.dataverse.serviceRoot}WhoAmI`, {
      headers: { Authorization: `Bearer ${localhostAudience}` },
    });
    expect(orphan.status).toBe(403);
    expect(((await orphan.json()) as { error: { code: string } }).error.code).toBe("0x80072560");
  });

  it("serves the service document and $metadata", async () => {
    const doc = (await (await world.call("GET", "")).json()) as { value: { name: string }[] };
    const names = doc.value.map((v) => v.name);
    for (const set of [
      "accounts",
      "salesorders",
      "systemuserrolescollection",
      "nav_connections",
      "bcbi_companies",
      "nav_accountstatisticses",
    ]) {
      expect(names).toContain(set);
    }
    const meta = await (await world.call("GET", "$metadata")).text();
    expect(meta).toContain('<EntityType Name="account">');
    expect(meta).toContain('<NavigationProperty Name="customerid_account"');
    expect(meta).toContain('<Property Name="_bcbi_companyid_value" Type="Edm.Guid" />');
  });
});
