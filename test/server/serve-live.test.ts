// Issue 11 "done when": `bcsync serve` against the emulators moves changes on its own. An edit in Business Central
// and an edit in Sales each reach the other side with no command: the service subscribed to BC's webhooks and
// registered Dataverse's, the notification woke the mapping's entry (on hold after the review's runs, seed S17), and
// the job queue ran it. The test waits for the data to arrive (a state), never for a fixed time.
import { afterAll, beforeAll, describe, expect, it, vi } from "vitest";
import { DEMO_SALES_USER_ID } from "../../emulators/identity/demo-apps.ts";
import { type RunningService, startService } from "../../src/cli/commands/serve.ts";
import { coupleDemoSalespeople } from "../../src/integration/demo.ts";
import { saveMappings } from "../../src/integration/reset.ts";
import { syncAll } from "../../src/integration/review.ts";
import { type Harness, startIntegration } from "../integration/helpers.ts";

let h: Harness;
let service: RunningService;
let customer: { bcId: string; accountId: string };
/** A second coupled customer, deleted in Business Central by the deletion scenario. */
let doomed: { bcId: string; accountId: string };
const wokeFor: string[] = [];

beforeAll(async () => {
  h = await startIntegration();
  await coupleDemoSalespeople(h.ctx);
  await syncAll(h.ctx);
  const couplings: { bcId: string; dataverseId: string }[] = [];
  for await (const c of h.ctx.store.couplings.iterate("CUSTOMER")) if (couplings.push(c) === 2) break;
  if (couplings.length < 2) throw new Error("fewer than two coupled customers");
  customer = { bcId: couplings[0].bcId, accountId: couplings[0].dataverseId };
  doomed = { bcId: couplings[1].bcId, accountId: couplings[1].dataverseId };
  // Deletes propagate for customers (off by default): the service must carry a BC deletion to Sales.
  const mappings = h.ctx.mappings.map((m) => (m.name === "CUSTOMER" ? { ...m, propagateDeletes: true } : m));
  await saveMappings(h.ctx.store, h.ctx.settings, mappings);
  const write = vi.spyOn(process.stdout, "write");
  let printed = "";
  try {
    service = await startService({
      config: h.configPath,
      host: "127.0.0.1",
      port: "0",
      concurrency: "1",
      debounce: "200",
      quiet: true,
    });
  } finally {
    printed = write.mock.calls.map(([chunk]) => String(chunk)).join("");
    write.mockRestore();
  }
  // A quiet start (tests, the demo, the benchmark) prints no first administrator's password to its log.
  const admin = service.firstAdministrator;
  if (!admin) throw new Error("the service created no first administrator on a fresh install");
  expect(printed).not.toContain(admin.password);
  service.waker.on("woke", (names) => wokeFor.push(...names));
}, 180_000);
afterAll(async () => {
  await service?.stop();
  await h?.close();
});

const arrives = { timeout: 60_000, interval: 250 };

describe("bcsync serve moves changes with no command", () => {
  it("subscribed to Business Central and registered its Dataverse webhook at start", async () => {
    const steps: unknown[] = [];
    for await (const page of h.ctx.dataverse.pages("sdkmessageprocessingsteps", { select: ["name"] })) {
      if (!page.ok) throw page.error;
      steps.push(...page.value.rows);
    }
    expect(steps.length).toBeGreaterThan(0);
  });

  it("a phone number changed in Business Central reaches the Sales account", async () => {
    const changed = await h.ctx.businessCentral
      .company(h.ctx.companyId)
      .update("customers", customer.bcId, { phoneNumber: "555-0142" }, "*");
    if (!changed.ok) throw changed.error;
    await vi.waitFor(async () => {
      const account = await h.ctx.dataverse.retrieve("accounts", customer.accountId, { select: ["telephone1"] });
      expect(account.ok && account.value?.telephone1).toBe("555-0142");
    }, arrives);
    expect(wokeFor).toContain("CUSTOMER");
  });

  it("a website changed in Sales by a user reaches the Business Central customer", async () => {
    const changed = await h.ctx.dataverse.update(
      "accounts",
      customer.accountId,
      { websiteurl: "https://bikes.example" },
      { impersonate: { callerId: DEMO_SALES_USER_ID } },
    );
    if (!changed.ok) throw changed.error;
    await vi.waitFor(async () => {
      const bc = await h.ctx.businessCentral.company(h.ctx.companyId).get("customers", customer.bcId);
      expect(bc.ok && bc.value?.website).toBe("https://bikes.example");
    }, arrives);
  });

  it("a customer deleted in Business Central takes its Sales account with it (propagateDeletes)", async () => {
    const deleted = await h.ctx.businessCentral.company(h.ctx.companyId).delete("customers", doomed.bcId, "*");
    if (!deleted.ok) throw deleted.error;
    await vi.waitFor(async () => {
      const account = await h.ctx.dataverse.retrieve("accounts", doomed.accountId, { select: ["name"] });
      expect(account.ok && account.value).toBeUndefined();
    }, arrives);
    expect(await h.ctx.store.couplings.getByBcId("CUSTOMER", doomed.bcId)).toBeUndefined();
  });
});
