// Issue 12, "table mappings with their field mappings (edit directions, filters, enable/disable a field)": the
// console's Table mappings page in a real browser (playwright-core driving Debian's chromium, never a downloaded
// one), against the service in-process on the emulators. An administrator switches a field off and changes a
// field's direction through the edit form, is refused an edit a one-way mapping cannot hold (with the reason in
// plain words, nothing changed), exports, imports, and resets to the defaults after confirming the custom mappings
// it discards. Every step is checked on the running service's mappings (h.ctx.mappings, what the next run uses);
// no page may log a console error other than the refusals the steps provoke. Screenshots land in
// test-results/console/.
import { readFileSync } from "node:fs";
import type { AddressInfo } from "node:net";
import type { FastifyInstance } from "fastify";
import type { Browser, Page } from "playwright-core";
import { afterAll, afterEach, beforeAll, describe, expect, it } from "vitest";
import { parseMappings } from "../../src/engine/model.ts";
import { JobQueueControl } from "../../src/jobs/control.ts";
import { ChangeWaker } from "../../src/jobs/waker.ts";
import { buildServer } from "../../src/server/app.ts";
import { ensureAdminAccount } from "../../src/server/auth/accounts.ts";
import { ServiceMetrics } from "../../src/server/plugins/metrics.ts";
import { type Harness, startIntegration } from "../integration/helpers.ts";
import { browserSuite, haveChromium, openBrowser, screenshot, signInAs } from "./browser.ts";

let h: Harness;
let app: FastifyInstance;
let browser: Browser;
let page: Page;
let base: string;
let admin: { username: string; password: string };
/** The export the download step saved, imported again through the file input. */
let downloaded = "";
let consoleErrors: string[] = [];

const mapping = (name: string) => h.ctx.mappings.find((m) => m.name === name);
const customerField = (bcField: string) => mapping("CUSTOMER")?.fields.find((f) => f.bcField === bcField);
const article = (name: string) => page.getByRole("article", { name });

const shoot = (name: string) => screenshot(page, name);

/**
 * Chromium logs every 4xx answer as a console error. A refusal a step provokes on purpose is taken off the list
 * (awaited, as the message may come after the page has shown the refusal); any other still fails the last test.
 */
async function expectRefusalLogged(status: number): Promise<void> {
  const logged = () => consoleErrors.findIndex((e) => e.includes(`status of ${status}`));
  await expect.poll(logged).toBeGreaterThanOrEqual(0);
  consoleErrors.splice(logged(), 1);
}

/** The page fits the screen: nothing wider than the viewport (an expression run in the page; no DOM types here). */
async function fitsTheScreen(): Promise<void> {
  const widths = (await page.evaluate(
    "({ page: document.documentElement.scrollWidth, screen: window.innerWidth })",
  )) as {
    page: number;
    screen: number;
  };
  expect(widths.page).toBeLessThanOrEqual(widths.screen);
}

const suiteName = browserSuite("console table mappings page in chromium");

describe.skipIf(!haveChromium)(suiteName, { timeout: 150_000 }, () => {
  beforeAll(async () => {
    // Editing mappings needs no synchronized records: setup has applied the defaults, which is all this page edits.
    h = await startIntegration();
    const made = await ensureAdminAccount(h.ctx.store);
    if (!made) throw new Error("no admin made");
    admin = made;
    // No scheduler: nothing but the steps changes the mappings or the job queue.
    const waker = new ChangeWaker({ store: h.ctx.store, debounceMs: 0 });
    app = await buildServer({
      ctx: h.ctx,
      jobs: new JobQueueControl(h.ctx.store, waker),
      wake: () => {},
      metrics: new ServiceMetrics(h.ctx.store, { dataverse: () => h.ctx.dataverse.metrics() }),
      ready: () => true,
    });
    await app.listen({ host: "127.0.0.1", port: 0 });
    base = `http://127.0.0.1:${(app.server.address() as AddressInfo).port}`;
    ({ browser, page, consoleErrors } = await openBrowser({ width: 1280, height: 900, timeoutMs: 20_000 }));
  }, 240_000);

  afterEach(async ({ task }) => {
    // What the page showed when a step failed: the quickest way to see why.
    if (task.result?.state === "fail" && page)
      await shoot(`failed-mappings-${task.name.replace(/\W+/g, "-").slice(0, 50)}`).catch(() => {});
  });

  afterAll(async () => {
    await browser?.close();
    await app?.close();
    await h?.close();
  });

  it("signs in and opens the Table mappings page, which no longer sends the reader to the command line", async () => {
    await page.goto(`${base}/`);
    await signInAs(page, admin);
    await page.getByRole("heading", { level: 1, name: "Overview" }).waitFor();
    await page
      .getByRole("navigation", { name: "Console" })
      .getByRole("link", { name: "Table mappings", exact: true })
      .click();
    await page.getByRole("heading", { level: 1, name: "Table mappings" }).waitFor();
    await article("CUSTOMER").waitFor();
    expect(await page.getByText("are changed with").count()).toBe(0);
    for (const name of ["Export", "Import", "Reset to defaults"])
      await page.getByRole("heading", { level: 3, name }).waitFor();
  });

  it("switches a field off and changes a field's direction in one save; the running service uses both", async () => {
    expect(customerField("website")?.enabled).toBe(true);
    expect(mapping("CUSTOMER")?.direction).toBe("bidirectional");
    expect(customerField("phoneNumber")?.direction ?? "bidirectional").toBe("bidirectional");

    const edit = article("CUSTOMER").getByRole("button", { name: "Edit CUSTOMER" });
    await edit.click();
    expect(await edit.getAttribute("aria-expanded")).toBe("true");
    const form = page.getByRole("form", { name: "Edit CUSTOMER" });
    expect(await form.getByLabel("Direction", { exact: true }).inputValue()).toBe("bidirectional");
    await form.getByLabel("Business Central filter").waitFor();
    await form.getByLabel("Dataverse filter").waitFor();
    await form.getByLabel("website / websiteurl: enabled", { exact: true }).uncheck();
    await form
      .getByLabel("phoneNumber / telephone1: direction", { exact: true })
      .selectOption({ label: "Business Central → Sales" });
    await shoot("mappings-edit");
    await form.getByRole("button", { name: "Save CUSTOMER" }).click();
    await article("CUSTOMER")
      .getByRole("status")
      .filter({ hasText: "Saved CUSTOMER: 2 field mappings. Its next run uses them." })
      .waitFor();

    expect(customerField("website")?.enabled).toBe(false);
    expect(customerField("phoneNumber")?.direction).toBe("toDataverse");
    // Only what the form changed was sent: the rest of the mapping is as it was.
    expect(mapping("CUSTOMER")?.direction).toBe("bidirectional");
    expect(customerField("email")?.enabled).toBe(true);
    // The form closed and the list, read again, shows the change.
    expect(await page.getByRole("form", { name: "Edit CUSTOMER" }).count()).toBe(0);
    await article("CUSTOMER")
      .getByText(/field mappings$/)
      .click();
    const websiteRow = article("CUSTOMER").getByRole("row").filter({ hasText: "websiteurl" });
    expect(await websiteRow.getByRole("cell").nth(3).textContent()).toBe("No");
  });

  it("refuses a field direction a one-way mapping cannot hold: the reason in plain words, and nothing changed", async () => {
    const before = JSON.stringify(mapping("CURRENCY"));
    expect(mapping("CURRENCY")?.direction).toBe("toDataverse");
    await article("CURRENCY").getByRole("button", { name: "Edit CURRENCY" }).click();
    const form = page.getByRole("form", { name: "Edit CURRENCY" });
    await form
      .getByLabel("displayName / currencyname: direction", { exact: true })
      .selectOption({ label: "Sales → Business Central" });
    await form.getByRole("button", { name: "Save CURRENCY" }).click();
    const alert = form.getByRole("alert");
    await alert.waitFor();
    const said = await alert.textContent();
    expect(said).toContain("The change to table mapping CURRENCY is not valid");
    expect(said).toContain(
      "field displayName / currencyname: field direction “Sales → Business Central” is not allowed in a “Business Central → Sales” mapping",
    );
    expect(said).toContain("Nothing was changed.");
    expect(said).toContain("What to do: In a one-way mapping every field goes the mapping's way");
    await expectRefusalLogged(400);
    expect(JSON.stringify(mapping("CURRENCY"))).toBe(before);
    await shoot("mappings-edit-refused");

    // On a phone: the form with its field table and the refusal fit the screen.
    await page.setViewportSize({ width: 390, height: 844 });
    try {
      await form.getByRole("button", { name: "Save CURRENCY" }).scrollIntoViewIfNeeded();
      await fitsTheScreen();
      await shoot("mappings-phone");
    } finally {
      await page.setViewportSize({ width: 1280, height: 900 });
    }
    await form.getByRole("button", { name: "Cancel" }).click();
    expect(await page.getByRole("form", { name: "Edit CURRENCY" }).count()).toBe(0);
    expect(JSON.stringify(mapping("CURRENCY"))).toBe(before);
  });

  it("exports the mappings as YAML, shown and downloaded, with the edit in them", async () => {
    await page.getByRole("button", { name: "Show here" }).click();
    const shown = page.getByLabel("Exported table mappings");
    await expect.poll(() => shown.inputValue()).toContain("name: CUSTOMER");
    const exported = parseMappings(await shown.inputValue(), "yaml");
    if (!exported.ok) throw new Error(`the export is not a mapping file: ${exported.issues.join("; ")}`);
    const customer = exported.value.find((m) => m.name === "CUSTOMER");
    expect(customer?.fields.find((f) => f.bcField === "website")?.enabled).toBe(false);

    const downloading = page.waitForEvent("download");
    await page.getByRole("button", { name: "Download" }).click();
    const file = await downloading;
    expect(file.suggestedFilename()).toMatch(/^bcsync-mappings-\d{4}-\d{2}-\d{2}\.yaml$/);
    downloaded = await file.path();
    expect(readFileSync(downloaded, "utf8")).toBe(await shown.inputValue());
  });

  it("imports mapping text: a broken file is refused with its reason, a good one is imported", async () => {
    const box = page.getByLabel("Mapping file text");
    await box.fill("mappings: [ { name: X } ]");
    await page.getByRole("button", { name: "Import", exact: true }).click();
    const refusal = page.getByRole("alert").filter({ hasText: "The mapping text is not valid" });
    await refusal.waitFor();
    expect(await refusal.textContent()).toContain("What to do: Correct the text above and import it again");
    await expectRefusalLogged(400);
    expect(mapping("X")).toBeUndefined();

    // The downloaded file, read through the file input into the text box (typing the whole set would be slow).
    await page.getByLabel("Read a mapping file").setInputFiles(downloaded);
    await expect.poll(() => box.inputValue()).toBe(readFileSync(downloaded, "utf8"));
    await page.getByRole("button", { name: "Import", exact: true }).click();
    await page
      .getByRole("status")
      .filter({ hasText: `Imported ${h.ctx.mappings.length} table mappings:` })
      .waitFor();
    // The same set again: the edit is still there.
    expect(customerField("website")?.enabled).toBe(false);
  });

  it("resets to the defaults after confirming the custom mappings it discards: the field is back", async () => {
    await page.getByRole("button", { name: "Reset to defaults…" }).click();
    await page.getByRole("button", { name: "Reset", exact: true }).click();
    const custom = page.getByRole("group", { name: "These customized table mappings would be discarded:" });
    await custom.waitFor();
    const names = await custom.getByRole("listitem").allTextContents();
    expect(names).toContain("CUSTOMER");
    // The refused edit stored nothing, so CURRENCY is not customized.
    expect(names).not.toContain("CURRENCY");
    await expectRefusalLogged(409);
    // Not confirmed yet: nothing was reset.
    expect(customerField("website")?.enabled).toBe(false);
    await shoot("mappings-reset-confirm");

    await custom.getByRole("button", { name: "Discard them and reset" }).click();
    await page.getByRole("status").filter({ hasText: "Reset: " }).filter({ hasText: "discarded" }).waitFor();
    expect(customerField("website")?.enabled).toBe(true);
    expect(customerField("phoneNumber")?.direction ?? "bidirectional").toBe("bidirectional");
    expect(await page.getByText(/The previous mappings were exported to .*mappings-before-reset-/).count()).toBe(1);
    await shoot("mappings-after-reset");
  });

  it("no page logged a console error", () => {
    expect(consoleErrors).toEqual([]);
  });
});
