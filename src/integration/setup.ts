// Setting up the connection (seed S4): the configuration (URLs, tenant, environment, company, credentials by
// reference), the connection test, the integration solution install, and the default mappings and job queue
// entries (reconnect resets them, S2). The CLI's interactive and flag-driven setups, and the demo, all end here.

import { existsSync, readFileSync } from "node:fs";
import { join, resolve } from "node:path";
import type { EmulatorsInfo } from "../../emulators/index.ts";
import { type BcsyncConfigInput, overlayEnvironment, saveConfig, validateConfig } from "../config/index.ts";
import { writeSecretFile } from "../config/secret-file.ts";
import type { BusinessCentralClient, DataverseClient } from "../connectors/index.ts";
import { ok, type Result } from "../connectors/result.ts";
import { literal } from "../engine/adapters/common.ts";
import { bcsyncError, isBcsyncError } from "../errors/catalogue.ts";
import {
  INTEGRATION_CONNECTION_TEST_FAILED,
  INTEGRATION_EMULATORS_FILE_INVALID,
  INTEGRATION_USER_IS_SYSTEM_ADMINISTRATOR,
} from "../errors/codes/integration.ts";
import { openStore, type Store } from "../store/index.ts";
import { connectorClients } from "./context.ts";
import { OPTION_MAPPINGS } from "./defaults/index.ts";
import { applySalesOrderMode } from "./order-mode.ts";
import { type ApplyDefaultsReport, applyDefaults } from "./reset.ts";
import { fitMappings } from "./schema-fit.ts";
import { type IntegrationSettingsInput, parseIntegrationSettings } from "./settings.ts";
import {
  checkIntegrationUser,
  checkIntegrationUsers,
  ensureCompanyRow,
  INTEGRATION_ROLES,
  INTEGRATION_SCHEMA_PROBES,
  installIntegrationSolution,
  NAV_CONNECTION_NAME,
  type SolutionInstallReport,
} from "./solution.ts";

/** The JSON line `bcsync emulate --json` (and `bcsync demo --json`) prints: one contract, defined by the emulators. */
export type EmulatorsLine = EmulatorsInfo;

export function readEmulatorsFile(path: string): EmulatorsLine {
  const invalid = (reason: string) => bcsyncError(INTEGRATION_EMULATORS_FILE_INVALID, { path, reason });
  if (!existsSync(path)) throw invalid("no such file");
  const line = readFileSync(path, "utf8")
    .split(/\r?\n/)
    .find((l) => l.trim().startsWith("{"));
  if (!line) throw invalid("no JSON line in it");
  let parsed: EmulatorsLine;
  try {
    parsed = JSON.parse(line) as EmulatorsLine;
  } catch (error) {
    throw invalid((error as Error).message);
  }
  if (!parsed.identity?.url || !parsed.dataverse?.url || !parsed.businessCentral?.url) {
    throw invalid("identity, dataverse or businessCentral is missing");
  }
  if (!parsed.businessCentral.companies?.length) throw invalid("businessCentral.companies is empty");
  if (!parsed.apps?.length) throw invalid("apps is empty");
  return parsed;
}

/**
 * `readEmulatorsFile`, waiting for `bcsync emulate --json > FILE &` to have written it (the README's step-by-step
 * path starts the emulators in the background and runs setup at once): polls until the file holds a valid line or
 * `timeoutMs` passes, then fails with the last reason.
 */
export async function waitForEmulatorsFile(
  path: string,
  options: { timeoutMs?: number; onWait?: () => void } = {},
): Promise<EmulatorsLine> {
  const deadline = Date.now() + (options.timeoutMs ?? 60_000);
  let told = false;
  for (;;) {
    try {
      return readEmulatorsFile(path);
    } catch (error) {
      if (Date.now() >= deadline) throw error;
      if (!told) options.onWait?.();
      told = true;
      await new Promise((r) => setTimeout(r, 200));
    }
  }
}

export interface EmulatorConfigOptions {
  dataDir: string;
  /** Company name (default: the first company). */
  company?: string;
  /** App registration display name or client id (default: the first app that is not the admin demo app). */
  app?: string;
  integration?: IntegrationSettingsInput;
}

/**
 * A configuration for the emulators of an `emulate --json` line. The client secret goes to a file under the data
 * directory (mode 600), referenced from the configuration: the configuration file itself never holds a secret.
 */
export function configForEmulators(line: EmulatorsLine, options: EmulatorConfigOptions): BcsyncConfigInput {
  const app =
    line.apps.find((a) => a.clientId === options.app || a.displayName === options.app) ??
    line.apps.find((a) => !/admin/i.test(a.displayName)) ??
    line.apps[0];
  const company =
    line.businessCentral.companies.find((c) => c.name === options.company || c.id === options.company) ??
    line.businessCentral.companies[0];
  const secretFile = writeClientSecretFile(options.dataDir, app.clientId, app.clientSecret);
  const credentials = {
    tenantId: line.identity.tenantId,
    clientId: app.clientId,
    clientSecretFile: secretFile,
    authority: line.identity.url,
    ...(line.identity.caPath ? { caFile: resolve(line.identity.caPath) } : {}),
  };
  return {
    dataDir: resolve(options.dataDir),
    dataverse: { url: line.dataverse.url, credentials },
    businessCentral: {
      url: line.businessCentral.url,
      tenantId: line.businessCentral.tenantId,
      environment: line.businessCentral.environment,
      companyId: company.id,
      companyName: company.name,
      webClientUrl: businessCentralWebClient(
        line.businessCentral.url,
        line.businessCentral.tenantId,
        line.businessCentral.environment,
      ),
      credentials: { ...credentials, tenantId: line.businessCentral.tenantId },
    },
    integration: { ...(options.integration ?? {}) },
  };
}

/**
 * Writes an app registration's client secret to `<dataDir>/secrets/<clientId>.secret`, readable by the owner only,
 * and returns its absolute path for the configuration's `clientSecretFile`: the configuration file never holds
 * the secret, and nothing reads it back except the connectors (the console never shows it again).
 */
export function writeClientSecretFile(dataDir: string, clientId: string, secret: string): string {
  const secretFile = clientSecretPath(dataDir, clientId);
  writeSecretFile(secretFile, `${secret}\n`);
  return secretFile;
}

/** Where `writeClientSecretFile` keeps an app registration's secret. */
export function clientSecretPath(dataDir: string, clientId: string): string {
  // The client id names the file; anything but its safe characters is dropped so it cannot name another path.
  return resolve(dataDir, "secrets", `${clientId.replace(/[^A-Za-z0-9._-]/g, "_")}.secret`);
}

/** An answer that is not right says what was expected; `undefined` means it is fine. */
export type AnswerCheck = (answer: string) => string | undefined;

const GUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;

/**
 * The checks of each setup answer, shared by the terminal wizard (asked again until it passes) and the console's
 * assisted setup (shown beside the field): one place says what a valid answer is.
 */
export const ANSWER_CHECKS = {
  url: (a) => {
    try {
      const u = new URL(a);
      return u.protocol === "https:" || u.protocol === "http:" ? undefined : "a URL starting with https://";
    } catch {
      return "a URL such as https://contoso.crm4.dynamics.com";
    }
  },
  notEmpty: (a) => (a.trim() ? undefined : "an answer (it cannot be empty)"),
  tenant: (a) =>
    GUID.test(a) || /^[a-z0-9.-]+\.[a-z]{2,}$/i.test(a)
      ? undefined
      : "a tenant id (a GUID) or a domain such as contoso.onmicrosoft.com",
  clientId: (a) => (GUID.test(a) ? undefined : "the app registration's Application (client) ID, a GUID"),
  companyId: (a) => (GUID.test(a) ? undefined : "a Business Central company id, a GUID"),
  existingFile: (a) => (existsSync(a) ? undefined : `a file that exists (${a} does not)`),
} satisfies Record<string, AnswerCheck>;

/** The connection answers of a setup, as the console's assisted setup sends them (the secret only when typed). */
export interface ConnectionAnswers {
  dataverseUrl: string;
  tenantId: string;
  clientId: string;
  /** Typed now; absent: the secret already configured (its file or environment variable) stays. */
  clientSecret?: string;
  authority?: string;
  caFile?: string;
  bcUrl: string;
  /** Business Central's tenant when it differs from the Entra tenant (the emulators); default `tenantId`. */
  bcTenantId?: string;
  environment: string;
  companyId?: string;
  salesUrl?: string;
}

/** Which check each answer takes; optional answers are checked only when given. */
const ANSWER_RULES: Record<keyof ConnectionAnswers, { check: AnswerCheck; optional?: boolean }> = {
  dataverseUrl: { check: ANSWER_CHECKS.url },
  tenantId: { check: ANSWER_CHECKS.tenant },
  clientId: { check: ANSWER_CHECKS.clientId },
  clientSecret: { check: ANSWER_CHECKS.notEmpty, optional: true },
  authority: { check: ANSWER_CHECKS.url, optional: true },
  caFile: { check: ANSWER_CHECKS.existingFile, optional: true },
  bcUrl: { check: ANSWER_CHECKS.url },
  bcTenantId: { check: ANSWER_CHECKS.tenant, optional: true },
  environment: { check: ANSWER_CHECKS.notEmpty },
  companyId: { check: ANSWER_CHECKS.companyId, optional: true },
  salesUrl: { check: ANSWER_CHECKS.url, optional: true },
};

/** What is wrong with each given answer (field → "expected …"); empty when all are fine. */
export function checkConnectionAnswers(answers: Partial<ConnectionAnswers>): Record<string, string> {
  const problems: Record<string, string> = {};
  for (const [field, rule] of Object.entries(ANSWER_RULES) as [
    keyof ConnectionAnswers,
    (typeof ANSWER_RULES)[keyof ConnectionAnswers],
  ][]) {
    if (!(field in answers)) continue;
    const value = String(answers[field] ?? "").trim();
    if (!value && rule.optional) continue;
    const problem = rule.check(value);
    if (problem) problems[field] = `Expected ${problem}.`;
  }
  return problems;
}

export interface CompanyChoice {
  id: string;
  name: string;
}

/** The companies of a Business Central environment (its companies endpoint), or the connector's error. */
export async function companiesOf(client: BusinessCentralClient): Promise<Result<CompanyChoice[]>> {
  const companies = await client.companies();
  if (!companies.ok) return companies;
  return ok(companies.value.map((c) => ({ id: String(c.id), name: String(c.name ?? c.displayName ?? c.id) })));
}

/** One service's connection test, in words a person reads. */
export interface ServiceTest {
  ok: boolean;
  /** What happened: "Connected as application user …" or why it failed. */
  text: string;
  code?: string;
}

export interface ConnectionTestReport {
  dataverse: ServiceTest & { userId?: string };
  businessCentral: ServiceTest & { companies: CompanyChoice[] };
}

/**
 * Tests both services with these clients, each on its own (one failing does not hide the other's answer):
 * Dataverse signs in and names its application user (refusing a System Administrator), Business Central lists its
 * companies — the list the company to connect is chosen from.
 */
export async function testConnections(clients: {
  dataverse: DataverseClient;
  businessCentral: BusinessCentralClient;
}): Promise<ConnectionTestReport> {
  const [who, companies] = await Promise.all([
    checkIntegrationUser(clients.dataverse).catch((error: Error) => ({ ok: false as const, error })),
    companiesOf(clients.businessCentral).catch((error: Error) => ({ ok: false as const, error })),
  ]);
  const failed = (error: Error): ServiceTest => ({
    ok: false,
    text: error.message,
    ...(isBcsyncError(error) ? { code: error.code } : {}),
  });
  return {
    dataverse: who.ok
      ? {
          ok: true,
          text: `Connected as application user ${who.value.userId}${who.value.roles.length ? ` (roles: ${who.value.roles.join(", ")})` : ""}.`,
          userId: who.value.userId,
        }
      : failed(who.error),
    businessCentral: companies.ok
      ? {
          ok: true,
          text: `Connected; ${companies.value.length} compan${companies.value.length === 1 ? "y" : "ies"} in this environment.`,
          companies: companies.value,
        }
      : { ...failed(companies.error), companies: [] },
  };
}

/** Whether the integration solution is in place, piece by piece (nothing is written). */
export interface SolutionCheck {
  installed: boolean;
  tables: { table: string; present: boolean }[];
  roles: { name: string; assigned: boolean }[];
  navConnection: boolean;
}

/**
 * Checks the integration solution as its install leaves it: the integration tables and columns answer, the
 * application user holds the integration roles, and the `nav_connection` row exists.
 */
export async function checkIntegrationSolution(dv: DataverseClient): Promise<Result<SolutionCheck>> {
  const user = await checkIntegrationUser(dv);
  if (!user.ok) return user;
  const tables: SolutionCheck["tables"] = [];
  for (const probe of INTEGRATION_SCHEMA_PROBES) {
    const pages = dv.pages(probe.entitySet, { select: probe.select, top: 1 });
    const first = await pages.next();
    await pages.return(undefined);
    tables.push({ table: probe.table, present: first.done === true || first.value.ok });
  }
  const roles = INTEGRATION_ROLES.map((r) => ({ name: r.name, assigned: user.value.roles.includes(r.name) }));
  let navConnection = false;
  if (tables.find((t) => t.table === "nav_connection")?.present) {
    const pages = dv.pages("nav_connections", {
      filter: `nav_name eq ${literal(NAV_CONNECTION_NAME)}`,
      select: ["nav_name"],
      top: 1,
    });
    const first = await pages.next();
    await pages.return(undefined);
    navConnection = !first.done && first.value.ok && first.value.value.rows.length > 0;
  }
  return ok({
    installed: tables.every((t) => t.present) && roles.every((r) => r.assigned) && navConnection,
    tables,
    roles,
    navConnection,
  });
}

export interface SetupOptions {
  configPath: string;
  config: BcsyncConfigInput;
  /** Discard custom mappings when reapplying the defaults (S2). */
  confirmReset: boolean;
  /** Reinstall the solution: reset the roles' privileges (S3). */
  reinstallSolution?: boolean;
  env?: NodeJS.ProcessEnv;
  /**
   * The state store to apply the defaults in, when the caller has it open (the running service's console setup);
   * absent: setup opens the configuration's store and closes it at the end.
   */
  store?: Store;
}

export interface SetupReport {
  configPath: string;
  /** The credentials' application user, and those of the extra app registrations (`extraPrincipals`), in order. */
  dataverse: { userId: string; extraPrincipalUserIds: string[] };
  businessCentral: { companies: string[] };
  solution?: SolutionInstallReport;
  defaults: ApplyDefaultsReport;
}

/** Tests both connections, installs the solution, applies the defaults, then saves the configuration. */
export async function runSetup(options: SetupOptions): Promise<Result<SetupReport>> {
  // BCSYNC_* variables apply as they do for every command (BCSYNC_STORE__URL: PostgreSQL); the file keeps what the
  // caller gave, without them.
  const config = validateConfig(overlayEnvironment(options.config, options.env ?? process.env));
  let settings = parseIntegrationSettings(config.integration);
  if (!settings.ok) return settings;
  const clients = connectorClients(config, options.configPath, options.env);
  try {
    // Every app registration's user: each writes as the integration, and none may be a System Administrator.
    const who = await checkIntegrationUsers(clients.dataverse);
    if (!who.ok) {
      // A System Administrator integration user is refused as such, with or without the solution (S20).
      const error: Error = who.error;
      if (isBcsyncError(error, INTEGRATION_USER_IS_SYSTEM_ADMINISTRATOR)) return who;
      return connectionFailed("Dataverse", error.message);
    }
    const companies = await clients.businessCentral.companies();
    if (!companies.ok) return connectionFailed("Business Central", companies.error.message);
    const connected = companies.value.find(
      (c) => String(c.id).toLowerCase() === config.businessCentral?.companyId.toLowerCase(),
    );
    if (!connected) {
      return connectionFailed(
        "Business Central",
        `company ${config.businessCentral?.companyId} is not in this environment`,
      );
    }
    // The company's name as Business Central has it (a company chosen by id from a list has none yet): the
    // overview and the messages name it.
    if (options.config.businessCentral && !options.config.businessCentral.companyName && connected.name)
      options.config.businessCentral.companyName = String(connected.name);

    let solution: SolutionInstallReport | undefined;
    if (settings.value.installSolution) {
      const bc = config.businessCentral!;
      const installed = await installIntegrationSolution(clients.dataverse, {
        ...solutionTargets(bc),
        reinstall: options.reinstallSolution === true,
        users: who.value,
      });
      if (!installed.ok) return installed;
      solution = installed.value;
      // The company's row in Sales: its records keep to this company (or none) beside other BC companies.
      const company = companies.value.find((c) => String(c.id).toLowerCase() === bc.companyId.toLowerCase());
      const row = await ensureCompanyRow(clients.dataverse, {
        id: bc.companyId,
        name: String(company?.name ?? bc.companyName ?? bc.companyId),
      });
      if (!row.ok) return row;
      options.config.integration = { ...(options.config.integration ?? {}), dataverseCompanyId: row.value };
      settings = parseIntegrationSettings(options.config.integration);
      if (!settings.ok) return settings;
    }

    const orderMode = await applySalesOrderMode(clients.dataverse, settings.value);
    if (!orderMode.ok) return orderMode;

    const store = options.store ?? (await openStore({ url: config.store.url, dataDir: config.dataDir }));
    try {
      const applied = await applyDefaults(store, settings.value, {
        confirmed: options.confirmReset,
        exportDir: join(config.dataDir, "exports"),
        fit: (mappings) => fitMappings(mappings, clients, new Set(OPTION_MAPPINGS)),
      });
      if (!applied.ok) return applied;
      saveConfig(options.configPath, options.config);
      return ok({
        configPath: resolve(options.configPath),
        dataverse: {
          userId: who.value[0].userId,
          extraPrincipalUserIds: who.value.slice(1).map((u) => u.userId),
        },
        businessCentral: { companies: companies.value.map((c) => String(c.name)) },
        ...(solution ? { solution } : {}),
        defaults: applied.value,
      });
    } finally {
      if (!options.store) await store.close();
    }
  } finally {
    await clients.dataverse.close();
    await clients.businessCentral.close();
  }
}

/** Business Central's web client for deep links: the cloud's own address, or beside the API (emulators, on-premises). */
export function businessCentralWebClient(bcUrl: string, tenant: string, environment: string): string {
  return new URL(bcUrl).hostname === "api.businesscentral.dynamics.com"
    ? `https://businesscentral.dynamics.com/${tenant}/${environment}`
    : `${bcUrl.replace(/\/+$/, "")}/${tenant}/${environment}`;
}

/** Where the integration solution's `nav_connection` points Sales back to: BC's web client and its API root. */
export function solutionTargets(bc: {
  url: string;
  tenantId: string;
  environment: string;
  webClientUrl?: string | undefined;
}): { businessCentralUrl: string; businessCentralApiUrl: string } {
  return {
    businessCentralUrl: bc.webClientUrl ?? bc.url,
    businessCentralApiUrl: `${bc.url.replace(/\/+$/, "")}/v2.0/${bc.tenantId}/${bc.environment}/api/v2.0/`,
  };
}

function connectionFailed<T>(service: string, reason: string): Result<T> {
  return { ok: false, error: bcsyncError(INTEGRATION_CONNECTION_TEST_FAILED, { service, reason }) };
}
