// Several Business Central companies in one service (issue 11), in the console (issue 12): `bcsync serve --config
// usa.json --config canada.json` serves each company's API, and the console's header offers the companies; every
// page then reads the chosen company's API, and the choice stays for the browser tab. Before, the console showed the
// first company only. A real browser (playwright-core driving Debian's chromium) against the service in-process.
import { rmSync } from "node:fs";
import type { Browser, Page } from "playwright-core";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { type RunningService, startService } from "../../src/cli/commands/serve.ts";
import { ensureAdminAccount } from "../../src/server/auth/accounts.ts";
import { type Harness, setUpOtherCompany, startIntegration } from "../integration/helpers.ts";
import { browserSuite, haveChromium, openBrowser, screenshot, signInAs } from "./browser.ts";

const USA = "CRONUS USA, Inc.";
const CANADA = "CRONUS Canada";

let usa: Harness;
let canadaDir: string;
let service: RunningService;
let admin: { username: string; password: string };
let browser: Browser;
let page: Page;
let consoleErrors: string[] = [];
const requested: string[] = [];

const suiteName = browserSuite("console with two companies in chromium");

describe.skipIf(!haveChromium)(suiteName, { timeout: 150_000 }, () => {
  beforeAll(async () => {
    usa = await startIntegration({}, { company: USA });
    const canada = await setUpOtherCompany(usa, CANADA);
    canadaDir = canada.dir;
    // Made before the service starts (it would make one and print its password); sign-ins are the first company's.
    const made = await ensureAdminAccount(usa.ctx.store);
    if (!made) throw new Error("no admin made");
    admin = made;
    service = await startService({
      config: [usa.configPath, canada.configPath],
      host: "127.0.0.1",
      port: "0",
      concurrency: "1",
      debounce: "200",
      quiet: true,
    });
    ({ browser, page, consoleErrors } = await openBrowser({ width: 390, height: 844, timeoutMs: 20_000 }));
    page.on("request", (r) => {
      const path = new URL(r.url()).pathname;
      if (path.startsWith("/api/v1/")) requested.push(path);
    });
  }, 240_000);

  afterAll(async () => {
    await browser?.close();
    await service?.stop();
    await usa?.close();
    if (canadaDir) rmSync(canadaDir, { recursive: true, force: true });
  });

  const companyShown = () => page.locator("dt:text-is('Company') + dd").textContent();

  it("offers both companies; choosing one shows its data on every page, and the choice stays for the tab", async () => {
    await page.goto(service.consoleUrl);
    await signInAs(page, admin);
    await page.getByRole("heading", { level: 1, name: "Overview" }).waitFor();
    await expect.poll(companyShown).toBe(USA);

    const choice = page.getByLabel("Company");
    expect(await choice.locator("option").allTextContents()).toEqual([USA, CANADA]);
    await choice.selectOption({ label: CANADA });
    await expect.poll(companyShown).toBe(CANADA);
    expect(requested).toContain("/api/v1/companies/cronus-canada/status");
    await screenshot(page, "companies-canada");

    // Another page reads Canada's API too, and a reload keeps the choice.
    requested.length = 0;
    await page.getByRole("navigation", { name: "Console" }).getByRole("link", { name: "Table mappings" }).click();
    await page.getByRole("heading", { level: 1, name: "Table mappings" }).waitFor();
    await expect.poll(() => requested.some((p) => p.startsWith("/api/v1/companies/cronus-canada/mappings"))).toBe(true);
    await page.reload();
    await page.getByRole("heading", { level: 1, name: "Table mappings" }).waitFor();
    await page.goto(service.consoleUrl);
    await expect.poll(companyShown).toBe(CANADA);

    // Back to the first company: its API is /api/v1 itself.
    await page.getByLabel("Company").selectOption({ label: USA });
    await expect.poll(companyShown).toBe(USA);
    expect(consoleErrors).toEqual([]);
  });
});
