// Replays "Associate and disassociate table rows using the Web API"
// (powerapps-docs: developer/data-platform/webapi/associate-disassociate-entities-using-web-api.md).
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { startWorld, type World } from "./helpers.ts";

// biome-ignore lint/suspicious/noExplicitAny: response bodies are untyped JSON.
type Json = Record<string, any>;

let world: World;
let root: string;
beforeAll(async () => {
  world = await startWorld();
  root = world.dataverse.serviceRoot;
});
afterAll(async () => {
  await world.close();
});

const create = async (set: string, body: unknown) => {
  const res = await world.call("POST", set, { body });
  return /\(([0-9a-f-]{36})\)$/.exec(res.headers.get("odata-entityid") ?? "")?.[1] as string;
};
const customerOf = async (opportunityId: string) =>
  ((await (await world.call("GET", `opportunities(${opportunityId})?$select=_customerid_value`)).json()) as Json)
    ._customerid_value;

describe("associate-disassociate-entities-using-web-api", () => {
  it("Add a reference to a collection-valued navigation property (1:N), then remove it both ways", async () => {
    const accountId = await create("accounts", { name: "Account 2" });
    const opportunityId = await create("opportunities", { name: "Opportunity 1" });
    const add = await world.call("POST", `accounts(${accountId})/opportunity_customer_accounts/$ref`, {
      body: { "@odata.id": `${root}opportunities(${opportunityId})` },
    });
    expect(add.status).toBe(204);
    expect(add.headers.get("odata-version")).toBe("4.0");
    expect(await customerOf(opportunityId)).toBe(accountId);
    const removeById = await world.call(
      "DELETE",
      `accounts(${accountId})/opportunity_customer_accounts/$ref?$id=${root}opportunities(${opportunityId})`,
    );
    expect(removeById.status).toBe(204);
    expect(await customerOf(opportunityId)).toBeNull();
    await world.call("POST", `accounts(${accountId})/opportunity_customer_accounts/$ref`, {
      body: { "@odata.id": `${root}opportunities(${opportunityId})` },
    });
    const removeByKey = await world.call(
      "DELETE",
      `accounts(${accountId})/opportunity_customer_accounts(${opportunityId})/$ref`,
    );
    expect(removeByKey.status).toBe(204);
    expect(await customerOf(opportunityId)).toBeNull();
  });

  it("The same for an N:N relationship (systemuserroles_association)", async () => {
    const users = (await (
      await world.call("GET", "systemusers?$select=fullname&$filter=lastname eq 'Wilke'")
    ).json()) as Json;
    const userId = users.value[0].systemuserid as string;
    const roles = (await (
      await world.call("GET", "roles?$select=name&$filter=name eq 'System Administrator'")
    ).json()) as Json;
    const roleId = roles.value[0].roleid as string;
    const add = await world.call("POST", `systemusers(${userId})/systemuserroles_association/$ref`, {
      body: { "@odata.id": `${root}roles(${roleId})` },
    });
    expect(add.status).toBe(204);
    const linked = (await (
      await world.call("GET", `systemusers(${userId})/systemuserroles_association?$select=name`)
    ).json()) as Json;
    expect(linked.value.map((r: Json) => r.name)).toContain("System Administrator");
    const remove = await world.call(
      "DELETE",
      `systemusers(${userId})/systemuserroles_association/$ref?$id=${root}roles(${roleId})`,
    );
    expect(remove.status).toBe(204);
  });

  it("Change the reference in a single-valued navigation property with PUT, remove it with DELETE", async () => {
    const accountId = await create("accounts", { name: "Account 2" });
    const opportunityId = await create("opportunities", { name: "Opportunity 1" });
    const put = await world.call("PUT", `opportunities(${opportunityId})/customerid_account/$ref`, {
      body: { "@odata.id": `accounts(${accountId})` },
    });
    expect(put.status).toBe(204);
    expect(await customerOf(opportunityId)).toBe(accountId);
    const ref = (await (
      await world.call("GET", `opportunities(${opportunityId})/customerid_account/$ref`)
    ).json()) as Json;
    expect(ref).toEqual({ "@odata.context": `${root}$metadata#$ref`, "@odata.id": `${root}accounts(${accountId})` });
    const del = await world.call("DELETE", `opportunities(${opportunityId})/customerid_account/$ref`);
    expect(del.status).toBe(204);
    expect(await customerOf(opportunityId)).toBeNull();
  });

  it("Associate on update with @odata.bind; disassociate with a null bind or a null navigation property", async () => {
    const parentId = await create("accounts", { name: "Parent" });
    const contactId = await create("contacts", { firstname: "Primary" });
    const accountId = await create("accounts", { name: "Child" });
    const opportunityId = await create("opportunities", { name: "Opportunity 1" });
    const bind = await world.call("PATCH", `opportunities(${opportunityId})`, {
      body: { "customerid_account@odata.bind": `accounts(${accountId})` },
    });
    expect(bind.status).toBe(204);
    expect(await customerOf(opportunityId)).toBe(accountId);
    const link = () =>
      world.call("PATCH", `accounts(${accountId})`, {
        body: {
          "parentaccountid@odata.bind": `/accounts(${parentId})`,
          "primarycontactid@odata.bind": `/contacts(${contactId})`,
        },
      });
    const read = async () =>
      (await (
        await world.call("GET", `accounts(${accountId})?$select=_parentaccountid_value,_primarycontactid_value`)
      ).json()) as Json;
    await link();
    expect((await read())._parentaccountid_value).toBe(parentId);
    const nullBind = await world.call("PATCH", `accounts(${accountId})`, {
      body: { "parentaccountid@odata.bind": null, "primarycontactid@odata.bind": null },
    });
    expect(nullBind.status).toBe(204);
    expect(await read()).toMatchObject({ _parentaccountid_value: null, _primarycontactid_value: null });
    await link();
    const nullNav = await world.call("PATCH", `accounts(${accountId})`, {
      body: { parentaccountid: null, primarycontactid: null },
    });
    expect(nullNav.status).toBe(204);
    expect(await read()).toMatchObject({ _parentaccountid_value: null, _primarycontactid_value: null });
  });
});
