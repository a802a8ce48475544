// Starts the emulators (demo data, limits off) in-process on free ports and sets the integration up against
// them exactly as `bcsync setup --emulators FILE` does; returns the opened integration.
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { vi } from "vitest";
import { type RunningEmulators, startEmulators } from "../../emulators/index.ts";
import { main } from "../../src/cli/main.ts";
import type { Row } from "../../src/connectors/index.ts";
import { type IntegrationContext, openIntegration } from "../../src/integration/context.ts";
import type { IntegrationSettingsInput } from "../../src/integration/settings.ts";
import { configForEmulators, runSetup, type SetupReport } from "../../src/integration/setup.ts";

export interface Harness {
  emulators: RunningEmulators;
  ctx: IntegrationContext;
  setup: SetupReport;
  configPath: string;
  close(): Promise<void>;
}

export async function startIntegration(
  integration: IntegrationSettingsInput = {},
  options: {
    company?: string /** A PostgreSQL state store (postgres://…) instead of the embedded one. */;
    storeUrl?: string;
    /** More Dataverse app registrations (`dataverse.extraPrincipals`), their secrets in the given variables. */
    extraDataversePrincipals?: { clientId: string; clientSecretEnv: string }[];
  } = {},
): Promise<Harness> {
  const dir = mkdtempSync(join(tmpdir(), "bcsync-it-"));
  const emulators = await startEmulators({
    dataDir: join(dir, "emulators"),
    seed: "demo",
    limits: "off",
    cost: "off",
    randomSeed: 7,
    notice: () => {},
  });
  const configPath = join(dir, "bcsync.config.json");
  const config = configForEmulators(emulators.info, {
    dataDir: join(dir, "state"),
    integration,
    ...(options.company ? { company: options.company } : {}),
  });
  if (options.extraDataversePrincipals && config.dataverse) {
    const tenantId = config.dataverse.credentials.tenantId;
    config.dataverse = {
      ...config.dataverse,
      extraPrincipals: options.extraDataversePrincipals.map((p) => ({ tenantId, ...p })),
    };
  }
  const setup = await runSetup({
    configPath,
    config: { ...config, ...(options.storeUrl ? { store: { url: options.storeUrl } } : {}) },
    confirmReset: true,
  });
  if (!setup.ok) throw setup.error;
  const ctx = await openIntegration({ configPath });
  return {
    emulators,
    ctx,
    setup: setup.value,
    configPath,
    async close() {
      await ctx.close();
      await emulators.close();
      rmSync(dir, { recursive: true, force: true });
    },
  };
}

/**
 * A second Business Central company set up on a harness's emulators (its own configuration, state and couplings),
 * for services that connect several companies. The caller removes `dir`.
 */
export async function setUpOtherCompany(h: Harness, company: string): Promise<{ configPath: string; dir: string }> {
  const dir = mkdtempSync(join(tmpdir(), "bcsync-other-company-"));
  const configPath = join(dir, "bcsync.config.json");
  const setup = await runSetup({
    configPath,
    config: configForEmulators(h.emulators.info, { dataDir: join(dir, "state"), company }),
    confirmReset: true,
  });
  if (!setup.ok) throw setup.error;
  return { configPath, dir };
}

export async function dvRows(ctx: IntegrationContext, set: string, filter?: string, select?: string[]): Promise<Row[]> {
  const rows: Row[] = [];
  for await (const page of ctx.dataverse.pages(set, { ...(filter ? { filter } : {}), ...(select ? { select } : {}) })) {
    if (!page.ok) throw page.error;
    rows.push(...page.value.rows);
  }
  return rows;
}

export async function bcRows(ctx: IntegrationContext, set: string, companion = false): Promise<Row[]> {
  const { COMPANION_API } = await import("../../src/connectors/index.ts");
  const rows: Row[] = [];
  for await (const page of ctx.businessCentral
    .company(ctx.companyId, companion ? COMPANION_API : "v2.0")
    .pages(set, {})) {
    if (!page.ok) throw page.error;
    rows.push(...page.value.rows);
  }
  return rows;
}

/** Runs `bcsync <args>` in this process, as a user would; returns the exit code and what it printed. */
export async function runCli(...args: string[]): Promise<{ code: number; out: string; err: string }> {
  let out = "";
  let err = "";
  const o = vi.spyOn(process.stdout, "write").mockImplementation((chunk: string | Uint8Array) => {
    out += String(chunk);
    return true;
  });
  const e = vi.spyOn(process.stderr, "write").mockImplementation((chunk: string | Uint8Array) => {
    err += String(chunk);
    return true;
  });
  try {
    return { code: await main(args), out, err };
  } finally {
    o.mockRestore();
    e.mockRestore();
    process.exitCode = 0;
  }
}
