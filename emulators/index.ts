// startEmulators(): the identity emulator, then the Dataverse and Business Central emulators with its token
// verifier, all in one process. Used by scenario tests, `bcsync emulate` and the demo.

import { join } from "node:path";
import {
  type BusinessCentralEmulator,
  type BusinessCentralEmulatorOptions,
  startBusinessCentralEmulator,
} from "./businesscentral/index.ts";
import type { ApiEmulatorOptions, CostModel, FaultConfig, LimitsConfig, SeedSpec } from "./contracts.ts";
import { type DataverseEmulator, type DataverseEmulatorOptions, startDataverseEmulator } from "./dataverse/index.ts";
import { type AppRegistration, DEMO_ENVIRONMENT } from "./identity/demo-apps.ts";
import { type IdentityEmulator, startIdentityEmulator } from "./identity/index.ts";

export interface StartEmulatorsOptions {
  /** Root of the emulators' data: `tls/`, `identity/`, `dataverse/`, `businesscentral/`. Absent: in memory. */
  dataDir?: string;
  seed?: SeedSpec;
  limits?: "realistic" | "off" | Partial<LimitsConfig>;
  cost?: "realistic" | "off" | Partial<CostModel>;
  faults?: Partial<FaultConfig>;
  ports?: { identity?: number; dataverse?: number; businessCentral?: number };
  host?: string;
  /** Deterministic randomness for seeds and faults. */
  randomSeed?: number;
  /** App registrations besides the demo apps. */
  apps?: readonly AppRegistration[];
  /** Receives notices for people, e.g. that a new TLS certificate was created; default: none. */
  notice?: (message: string) => void;
  /** Extra options for one emulator (e.g. a test clock, webhook timings); they win over the common ones. */
  dataverse?: Partial<DataverseEmulatorOptions>;
  businessCentral?: Partial<BusinessCentralEmulatorOptions>;
}

export interface CompanyInfo {
  id: string;
  name: string;
}

/** What `bcsync emulate --json` prints. */
export interface EmulatorsInfo {
  identity: { url: string; authority: string; tenantId: string; caPath?: string };
  dataverse: { url: string; apiUrl: string };
  businessCentral: {
    url: string;
    apiUrl: string;
    tenantId: string;
    environment: string;
    companies: CompanyInfo[];
  };
  apps: { clientId: string; clientSecret: string; displayName: string }[];
}

export interface RunningEmulators {
  identity: IdentityEmulator;
  dataverse: DataverseEmulator;
  businessCentral: BusinessCentralEmulator;
  info: EmulatorsInfo;
  close(): Promise<void>;
}

const withSlash = (url: string): string => (url.endsWith("/") ? url : `${url}/`);

function businessCentralInfo(bc: BusinessCentralEmulator): EmulatorsInfo["businessCentral"] {
  const environment = bc.environments.find((e) => e.name === DEMO_ENVIRONMENT) ??
    bc.environments[0] ?? { name: DEMO_ENVIRONMENT };
  const companies = "companies" in environment ? environment.companies : [];
  return {
    url: bc.url,
    apiUrl: withSlash(bc.apiUrl(environment.name)),
    tenantId: bc.tenantId,
    environment: environment.name,
    companies: companies.map(({ id, name }) => ({ id, name })),
  };
}

export async function startEmulators(options: StartEmulatorsOptions = {}): Promise<RunningEmulators> {
  const sub = (name: string) => (options.dataDir ? join(options.dataDir, name) : undefined);
  const started: { close(): Promise<void> }[] = [];
  const closeAll = async () => {
    // Reverse start order: the API emulators stop before the identity emulator they trust.
    for (const emulator of started.splice(0).reverse()) await emulator.close().catch(() => {});
  };

  try {
    const identity = await startIdentityEmulator({
      host: options.host,
      port: options.ports?.identity,
      dataDir: options.dataDir,
      apps: options.apps,
    });
    started.push(identity);
    if (identity.certificateCreated && identity.caPath) {
      options.notice?.(
        `bcsync emulate: created a new TLS certificate at ${identity.caPath}; clients must trust it (it replaces any earlier one).`,
      );
    }

    const common: ApiEmulatorOptions = {
      host: options.host,
      seed: options.seed,
      limits: options.limits,
      cost: options.cost,
      faults: options.faults,
      tokens: identity.verifier,
      randomSeed: options.randomSeed,
    };

    const dataverse = await startDataverseEmulator({
      ...common,
      port: options.ports?.dataverse,
      dataDir: sub("dataverse"),
      ...options.dataverse,
    });
    started.push(dataverse);

    const businessCentral = await startBusinessCentralEmulator({
      ...common,
      tenantId: identity.tenantId,
      port: options.ports?.businessCentral,
      dataDir: sub("businesscentral"),
      ...options.businessCentral,
    });
    started.push(businessCentral);
    // Tokens for the emulator's own origin carry BC's app roles, like tokens for the real BC audience.
    identity.grantResourceRoles(businessCentral.url, ["API.ReadWrite.All", "Automation.ReadWrite.All"]);

    const info: EmulatorsInfo = {
      identity: {
        url: identity.url,
        authority: identity.authority,
        tenantId: identity.tenantId,
        ...(identity.caPath ? { caPath: identity.caPath } : {}),
      },
      dataverse: { url: dataverse.url, apiUrl: withSlash(dataverse.serviceRoot) },
      businessCentral: businessCentralInfo(businessCentral),
      apps: identity.apps.map(({ clientId, clientSecret, displayName }) => ({ clientId, clientSecret, displayName })),
    };
    return { identity, dataverse, businessCentral, info, close: closeAll };
  } catch (error) {
    await closeAll();
    throw error;
  }
}
