// Everything a command needs to work with a configured integration: the validated settings, the state store,
// the two connector clients, the table mappings and the engine's dependencies. Opened from a configuration
// file; closed once.

import { readFileSync } from "node:fs";
import type { BcsyncConfig, Credentials } from "../config/index.ts";
import { loadConfig, resolveClientSecret, resolveSecret, resolveUser } from "../config/index.ts";
import {
  type BusinessCentralClient,
  createBusinessCentralClient,
  createDataverseClient,
  type DataverseClient,
} from "../connectors/index.ts";
import { connectorPorts } from "../engine/adapters/index.ts";
import type { TableMapping } from "../engine/model.ts";
import type { EngineDeps } from "../engine/runner.ts";
import { bcsyncError } from "../errors/catalogue.ts";
import { INTEGRATION_NOT_SET_UP } from "../errors/codes/integration.ts";
import { openStore, type Store } from "../store/index.ts";
import { loadMappings } from "./reset.ts";
import { type IntegrationSettings, parseIntegrationSettings } from "./settings.ts";
import { checkIntegrationUsers } from "./solution.ts";

export interface IntegrationContext {
  config: BcsyncConfig;
  configPath: string | undefined;
  settings: IntegrationSettings;
  store: Store;
  dataverse: DataverseClient;
  businessCentral: BusinessCentralClient;
  companyId: string;
  mappings: TableMapping[];
  engine: EngineDeps;
  close(): Promise<void>;
}

export interface OpenOptions {
  configPath?: string;
  env?: NodeJS.ProcessEnv;
  /** Override the data directory of the configuration (`--data`). */
  dataDir?: string;
}

const userOf = (credentials: Credentials, key: string, env: NodeJS.ProcessEnv) => {
  const user = resolveUser(credentials, key, env);
  return user ? { user } : {};
};

/** Connector clients from the configuration; secrets come from their environment variables or files. */
export function connectorClients(
  config: BcsyncConfig,
  configPath: string | undefined,
  env: NodeJS.ProcessEnv = process.env,
): { dataverse: DataverseClient; businessCentral: BusinessCentralClient; companyId: string } {
  const dv = config.dataverse;
  const bc = config.businessCentral;
  if (!dv || !bc) throw bcsyncError(INTEGRATION_NOT_SET_UP, { config: configPath ?? "bcsync.config.json" });
  const ca = (file?: string) => (file ? readFileSync(file, "utf8") : undefined);
  // More app registrations for the same service, used round-robin (Microsoft's way past one principal's limits).
  const extra = (principals: Credentials[], key: string) =>
    principals.map((p, i) => ({
      tenantId: p.tenantId,
      clientId: p.clientId,
      clientSecret: resolveSecret(p, `${key}.extraPrincipals[${i}]`, env),
    }));
  const dataverse = createDataverseClient({
    url: dv.url,
    tenantId: dv.credentials.tenantId,
    clientId: dv.credentials.clientId,
    clientSecret: resolveClientSecret(dv.credentials, "dataverse.credentials", env),
    ...userOf(dv.credentials, "dataverse.credentials", env),
    principals: extra(dv.extraPrincipals, "dataverse"),
    ...(dv.credentials.authority ? { authority: dv.credentials.authority } : {}),
    ...(dv.credentials.caFile ? { caPem: ca(dv.credentials.caFile) } : {}),
  });
  const businessCentral = createBusinessCentralClient({
    url: bc.url,
    environment: bc.environment,
    tenantId: bc.tenantId,
    clientId: bc.credentials.clientId,
    clientSecret: resolveClientSecret(bc.credentials, "businessCentral.credentials", env),
    ...userOf(bc.credentials, "businessCentral.credentials", env),
    principals: extra(bc.extraPrincipals, "businessCentral"),
    ...(bc.credentials.authority ? { authority: bc.credentials.authority } : {}),
    ...(bc.credentials.caFile ? { caPem: ca(bc.credentials.caFile) } : {}),
  });
  return { dataverse, businessCentral, companyId: bc.companyId };
}

export async function openIntegration(options: OpenOptions = {}): Promise<IntegrationContext> {
  const env = options.env ?? process.env;
  const config = loadConfig({ ...(options.configPath ? { path: options.configPath } : {}), env });
  const settings = parseIntegrationSettings(config.integration);
  if (!settings.ok) throw settings.error;
  const clients = connectorClients(config, options.configPath, env);
  const store = await openStore({ url: config.store.url, dataDir: options.dataDir ?? config.dataDir });
  const mappings = await loadMappings(store);
  // Who the integration users are (one per app registration: the credentials and extraPrincipals), and never a
  // System Administrator (S20), on every path: setup with or without the solution, and every command that opens
  // the integration.
  const who = await checkIntegrationUsers(clients.dataverse);
  if (!who.ok) {
    // A refused login or an unreachable service stops the command here, with its own exit code, instead of
    // every mapping failing one by one behind an exit code 0.
    await store.close();
    await clients.dataverse.close();
    await clients.businessCentral.close?.();
    throw who.error;
  }
  const engine: EngineDeps = {
    store,
    ports: connectorPorts(clients),
    // Looked up in the live list: reapplying defaults (units migration, reset) replaces its contents.
    mappings: (name) => mappings.find((m) => m.name === name),
    integrationUsers: { dataverse: who.value.map((u) => u.userId.toLowerCase()) },
  };
  return {
    config,
    configPath: options.configPath,
    settings: settings.value,
    store,
    ...clients,
    mappings,
    engine,
    async close() {
      await store.close();
      await clients.dataverse.close();
      await clients.businessCentral.close?.();
    },
  };
}
