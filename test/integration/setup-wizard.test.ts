// Issue 12, first hour 5: the terminal setup wizard never asked for the authority or the CA file (so it failed at
// the end against the emulators), took an empty client id and failed only after every question, asked for a company
// GUID instead of offering the list, and skipped the sales order options and the Sales URL.
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { PassThrough } from "node:stream";
import { afterAll, beforeAll, expect, it } from "vitest";
import { DEMO_INTEGRATION_APP } from "../../emulators/identity/demo-apps.ts";
import { type RunningEmulators, startEmulators } from "../../emulators/index.ts";
import { askSetupAnswers } from "../../src/cli/setup-wizard.ts";

let dir: string;
let emulators: RunningEmulators;
beforeAll(async () => {
  dir = mkdtempSync(join(tmpdir(), "bcsync-wizard-"));
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

it("checks each answer as it is given, asks authority and CA file, and offers the companies as a list", async () => {
  const info = emulators.info;
  const usa = info.businessCentral.companies.find((c) => c.name === "CRONUS USA, Inc.");
  if (!usa) throw new Error("demo company missing");
  const answers = [
    "not a url", // Dataverse URL: refused, asked again
    info.dataverse.url,
    info.identity.tenantId,
    "", // empty client id: refused at once, not after every question
    DEMO_INTEGRATION_APP.clientId,
    "UNSET_SECRET_VAR", // not set in this shell: refused
    "WIZARD_SECRET",
    info.identity.url, // authority
    join(dir, "missing.pem"), // CA file that does not exist: refused
    String(info.identity.caPath),
    info.businessCentral.url,
    info.businessCentral.environment,
    "9", // not in the list
    "CRONUS USA, Inc.", // by name
    "", // Sales URL: default
    "n", // item availability
    "n", // bidirectional
    "y", // legacy
    "y", // auto-create
    "n", // quotes
  ];
  const input = new PassThrough();
  const output = new PassThrough();
  let printed = "";
  // A person types the next answer when a question is shown (a question ends with ": ").
  const queue = [...answers];
  output.on("data", (c: Buffer) => {
    printed += c.toString();
    if (printed.endsWith(": ") && queue.length > 0) input.write(`${queue.shift()}\n`);
  });
  const result = await askSetupAnswers(
    { config: join(dir, "c.json"), data: join(dir, ".bcsync") },
    { input, output, env: { WIZARD_SECRET: DEMO_INTEGRATION_APP.clientSecret } },
  );
  expect(result).toMatchObject({
    dataverseUrl: info.dataverse.url,
    clientId: DEMO_INTEGRATION_APP.clientId,
    clientSecretEnv: "WIZARD_SECRET",
    authority: info.identity.url,
    caFile: String(info.identity.caPath),
    company: usa.id,
    legacySalesOrders: true,
    bidirectionalSalesOrders: false,
    autoCreateSalesOrders: true,
  });
  expect(result.salesUrl).toBeUndefined();
  expect(printed).toContain("Expected a URL");
  expect(printed).toContain("Expected the app registration's Application (client) ID");
  expect(printed).toContain("UNSET_SECRET_VAR to be set in this shell");
  expect(printed).toContain("missing.pem does not");
  expect(printed).toMatch(/1\. CRONUS/);
  expect(printed).toContain("Expected a number from 1 to 2");
  expect(queue).toEqual([]); // every answer was asked for
});
