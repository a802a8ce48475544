// Assisted setup in the console (issue 12; Business Central's "Set up a connection to Dynamics 365 Sales"): the
// connection (URLs, tenant, authority, app registration; the client secret goes to a file and is never sent back),
// the connection test (each service's answer in words), the integration solution (check, install), the sales order
// mode, item availability, the company chosen from Business Central's list, and the Sales URL. Every step runs the
// same functions as `bcsync setup` (src/integration/setup.ts): the answers' checks, the connection test, and
// runSetup, which refuses what the CLI refuses (e.g. leaving legacy sales order mode with orders waiting).

import { existsSync, readFileSync, rmSync } from "node:fs";
import type { FastifyPluginAsync } from "fastify";
import type { BcsyncConfig, BcsyncConfigInput, Credentials } from "../../config/index.ts";
import { loadConfig, resolveClientSecret, validateConfig } from "../../config/index.ts";
import { writeSecretFile } from "../../config/secret-file.ts";
import {
  bcsyncError,
  SERVER_FULL_SYNC_RUNNING,
  SERVER_SETUP_ANSWERS_INVALID,
  SERVER_SETUP_NO_CONFIG_FILE,
} from "../../errors/catalogue.ts";
import { connectorClients } from "../../integration/context.ts";
import { reloadMappings } from "../../integration/reset.ts";
import { type IntegrationSettingsInput, parseIntegrationSettings } from "../../integration/settings.ts";
import {
  businessCentralWebClient,
  type ConnectionAnswers,
  checkConnectionAnswers,
  checkIntegrationSolution,
  clientSecretPath,
  companiesOf,
  runSetup,
  solutionTargets,
  testConnections,
  writeClientSecretFile,
} from "../../integration/setup.ts";
import { installIntegrationSolution } from "../../integration/solution.ts";
import type { ApiPluginOptions } from "./deps.ts";
import { fullSyncRunning } from "./review.ts";

/** The secret typed in the console, for a connection test only: it stays in memory, under this variable name. */
const TYPED_SECRET_ENV = "BCSYNC_CONSOLE_TYPED_SECRET";

type SalesOrderMode = "none" | "legacy" | "bidirectional";

interface SetupSettings {
  installSolution: boolean;
  itemAvailability: boolean;
  salesOrderMode: SalesOrderMode;
  autoCreateSalesOrders: boolean;
  autoProcessSalesQuotes: boolean;
}

const text = { type: "string", maxLength: 2000 } as const;
const connectionSchema = {
  type: "object",
  additionalProperties: false,
  properties: {
    dataverseUrl: text,
    tenantId: text,
    clientId: text,
    clientSecret: { type: "string", maxLength: 2000, description: "Written to a secret file; never sent back" },
    authority: text,
    caFile: text,
    bcUrl: text,
    bcTenantId: text,
    environment: text,
    companyId: text,
    salesUrl: text,
  },
} as const;
const requiredConnection = ["dataverseUrl", "tenantId", "clientId", "bcUrl", "environment"] as const;
const settingsSchema = {
  type: "object",
  additionalProperties: false,
  required: [
    "installSolution",
    "itemAvailability",
    "salesOrderMode",
    "autoCreateSalesOrders",
    "autoProcessSalesQuotes",
  ],
  properties: {
    installSolution: { type: "boolean" },
    itemAvailability: { type: "boolean" },
    salesOrderMode: {
      type: "string",
      enum: ["none", "legacy", "bidirectional"],
      description:
        "Sales order integration (legacy: submitted Sales orders are created in BC) and bidirectional sales orders exclude each other",
    },
    autoCreateSalesOrders: { type: "boolean" },
    autoProcessSalesQuotes: { type: "boolean" },
  },
} as const;

/** The answers as the configuration holds them now (no secret: only where it is kept). */
function currentAnswers(config: BcsyncConfig) {
  const dv = config.dataverse;
  const bc = config.businessCentral;
  const credentials = dv?.credentials;
  const integration = config.integration as IntegrationSettingsInput;
  return {
    connection: {
      dataverseUrl: dv?.url ?? "",
      tenantId: credentials?.tenantId ?? "",
      clientId: credentials?.clientId ?? "",
      authority: credentials?.authority ?? "",
      caFile: credentials?.caFile ?? "",
      bcUrl: bc?.url ?? "",
      bcTenantId: bc?.tenantId ?? "",
      environment: bc?.environment ?? "",
      companyId: bc?.companyId ?? "",
      companyName: bc?.companyName ?? "",
      salesUrl: integration.salesUrl ?? "",
    },
    secret: secretSource(credentials),
  };
}

/** Where the client secret is kept, in words; never its value. */
function secretSource(credentials: Credentials | undefined): string {
  if (!credentials) return "none";
  if (credentials.username) return `the password of user ${credentials.username}`;
  if (credentials.clientSecretFile) return "a secret file under the data directory";
  if (credentials.clientSecretEnv) return `environment variable ${credentials.clientSecretEnv}`;
  return "none";
}

function settingsOf(config: BcsyncConfig): SetupSettings {
  const parsed = parseIntegrationSettings(config.integration);
  const s = parsed.ok ? parsed.value : undefined;
  return {
    installSolution: s?.installSolution ?? true,
    itemAvailability: s?.itemAvailability ?? false,
    salesOrderMode: s?.legacySalesOrders ? "legacy" : s?.bidirectionalSalesOrders ? "bidirectional" : "none",
    autoCreateSalesOrders: s?.sales.autoCreateSalesOrders ?? false,
    autoProcessSalesQuotes: s?.sales.autoProcessSalesQuotes ?? false,
  };
}

/** Refuses answers that fail their check, all named at once (the page shows each beside its field). */
function requireValid(answers: Partial<ConnectionAnswers>, required: readonly (keyof ConnectionAnswers)[]): void {
  const problems = checkConnectionAnswers(
    Object.fromEntries(
      [...new Set([...required, ...Object.keys(answers)])].map((k) => [k, answers[k as keyof ConnectionAnswers] ?? ""]),
    ),
  );
  const listed = Object.entries(problems).map(([field, problem]) => `${field}: ${problem}`);
  if (listed.length > 0) throw bcsyncError(SERVER_SETUP_ANSWERS_INVALID, { problems: listed.join(" ") });
}

/**
 * The configuration the answers make, over the one in use: what the answers do not cover (the store, the job
 * queue, triggers, log, extra principals, the other integration settings) stays. `secretRef` says where the
 * client secret is read from.
 */
function configFromAnswers(
  base: BcsyncConfig,
  a: ConnectionAnswers,
  secretRef: Pick<Credentials, "clientSecretEnv" | "clientSecretFile" | "username" | "passwordEnv" | "passwordFile">,
  integration: IntegrationSettingsInput,
): BcsyncConfigInput {
  const bcTenant = a.bcTenantId?.trim() || a.tenantId;
  const credentials: Credentials = {
    tenantId: a.tenantId,
    clientId: a.clientId,
    ...secretRef,
    ...(a.authority?.trim() ? { authority: a.authority.trim() } : {}),
    ...(a.caFile?.trim() ? { caFile: a.caFile.trim() } : {}),
  };
  const oldBc = base.businessCentral;
  const sameBc = oldBc && oldBc.url === a.bcUrl && oldBc.tenantId === bcTenant && oldBc.environment === a.environment;
  return {
    ...base,
    dataverse: { url: a.dataverseUrl, credentials, extraPrincipals: base.dataverse?.extraPrincipals ?? [] },
    businessCentral: {
      url: a.bcUrl,
      tenantId: bcTenant,
      environment: a.environment,
      companyId: a.companyId ?? oldBc?.companyId ?? "",
      webClientUrl:
        sameBc && oldBc?.webClientUrl ? oldBc.webClientUrl : businessCentralWebClient(a.bcUrl, bcTenant, a.environment),
      credentials: { ...credentials, tenantId: bcTenant },
      extraPrincipals: oldBc?.extraPrincipals ?? [],
    },
    integration,
  };
}

/** The secret reference the answers keep: the typed secret (in memory, for a test), or the configured one. */
function keptSecret(base: BcsyncConfig) {
  const c = base.dataverse?.credentials;
  if (!c) return {};
  const { clientSecretEnv, clientSecretFile, username, passwordEnv, passwordFile } = c;
  return Object.fromEntries(
    Object.entries({ clientSecretEnv, clientSecretFile, username, passwordEnv, passwordFile }).filter(
      ([, v]) => v !== undefined,
    ),
  );
}

/** JSON with its keys sorted, so two configurations compare by content, not by the order their keys were written. */
function canonical(value: unknown): string {
  return JSON.stringify(value, (_key, v: unknown) =>
    v && typeof v === "object" && !Array.isArray(v)
      ? Object.fromEntries(Object.entries(v as Record<string, unknown>).sort(([a], [b]) => a.localeCompare(b)))
      : v,
  );
}

/** The part of a configuration that the open connector clients were made from: changing it needs a restart. */
const connectionPart = (c: BcsyncConfig | BcsyncConfigInput) =>
  canonical([
    c.dataverse?.url,
    c.dataverse?.credentials,
    c.businessCentral?.url,
    c.businessCentral?.tenantId,
    c.businessCentral?.environment,
    c.businessCentral?.companyId,
    c.businessCentral?.credentials,
  ]);

/** The secret the running connectors were made with, to tell whether a typed one is new (undefined: unreadable). */
function secretInUse(base: BcsyncConfig): string | undefined {
  const credentials = base.dataverse?.credentials;
  if (!credentials) return undefined;
  try {
    return resolveClientSecret(credentials, "dataverse.credentials");
  } catch {
    return undefined;
  }
}

const setupRoutes: FastifyPluginAsync<ApiPluginOptions> = async (app, { deps }) => {
  const { ctx } = deps;
  const configPath = () => {
    if (!ctx.configPath) throw bcsyncError(SERVER_SETUP_NO_CONFIG_FILE, {});
    return ctx.configPath;
  };
  /** The configuration file as written (no BCSYNC_* overlay, so saving it does not copy the environment in). */
  const fileConfig = () => loadConfig({ path: configPath(), env: {} });

  app.get(
    "/setup",
    { schema: { tags: ["setup"], summary: "The connection and integration settings in use (never the secret)" } },
    async () => {
      const config = fileConfig();
      return { configPath: configPath(), ...currentAnswers(config), settings: settingsOf(config) };
    },
  );

  app.post<{ Body: Partial<ConnectionAnswers> }>(
    "/setup/check",
    {
      schema: {
        tags: ["setup"],
        summary: "Check setup answers as they are given: what each one should be (nothing is saved)",
        body: connectionSchema,
      },
    },
    async (request) => ({ problems: checkConnectionAnswers(request.body ?? {}) }),
  );

  app.get(
    "/setup/companies",
    { schema: { tags: ["setup"], summary: "The companies of the connected Business Central environment" } },
    async () => {
      const companies = await companiesOf(ctx.businessCentral);
      if (!companies.ok) throw companies.error;
      return companies.value;
    },
  );

  app.post<{ Body: ConnectionAnswers }>(
    "/setup/test",
    {
      schema: {
        tags: ["setup"],
        summary:
          "Test a connection before saving it: Dataverse's application user and Business Central's companies, each service's result in words",
        body: { ...connectionSchema, required: [...requiredConnection] },
      },
    },
    async (request) => {
      const answers = request.body;
      requireValid(answers, requiredConnection);
      const base = fileConfig();
      const typed = answers.clientSecret?.trim();
      const config = configFromAnswers(
        base,
        answers,
        typed ? { clientSecretEnv: TYPED_SECRET_ENV } : keptSecret(base),
        base.integration as IntegrationSettingsInput,
      );
      // The typed secret reaches the connectors through this request's own environment, never a file or the log.
      const env = typed ? { ...process.env, [TYPED_SECRET_ENV]: typed } : process.env;
      const clients = connectorClients(validateConfig(config), ctx.configPath, env);
      try {
        const report = await testConnections(clients);
        const companyId = answers.companyId?.trim().toLowerCase();
        return {
          ...report,
          companyFound: companyId
            ? report.businessCentral.companies.some((c) => c.id.toLowerCase() === companyId)
            : null,
        };
      } finally {
        await clients.dataverse.close();
        await clients.businessCentral.close();
      }
    },
  );

  app.get(
    "/setup/solution",
    {
      schema: {
        tags: ["setup"],
        summary: "Check the integration solution in Dataverse: tables, the application user's roles, nav_connection",
      },
    },
    async () => {
      const checked = await checkIntegrationSolution(ctx.dataverse);
      if (!checked.ok) throw checked.error;
      return checked.value;
    },
  );

  app.post<{ Body: { reinstall?: boolean } }>(
    "/setup/solution",
    {
      schema: {
        tags: ["setup"],
        summary: "Install the integration solution (reinstall: reset the roles' privileges to their definitions)",
        body: { type: "object", additionalProperties: false, properties: { reinstall: { type: "boolean" } } },
      },
    },
    async (request) => {
      const bc = ctx.config.businessCentral;
      if (!bc) throw bcsyncError(SERVER_SETUP_NO_CONFIG_FILE, {});
      const installed = await installIntegrationSolution(ctx.dataverse, {
        ...solutionTargets(bc),
        reinstall: request.body?.reinstall === true,
      });
      if (!installed.ok) throw installed.error;
      return installed.value;
    },
  );

  app.put<{
    Body: { connection: ConnectionAnswers; settings: SetupSettings; confirmReset?: boolean };
  }>(
    "/setup",
    {
      schema: {
        tags: ["setup"],
        summary:
          "Save the setup as `bcsync setup` does: test both services, install the solution, apply the sales order mode and the default mappings, write the configuration",
        body: {
          type: "object",
          required: ["connection", "settings"],
          additionalProperties: false,
          properties: {
            connection: { ...connectionSchema, required: [...requiredConnection, "companyId"] },
            settings: settingsSchema,
            confirmReset: {
              type: "boolean",
              description: "Discard custom table mappings (they are exported first), as `bcsync setup --yes`",
            },
          },
        },
      },
    },
    async (request) => {
      const { connection: answers, settings, confirmReset } = request.body;
      requireValid(answers, [...requiredConnection, "companyId"]);
      // Saving replaces the mappings and job queue entries: never under a full synchronization that runs them.
      if (fullSyncRunning(ctx)) throw bcsyncError(SERVER_FULL_SYNC_RUNNING, {});
      const path = configPath();
      const base = fileConfig();
      const before = connectionPart(base);
      const secretBefore = secretInUse(base);
      const typed = answers.clientSecret?.trim() || undefined;
      // A typed secret replaces the file of its app registration; if the setup then fails (a wrong secret, say),
      // the file gets back what it held, so a failed save never breaks the connection in use.
      const secretFile = typed ? clientSecretPath(base.dataDir, answers.clientId) : undefined;
      const previousSecret = secretFile && existsSync(secretFile) ? readFileSync(secretFile) : undefined;
      const secretRef =
        typed && secretFile
          ? { clientSecretFile: writeClientSecretFile(base.dataDir, answers.clientId, typed) }
          : keptSecret(base);
      const undoSecret = () => {
        if (!secretFile) return;
        if (previousSecret) writeSecretFile(secretFile, previousSecret);
        else rmSync(secretFile, { force: true });
      };
      const salesUrl = answers.salesUrl?.trim();
      const { salesUrl: _oldSalesUrl, ...keptIntegration } = base.integration as IntegrationSettingsInput;
      const integration: IntegrationSettingsInput = {
        ...keptIntegration,
        installSolution: settings.installSolution,
        itemAvailability: settings.itemAvailability,
        legacySalesOrders: settings.salesOrderMode === "legacy",
        bidirectionalSalesOrders: settings.salesOrderMode === "bidirectional",
        ...(salesUrl ? { salesUrl } : {}),
        sales: {
          autoCreateSalesOrders: settings.autoCreateSalesOrders,
          autoProcessSalesQuotes: settings.autoProcessSalesQuotes,
        },
      };
      const config = configFromAnswers(base, answers, secretRef, integration);
      const result = await runSetup({
        configPath: path,
        config,
        confirmReset: confirmReset === true,
        store: ctx.store,
      }).catch((error: unknown) => ({ ok: false as const, error: error as Error }));
      if (!result.ok) {
        undoSecret();
        throw result.error;
      }
      // The connectors read their secret once, at start: a new one (even in the same file) needs a restart too.
      const restartNeeded = connectionPart(config) !== before || (typed !== undefined && typed !== secretBefore);
      // Settings take effect now: the job queue reads the new entries from the store, and the engine looks mappings
      // up in ctx.mappings. A new connection needs new connector clients: the service must restart for those.
      await reloadMappings(ctx);
      if (!restartNeeded) {
        const saved = loadConfig({ path });
        const parsed = parseIntegrationSettings(saved.integration);
        if (parsed.ok) {
          ctx.config = saved;
          ctx.settings = parsed.value;
        }
      }
      const report = result.value;
      return {
        restartNeeded,
        configPath: report.configPath,
        dataverseUserId: report.dataverse.userId,
        companies: report.businessCentral.companies,
        solution: report.solution
          ? { roles: report.solution.roles.map((r) => r.name), warnings: report.solution.warnings }
          : null,
        mappings: report.defaults.applied.length,
        jobQueueEntries: report.defaults.jobQueueEntries,
        exportedTo: report.defaults.exportedTo ?? null,
        switchedOff: report.defaults.fitted.map((f) => `${f.mapping} (${f.side}): ${f.change}`),
        settings: settingsOf(loadConfig({ path, env: {} })),
      };
    },
  );
};

export default setupRoutes;
