// The integration's commands in-process, as a user runs them: `bcsync setup --emulators FILE` (the line
// `bcsync emulate --json` printed), `bcsync mappings list --json` (the seed's tables checkable, S11/S17),
// `bcsync sync --json`, `bcsync worker --once --json` (the job queue), and the catalogued error for mutually exclusive sales order modes (S5).
import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { type RunningEmulators, startEmulators } from "../../emulators/index.ts";
import { runCli } from "./helpers.ts";

let emulators: RunningEmulators;
let dir: string;
let emulatorsFile: string;

beforeAll(async () => {
  dir = mkdtempSync(join(tmpdir(), "bcsync-cli-"));
  emulators = await startEmulators({
    dataDir: join(dir, "emulators"),
    seed: "demo",
    limits: "off",
    cost: "off",
    notice: () => {},
  });
  emulatorsFile = join(dir, "emulators.json");
  writeFileSync(emulatorsFile, `${JSON.stringify(emulators.info)}\n`);
}, 60_000);
afterAll(async () => {
  await emulators?.close();
  rmSync(dir, { recursive: true, force: true });
});

const bcsync = runCli;

describe("bcsync setup, mappings, sync", () => {
  const config = () => join(dir, "bcsync.config.json");

  it("refuses legacy and bidirectional sales orders together with the catalogued error", async () => {
    const r = await bcsync(
      "setup",
      "--emulators",
      emulatorsFile,
      "--config",
      join(dir, "refused.json"),
      "--data",
      join(dir, "refused"),
      "--legacy-sales-orders",
      "--bidirectional-sales-orders",
      "--json",
    );
    expect(r.code).toBe(1);
    expect(JSON.parse(r.out).error.code).toBe("BCSYNC_E_INTEGRATION_SALES_ORDER_MODES_EXCLUSIVE");
  });

  it("connects to the emulators in one command", async () => {
    const r = await bcsync(
      "setup",
      "--emulators",
      emulatorsFile,
      "--config",
      config(),
      "--data",
      join(dir, "state"),
      "--json",
    );
    expect(r.code).toBe(0);
    const report = JSON.parse(r.out);
    expect(report.configPath).toBe(config());
    expect(report.solution.roles).toHaveLength(3);
    expect(report.defaults.applied).toContain("ITEM-PRODUCT");
  }, 60_000);

  it("lists every table mapping with direction, filters, run order, job frequency and inactivity timeout", async () => {
    const r = await bcsync("mappings", "list", "--config", config(), "--json");
    expect(r.code).toBe(0);
    const { mappings, jobs } = JSON.parse(r.out) as {
      mappings: {
        name: string;
        direction: string;
        dataverseFilter: string;
        runOrder: number;
        jobIntervalMinutes: number;
        inactivityTimeoutMinutes: number;
      }[];
      jobs: { kind: string; intervalMinutes: number }[];
    };
    const item = mappings.find((m) => m.name === "ITEM-PRODUCT");
    expect(item).toMatchObject({ direction: "bidirectional", jobIntervalMinutes: 30, inactivityTimeoutMinutes: 1440 });
    expect(item?.dataverseFilter).toContain("producttypecode eq 1");
    expect(mappings.find((m) => m.name === "RESOURCE-PRODUCT")).toMatchObject({ inactivityTimeoutMinutes: 720 });
    const order = (name: string) => mappings.find((m) => m.name === name)?.runOrder ?? -1;
    expect(order("RESOURCE-PRODUCT")).toBeLessThan(order("ITEM-PRODUCT"));
    expect(order("SALESPRC-PRODPRICE")).toBeLessThan(order("POSTEDSALESINV-INV"));
    expect(jobs.find((j) => j.kind === "customer-statistics")?.intervalMinutes).toBe(30);
  });

  it("syncs named mappings and reports counters, one JSON line per mapping", async () => {
    const r = await bcsync("sync", "UNIT GROUP", "CURRENCY", "--full", "--config", config(), "--json");
    expect(r.code).toBe(0);
    const lines = r.out
      .trim()
      .split("\n")
      .map((l) => JSON.parse(l));
    expect(lines.map((l) => l.mapping)).toEqual(["CURRENCY", "UNIT GROUP"]);
    expect(lines.find((l) => l.mapping === "UNIT GROUP").inserted).toBeGreaterThan(0);
  }, 60_000);

  it("names the known mappings when asked for an unknown one", async () => {
    const r = await bcsync("sync", "NO-SUCH", "--config", config(), "--json");
    expect(r.code).toBe(1);
    const { error } = JSON.parse(r.out);
    expect(error.code).toBe("BCSYNC_E_INTEGRATION_UNKNOWN_MAPPING");
    expect(error.fix).toContain("ITEM-PRODUCT");
  });

  it("runs the due job queue entries once with `bcsync worker --once`, reporting each", async () => {
    const r = await bcsync("worker", "--once", "--config", config(), "--json");
    const lines = r.out
      .trim()
      .split("\n")
      .map(
        (l) =>
          JSON.parse(l) as { entry: string; outcome: string; status: string; nextRunAt: string | null; error?: string },
      );
    // Without a full synchronization first, the sales prices of uncoupled customer price groups fail (CUSTPRCGRP-PRICE
    // only syncs coupled records): the entry is failed, names the command that shows why, and the exit code says so.
    const failed = lines.filter((l) => l.outcome === "failed");
    expect(failed.map((l) => l.entry)).toEqual(["SALESPRC-PRODPRICE"]);
    expect(failed[0].error).toContain("npx bcsync errors");
    expect(r.code).toBe(1);
    // setup created the seed's entries due now: each ran once and is scheduled again (recurring)
    expect(lines.map((l) => l.entry)).toContain("UNIT GROUP");
    for (const line of lines) {
      expect(["ready", "on_hold_inactivity", "error"]).toContain(line.status);
      expect(line.nextRunAt).not.toBeNull();
    }
    const again = await bcsync("worker", "--once", "--config", config(), "--json");
    expect(again.out.trim()).toBe(""); // nothing is due any more
  }, 120_000);
});
