// Installing (and reinstalling) the Business Central integration solution in Dataverse (seed S3, S5, S20), through
// the Dataverse connector: the three security roles with their privileges, assigned to the integration's
// application user; the integration tables/columns probed; the `nav_connection` row that links Sales back to BC.
// An integration user holding System Administrator is refused before anything is written.

import type { DataverseClient, Row } from "../connectors/index.ts";
import { fail, ok, type Result } from "../connectors/result.ts";
import { bcsyncError } from "../errors/catalogue.ts";
import {
  INTEGRATION_SOLUTION_STEP_FAILED,
  INTEGRATION_TABLE_MISSING,
  INTEGRATION_USER_IS_SYSTEM_ADMINISTRATOR,
} from "../errors/codes/integration.ts";

export const SYSTEM_ADMINISTRATOR_ROLE = "System Administrator";

type Action = "Create" | "Read" | "Write" | "Delete" | "Append" | "AppendTo";
const ALL: Action[] = ["Create", "Read", "Write", "Delete", "Append", "AppendTo"];
const READ: Action[] = ["Read"];

/**
 * Dataverse privilege names: `prv<Action><Entity>`, where Entity is the table's privilege name — mostly its schema
 * name, but notes are `Note` and users `User`; custom tables use their logical name (`prvReadnav_connection`).
 */
function privileges(actions: Action[], tables: string[]): string[] {
  return tables.flatMap((t) => actions.map((a) => `prv${a}${t}`));
}

const SYNCED_TABLES = [
  "Account",
  "Contact",
  "Lead",
  "Opportunity",
  "Product",
  "UoM",
  "UoMSchedule",
  "PriceLevel",
  "ProductPriceLevel",
  "SalesOrder",
  "SalesOrderDetail",
  "Quote",
  "QuoteDetail",
  "Invoice",
  "InvoiceDetail",
  "Note",
  "TransactionCurrency",
];
const SOLUTION_TABLES = ["nav_connection", "nav_accountstatistics", "bcbi_company"];

export interface RoleDefinition {
  name: string;
  description: string;
  privileges: string[];
}

/** The three roles the seed names (S3), with what each needs. */
export const INTEGRATION_ROLES: readonly RoleDefinition[] = [
  {
    name: "Dynamics 365 Business Central Integration Administrator",
    description: "Administers the Business Central integration: its connection, companies and statistics tables.",
    privileges: [...privileges(ALL, SOLUTION_TABLES), ...privileges(READ, ["User", "Role", "Organization"])],
  },
  {
    name: "Dynamics 365 Business Central Integration User",
    description: "The integration's application user: reads and writes the synchronized Sales tables.",
    privileges: [
      ...privileges(ALL, SYNCED_TABLES),
      ...privileges(ALL, ["nav_accountstatistics", "bcbi_company"]),
      ...privileges(READ, ["User", "Team", "BusinessUnit", "Organization", "nav_connection"]),
    ],
  },
  {
    name: "Dynamics 365 Business Central Product Availability User",
    description: "Lets Sales users see item availability from Business Central on products.",
    privileges: privileges(READ, ["Product", "UoM", "UoMSchedule", "nav_connection"]),
  },
];

/** Tables and columns the integration writes that are not in a plain Sales organization (api-protocols B.4). */
export const INTEGRATION_SCHEMA_PROBES: readonly { table: string; entitySet: string; select: string[] }[] = [
  { table: "nav_connection", entitySet: "nav_connections", select: ["nav_name", "nav_dynamicsnavurl"] },
  { table: "nav_accountstatistics", entitySet: "nav_accountstatisticses", select: ["nav_customerno"] },
  { table: "bcbi_company", entitySet: "bcbi_companies", select: ["bcbi_name", "bcbi_externalid"] },
  { table: "account", entitySet: "accounts", select: ["_nav_accountstatisticsid_value", "_bcbi_companyid_value"] },
  { table: "salesorder", entitySet: "salesorders", select: ["bcbi_businesscentralordernumber"] },
];

export const NAV_CONNECTION_NAME = "Dynamics 365 Business Central";

export interface SolutionInstallOptions {
  /** BC web client URL written into nav_connection (Sales opens BC records there). */
  businessCentralUrl: string;
  /** BC API root written as the OData URL. */
  businessCentralApiUrl: string;
  /** Reinstall: reset the roles' privileges to the definitions (S3). */
  reinstall?: boolean;
  /** The application users as checkIntegrationUsers has just found them (setup does first); else checked here. */
  users?: IntegrationUserCheck[];
}

export interface InstalledRole {
  name: string;
  id: string;
  created: boolean;
  privilegesApplied: number;
}

export interface SolutionInstallReport {
  userId: string;
  businessUnitId: string;
  roles: InstalledRole[];
  tablesChecked: string[];
  navConnectionId: string;
  /** Things that were not possible and are not fatal, in words. */
  warnings: string[];
}

export interface IntegrationUserCheck {
  userId: string;
  businessUnitId: string;
  roles: string[];
}

/**
 * The application users the client signs in as, the configured credentials' first, then one per extra principal
 * (`extraPrincipals`): their role names; any of them a System Administrator is refused (S20). Each writes as
 * itself, so each is the integration user to the engine (src/engine/integration-users.ts).
 */
export async function checkIntegrationUsers(dv: DataverseClient): Promise<Result<IntegrationUserCheck[]>> {
  // Every command that opens the integration waits for this check, so the principals are asked at once (each a
  // WhoAmI, then its roles), and the answers judged in principal order: the first failure is the one told.
  const principals = Array.from({ length: dv.principalCount() }, (_, principal) => principal);
  const checks = await Promise.all(principals.map((principal) => checkPrincipal(dv, principal)));
  const users: IntegrationUserCheck[] = [];
  for (const check of checks) {
    if (!check.ok) return check;
    users.push(check.value);
  }
  return ok(users);
}

async function checkPrincipal(dv: DataverseClient, principal: number): Promise<Result<IntegrationUserCheck>> {
  const who = await dv.whoAmI({ principal });
  if (!who.ok) return who;
  const roles = await roleNamesOf(dv, who.value.UserId);
  if (!roles.ok) return roles;
  if (roles.value.some((r) => r.toLowerCase() === SYSTEM_ADMINISTRATOR_ROLE.toLowerCase())) {
    const user = await dv.retrieve("systemusers", who.value.UserId, { select: ["fullname"] });
    const name = user.ok && typeof user.value?.fullname === "string" ? user.value.fullname : who.value.UserId;
    return fail(bcsyncError(INTEGRATION_USER_IS_SYSTEM_ADMINISTRATOR, { user: name }));
  }
  return ok({ userId: who.value.UserId, businessUnitId: who.value.BusinessUnitId, roles: roles.value });
}

/** The configured credentials' application user (see checkIntegrationUsers: every principal is checked). */
export async function checkIntegrationUser(dv: DataverseClient): Promise<Result<IntegrationUserCheck>> {
  const users = await checkIntegrationUsers(dv);
  return users.ok ? ok(users.value[0]) : users;
}

/** Installs or reinstalls the solution. Stops at the first failing step, which the error names. */
export async function installIntegrationSolution(
  dv: DataverseClient,
  options: SolutionInstallOptions,
): Promise<Result<SolutionInstallReport>> {
  const users = options.users ? ok(options.users) : await checkIntegrationUsers(dv);
  if (!users.ok) return users;
  const [user] = users.value;
  const warnings: string[] = [];

  const tables = await probeSchema(dv);
  if (!tables.ok) return tables;

  const roles: InstalledRole[] = [];
  for (const def of INTEGRATION_ROLES) {
    const role = await ensureRole(dv, def, user.businessUnitId);
    if (!role.ok) return role;
    const applied = await applyPrivileges(dv, role.value.id, def, role.value.created || options.reinstall === true);
    if (!applied.ok) return applied;
    if (applied.value.warning) warnings.push(applied.value.warning);
    // Every app registration's user writes as the integration (extraPrincipals), so each gets the roles.
    for (const u of users.value) {
      const assigned = await assignRole(dv, u.userId, role.value.id, u.roles.includes(def.name));
      if (!assigned.ok) return stepFailed(`assign role ${def.name}`, assigned.error.message);
    }
    roles.push({
      name: def.name,
      id: role.value.id,
      created: role.value.created,
      privilegesApplied: applied.value.count,
    });
  }

  const connection = await writeNavConnection(dv, options);
  if (!connection.ok) return connection;

  return ok({
    userId: user.userId,
    businessUnitId: user.businessUnitId,
    roles,
    tablesChecked: tables.value,
    navConnectionId: connection.value,
    warnings: [...new Set(warnings)],
  });
}

/** A user's security role names: one read of the user's roles relationship (Web API: a collection-valued navigation). */
async function roleNamesOf(dv: DataverseClient, userId: string): Promise<Result<string[]>> {
  const names: string[] = [];
  for await (const page of dv.pages(`systemusers(${userId})/systemuserroles_association`, { select: ["name"] })) {
    if (!page.ok) return page;
    for (const row of page.value.rows) if (typeof row.name === "string") names.push(row.name);
  }
  return ok(names);
}

async function probeSchema(dv: DataverseClient): Promise<Result<string[]>> {
  const checked: string[] = [];
  for (const probe of INTEGRATION_SCHEMA_PROBES) {
    const pages = dv.pages(probe.entitySet, { select: probe.select, top: 1 });
    const first = await pages.next();
    await pages.return(undefined);
    if (!first.done && !first.value.ok) {
      return fail(
        bcsyncError(
          INTEGRATION_TABLE_MISSING,
          { table: `${probe.table} (${probe.select.join(", ")})` },
          { cause: first.value.error },
        ),
      );
    }
    checked.push(probe.table);
  }
  return ok(checked);
}

async function ensureRole(
  dv: DataverseClient,
  def: RoleDefinition,
  businessUnitId: string,
): Promise<Result<{ id: string; created: boolean }>> {
  const filter = `name eq '${def.name.replace(/'/g, "''")}' and _businessunitid_value eq ${businessUnitId}`;
  for await (const page of dv.pages("roles", { filter, select: ["roleid"] })) {
    if (!page.ok) return stepFailed(`find role ${def.name}`, page.error.message);
    const found = page.value.rows[0];
    if (found && typeof found.roleid === "string") return ok({ id: found.roleid, created: false });
  }
  const created = await dv.create("roles", {
    name: def.name,
    "businessunitid@odata.bind": `/businessunits(${businessUnitId})`,
  });
  if (!created.ok || !created.value.id) {
    return stepFailed(`create role ${def.name}`, created.ok ? "no id returned" : created.error.message);
  }
  return ok({ id: created.value.id, created: true });
}

/**
 * Sets the role's privileges to exactly the definition, at Global depth (the integration works across business
 * units), with the documented `ReplacePrivilegesRole` action: a reinstall removes what was added by hand (S3).
 * A service without the `privileges` table or the action is a warning, not a failure: roles still exist.
 */
async function applyPrivileges(
  dv: DataverseClient,
  roleId: string,
  def: RoleDefinition,
  reset: boolean,
): Promise<Result<{ count: number; warning?: string }>> {
  if (!reset) return ok({ count: 0 });
  const wanted = new Map<string, string>();
  for (let i = 0; i < def.privileges.length; i += 50) {
    const names = def.privileges.slice(i, i + 50);
    const filter = names.map((n) => `name eq '${n}'`).join(" or ");
    for await (const page of dv.pages("privileges", { filter, select: ["privilegeid", "name"] })) {
      if (!page.ok) return ok({ count: 0, warning: privilegesWarning(page.error.message) });
      for (const row of page.value.rows) wanted.set(String(row.privilegeid), String(row.name));
    }
  }
  const replaced = await dv.boundAction(
    "roles",
    roleId,
    "ReplacePrivilegesRole",
    { Privileges: [...wanted.keys()].map((id) => ({ PrivilegeId: id, Depth: "Global" })) },
    { idempotent: true },
  );
  if (!replaced.ok) return stepFailed(`set privileges of ${def.name}`, replaced.error.message);
  const missing = def.privileges.filter((name) => ![...wanted.values()].includes(name));
  return ok({
    count: wanted.size,
    ...(missing.length > 0
      ? { warning: `privileges unknown to this organization, not granted to ${def.name}: ${missing.join(", ")}` }
      : {}),
  });
}

async function assignRole(
  dv: DataverseClient,
  userId: string,
  roleId: string,
  already: boolean,
): Promise<Result<void>> {
  if (already) return ok(undefined);
  return dv.associate("systemusers", userId, "systemuserroles_association", "roles", roleId);
}

async function writeNavConnection(dv: DataverseClient, options: SolutionInstallOptions): Promise<Result<string>> {
  const row: Row = {
    nav_name: NAV_CONNECTION_NAME,
    nav_dynamicsnavurl: options.businessCentralUrl,
    nav_dynamicsnavodataurl: options.businessCentralApiUrl,
  };
  for await (const page of dv.pages("nav_connections", {
    filter: `nav_name eq '${NAV_CONNECTION_NAME}'`,
    select: ["nav_connectionid"],
  })) {
    if (!page.ok) return stepFailed("read nav_connection", page.error.message);
    const existing = page.value.rows[0]?.nav_connectionid;
    if (typeof existing === "string") {
      const updated = await dv.update("nav_connections", existing, row);
      return updated.ok ? ok(existing) : stepFailed("update nav_connection", updated.error.message);
    }
  }
  const created = await dv.create("nav_connections", row);
  if (!created.ok || !created.value.id) {
    return stepFailed("create nav_connection", created.ok ? "no id returned" : created.error.message);
  }
  return ok(created.value.id);
}

function privilegesWarning(message: string): string {
  return /segment 'privileges'|segment 'roleprivileges_association'/.test(message)
    ? "privileges not applied: this organization has no privileges table (roles are created and assigned)"
    : `privileges not applied: ${message.slice(0, 200)}`;
}

function stepFailed<T>(step: string, reason: string): Result<T> {
  return fail(bcsyncError(INTEGRATION_SOLUTION_STEP_FAILED, { step, reason }));
}

/**
 * The connected BC company's row in the solution's `bcbi_company` table (alternate key `bcbi_externalid` = the BC
 * company's id), created when missing. Its id scopes the company's Sales records (issue 10.19).
 */
export async function ensureCompanyRow(
  dv: DataverseClient,
  company: { id: string; name: string },
): Promise<Result<string>> {
  const externalId = company.id.toLowerCase();
  for await (const page of dv.pages("bcbi_companies", {
    filter: `bcbi_externalid eq '${externalId}'`,
    select: ["bcbi_companyid"],
  })) {
    if (!page.ok) return page;
    const found = page.value.rows[0];
    if (found) return ok(String(found.bcbi_companyid).toLowerCase());
  }
  const created = await dv.create("bcbi_companies", {
    bcbi_name: company.name.slice(0, 30),
    bcbi_externalid: externalId,
  });
  if (!created.ok) return created;
  return ok(String(created.value.id).toLowerCase());
}
