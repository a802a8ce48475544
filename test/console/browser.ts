// What every browser test of the console shares: Debian's chromium driven by playwright-core (never a downloaded
// browser), a page that collects the console errors it logs, screenshots in test-results/console/, and signing in.
import { existsSync, mkdirSync } from "node:fs";
import { join } from "node:path";
import { type Browser, chromium, type Page } from "playwright-core";

export const CHROMIUM = "/usr/bin/chromium";
export const SCREENSHOTS = join(process.cwd(), "test-results", "console");
export const haveChromium = existsSync(CHROMIUM);
if (!haveChromium)
  process.stderr.write(
    `test/console: skipped — ${CHROMIUM} is absent (Debian: apt-get install -y chromium; .ci/run installs it).\n`,
  );

/** A suite's title, saying why it is skipped on a machine without chromium. */
export const browserSuite = (title: string): string =>
  haveChromium ? title : `${title} — skipped: ${CHROMIUM} is absent (apt-get install -y chromium)`;

export interface ConsoleBrowser {
  browser: Browser;
  page: Page;
  /** Every error the page logged or threw, with the address it was on. */
  consoleErrors: string[];
}

export async function openBrowser(
  options: { width?: number; height?: number; timeoutMs?: number } = {},
): Promise<ConsoleBrowser> {
  mkdirSync(SCREENSHOTS, { recursive: true });
  // Running as root in CI containers: chromium's sandbox needs user namespaces those do not give.
  const browser = await chromium.launch({ executablePath: CHROMIUM, args: ["--no-sandbox"] });
  const page = await browser.newPage({ viewport: { width: options.width ?? 1280, height: options.height ?? 900 } });
  // A step that cannot find what it waits for fails with the locator in the message, before the test's timeout.
  page.setDefaultTimeout(options.timeoutMs ?? 20_000);
  const consoleErrors: string[] = [];
  page.on("console", (message) => {
    if (message.type() === "error") consoleErrors.push(`${page.url()}: ${message.text()}`);
  });
  page.on("pageerror", (error) => consoleErrors.push(`${page.url()}: ${error.message}`));
  return { browser, page, consoleErrors };
}

export async function screenshot(page: Page, name: string): Promise<void> {
  await page.screenshot({ path: join(SCREENSHOTS, `${name}.png`), fullPage: true });
}

/** Signs in on the console's sign-in form (the page must show it). */
export async function signInAs(page: Page, account: { username: string; password: string }): Promise<void> {
  await page.getByLabel("User name").fill(account.username);
  await page.getByLabel("Password").fill(account.password);
  await page.getByRole("button", { name: "Sign in" }).click();
}
