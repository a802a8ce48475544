// Setting up the connection (seed S4): the configuration (URLs, tenant, environment, company, credentials by
// reference), the connection test, the integration solution install, and the default mappings and job queue
// entries (reconnect resets them, S2). The CLI's interactive and flag-driven setups, and the demo, all end here.

import { existsSync, mkdirSync, readFileSync, writeFileSync } from "node:fs";
import { join, resolve } from "node:path";
import type { EmulatorsInfo } from "../../emulators/index.ts";
import { type BcsyncConfigInput, overlayEnvironment, saveConfig, validateConfig } from "../config/index.ts";
import { ok, type Result } from "../connectors/result.ts";
import { bcsyncError, isBcsyncError } from "../errors/catalogue.ts";
import {
  INTEGRATION_CONNECTION_TEST_FAILED,
  INTEGRATION_EMULATORS_FILE_INVALID,
  INTEGRATION_USER_IS_SYSTEM_ADMINISTRATOR,
} from "../errors/codes/integration.ts";
import { openStore } from "../store/index.ts";
import { connectorClients } from "./context.ts";
import { OPTION_MAPPINGS } from "./defaults/index.ts";
import { applySalesOrderMode } from "./order-mode.ts";
import { type ApplyDefaultsReport, applyDefaults } from "./reset.ts";
import { fitMappings } from "./schema-fit.ts";
import { type IntegrationSettingsInput, parseIntegrationSettings } from "./settings.ts";
import {
  checkIntegrationUser,
  ensureCompanyRow,
  installIntegrationSolution,
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
  const secretsDir = join(options.dataDir, "secrets");
  mkdirSync(secretsDir, { recursive: true });
  const secretFile = resolve(secretsDir, `${app.clientId}.secret`);
  writeFileSync(secretFile, `${app.clientSecret}\n`, { mode: 0o600 });
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
      webClientUrl: `${line.businessCentral.url.replace(/\/+$/, "")}/${line.businessCentral.tenantId}/${line.businessCentral.environment}`,
      credentials: { ...credentials, tenantId: line.businessCentral.tenantId },
    },
    integration: { ...(options.integration ?? {}) },
  };
}

export interface SetupOptions {
  configPath: string;
  config: BcsyncConfigInput;
  /** Discard custom mappings when reapplying the defaults (S2). */
  confirmReset: boolean;
  /** Reinstall the solution: reset the roles' privileges (S3). */
  reinstallSolution?: boolean;
  env?: NodeJS.ProcessEnv;
}

export interface SetupReport {
  configPath: string;
  dataverse: { userId: string };
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
    const who = await checkIntegrationUser(clients.dataverse);
    if (!who.ok) {
      // A System Administrator integration user is refused as such, with or without the solution (S20).
      const error: Error = who.error;
      if (isBcsyncError(error, INTEGRATION_USER_IS_SYSTEM_ADMINISTRATOR)) return who;
      return connectionFailed("Dataverse", error.message);
    }
    const companies = await clients.businessCentral.companies();
    if (!companies.ok) return connectionFailed("Business Central", companies.error.message);
    if (!companies.value.some((c) => String(c.id).toLowerCase() === config.businessCentral?.companyId.toLowerCase())) {
      return connectionFailed(
        "Business Central",
        `company ${config.businessCentral?.companyId} is not in this environment`,
      );
    }

    let solution: SolutionInstallReport | undefined;
    if (settings.value.installSolution) {
      const bc = config.businessCentral!;
      const installed = await installIntegrationSolution(clients.dataverse, {
        businessCentralUrl: bc.webClientUrl ?? bc.url,
        businessCentralApiUrl: `${bc.url.replace(/\/+$/, "")}/v2.0/${bc.tenantId}/${bc.environment}/api/v2.0/`,
        reinstall: options.reinstallSolution === true,
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

    const store = await openStore({ url: config.store.url, dataDir: config.dataDir });
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
        dataverse: { userId: who.value.userId },
        businessCentral: { companies: companies.value.map((c) => String(c.name)) },
        ...(solution ? { solution } : {}),
        defaults: applied.value,
      });
    } finally {
      await store.close();
    }
  } finally {
    await clients.dataverse.close();
    await clients.businessCentral.close();
  }
}

function connectionFailed<T>(service: string, reason: string): Result<T> {
  return { ok: false, error: bcsyncError(INTEGRATION_CONNECTION_TEST_FAILED, { service, reason }) };
}
