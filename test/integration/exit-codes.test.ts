// Issue 14 point 2: exit codes tell the truth (src/cli/exit-codes.ts). Before, `bcsync sync` exited 0 with a wrong
// client secret, with an unreachable service and when records failed.
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import type { AddressInfo } from "node:net";
import { createServer } from "node:net";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { type RunningEmulators, startEmulators } from "../../emulators/index.ts";
import { reviewOutcome } from "../../src/cli/commands/review.ts";
import { EXIT } from "../../src/cli/exit-codes.ts";
import { openIntegration } from "../../src/integration/context.ts";
import { coupleDemoSalespeople } from "../../src/integration/demo.ts";
import { runCli } from "./helpers.ts";

let emulators: RunningEmulators;
let dir: string;
const config = () => join(dir, "bcsync.config.json");

beforeAll(async () => {
  dir = mkdtempSync(join(tmpdir(), "bcsync-exit-"));
  emulators = await startEmulators({
    dataDir: join(dir, "emulators"),
    seed: "demo",
    limits: "off",
    cost: "off",
    notice: () => {},
  });
  const emulatorsFile = join(dir, "emulators.json");
  writeFileSync(emulatorsFile, `${JSON.stringify(emulators.info)}\n`);
  const setup = await runCli("setup", "--emulators", emulatorsFile, "--config", config(), "--data", join(dir, "state"));
  expect(setup.code, setup.err).toBe(EXIT.ok);
}, 120_000);
afterAll(async () => {
  await emulators?.close();
  rmSync(dir, { recursive: true, force: true });
});

/** A copy of the configuration with one change, for one test. */
/** The parts of the configuration file these tests change. */
interface EditableConfig {
  dataverse: { url: string; credentials: { clientSecretFile?: string; authority?: string } };
}

function variant(name: string, change: (c: EditableConfig) => void): string {
  const c = JSON.parse(readFileSync(config(), "utf8"));
  change(c);
  const path = join(dir, `${name}.json`);
  writeFileSync(path, JSON.stringify(c));
  return path;
}

describe("bcsync sync exit codes", () => {
  it("records that fail end the run with exit code 3 and a summary that says so", async () => {
    // CONTACT before CUSTOMER: the persons' companies are not coupled yet, so their records fail.
    const r = await runCli("sync", "CONTACT", "--full", "--config", config());
    expect(r.code).toBe(EXIT.recordFailures);
    expect(r.err).toMatch(/record\(s\) failed/);
  });

  it("`bcsync errors` names the mapping, the record and the field of each standing error, and exits 3", async () => {
    const r = await runCli("errors", "--json", "--config", config());
    expect(r.code).toBe(EXIT.recordFailures);
    const errors = r.out
      .trim()
      .split("\n")
      .map((l) => JSON.parse(l));
    expect(errors.length).toBeGreaterThan(0);
    for (const e of errors) {
      expect(e.mappingName).toBe("CONTACT");
      expect(e.sourceId).toBeTruthy();
      expect(e.field).toBeTruthy();
      expect(e.code).toMatch(/^BCSYNC_E_/);
    }
    const log = await runCli("log", "--mapping", "CONTACT", "--json", "--config", config());
    expect(log.code).toBe(EXIT.ok);
    const runs = log.out
      .trim()
      .split("\n")
      .map((l) => JSON.parse(l));
    expect(runs.some((run) => run.status === "failed" && run.failed > 0)).toBe(true);
  });

  it("`bcsync errors --retry-all` runs them again once their cause is fixed, and errors is then clean", async () => {
    // The cause: the persons' customers are not in Sales yet (and the demo's salespeople are not coupled).
    const ctx = await openIntegration({ configPath: config() });
    await coupleDemoSalespeople(ctx).finally(() => ctx.close());
    const customers = await runCli(
      "sync",
      ...["CURRENCY", "PAYMENT TERMS", "SHIPMENT METHOD", "SHIPPING AGENT", "CUSTOMER"],
      "--full",
      "--config",
      config(),
    );
    expect(customers.code, customers.out + customers.err).toBe(EXIT.ok);
    const retry = await runCli("errors", "--retry-all", "--config", config());
    expect(retry.code, retry.err).toBe(EXIT.ok);
    const after = await runCli("errors", "--json", "--config", config());
    expect(after.out.trim()).toBe("");
    expect(after.code).toBe(EXIT.ok);
  });

  it("a refused login exits 5, with the message printed once", async () => {
    const secretFile = join(dir, "wrong.secret");
    writeFileSync(secretFile, "not-the-secret\n", { mode: 0o600 });
    const wrong = variant("wrong-secret", (c) => {
      c.dataverse.credentials.clientSecretFile = secretFile;
    });
    const r = await runCli("sync", "CUSTOMER", "--config", wrong);
    expect(r.code).toBe(EXIT.authentication);
    expect(r.err.match(/BCSYNC_E_CONNECTOR_AUTH_FAILED/g)).toHaveLength(1);
    // The service's ids once each (MSAL's wrapping repeated what Entra's description already says).
    for (const id of ["Trace ID", "Correlation ID", "Timestamp"]) expect(r.err.split(id)).toHaveLength(2);
    expect(r.err).not.toContain("not-the-secret");
  });

  it("an unreachable service exits 4", async () => {
    const port = await closedPort();
    const unreachable = variant("unreachable", (c) => {
      c.dataverse.url = `http://127.0.0.1:${port}/`;
    });
    const r = await runCli("sync", "CUSTOMER", "--config", unreachable);
    expect(r.code, r.err).toBe(EXIT.unreachable);
  });

  it("an unreachable sign-in authority exits 4 (unreachable), not 5 (refused login)", async () => {
    const port = await closedPort();
    const noAuthority = variant("no-authority", (c) => {
      // The configured authority (the identity emulator's, with the tenant), on a port nothing listens on.
      const authority = new URL(String(c.dataverse.credentials.authority ?? emulators.info.identity?.authority));
      authority.port = String(port);
      c.dataverse.credentials.authority = authority.href;
    });
    const r = await runCli("sync", "CUSTOMER", "--config", noAuthority);
    expect(r.code, r.err).toBe(EXIT.unreachable);
    expect(r.err).toContain("BCSYNC_E_CONNECTOR_AUTHORITY_UNREACHABLE");
    expect(r.err).toContain("ECONNREFUSED");
  });

  it("an unknown mapping exits 1 with its catalogued error", async () => {
    const r = await runCli("sync", "NO-SUCH-MAPPING", "--config", config());
    expect(r.code).toBe(EXIT.error);
    expect(r.err).toContain("BCSYNC_E_INTEGRATION_UNKNOWN_MAPPING");
  });

  it("a wrong option is a usage error (2)", async () => {
    const r = await runCli("sync", "--no-such-option", "--config", config());
    expect(r.code).toBe(EXIT.usage);
  });

  it("a clean run exits 0", async () => {
    const r = await runCli("sync", "CURRENCY", "--full", "--config", config());
    expect(r.code, r.err).toBe(EXIT.ok);
  });

  it("couple without both records is a usage error (2), not a bug (70)", async () => {
    const r = await runCli("couple", "CUSTOMER", "--bc", "00000000-0000-0000-0000-000000000001", "--config", config());
    expect(r.code).toBe(EXIT.usage);
    expect(r.err).toContain("couple needs both --bc and --dataverse");
  });

  it("uncoupling a record that is not coupled exits 1", async () => {
    const r = await runCli(
      "couple",
      "CUSTOMER",
      "--uncouple",
      "--bc",
      "00000000-0000-0000-0000-000000000001",
      "--config",
      config(),
    );
    expect(r.code).toBe(EXIT.error);
  });
});

describe("review --sync-all exit codes", () => {
  const line = (name: string, change: Record<string, unknown>) => ({
    mappingName: name,
    dependencyFilter: "",
    direction: "bidirectional" as const,
    toJobId: "job-to",
    toJobStatus: "Success",
    fromJobId: null,
    fromJobStatus: null,
    queueEntryId: null,
    queueStatus: "Finished",
    recommendation: "Full Synchronization",
    ...change,
  });
  it("a line whose records failed is 3, a line that could not run is 1, all finished is 0", () => {
    expect(reviewOutcome([line("CURRENCY", {})], []).exitCode).toBe(EXIT.ok);
    const recordFailures = line("CUSTOMER", { queueStatus: "Error", toJobStatus: "Error" });
    const waiting = line("CONTACT", { queueStatus: null });
    const outcome = reviewOutcome([recordFailures], [recordFailures, waiting]);
    expect(outcome.exitCode).toBe(EXIT.recordFailures);
    expect(outcome.summary).toContain("CUSTOMER");
    expect(outcome.summary).toContain("CONTACT");
    const threw = line("ITEM-PRODUCT", { queueStatus: "Error", toJobId: null, toJobStatus: "connect ECONNREFUSED" });
    expect(reviewOutcome([recordFailures, threw], []).exitCode).toBe(EXIT.error);
  });
});

/** A local port nothing listens on (bound, then closed). */
function closedPort(): Promise<number> {
  return new Promise((resolve) => {
    const server = createServer().listen(0, "127.0.0.1", () => {
      const { port } = server.address() as AddressInfo;
      server.close(() => resolve(port));
    });
  });
}
