// Replays "Update and delete table rows using the Web API"
// (powerapps-docs: developer/data-platform/webapi/update-delete-entities-using-web-api.md) against the emulator.
import { randomUUID } from "node:crypto";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { startWorld, type World } from "./helpers.ts";

// biome-ignore lint/suspicious/noExplicitAny: response bodies are untyped JSON.
type Json = Record<string, any>;

let world: World;
let id: string;
beforeAll(async () => {
  world = await startWorld();
});
afterAll(async () => {
  await world.close();
});

const createAccount = async () => {
  const res = await world.call("POST", "accounts", {
    body: { name: "Sample Account", description: "This is the description of the sample account", revenue: 5000000 },
  });
  return /\(([0-9a-f-]{36})\)$/.exec(res.headers.get("odata-entityid") ?? "")?.[1] as string;
};

describe("update-delete-entities-using-web-api", () => {
  beforeAll(async () => {
    id = await createAccount();
  });

  it("Basic update: PATCH with If-Match: * answers 204", async () => {
    const res = await world.call("PATCH", `accounts(${id})`, {
      headers: { "If-Match": "*" },
      body: {
        name: "Updated Sample Account ",
        creditonhold: true,
        address1_latitude: 47.639583,
        description: "This is the updated description of the sample account",
        revenue: 6000000,
        accountcategorycode: 2,
      },
    });
    expect(res.status).toBe(204);
    expect(res.headers.get("odata-version")).toBe("4.0");
    expect(await res.text()).toBe("");
  });

  it("Update with data returned: 200, Preference-Applied, `accounts/$entity`", async () => {
    const res = await world.call(
      "PATCH",
      `accounts(${id})?$select=name,creditonhold,address1_latitude,description,revenue,accountcategorycode,createdon`,
      { headers: { Prefer: "return=representation", "If-Match": "*" }, body: { name: "Updated Sample Account" } },
    );
    expect(res.status).toBe(200);
    expect(res.headers.get("content-type")).toBe("application/json; odata.metadata=minimal");
    expect(res.headers.get("preference-applied")).toBe("return=representation");
    const body = (await res.json()) as Json;
    expect(body).toEqual({
      "@odata.context": `${world.dataverse.serviceRoot}$metadata#accounts/$entity`,
      "@odata.etag": expect.stringMatching(/^W\/"\d+"$/),
      accountid: id,
      accountcategorycode: 2,
      description: "This is the updated description of the sample account",
      address1_latitude: 47.639583,
      creditonhold: true,
      name: "Updated Sample Account",
      createdon: expect.stringMatching(/Z$/),
      revenue: 6000000,
      _transactioncurrencyid_value: expect.stringMatching(/^[0-9a-f-]{36}$/),
    });
  });

  it("Update a single property value with PUT, delete one with DELETE", async () => {
    const put = await world.call("PUT", `accounts(${id})/name`, { body: { value: "Updated Sample Account Name" } });
    expect(put.status).toBe(204);
    const del = await world.call("DELETE", `accounts(${id})/description`);
    expect(del.status).toBe(204);
    const read = (await (await world.call("GET", `accounts(${id})?$select=name,description`)).json()) as Json;
    expect(read.name).toBe("Updated Sample Account Name");
    expect(read.description).toBeNull();
  });

  it("Upsert: PATCH on an id that does not exist creates the row with that id", async () => {
    const newId = randomUUID();
    const res = await world.call("PATCH", `accounts(${newId})`, { body: { name: "Upserted" } });
    expect(res.status).toBe(204);
    expect(res.headers.get("odata-entityid")).toBe(`${world.dataverse.serviceRoot}accounts(${newId})`);
    const again = await world.call("PATCH", `accounts(${newId})`, { body: { name: "Upserted twice" } });
    expect(again.status).toBe(204);
    const read = (await (await world.call("GET", `accounts(${newId})?$select=name`)).json()) as Json;
    expect(read.name).toBe("Upserted twice");
  });

  it("Basic delete: 204, then 404 with the platform's message", async () => {
    const doomed = await createAccount();
    const res = await world.call("DELETE", `accounts(${doomed})`);
    expect(res.status).toBe(204);
    expect(res.headers.get("odata-version")).toBe("4.0");
    const gone = await world.call("DELETE", `accounts(${doomed})`);
    expect(gone.status).toBe(404);
    expect(((await gone.json()) as Json).error).toEqual({
      code: "0x80040217",
      message: `account With Id = ${doomed} Does Not Exist`,
    });
  });
});
