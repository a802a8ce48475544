// Role privileges through the Web API: the privilege table, the roleprivileges_association N:N and the role
// messages (reference: AddPrivilegesRole / ReplacePrivilegesRole / RemovePrivilegeRole actions and the
// RetrieveRolePrivilegesRole function in powerapps-docs' Web API reference; PrivilegeDepth is an enum name).
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { INTEGRATION_ROLE_ID, SYSTEM_ADMINISTRATOR_ROLE_ID } from "../../../emulators/dataverse/seed/ids.ts";
import { DEMO_INTEGRATION_APP } from "../../../emulators/identity/demo-apps.ts";
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

const privilegeIds = async (...names: string[]) => {
  const filter = names.map((n) => `name eq '${n}'`).join(" or ");
  const body = (await (
    await world.call("GET", `privileges?$select=name&$filter=${encodeURIComponent(filter)}`)
  ).json()) as Json;
  return Object.fromEntries((body.value as Json[]).map((p) => [p.name, p.privilegeid as string]));
};
const privilegesOf = async (roleId: string) =>
  ((await (await world.call("GET", `RetrieveRolePrivilegesRole(RoleId=${roleId})`)).json()) as Json)
    .RolePrivileges as Json[];

describe("privileges and role messages", () => {
  it("seeds prv<Verb><Table> privileges with the depths the table allows", async () => {
    const res = await world.call(
      "GET",
      "privileges?$select=name,accessright,canbebasic,canbelocal,canbedeep,canbeglobal&$filter=name eq 'prvReadAccount' or name eq 'prvReadTransactionCurrency' or name eq 'prvAssignAccount'&$orderby=name",
    );
    const rows = ((await res.json()) as Json).value as Json[];
    expect(rows.map((r) => [r.name, r.accessright, r.canbebasic, r.canbeglobal])).toEqual([
      ["prvAssignAccount", 524288, true, true],
      ["prvReadAccount", 1, true, true],
      ["prvReadTransactionCurrency", 1, false, true],
    ]);
    const names = ((await (await world.call("GET", "privileges?$select=name")).json()) as Json).value.map(
      (p: Json) => p.name,
    );
    for (const n of [
      "prvCreateContact",
      "prvWriteOpportunity",
      "prvDeleteLead",
      "prvAppendToAccount",
      "prvReadNote",
      "prvReadUser",
    ])
      expect(names).toContain(n);
    expect(names).not.toContain("prvAssignTransactionCurrency");
  });

  it("seeded users: application users are unlicensed integration users, people are licensed", async () => {
    const app = world.dataverse.applicationUser(DEMO_INTEGRATION_APP.clientId);
    const res = await world.call(
      "GET",
      `systemusers(${app?.systemuserid})?$select=islicensed,isintegrationuser,accessmode`,
    );
    expect(await res.json()).toMatchObject({ islicensed: false, isintegrationuser: true, accessmode: 4 });
    const people = (
      (await (
        await world.call(
          "GET",
          "systemusers?$select=fullname,islicensed,isintegrationuser&$filter=applicationid eq null and fullname ne 'SYSTEM' and accessmode ne 4",
        )
      ).json()) as Json
    ).value as Json[];
    expect(people.length).toBeGreaterThan(0);
    for (const p of people) expect(p).toMatchObject({ islicensed: true, isintegrationuser: false });
  });

  it("AddPrivilegesRole adds (and re-depths) privileges; the N:N and RetrieveRolePrivilegesRole show them", async () => {
    const ids = await privilegeIds("prvReadAccount", "prvWriteAccount", "prvReadTransactionCurrency");
    const add = await world.call("POST", `roles(${INTEGRATION_ROLE_ID})/Microsoft.Dynamics.CRM.AddPrivilegesRole`, {
      body: {
        Privileges: [
          { Depth: "Global", PrivilegeId: ids.prvReadAccount },
          { Depth: "Basic", PrivilegeId: ids.prvWriteAccount },
        ],
      },
    });
    expect(add.status).toBe(204);
    const again = await world.call("POST", `roles(${INTEGRATION_ROLE_ID})/Microsoft.Dynamics.CRM.AddPrivilegesRole`, {
      body: { Privileges: [{ Depth: "Local", PrivilegeId: ids.prvWriteAccount }] },
    });
    expect(again.status).toBe(204);
    const held = await privilegesOf(INTEGRATION_ROLE_ID);
    expect(held.map((p) => [p.PrivilegeName, p.Depth])).toEqual([
      ["prvReadAccount", "Global"],
      ["prvWriteAccount", "Local"],
    ]);
    expect(held[0].BusinessUnitId).toMatch(/^[0-9a-f-]{36}$/);
    const nav = (await (
      await world.call(
        "GET",
        `roles(${INTEGRATION_ROLE_ID})?$select=name&$expand=roleprivileges_association($select=name)`,
      )
    ).json()) as Json;
    expect(nav.roleprivileges_association.map((p: Json) => p.name).sort()).toEqual([
      "prvReadAccount",
      "prvWriteAccount",
    ]);
    // An organization-owned table's privilege only exists at Global depth.
    const tooShallow = await world.call(
      "POST",
      `roles(${INTEGRATION_ROLE_ID})/Microsoft.Dynamics.CRM.AddPrivilegesRole`,
      {
        body: { Privileges: [{ Depth: "Basic", PrivilegeId: ids.prvReadTransactionCurrency }] },
      },
    );
    expect(tooShallow.status).toBe(403);
    const numeric = await world.call("POST", `roles(${INTEGRATION_ROLE_ID})/Microsoft.Dynamics.CRM.AddPrivilegesRole`, {
      body: { Privileges: [{ Depth: 1, PrivilegeId: ids.prvReadAccount }] },
    });
    expect(numeric.status).toBe(400);
  });

  it("ReplacePrivilegesRole replaces the set; RemovePrivilegeRole removes one", async () => {
    const ids = await privilegeIds("prvReadContact", "prvCreateContact");
    const replace = await world.call(
      "POST",
      `roles(${INTEGRATION_ROLE_ID})/Microsoft.Dynamics.CRM.ReplacePrivilegesRole`,
      {
        body: {
          Privileges: [
            { Depth: "Global", PrivilegeId: ids.prvReadContact },
            { Depth: "Deep", PrivilegeId: ids.prvCreateContact },
          ],
        },
      },
    );
    expect(replace.status).toBe(204);
    expect((await privilegesOf(INTEGRATION_ROLE_ID)).map((p) => [p.PrivilegeName, p.Depth])).toEqual([
      ["prvCreateContact", "Deep"],
      ["prvReadContact", "Global"],
    ]);
    const remove = await world.call(
      "POST",
      `roles(${INTEGRATION_ROLE_ID})/Microsoft.Dynamics.CRM.RemovePrivilegeRole`,
      {
        body: { Privilege: { "@odata.type": "Microsoft.Dynamics.CRM.privilege", privilegeid: ids.prvCreateContact } },
      },
    );
    expect(remove.status).toBe(204);
    expect((await privilegesOf(INTEGRATION_ROLE_ID)).map((p) => p.PrivilegeName)).toEqual(["prvReadContact"]);
  });

  it("System Administrator holds every privilege at Global depth", async () => {
    const held = await privilegesOf(SYSTEM_ADMINISTRATOR_ROLE_ID);
    const all = ((await (await world.call("GET", "privileges/$count")).text()) as string).trim();
    expect(String(held.length)).toBe(all);
    expect(new Set(held.map((p) => p.Depth))).toEqual(new Set(["Global"]));
  });
});
