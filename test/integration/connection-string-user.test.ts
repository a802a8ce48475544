// Seed S20, issue 10.21: the legacy connection string's Username/Password form (older on-premises versions). Before
// the fix it was ignored: Dataverse still signed in with the app's client secret. Now Dataverse signs in as that
// user (the resource owner password grant through the connection string's app), the password is kept out of the
// configuration, and the syncs run as that user.
import { mkdtempSync, readFileSync, rmSync, statSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll, expect, it } from "vitest";
import { DEMO_INTEGRATION_APP, DEMO_INTEGRATION_USER, DEMO_LEGACY_APP } from "../../emulators/identity/demo-apps.ts";
import { type RunningEmulators, startEmulators } from "../../emulators/index.ts";
import { openIntegration } from "../../src/integration/context.ts";
import { runCli } from "./helpers.ts";

let dir: string;
let emulators: RunningEmulators;
beforeAll(async () => {
  dir = mkdtempSync(join(tmpdir(), "bcsync-connstr-"));
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

it("setup takes the user name and password, keeps the password out of the configuration, and syncs as that user", async () => {
  const info = emulators.info;
  const secretFile = join(dir, "bc.secret");
  writeFileSync(secretFile, `${DEMO_INTEGRATION_APP.clientSecret}\n`, { mode: 0o600 });
  const configPath = join(dir, "bcsync.config.json");
  const connectionString = [
    "AuthType=OAuth",
    `Username=${DEMO_INTEGRATION_USER.userPrincipalName}`,
    `Password=${DEMO_INTEGRATION_USER.password}`,
    `Url=${info.dataverse.url}`,
    `AppId=${DEMO_LEGACY_APP.clientId}`,
    `RedirectUri=app://${DEMO_LEGACY_APP.clientId}`,
    "TokenCacheStorePath=",
    "LoginPrompt=Never",
  ].join(";");
  const setup = await runCli(
    "setup",
    "--connection-string",
    connectionString,
    "--tenant-id",
    info.identity.tenantId,
    "--client-id",
    DEMO_INTEGRATION_APP.clientId,
    "--client-secret-file",
    secretFile,
    "--authority",
    info.identity.url,
    "--ca-file",
    String(info.identity.caPath),
    "--bc-url",
    info.businessCentral.url,
    "--bc-tenant-id",
    info.businessCentral.tenantId,
    "--environment",
    info.businessCentral.environment,
    "--company",
    info.businessCentral.companies[0].id,
    "--config",
    configPath,
    "--data",
    join(dir, "state"),
    "--yes",
    "--json",
  );
  expect(setup.code, setup.out + setup.err).toBe(0);
  const text = readFileSync(configPath, "utf8");
  expect(text).not.toContain(DEMO_INTEGRATION_USER.password);
  const config = JSON.parse(text);
  expect(config.dataverse.credentials.username).toBe(DEMO_INTEGRATION_USER.userPrincipalName);
  expect(config.dataverse.credentials.clientId).toBe(DEMO_LEGACY_APP.clientId);
  expect(statSync(config.dataverse.credentials.passwordFile).mode & 0o077).toBe(0);
  // Business Central keeps the app registration and its secret.
  expect(config.businessCentral.credentials.clientId).toBe(DEMO_INTEGRATION_APP.clientId);

  const ctx = await openIntegration({ configPath });
  try {
    expect(ctx.engine.integrationUsers?.dataverse).toEqual([DEMO_INTEGRATION_USER.dataverseUserId]);
  } finally {
    await ctx.close();
  }
  const sync = await runCli("sync", "CURRENCY", "--config", configPath, "--json");
  expect(sync.code, sync.out + sync.err).toBe(0);
});
