// Starts the emulators in-process on free ports and builds connector clients against them, exactly as a user
// would against a tenant: only URLs, credentials and the CA differ.
import { DEMO_INTEGRATION_APP, DEMO_INTEGRATION_APP_2 } from "../../emulators/identity/demo-apps.ts";
import { type RunningEmulators, type StartEmulatorsOptions, startEmulators } from "../../emulators/index.ts";
import {
  type BusinessCentralClient,
  type BusinessCentralSettings,
  createBusinessCentralClient,
  createDataverseClient,
  type DataverseClient,
  type DataverseSettings,
} from "../../src/connectors/index.ts";

export async function startTestEmulators(options: StartEmulatorsOptions = {}): Promise<RunningEmulators> {
  return startEmulators({ seed: "demo", limits: "off", cost: "off", randomSeed: 7, notice: () => {}, ...options });
}

function credentials(emulators: RunningEmulators) {
  return {
    tenantId: emulators.identity.tenantId,
    clientId: DEMO_INTEGRATION_APP.clientId,
    clientSecret: DEMO_INTEGRATION_APP.clientSecret,
    authority: emulators.identity.url,
    caPem: emulators.identity.caPem,
  };
}

export function dataverseClient(
  emulators: RunningEmulators,
  extra: Partial<DataverseSettings> & { twoPrincipals?: boolean } = {},
): DataverseClient {
  const dataverse = emulators.info.dataverse;
  if (!dataverse) throw new Error("the Dataverse emulator is not available in this build");
  const { twoPrincipals, ...settings } = extra;
  return createDataverseClient({
    url: dataverse.url,
    ...credentials(emulators),
    principals: twoPrincipals
      ? [{ clientId: DEMO_INTEGRATION_APP_2.clientId, clientSecret: DEMO_INTEGRATION_APP_2.clientSecret }]
      : undefined,
    ...settings,
  });
}

export function businessCentralClient(
  emulators: RunningEmulators,
  extra: Partial<BusinessCentralSettings> = {},
): BusinessCentralClient {
  const bc = emulators.info.businessCentral;
  if (!bc) throw new Error("the Business Central emulator is not available in this build");
  return createBusinessCentralClient({
    url: bc.url,
    environment: bc.environment,
    ...credentials(emulators),
    tenantId: bc.tenantId,
    ...extra,
  });
}
