// Shared set-up for the Dataverse emulator scenarios: the identity emulator issues real tokens, the Dataverse
// emulator verifies them; both run in-process on free ports.
import { DynamicsWebApi } from "dynamics-web-api";
import {
  type DataverseEmulator,
  type DataverseEmulatorOptions,
  startDataverseEmulator,
} from "../../../emulators/dataverse/index.ts";
import { DEMO_INTEGRATION_APP } from "../../../emulators/identity/demo-apps.ts";
import { type IdentityEmulator, startIdentityEmulator } from "../../../emulators/identity/index.ts";

export interface World {
  identity: IdentityEmulator;
  dataverse: DataverseEmulator;
  token(clientId?: string): string;
  /** fetch against the service root with a valid token and the OData headers. */
  call(
    method: string,
    path: string,
    init?: { body?: unknown; headers?: Record<string, string>; raw?: string },
  ): Promise<Response>;
  client(config?: Record<string, unknown>): DynamicsWebApi;
  close(): Promise<void>;
}

export async function startWorld(options: DataverseEmulatorOptions = {}): Promise<World> {
  const identity = await startIdentityEmulator();
  const dataverse = await startDataverseEmulator({
    limits: "off",
    cost: "off",
    seed: "demo",
    tokens: identity.verifier,
    ...options,
  });
  const token = (clientId = DEMO_INTEGRATION_APP.clientId) => identity.issueToken(clientId, dataverse.url);
  return {
    identity,
    dataverse,
    token,
    call(method, path, init = {}) {
      const headers: Record<string, string> = {
        Authorization: `Bearer ${token()}`,
        Accept: "application/json",
        "OData-MaxVersion": "4.0",
        "OData-Version": "4.0",
        ...(init.body !== undefined ? { "Content-Type": "application/json; charset=utf-8" } : {}),
        ...init.headers,
      };
      const body = init.raw ?? (init.body !== undefined ? JSON.stringify(init.body) : undefined);
      return fetch(`${dataverse.serviceRoot}${path}`, { method, headers, body });
    },
    client(config = {}) {
      return new DynamicsWebApi({
        serverUrl: `${dataverse.url}/`,
        dataApi: { version: "9.2" },
        onTokenRefresh: async () => token(),
        ...config,
      });
    },
    async close() {
      await dataverse.close();
      await identity.close();
    },
  };
}
