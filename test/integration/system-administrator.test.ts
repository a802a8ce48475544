// Seed S20, issue 10.21: an integration user holding System Administrator is refused on every path — setup without
// the integration solution (which used to write the configuration anyway) and every command that opens the
// integration (syncs used to run as System Administrator).
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll, expect, it } from "vitest";
import { DEMO_ADMIN_APP } from "../../emulators/identity/demo-apps.ts";
import { type RunningEmulators, startEmulators } from "../../emulators/index.ts";
import { saveConfig } from "../../src/config/index.ts";
import { openIntegration } from "../../src/integration/context.ts";
import { configForEmulators, runSetup } from "../../src/integration/setup.ts";
import { runCli } from "./helpers.ts";

let dir: string;
let emulators: RunningEmulators;
beforeAll(async () => {
  dir = mkdtempSync(join(tmpdir(), "bcsync-sysadmin-"));
  emulators = await startEmulators({
    dataDir: join(dir, "emulators"),
    seed: "demo",
    limits: "off",
    cost: "off",
    randomSeed: 7,
    notice: () => {},
  });
}, 60_000);
afterAll(async () => {
  await emulators?.close();
  rmSync(dir, { recursive: true, force: true });
});

it("setup without the solution, and every command opening the integration, refuse a System Administrator", async () => {
  const configPath = join(dir, "bcsync.config.json");
  const config = configForEmulators(emulators.info, {
    dataDir: join(dir, "state"),
    app: DEMO_ADMIN_APP.clientId,
    integration: { installSolution: false },
  });
  const setup = await runSetup({ configPath, config, confirmReset: true });
  expect(setup.ok ? "set up" : setup.error.code).toBe("BCSYNC_E_INTEGRATION_USER_IS_SYSTEM_ADMINISTRATOR");
  // A configuration written by hand (or by an older version) is refused when a command opens it.
  saveConfig(configPath, config);
  await expect(openIntegration({ configPath })).rejects.toMatchObject({
    code: "BCSYNC_E_INTEGRATION_USER_IS_SYSTEM_ADMINISTRATOR",
  });
  const sync = await runCli("sync", "--all", "--config", configPath, "--json");
  expect(sync.code).toBe(1);
  expect(sync.out + sync.err).toContain("BCSYNC_E_INTEGRATION_USER_IS_SYSTEM_ADMINISTRATOR");
});
