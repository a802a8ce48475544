// Several app registrations for one service, from the configuration's `extraPrincipals`: the connectors use them
// round-robin (Microsoft's documented way past one principal's service protection limits). Each demo app maps to
// its own Dataverse application user, so WhoAmI tells which principal sent each request.
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { DEMO_INTEGRATION_APP, DEMO_INTEGRATION_APP_2 } from "../../emulators/identity/demo-apps.ts";
import { type RunningEmulators, startEmulators } from "../../emulators/index.ts";
import { validateConfig } from "../../src/config/index.ts";
import { connectorClients } from "../../src/integration/context.ts";
import { configForEmulators } from "../../src/integration/setup.ts";

let emulators: RunningEmulators;
let dir: string;

beforeAll(async () => {
  dir = mkdtempSync(join(tmpdir(), "bcsync-principals-"));
  emulators = await startEmulators({
    dataDir: join(dir, "emulators"),
    seed: "demo",
    limits: "off",
    cost: "off",
    notice: () => {},
  });
});
afterAll(async () => {
  await emulators?.close();
  rmSync(dir, { recursive: true, force: true });
});

describe("extra principals from the configuration", () => {
  it("sends Dataverse requests round-robin as each configured app registration", async () => {
    const base = configForEmulators(emulators.info, { dataDir: join(dir, "state") });
    const second = {
      ...base.dataverse!.credentials,
      clientId: DEMO_INTEGRATION_APP_2.clientId,
      clientSecretEnv: "SECOND_APP_SECRET",
    };
    delete (second as { clientSecretFile?: string }).clientSecretFile;
    const config = validateConfig({ ...base, dataverse: { ...base.dataverse!, extraPrincipals: [second] } });
    const { dataverse, businessCentral } = connectorClients(config, undefined, {
      SECOND_APP_SECRET: DEMO_INTEGRATION_APP_2.clientSecret,
    });
    try {
      const users = new Set<string>();
      for (let i = 0; i < 4; i++) {
        const who = await dataverse.whoAmI();
        if (!who.ok) throw who.error;
        users.add(who.value.UserId.toLowerCase());
      }
      expect([...users].sort()).toEqual(
        [DEMO_INTEGRATION_APP.dataverseUserId, DEMO_INTEGRATION_APP_2.dataverseUserId].sort(),
      );
    } finally {
      await dataverse.close();
      await businessCentral.close?.();
    }
  });

  it("names the missing secret of an extra principal", () => {
    const base = configForEmulators(emulators.info, { dataDir: join(dir, "state2") });
    const second = {
      tenantId: base.dataverse!.credentials.tenantId,
      clientId: DEMO_INTEGRATION_APP_2.clientId,
      clientSecretEnv: "NOT_SET_ANYWHERE",
    };
    const config = validateConfig({ ...base, dataverse: { ...base.dataverse!, extraPrincipals: [second] } });
    expect(() => connectorClients(config, undefined, {})).toThrow(/NOT_SET_ANYWHERE/);
  });
});
