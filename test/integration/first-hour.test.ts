// Issue 12, "a first hour that works": points tried as a new user would, each failing before.
// 1. The README's step-by-step block: `bcsync emulate --json > emulators.json &` then `bcsync setup --emulators
//    emulators.json` at once — setup ran before the file was written.
// 6. `bcsync mappings export` asked for a client secret it never uses; a bad mapping file was reported as a
//    configuration key error.
// 7. `setup` rewrote a configuration that kept state in PostgreSQL with an empty store (SQLite).
import { randomBytes } from "node:crypto";
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import pg from "pg";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { type RunningEmulators, startEmulators } from "../../emulators/index.ts";
import { runCli } from "./helpers.ts";

let dir: string;
let emulators: RunningEmulators | undefined;
const emulatorsFile = () => join(dir, "emulators.json");
const configPath = () => join(dir, "bcsync.config.json");

beforeAll(() => {
  dir = mkdtempSync(join(tmpdir(), "bcsync-first-hour-"));
});
afterAll(async () => {
  await emulators?.close();
  rmSync(dir, { recursive: true, force: true });
});

describe("the README's step-by-step path, pasted as is", () => {
  it("setup waits for the emulators to write their file, then connects", async () => {
    // `setup` starts first, as the pasted block does while `bcsync emulate` is still starting in the background.
    const setup = runCli(
      "setup",
      "--emulators",
      emulatorsFile(),
      "--config",
      configPath(),
      "--data",
      join(dir, ".bcsync"),
      "--yes",
      "--json",
    );
    emulators = await startEmulators({
      dataDir: join(dir, "emulators"),
      seed: "demo",
      limits: "off",
      cost: "off",
      randomSeed: 7,
      notice: () => {},
    });
    writeFileSync(emulatorsFile(), `${JSON.stringify(emulators.info)}\n`);
    const done = await setup;
    expect(done.code, done.out + done.err).toBe(0);
    expect(done.err).toContain("waiting for the emulators");
    const list = await runCli("mappings", "list", "--config", configPath(), "--json");
    expect(list.code).toBe(0);
    expect(JSON.parse(list.out).mappings.length).toBeGreaterThan(10);
  }, 120_000);
});

describe("mappings without a secret, and a bad mapping file named as such", () => {
  it("lists and exports with the client secret gone; an invalid file gets its own error and fix", async () => {
    const config = JSON.parse(readFileSync(configPath(), "utf8"));
    rmSync(config.dataverse.credentials.clientSecretFile);
    const exported = await runCli("mappings", "export", "--config", configPath(), "--format", "json");
    expect(exported.code, exported.err).toBe(0);
    expect(JSON.parse(exported.out).mappings.length).toBeGreaterThan(10);
    const bad = join(dir, "bad.yaml");
    writeFileSync(bad, "- name: X\n  direction: sideways\n");
    const imported = await runCli("mappings", "import", bad, "--config", configPath(), "--json");
    expect(imported.code).toBe(1);
    const { error } = JSON.parse(imported.out);
    expect(error.code).toBe("BCSYNC_E_INTEGRATION_MAPPING_FILE_INVALID");
    expect(error.message).toContain("bad.yaml");
  });
});

const databaseUrl = process.env.DATABASE_URL;
describe.skipIf(!databaseUrl)("setup on a PostgreSQL state store", () => {
  const database = `bcsync_setup_${randomBytes(5).toString("hex")}`;
  const admin = () => new pg.Client({ connectionString: databaseUrl });
  beforeAll(async () => {
    const c = admin();
    await c.connect();
    await c.query(`CREATE DATABASE ${database}`);
    await c.end();
  });
  afterAll(async () => {
    const c = admin();
    await c.connect();
    await c.query(`DROP DATABASE IF EXISTS ${database} WITH (FORCE)`);
    await c.end();
  });

  it("keeps store.url of the existing configuration and sets the integration up there", async () => {
    const url = new URL(String(databaseUrl));
    url.pathname = `/${database}`;
    const path = join(dir, "pg.config.json");
    writeFileSync(path, JSON.stringify({ store: { url: url.toString() } }));
    const setup = await runCli(
      "setup",
      "--emulators",
      emulatorsFile(),
      "--config",
      path,
      "--data",
      join(dir, ".bcsync-pg"),
      "--yes",
      "--json",
    );
    expect(setup.code, setup.out + setup.err).toBe(0);
    expect(JSON.parse(readFileSync(path, "utf8")).store.url).toBe(url.toString());
    const c = new pg.Client({ connectionString: url.toString() });
    await c.connect();
    const { rows } = await c.query("SELECT count(*)::int AS n FROM table_mappings");
    await c.end();
    expect(rows[0].n).toBeGreaterThan(10);
  }, 120_000);
});
