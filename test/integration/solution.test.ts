// Installing the integration solution against the Dataverse emulator over real HTTP (seed S3, S20): the three
// roles exist and are assigned to the application user, nav_connection links back to BC, a reinstall keeps one
// of each, and an application user holding System Administrator is refused before anything is written.
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { DEMO_ADMIN_APP, DEMO_INTEGRATION_APP, DEMO_INTEGRATION_APP_2 } from "../../emulators/identity/demo-apps.ts";
import type { RunningEmulators } from "../../emulators/index.ts";
import type { DataverseClient } from "../../src/connectors/index.ts";
import {
  checkIntegrationUser,
  checkIntegrationUsers,
  INTEGRATION_ROLES,
  installIntegrationSolution,
  NAV_CONNECTION_NAME,
} from "../../src/integration/solution.ts";
import { dataverseClient, startTestEmulators } from "../connectors/emulators.ts";

let emulators: RunningEmulators;
let dv: DataverseClient;
let admin: DataverseClient;

beforeAll(async () => {
  emulators = await startTestEmulators({ seed: "demo" });
  dv = dataverseClient(emulators);
  admin = dataverseClient(emulators, { clientId: DEMO_ADMIN_APP.clientId, clientSecret: DEMO_ADMIN_APP.clientSecret });
});
afterAll(async () => {
  await dv?.close();
  await admin?.close();
  await emulators?.close();
});

async function all(client: DataverseClient, set: string, filter: string, select: string[]) {
  const rows: Record<string, unknown>[] = [];
  for await (const page of client.pages(set, { filter, select })) {
    if (!page.ok) throw page.error;
    rows.push(...page.value.rows);
  }
  return rows;
}

/** The role's privileges as Dataverse reports them (RetrieveRolePrivilegesRole function). */
async function rolePrivileges(roleId: string): Promise<{ PrivilegeName: string; Depth: string }[]> {
  const response = await fetch(
    `${emulators.dataverse.url}/api/data/v9.2/RetrieveRolePrivilegesRole(RoleId=${roleId})`,
    {
      headers: {
        authorization: `Bearer ${emulators.identity.issueToken(DEMO_INTEGRATION_APP.clientId, emulators.dataverse.url)}`,
      },
    },
  );
  expect(response.status).toBe(200);
  return ((await response.json()) as { RolePrivileges: { PrivilegeName: string; Depth: string }[] }).RolePrivileges;
}

const options = {
  businessCentralUrl: "https://businesscentral.dynamics.com/tenant/production",
  businessCentralApiUrl: "https://api.businesscentral.dynamics.com/v2.0/tenant/production/api/v2.0/",
};

describe("integration solution install (S3, S20)", () => {
  it("refuses an integration user holding System Administrator, writing nothing", async () => {
    const r = await installIntegrationSolution(admin, options);
    expect(r.ok ? "installed" : r.error.code).toBe("BCSYNC_E_INTEGRATION_USER_IS_SYSTEM_ADMINISTRATOR");
    const roles = await all(dv, "roles", `name eq '${INTEGRATION_ROLES[0].name}'`, ["roleid"]);
    expect(roles).toEqual([]);
  });

  it("refuses an extra app registration (extraPrincipals) whose application user holds System Administrator", async () => {
    const withAdmin = dataverseClient(emulators, {
      principals: [{ clientId: DEMO_ADMIN_APP.clientId, clientSecret: DEMO_ADMIN_APP.clientSecret }],
    });
    try {
      const users = await checkIntegrationUsers(withAdmin);
      expect(users.ok ? "accepted" : users.error.code).toBe("BCSYNC_E_INTEGRATION_USER_IS_SYSTEM_ADMINISTRATOR");
      const r = await installIntegrationSolution(withAdmin, options);
      expect(r.ok ? "installed" : r.error.code).toBe("BCSYNC_E_INTEGRATION_USER_IS_SYSTEM_ADMINISTRATOR");
      expect(await all(dv, "roles", `name eq '${INTEGRATION_ROLES[0].name}'`, ["roleid"])).toEqual([]);
    } finally {
      await withAdmin.close();
    }
  });

  it("creates the three roles, assigns them to the application user and writes nav_connection", async () => {
    const r = await installIntegrationSolution(dv, options);
    if (!r.ok) throw r.error;
    expect(r.value.userId).toBe(DEMO_INTEGRATION_APP.dataverseUserId);
    expect(r.value.roles.map((x) => x.name)).toEqual(INTEGRATION_ROLES.map((x) => x.name));
    expect(r.value.roles.every((x) => x.created)).toBe(true);
    // Every privilege the definitions name exists in Dataverse and is granted (ReplacePrivilegesRole, Global).
    expect(r.value.warnings).toEqual([]);
    for (const [i, role] of r.value.roles.entries()) {
      expect(role.privilegesApplied).toBe(INTEGRATION_ROLES[i].privileges.length);
      expect((await rolePrivileges(role.id)).map((p) => p.PrivilegeName).sort()).toEqual(
        [...INTEGRATION_ROLES[i].privileges].sort(),
      );
    }
    const user = await checkIntegrationUser(dv);
    if (!user.ok) throw user.error;
    for (const role of INTEGRATION_ROLES) expect(user.value.roles).toContain(role.name);
    const [connection] = await all(dv, "nav_connections", `nav_name eq '${NAV_CONNECTION_NAME}'`, [
      "nav_dynamicsnavurl",
      "nav_dynamicsnavodataurl",
    ]);
    expect(connection?.nav_dynamicsnavurl).toBe(options.businessCentralUrl);
    expect(connection?.nav_dynamicsnavodataurl).toBe(options.businessCentralApiUrl);
  });

  it("a reinstall reuses the roles and the connection row (no duplicates) and resets the roles' privileges", async () => {
    const [availabilityRole] = await all(dv, "roles", `name eq '${INTEGRATION_ROLES[2].name}'`, ["roleid"]);
    const [extra] = await all(dv, "privileges", "name eq 'prvDeleteAccount'", ["privilegeid"]);
    const added = await dv.boundAction("roles", String(availabilityRole.roleid), "AddPrivilegesRole", {
      Privileges: [{ PrivilegeId: extra.privilegeid, Depth: "Global" }],
    });
    if (!added.ok) throw added.error;
    expect((await rolePrivileges(String(availabilityRole.roleid))).map((p) => p.PrivilegeName)).toContain(
      "prvDeleteAccount",
    );

    const r = await installIntegrationSolution(dv, { ...options, reinstall: true });
    if (!r.ok) throw r.error;
    const after = (await rolePrivileges(String(availabilityRole.roleid))).map((p) => p.PrivilegeName);
    expect(after).not.toContain("prvDeleteAccount");
    expect(after.sort()).toEqual([...INTEGRATION_ROLES[2].privileges].sort());
    expect(r.value.roles.every((x) => !x.created)).toBe(true);
    for (const role of INTEGRATION_ROLES) {
      expect(await all(dv, "roles", `name eq '${role.name}'`, ["roleid"])).toHaveLength(1);
    }
    expect(await all(dv, "nav_connections", `nav_name eq '${NAV_CONNECTION_NAME}'`, ["nav_connectionid"])).toHaveLength(
      1,
    );
  });

  it("gives the roles to every app registration's application user (extraPrincipals: each writes as itself)", async () => {
    const both = dataverseClient(emulators, { twoPrincipals: true });
    try {
      const before = await checkIntegrationUsers(both);
      if (!before.ok) throw before.error;
      expect(before.value.map((u) => u.userId.toLowerCase())).toEqual([
        DEMO_INTEGRATION_APP.dataverseUserId,
        DEMO_INTEGRATION_APP_2.dataverseUserId,
      ]);
      expect(before.value[1].roles).not.toContain(INTEGRATION_ROLES[0].name);
      const r = await installIntegrationSolution(both, { ...options, reinstall: true });
      if (!r.ok) throw r.error;
      const after = await checkIntegrationUsers(both);
      if (!after.ok) throw after.error;
      for (const user of after.value)
        for (const role of INTEGRATION_ROLES) expect(user.roles, user.userId).toContain(role.name);
    } finally {
      await both.close();
    }
  });
});
