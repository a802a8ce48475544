import type { AddressInfo } from "node:net";
import type { FastifyInstance } from "fastify";
import type { Browser, Page } from "playwright-core";
import { afterAll, afterEach, beforeAll, describe, expect, it } from "vitest";
import { DEMO_SALES_USER_ID } from "../../emulators/identity/demo-apps.ts";
import { currentErrors } from "../../src/admin/sync-log.ts";
import type { Row } from "../../src/connectors/index.ts";
import { coupleDemoSalespeople } from "../../src/integration/demo.ts";
import { integrationJobHandlers } from "../../src/integration/job-handlers.ts";
import { syncMappings } from "../../src/integration/sync.ts";
import { JobQueueControl } from "../../src/jobs/control.ts";
import { Scheduler } from "../../src/jobs/scheduler.ts";
import { ChangeWaker } from "../../src/jobs/waker.ts";
import { buildServer } from "../../src/server/app.ts";
import { ensureAdminAccount } from "../../src/server/auth/accounts.ts";
import { ServiceMetrics } from "../../src/server/plugins/metrics.ts";
import { bcRows, type Harness, startIntegration } from "../integration/helpers.ts";
import { browserSuite, haveChromium, openBrowser, screenshot, signInAs } from "./browser.ts";

const asSalesUser = { impersonate: { callerId: DEMO_SALES_USER_ID } };
/** Long enough for a full synchronization of one mapping against the emulators on a busy two-core machine. */
const SYNC_WAIT = 120_000;

let h: Harness;
let app: FastifyInstance;
let scheduler: Scheduler;
let browser: Browser;
let page: Page;
let base: string;
let admin: { username: string; password: string };
let consoleErrors: string[] = [];

const bc = () => h.ctx.businessCentral.company(h.ctx.companyId);

async function coupledCustomer(number: string): Promise<{ bcId: string; dvId: string; customer: Row }> {
  const customer = (await bcRows(h.ctx, "customers")).find((c) => c.number === number);
  const coupling = await h.ctx.store.couplings.getByBcId("CUSTOMER", String(customer?.id).toLowerCase());
  if (!customer || !coupling) throw new Error(`customer ${number} is not coupled`);
  return { bcId: coupling.bcId, dvId: coupling.dataverseId, customer };
}

async function account(dvId: string, select: string[]): Promise<Row | undefined> {
  const read = await h.ctx.dataverse.retrieve("accounts", dvId, { select });
  if (!read.ok) throw read.error;
  return read.value;
}

/** Opens a page from the console's own navigation (other links on a page may share its words). */
async function openPage(title: string): Promise<void> {
  await page.getByRole("navigation", { name: "Console" }).getByRole("link", { name: title, exact: true }).click();
}

const shoot = (name: string) => screenshot(page, name);

const suiteName = browserSuite("web console in chromium");

describe.skipIf(!haveChromium)(suiteName, { timeout: 150_000 }, () => {
  beforeAll(async () => {
    h = await startIntegration();
    await coupleDemoSalespeople(h.ctx);
    await syncMappings(h.ctx, { names: [], full: true });
    const made = await ensureAdminAccount(h.ctx.store);
    if (!made) throw new Error("no admin made");
    admin = made;
    // The scheduler starts only for the record editor's step: before it, every run is one the test starts, so a
    // scheduled run cannot replace the error or conflict a step has just made.
    scheduler = new Scheduler({ store: h.ctx.store, handlers: integrationJobHandlers(h.ctx), pollMs: 200 });
    const waker = new ChangeWaker({ store: h.ctx.store, scheduler, debounceMs: 0 });
    app = await buildServer({
      ctx: h.ctx,
      jobs: new JobQueueControl(h.ctx.store, waker),
      wake: (mapping) => waker.wake(mapping),
      metrics: new ServiceMetrics(h.ctx.store, { dataverse: () => h.ctx.dataverse.metrics() }),
      ready: () => true,
      recordEditor: { dataverseUserId: DEMO_SALES_USER_ID },
    });
    await app.listen({ host: "127.0.0.1", port: 0 });
    base = `http://127.0.0.1:${(app.server.address() as AddressInfo).port}`;
    ({ browser, page, consoleErrors } = await openBrowser({ width: 1280, height: 900, timeoutMs: 20_000 }));
  }, 240_000);

  afterEach(async ({ task }) => {
    // What the page showed when a step failed: the quickest way to see why. CI keeps only its log, so the page's
    // text and the browser's console errors are printed too.
    if (task.result?.state === "fail" && page) {
      await shoot(`failed-${task.name.replace(/\W+/g, "-").slice(0, 60)}`).catch(() => {});
      const shown = await page.evaluate("document.querySelector('main')?.innerText").catch((e) => String(e));
      console.error(
        `The page when "${task.name}" failed:\n${String(shown)}\nBrowser console errors: ${consoleErrors.join("\n") || "none"}`,
      );
    }
  });

  afterAll(async () => {
    await browser?.close();
    await scheduler?.stop();
    await app?.close();
    await h?.close();
  });

  it("signs in and shows the overview with connection, counts and last runs", async () => {
    await page.goto(`${base}/`);
    await expect.poll(() => page.title()).toBe("Sign in – bcsync console");
    await shoot("sign-in");
    await signInAs(page, admin);
    await page.getByRole("heading", { level: 1, name: "Overview" }).waitFor();
    await page.getByRole("heading", { name: "Connection" }).waitFor();
    await expect
      .poll(() => page.getByText(h.ctx.config.businessCentral?.companyName ?? "-").count())
      .toBeGreaterThan(0);
    await page.getByRole("table").first().waitFor();
    expect(await page.getByRole("row").count()).toBeGreaterThan(1);
    await shoot("overview");
  });

  it("synchronizes now from the overview: a Business Central change arrives in Sales", async () => {
    const { bcId, dvId } = await coupledCustomer("20000");
    expect((await bc().update("customers", bcId, { phoneNumber: "555-0111" }, "*")).ok).toBe(true);
    await page.getByRole("button", { name: "Synchronize now" }).click();
    await page.getByText(/^Synchronized: /).waitFor({ timeout: SYNC_WAIT });
    expect((await account(dvId, ["telephone1"]))?.telephone1).toBe("555-0111");
  });

  it("shows the table mappings with their field mappings and job", async () => {
    await openPage("Table mappings");
    await page.getByRole("heading", { level: 2, name: "CUSTOMER" }).waitFor();
    await page
      .getByRole("article", { name: "CUSTOMER" })
      .getByText(/field mappings$/)
      .click();
    await page.getByRole("article", { name: "CUSTOMER" }).getByRole("cell", { name: "telephone1" }).waitFor();
    await shoot("mappings");
  });

  it("opens an error in plain words with its fix, and retries it after the record is fixed", async () => {
    const { bcId, customer } = await coupledCustomer("10000");
    // The sync log is open before the error happens: Refresh must show it.
    await openPage("Sync log");
    await page.getByRole("heading", { level: 2, name: "Errors" }).waitFor();
    expect((await bc().create("salespeoplePurchasers", { code: "ZZ", displayName: "Not In Sales" })).ok).toBe(true);
    expect((await bc().update("customers", bcId, { salespersonCode: "ZZ", phoneNumber: "555-0303" }, "*")).ok).toBe(
      true,
    );
    await syncMappings(h.ctx, { names: ["CUSTOMER"] });
    const error = (await currentErrors(h.ctx.store, { mappingName: "CUSTOMER" })).find(
      (e) => e.sourceId?.toLowerCase() === bcId,
    );
    if (!error) throw new Error("the customer's error was not recorded");

    expect(await page.locator(`a[href="#/log/errors/${error.id}"]`).count()).toBe(0);
    await page.getByRole("button", { name: "Refresh" }).click();
    await page.locator(`a[href="#/log/errors/${error.id}"]`).click();
    await page.getByRole("heading", { level: 1, name: "Sync error" }).waitFor();
    await page.getByRole("heading", { name: error.message }).waitFor();
    await page.getByRole("heading", { name: "What to do" }).waitFor();
    expect(await page.locator("#error-fix").textContent()).toMatch(/npx bcsync sync SALESPEOPLE --full/);
    await shoot("sync-error");

    // The fix: give the customer back a salesperson Sales knows; then retry from the page.
    expect((await bc().update("customers", bcId, { salespersonCode: customer.salespersonCode ?? "" }, "*")).ok).toBe(
      true,
    );
    await page.getByRole("button", { name: "Retry" }).click();
    await page.getByText(/The error is resolved\.$/).waitFor({ timeout: SYNC_WAIT });
    expect((await currentErrors(h.ctx.store, { mappingName: "CUSTOMER" })).some((e) => e.id === error.id)).toBe(false);
  });

  it("skips the record of an error, then takes it back from the skipped records", async () => {
    const { bcId, customer } = await coupledCustomer("10000");
    expect((await bc().update("customers", bcId, { salespersonCode: "ZZ" }, "*")).ok).toBe(true);
    await syncMappings(h.ctx, { names: ["CUSTOMER"] });
    const error = (await currentErrors(h.ctx.store, { mappingName: "CUSTOMER" })).find(
      (e) => e.sourceId?.toLowerCase() === bcId,
    );
    if (!error) throw new Error("the customer's error was not recorded");

    await page.goto(`${base}/console/#/log/errors/${error.id}`);
    await page.getByRole("button", { name: "Skip this record" }).click();
    await page.getByText(/^The record is skipped/).waitFor();
    expect((await h.ctx.store.couplings.getByBcId("CUSTOMER", bcId))?.skipped).toBe(true);

    await page.getByRole("link", { name: "Back to the sync log" }).click();
    const skippedRow = page.getByRole("row").filter({ hasText: bcId });
    await skippedRow.getByRole("button", { name: "Un-skip" }).click();
    await page
      .getByRole("status")
      .filter({ hasText: `CUSTOMER ${bcId}: 1 record taken back` })
      .waitFor();
    expect((await h.ctx.store.couplings.getByBcId("CUSTOMER", bcId))?.skipped).toBe(false);

    // Back as it was for the steps after this one.
    expect((await bc().update("customers", bcId, { salespersonCode: customer.salespersonCode ?? "" }, "*")).ok).toBe(
      true,
    );
    await syncMappings(h.ctx, { names: ["CUSTOMER"], full: true });
    expect((await currentErrors(h.ctx.store, { mappingName: "CUSTOMER" })).length).toBe(0);
  });

  it("resolves a conflict field by field: Business Central's phone, Sales' email", async () => {
    const { bcId, dvId } = await coupledCustomer("30000");
    expect((await bc().update("customers", bcId, { phoneNumber: "555-0404", email: "bc@example.com" }, "*")).ok).toBe(
      true,
    );
    expect(
      (
        await h.ctx.dataverse.update(
          "accounts",
          dvId,
          { telephone1: "555-0505", emailaddress1: "dv@example.com" },
          asSalesUser,
        )
      ).ok,
    ).toBe(true);
    await syncMappings(h.ctx, { names: ["CUSTOMER"] });
    const open = (await h.ctx.store.conflicts.list({ mappingName: "CUSTOMER", status: "open" })).filter(
      (c) => c.bcId === bcId,
    );
    const phone = open.find((c) => c.bcValue === "555-0404");
    const email = open.find((c) => c.dataverseValue === "dv@example.com");
    if (!phone || !email) throw new Error(`expected phone and email conflicts, got ${JSON.stringify(open)}`);

    await openPage("Conflicts");
    const record = page.getByRole("form", { name: `Conflict of CUSTOMER record ${bcId}` });
    await record
      .getByRole("group", { name: phone.field })
      .getByLabel(/Keep Business Central's value/)
      .check();
    await record
      .getByRole("group", { name: email.field })
      .getByLabel(/Keep Sales' value/)
      .check();
    await shoot("conflicts");
    await record.getByRole("button", { name: "Resolve the chosen fields" }).click();
    await page
      .getByRole("status")
      .filter({ hasText: `CUSTOMER ${bcId}: 2 fields resolved; the kept values were written` })
      .waitFor({ timeout: SYNC_WAIT });

    expect((await account(dvId, ["telephone1"]))?.telephone1).toBe("555-0404");
    const customer = await bc().get("customers", bcId, { select: ["email"] });
    expect(customer.ok && customer.value?.email).toBe("dv@example.com");
    expect((await h.ctx.store.conflicts.get(phone.id))?.status).toBe("resolved");
    expect((await h.ctx.store.conflicts.get(email.id))?.status).toBe("resolved");
  });

  it("approves a held deletion: the Sales counterparts and their couplings are deleted", async () => {
    const pairs = [await coupledCustomer("40000"), await coupledCustomer("50000")];
    const held = await h.ctx.store.heldDeletions.hold({
      mappingName: "CUSTOMER",
      direction: "toDataverse",
      recordIds: pairs.map((p) => p.dvId),
      tableCount: 2,
    });
    await openPage("Held deletions");
    const row = page.getByRole("row").filter({ hasText: "CUSTOMER" });
    await row.getByRole("button", { name: "Approve" }).waitFor();
    await shoot("held-deletions");
    await row.getByRole("button", { name: "Approve" }).click();
    await page.getByRole("status").filter({ hasText: "CUSTOMER, 2 records: Approved: 2 deleted." }).waitFor({
      timeout: SYNC_WAIT,
    });
    await page.getByText("No deletions are held.").waitFor();

    expect((await h.ctx.store.heldDeletions.get(held.id))?.status).toBe("approved");
    for (const p of pairs) {
      expect(await h.ctx.store.couplings.getByBcId("CUSTOMER", p.bcId)).toBeUndefined();
      expect(await account(p.dvId, ["name"])).toBeUndefined();
    }
  });

  it("lists couplings with links into both systems, the job queue and the reconciliation report", async () => {
    await openPage("Couplings");
    await page
      .getByRole("navigation", { name: "Mappings" })
      .getByRole("link", { name: /^CUSTOMER/ })
      .click();
    await page.getByRole("heading", { level: 1, name: "Couplings: CUSTOMER" }).waitFor();
    const bcLink = page.getByRole("link", { name: "Open in Business Central" }).first();
    expect(await bcLink.getAttribute("href")).toMatch(/page=21\b/);
    expect(await page.getByRole("link", { name: "Open in Sales" }).first().getAttribute("href")).toMatch(/etn=account/);
    await shoot("couplings");

    await openPage("Job queue");
    const customerJob = page
      .getByRole("row")
      .filter({ hasText: /CUSTOMER/ })
      .first();
    await customerJob.getByRole("button", { name: "Hold" }).click();
    await customerJob.getByRole("button", { name: "Resume" }).waitFor();
    const entry = (await h.ctx.store.queue.list()).find((e) => e.mappingName === "CUSTOMER");
    expect(entry?.status).toBe("on_hold");
    await shoot("job-queue");
    await customerJob.getByRole("button", { name: "Resume" }).click();
    await customerJob.getByRole("button", { name: "Hold" }).waitFor();
    expect((await h.ctx.store.queue.get(entry?.id ?? ""))?.status).not.toBe("on_hold");

    await openPage("Reconciliation");
    await page.getByLabel("Mapping").selectOption("CUSTOMER");
    await page.getByRole("button", { name: "Compare" }).click();
    await page.getByRole("table", { name: "Counts per mapping" }).waitFor({ timeout: SYNC_WAIT });
    await shoot("reconciliation");
  });

  it("edits a Business Central customer in the emulator editor; the change arrives in Sales with no command", async () => {
    const { dvId } = await coupledCustomer("20000");
    scheduler.start();
    await openPage("Emulator records");
    await page.getByRole("button", { name: "Edit 20000" }).click();
    const form = page.getByRole("form", { name: "Edit 20000" });
    await form.getByLabel("Name").fill("Trey Research (edited in the console)");
    await shoot("record-editor");
    await form.getByRole("button", { name: "Save" }).click();
    await form.getByText(/^Saved displayName; CUSTOMER/).waitFor({ timeout: SYNC_WAIT });
    await expect
      .poll(async () => (await account(dvId, ["name"]))?.name, { timeout: SYNC_WAIT, interval: 250 })
      .toBe("Trey Research (edited in the console)");
  });

  it("edits a Sales account in the emulator editor as the demo Sales user; the change arrives in Business Central", async () => {
    const { bcId, dvId } = await coupledCustomer("10000");
    const before = await account(dvId, ["name"]);
    await page
      .getByRole("navigation", { name: "Emulator tables" })
      .getByRole("link", { name: "Sales accounts" })
      .click();
    await page.getByRole("heading", { level: 2, name: "Sales accounts" }).waitFor();
    await page.getByRole("button", { name: `Edit ${before?.name}` }).click();
    const form = page.getByRole("form", { name: `Edit ${before?.name}` });
    await form.getByLabel("City").fill("Springfield");
    await form.getByRole("button", { name: "Save" }).click();
    // The save is one PATCH, but on a busy CI machine it shares the process with the scheduler's first round.
    await form.getByText(/^Saved address1_city; .*CUSTOMER/).waitFor({ timeout: SYNC_WAIT });
    const row = await account(dvId, ["_modifiedby_value"]);
    expect(String(row?._modifiedby_value).toLowerCase()).toBe(DEMO_SALES_USER_ID);
    await expect
      .poll(
        async () => {
          const customer = await bc().get("customers", bcId, { select: ["city"] });
          return customer.ok ? customer.value?.city : undefined;
        },
        { timeout: SYNC_WAIT, interval: 250 },
      )
      .toBe("Springfield");
  });

  it("fits a phone: no page is wider than the screen, and the navigation reaches every page", async () => {
    await page.setViewportSize({ width: 390, height: 844 });
    try {
      for (const [title, shot] of [
        ["Overview", "overview-phone"],
        ["Sync log", "sync-log-phone"],
        ["Conflicts", "conflicts-phone"],
        ["Job queue", "job-queue-phone"],
        ["Emulator records", "record-editor-phone"],
      ]) {
        await page
          .getByRole("navigation", { name: "Console" })
          .getByRole("link", { name: title, exact: true })
          .scrollIntoViewIfNeeded();
        await openPage(title);
        await page.getByRole("heading", { level: 1, name: title }).waitFor();
        // An expression evaluated in the page (this project's types have no DOM).
        const widths = (await page.evaluate(
          "({ page: document.documentElement.scrollWidth, screen: window.innerWidth })",
        )) as { page: number; screen: number };
        expect(widths.page, title).toBeLessThanOrEqual(widths.screen);
        await shoot(shot);
      }
    } finally {
      await page.setViewportSize({ width: 1280, height: 900 });
    }
  });

  it("signs out: the sign-in page shows, also after a reload, and the session no longer opens the API", async () => {
    await page.getByRole("button", { name: "Sign out" }).click();
    await page.getByRole("heading", { level: 1, name: "Sign in to bcsync" }).waitFor();
    await page.reload();
    await page.getByRole("heading", { level: 1, name: "Sign in to bcsync" }).waitFor();
    const status = await page.request.get(`${base}/api/v1/status`);
    expect(status.status()).toBe(401);
  });

  it("no page logged a console error", () => {
    expect(consoleErrors).toEqual([]);
  });
});
