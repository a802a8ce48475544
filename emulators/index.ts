// startEmulators(): the identity emulator, then the Dataverse and Business Central emulators with its token
// verifier, all in one process. Used by scenario tests, `bcsync emulate` and the demo.

import { existsSync } from "node:fs";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import type {
  ApiEmulatorOptions,
  CostModel,
  FaultConfig,
  LimitsConfig,
  RunningEmulator,
  SeedSpec,
} from "./contracts.ts";
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
  /** Where notices go (an emulator that is not available); default: stderr. */
  notice?: (message: string) => void;
}

export interface CompanyInfo {
  id: string;
  name: string;
}

/** What an API emulator's running object may expose beyond `RunningEmulator`; read when present. */
interface RunningApiEmulator extends RunningEmulator {
  /** Dataverse: the service root, `…/api/data/v9.2/`. */
  serviceRoot?: string;
  /** Business Central: `…/v2.0/{tenant}/{environment}/api/v2.0` for an environment. */
  apiUrl?: string | ((environment?: string) => string);
  tenantId?: string;
  environments?: readonly { name: string; companies: readonly CompanyInfo[] }[];
}

export interface EmulatorsInfo {
  identity: { url: string; authority: string; tenantId: string; caPath?: string };
  dataverse?: { url: string; apiUrl: string };
  businessCentral?: {
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
  /** Absent when the Dataverse emulator is not available in this build. */
  dataverse?: RunningEmulator;
  businessCentral?: RunningEmulator;
  info: EmulatorsInfo;
  close(): Promise<void>;
}

type Factory = (options: ApiEmulatorOptions) => Promise<RunningEmulator>;

/**
 * Loads an API emulator's factory if its module is present. The module is resolved at run time so this file
 * compiles whether or not the emulator has been built yet.
 */
async function loadFactory(relativePath: string, exportName: string): Promise<Factory | undefined> {
  const url = new URL(relativePath, import.meta.url);
  if (!existsSync(fileURLToPath(url))) return undefined;
  const module = (await import(url.href)) as Record<string, unknown>;
  const factory = module[exportName];
  if (typeof factory !== "function") throw new Error(`${relativePath} does not export ${exportName}()`);
  return factory as Factory;
}

const withSlash = (url: string): string => (url.endsWith("/") ? url : `${url}/`);

function apiUrlOf(emulator: RunningApiEmulator, environment: string, fallback: string): string {
  const { apiUrl, serviceRoot } = emulator;
  if (typeof apiUrl === "function") return withSlash(apiUrl(environment));
  return withSlash(apiUrl ?? serviceRoot ?? fallback);
}

function dataverseInfo(dataverse: RunningApiEmulator): NonNullable<EmulatorsInfo["dataverse"]> {
  return { url: dataverse.url, apiUrl: apiUrlOf(dataverse, "", `${dataverse.url}/api/data/v9.2/`) };
}

function businessCentralInfo(
  bc: RunningApiEmulator,
  defaultTenantId: string,
): NonNullable<EmulatorsInfo["businessCentral"]> {
  const environments = bc.environments ?? [];
  const environment =
    environments.find((e) => e.name === DEMO_ENVIRONMENT)?.name ?? environments[0]?.name ?? DEMO_ENVIRONMENT;
  const tenantId = bc.tenantId ?? defaultTenantId;
  const companies = environments.find((e) => e.name === environment)?.companies ?? [];
  return {
    url: bc.url,
    apiUrl: apiUrlOf(bc, environment, `${bc.url}/v2.0/${tenantId}/${environment}/api/v2.0/`),
    tenantId,
    environment,
    companies: companies.map(({ id, name }) => ({ id, name })),
  };
}

export async function startEmulators(options: StartEmulatorsOptions = {}): Promise<RunningEmulators> {
  const notice = options.notice ?? ((message: string) => process.stderr.write(`${message}\n`));
  const sub = (name: string) => (options.dataDir ? join(options.dataDir, name) : undefined);
  const started: RunningEmulator[] = [];
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

    const common: ApiEmulatorOptions = {
      host: options.host,
      seed: options.seed,
      limits: options.limits,
      cost: options.cost,
      faults: options.faults,
      tokens: identity.verifier,
      randomSeed: options.randomSeed,
    };

    let dataverse: RunningApiEmulator | undefined;
    const startDataverse = await loadFactory("./dataverse/index.ts", "startDataverseEmulator");
    if (startDataverse) {
      dataverse = await startDataverse({ ...common, port: options.ports?.dataverse, dataDir: sub("dataverse") });
      started.push(dataverse);
    } else {
      notice("bcsync emulate: the Dataverse emulator is not available in this build (emulators/dataverse/index.ts).");
    }

    let businessCentral: RunningApiEmulator | undefined;
    const startBc = await loadFactory("./businesscentral/index.ts", "startBusinessCentralEmulator");
    if (startBc) {
      businessCentral = await startBc({
        ...common,
        port: options.ports?.businessCentral,
        dataDir: sub("businesscentral"),
      });
      started.push(businessCentral);
      // Tokens for the emulator's own origin carry BC's app roles, like tokens for the real BC audience.
      identity.grantResourceRoles(businessCentral.url, ["API.ReadWrite.All", "Automation.ReadWrite.All"]);
    } else {
      notice(
        "bcsync emulate: the Business Central emulator is not available in this build (emulators/businesscentral/index.ts).",
      );
    }

    const info: EmulatorsInfo = {
      identity: {
        url: identity.url,
        authority: identity.authority,
        tenantId: identity.tenantId,
        ...(identity.caPath ? { caPath: identity.caPath } : {}),
      },
      ...(dataverse ? { dataverse: dataverseInfo(dataverse) } : {}),
      ...(businessCentral ? { businessCentral: businessCentralInfo(businessCentral, identity.tenantId) } : {}),
      apps: identity.apps.map(({ clientId, clientSecret, displayName }) => ({ clientId, clientSecret, displayName })),
    };
    return { identity, dataverse, businessCentral, info, close: closeAll };
  } catch (error) {
    await closeAll();
    throw error;
  }
}
