// `bcsync setup`: connects bcsync to Dataverse and Business Central (seed S4): asks in the terminal when run
// without flags on a TTY, or takes flags (`--emulators FILE` reads the line `bcsync emulate --json` printed).
// Tests both connections, installs the integration solution, applies the default mappings, writes --config.

import { existsSync, mkdirSync, readFileSync } from "node:fs";
import { join, resolve } from "node:path";
import type { BcsyncConfigInput } from "../../config/index.ts";
import { writeSecretFile } from "../../config/secret-file.ts";
import { parseConnectionString } from "../../connectors/index.ts";
import type { IntegrationSettingsInput } from "../../integration/settings.ts";
import { configForEmulators, runSetup, type SetupReport, waitForEmulatorsFile } from "../../integration/setup.ts";
import { printJson, printTable } from "../output.ts";
import { askSetupAnswers } from "../setup-wizard.ts";

export interface SetupCliOptions {
  config: string;
  connectionString?: string;
  /** From the connection string's Username/Password/AppId: Dataverse signs in as this user (S20). */
  dataverseUser?: { username: string; password: string; appId?: string };
  data: string;
  emulators?: string;
  company?: string;
  dataverseUrl?: string;
  tenantId?: string;
  clientId?: string;
  clientSecretEnv?: string;
  clientSecretFile?: string;
  authority?: string;
  caFile?: string;
  bcUrl?: string;
  bcTenantId?: string;
  environment?: string;
  salesUrl?: string;
  itemAvailability?: boolean;
  legacySalesOrders?: boolean;
  bidirectionalSalesOrders?: boolean;
  autoCreateSalesOrders?: boolean;
  autoProcessSalesQuotes?: boolean;
  unitGroups?: boolean;
  solution?: boolean;
  reinstallSolution?: boolean;
  disable?: boolean;
  ownership?: "person" | "team";
  yes?: boolean;
  json?: boolean;
}

/** The integration settings the flags give (absent flags keep their defaults). */
export function settingsFromFlags(o: SetupCliOptions): IntegrationSettingsInput {
  return {
    ...(o.disable ? { enabled: false } : {}),
    ...(o.solution === false ? { installSolution: false } : {}),
    ...(o.itemAvailability ? { itemAvailability: true } : {}),
    ...(o.legacySalesOrders ? { legacySalesOrders: true } : {}),
    ...(o.bidirectionalSalesOrders ? { bidirectionalSalesOrders: true } : {}),
    ...(o.salesUrl ? { salesUrl: o.salesUrl } : {}),
    ...(o.unitGroups === false ? { unitGroupsEnabled: false } : {}),
    ...(o.ownership ? { ownershipModel: o.ownership } : {}),
    sales: {
      autoCreateSalesOrders: o.autoCreateSalesOrders === true,
      autoProcessSalesQuotes: o.autoProcessSalesQuotes === true,
    },
  };
}

function configFromFlags(o: SetupCliOptions): BcsyncConfigInput {
  const credentials = {
    tenantId: o.tenantId ?? "",
    clientId: o.clientId ?? "",
    ...(o.clientSecretEnv ? { clientSecretEnv: o.clientSecretEnv } : {}),
    ...(o.clientSecretFile ? { clientSecretFile: o.clientSecretFile } : {}),
    ...(o.authority ? { authority: o.authority } : {}),
    ...(o.caFile ? { caFile: o.caFile } : {}),
  };
  const bcTenant = o.bcTenantId ?? o.tenantId ?? "";
  return {
    dataDir: o.data,
    dataverse: {
      url: o.dataverseUrl ?? "",
      credentials: o.dataverseUser ? userCredentials(o, credentials) : credentials,
    },
    businessCentral: {
      url: o.bcUrl ?? "https://api.businesscentral.dynamics.com",
      tenantId: bcTenant,
      environment: o.environment ?? "production",
      companyId: o.company ?? "",
      webClientUrl: `https://businesscentral.dynamics.com/${bcTenant}/${o.environment ?? "production"}`,
      credentials: { ...credentials, tenantId: bcTenant },
    },
    integration: settingsFromFlags(o),
  };
}

/**
 * Dataverse credentials for the connection string's user account: its password goes to a file only the owner can
 * read, under the data directory, and the configuration names that file (never the password).
 */
function userCredentials(
  o: SetupCliOptions,
  app: { tenantId: string; clientId: string; authority?: string; caFile?: string },
) {
  const user = o.dataverseUser as NonNullable<SetupCliOptions["dataverseUser"]>;
  const dir = join(resolve(o.data), "secrets");
  mkdirSync(dir, { recursive: true });
  const passwordFile = join(dir, "dataverse-user.password");
  writeSecretFile(passwordFile, `${user.password}\n`);
  return {
    tenantId: app.tenantId,
    clientId: user.appId ?? app.clientId,
    username: user.username,
    passwordFile,
    ...(app.authority ? { authority: app.authority } : {}),
    ...(app.caFile ? { caFile: app.caFile } : {}),
  };
}

function hasConnectionFlags(o: SetupCliOptions): boolean {
  return Boolean(o.emulators || o.dataverseUrl || o.clientId || o.bcUrl || o.company || o.connectionString);
}

export function printSetupReport(report: SetupReport): void {
  const out = (line = "") => process.stdout.write(`${line}\n`);
  out(`Connected. Configuration written to ${report.configPath}`);
  const extra = report.dataverse.extraPrincipalUserIds;
  out(
    `  Dataverse application user ${report.dataverse.userId}${extra.length > 0 ? `; the extra app registrations': ${extra.join(", ")}` : ""}`,
  );
  out(`  Business Central companies ${report.businessCentral.companies.join(", ")}`);
  if (report.solution) {
    out("  Integration solution: roles");
    for (const r of report.solution.roles) out(`    ${r.created ? "created " : "kept    "} ${r.name}`);
    for (const w of report.solution.warnings) out(`    note: ${w}`);
  }
  out(
    `  ${report.defaults.applied.length} default table mappings and ${report.defaults.jobQueueEntries} job queue entries applied`,
  );
  if (report.defaults.exportedTo) out(`  previous mappings exported to ${report.defaults.exportedTo}`);
  if (report.defaults.fitted.length) {
    out("  switched off because the connected services do not have them:");
    printTable(
      report.defaults.fitted.map((f) => ({ mapping: f.mapping, side: f.side, change: f.change.slice(0, 120) })),
    );
  }
}

/**
 * The legacy connection string of older versions (S20: `AuthType=OAuth;Username=…;Url=…;AppId=…;RedirectUri=app://…`)
 * gives the Dataverse URL and the app id. Its password or secret is never stored: bcsync authenticates with the app
 * registration's secret, named by --client-secret-env / --client-secret-file.
 */
export function optionsFromConnectionString(o: SetupCliOptions): SetupCliOptions {
  if (!o.connectionString) return o;
  const parsed = parseConnectionString(o.connectionString);
  if (!parsed.ok) throw parsed.error;
  const { username, password, appId } = parsed.value;
  // The Username/Password form (older on-premises versions): Dataverse signs in as that user through the
  // connection string's app (a public client); Business Central keeps the app registration and its secret.
  const user = username && password ? { dataverseUser: { username, password, ...(appId ? { appId } : {}) } } : {};
  return {
    ...o,
    ...user,
    dataverseUrl: o.dataverseUrl ?? parsed.value.url,
    ...(appId && !o.clientId ? { clientId: appId } : {}),
  };
}

/**
 * Setup rewrites the connection, never the rest: the state store (`store.url`: PostgreSQL), the job queue, the
 * triggers and the log settings of an existing configuration file stay as they were (issue 12, first hour 7).
 */
function keepServiceSections(config: BcsyncConfigInput, path: string): BcsyncConfigInput {
  if (!existsSync(path)) return config;
  let existing: Record<string, unknown>;
  try {
    existing = JSON.parse(readFileSync(path, "utf8")) as Record<string, unknown>;
  } catch {
    return config; // not ours to fix here: setup writes a whole new file
  }
  const kept: Record<string, unknown> = {};
  for (const key of ["store", "jobs", "triggers", "log"]) if (existing[key] !== undefined) kept[key] = existing[key];
  return { ...kept, ...config } as BcsyncConfigInput;
}

export async function runSetupCommand(o: SetupCliOptions): Promise<SetupReport> {
  let options = optionsFromConnectionString(o);
  if (!hasConnectionFlags(o) && process.stdin.isTTY && !o.json)
    options = await askSetupAnswers(options, { input: process.stdin, output: process.stdout, env: process.env });
  const emulators = options.emulators
    ? await waitForEmulatorsFile(options.emulators, {
        onWait: () => process.stderr.write(`waiting for the emulators to write ${options.emulators}…\n`),
      })
    : undefined;
  const config = emulators
    ? configForEmulators(emulators, {
        dataDir: options.data,
        ...(options.company ? { company: options.company } : {}),
        integration: settingsFromFlags(options),
      })
    : configFromFlags(options);
  const result = await runSetup({
    configPath: options.config,
    config: keepServiceSections(config, options.config),
    confirmReset: options.yes === true,
    reinstallSolution: options.reinstallSolution === true,
  });
  if (!result.ok) throw result.error;
  return result.value;
}

export async function setupAction(o: SetupCliOptions): Promise<void> {
  const report = await runSetupCommand(o);
  if (o.json) printJson(report);
  else printSetupReport(report);
}
