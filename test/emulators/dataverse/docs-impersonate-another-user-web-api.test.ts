// Replays "Impersonate another user using the Web API"
// (powerapps-docs: developer/data-platform/webapi/impersonate-another-user-web-api.md).
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { seedId } from "../../../emulators/dataverse/seed/ids.ts";
import { DEMO_INTEGRATION_APP, DEMO_SALES_USER_ID } from "../../../emulators/identity/demo-apps.ts";
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

const expandActors =
  "$select=name&$expand=createdby($select=fullname),createdonbehalfby($select=fullname),owninguser($select=fullname)";

describe("impersonate-another-user-web-api", () => {
  it("CallerObjectId: the row is created by the impersonated user on behalf of the caller", async () => {
    const res = await world.call("POST", "accounts", {
      headers: { CallerObjectId: seedId("aad:dana") },
      body: { name: "Sample Account created using impersonation" },
    });
    expect(res.status).toBe(204);
    const url = res.headers.get("odata-entityid") ?? "";
    const id = /\(([0-9a-f-]{36})\)$/.exec(url)?.[1];
    const read = await world.call("GET", `accounts(${id})?${expandActors}`);
    expect(read.headers.get("etag")).toMatch(/^W\/"\d+"$/);
    const body = (await read.json()) as Json;
    expect(body["@odata.context"]).toBe(
      `${world.dataverse.serviceRoot}$metadata#accounts(name,createdby(fullname),createdonbehalfby(fullname),owninguser(fullname))/$entity`,
    );
    const appUserId = world.dataverse.applicationUser(DEMO_INTEGRATION_APP.clientId)?.systemuserid;
    expect(body.createdby).toEqual({
      "@odata.etag": expect.stringMatching(/^W\/"\d+"$/),
      fullname: "Dana Birkby",
      systemuserid: DEMO_SALES_USER_ID,
      ownerid: DEMO_SALES_USER_ID,
    });
    expect(body.createdonbehalfby.systemuserid).toBe(appUserId);
    expect(body.createdonbehalfby.ownerid).toBe(appUserId);
    expect(body.owninguser.systemuserid).toBe(DEMO_SALES_USER_ID);
  });

  it("MSCRMCallerID (legacy): impersonation by systemuserid; modifiedonbehalfby on update", async () => {
    const created = await world.call("POST", "accounts", { body: { name: "Impersonated update" } });
    const id = /\(([0-9a-f-]{36})\)$/.exec(created.headers.get("odata-entityid") ?? "")?.[1];
    const patch = await world.call("PATCH", `accounts(${id})`, {
      headers: { MSCRMCallerID: `{${DEMO_SALES_USER_ID.toUpperCase()}}` },
      body: { telephone1: "555" },
    });
    expect(patch.status).toBe(204);
    const row = (await (
      await world.call(
        "GET",
        `accounts(${id})?$select=_modifiedby_value,_modifiedonbehalfby_value,_createdonbehalfby_value`,
      )
    ).json()) as Json;
    expect(row._modifiedby_value).toBe(DEMO_SALES_USER_ID);
    expect(row._modifiedonbehalfby_value).toBe(
      world.dataverse.applicationUser(DEMO_INTEGRATION_APP.clientId)?.systemuserid,
    );
    expect(row._createdonbehalfby_value).toBeNull();
  });
});
