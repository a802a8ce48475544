// The console's server side with inject(): the page is public but holds no data (a signed-in browser gets its user
// name and CSRF token embedded, under a content security policy), the browser modules come from node_modules, the
// error drill-down route gives the fix, and the demo's emulator record editor edits as a person — in Sales as the
// demo Sales user, never the integration user — and exists only when the service is given it.
import type { FastifyInstance } from "fastify";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { DEMO_SALES_USER_ID } from "../../emulators/identity/demo-apps.ts";
import { currentErrors } from "../../src/admin/sync-log.ts";
import { coupleDemoSalespeople } from "../../src/integration/demo.ts";
import { syncMappings } from "../../src/integration/sync.ts";
import { JobQueueControl } from "../../src/jobs/control.ts";
import { ChangeWaker } from "../../src/jobs/waker.ts";
import { buildServer, type ServerDeps } from "../../src/server/app.ts";
import { ensureAdminAccount } from "../../src/server/auth/accounts.ts";
import { ServiceMetrics } from "../../src/server/plugins/metrics.ts";
import { bcRows, dvRows, type Harness, startIntegration } from "../integration/helpers.ts";

let h: Harness;
let app: FastifyInstance;
let plain: FastifyInstance;
let admin: { username: string; password: string };
const woken: string[] = [];

async function server(extra: Partial<ServerDeps>): Promise<FastifyInstance> {
  const waker = new ChangeWaker({ store: h.ctx.store, debounceMs: 0 });
  const built = await buildServer({
    ctx: h.ctx,
    jobs: new JobQueueControl(h.ctx.store, waker),
    wake: (mapping) => woken.push(mapping),
    metrics: new ServiceMetrics(h.ctx.store, { dataverse: () => h.ctx.dataverse.metrics() }),
    ready: () => true,
    ...extra,
  });
  await built.ready();
  return built;
}

beforeAll(async () => {
  h = await startIntegration();
  await coupleDemoSalespeople(h.ctx);
  await syncMappings(h.ctx, { names: ["CUSTOMER"], full: true });
  const made = await ensureAdminAccount(h.ctx.store);
  if (!made) throw new Error("no admin made");
  admin = made;
  app = await server({ recordEditor: { dataverseUserId: DEMO_SALES_USER_ID } });
  plain = await server({});
}, 180_000);
afterAll(async () => {
  await app?.close();
  await plain?.close();
  await h?.close();
});

async function signIn(target: FastifyInstance) {
  const r = await target.inject({ method: "POST", url: "/api/v1/session", payload: admin });
  expect(r.statusCode, r.body).toBe(200);
  const cookies = Object.fromEntries((r.cookies as { name: string; value: string }[]).map((c) => [c.name, c.value]));
  return { cookies, csrfToken: r.json().csrfToken as string };
}

const bootOf = (html: string) =>
  JSON.parse(/<script type="application\/json" id="bcsync-boot">(.*?)<\/script>/s.exec(html)?.[1] ?? "undefined");

describe("the console page and its modules", () => {
  it("redirects / to the console; anonymous, the page says nobody is signed in, under a strict policy", async () => {
    const root = await app.inject({ method: "GET", url: "/" });
    expect(root.statusCode).toBe(302);
    expect(root.headers.location).toBe("/console/");
    const page = await app.inject({ method: "GET", url: "/console/" });
    expect(page.statusCode).toBe(200);
    expect(page.headers["content-type"]).toMatch(/^text\/html/);
    expect(page.headers["cache-control"]).toBe("no-store");
    expect(page.headers["content-security-policy"]).toMatch(/script-src 'self' 'sha256-[A-Za-z0-9+/=]+'/);
    expect(bootOf(page.body)).toEqual({ session: null, recordEditor: true });
  });

  it("signed in, the page carries the user name and a CSRF token that the API accepts", async () => {
    const { cookies } = await signIn(app);
    const page = await app.inject({ method: "GET", url: "/console/", cookies });
    const boot = bootOf(page.body);
    expect(boot.session.username).toBe(admin.username);
    const pageCookies = Object.fromEntries(
      (page.cookies as { name: string; value: string }[]).map((c) => [c.name, c.value]),
    );
    const held = await app.inject({
      method: "POST",
      url: "/api/v1/sync",
      cookies: { ...cookies, ...pageCookies },
      headers: { "x-csrf-token": boot.session.csrfToken },
      payload: { mappings: ["CURRENCY"], dryRun: true },
    });
    expect(held.statusCode, held.body).toBe(200);
  });

  it("serves the app, its stylesheet and preact, hooks and htm as JavaScript modules", async () => {
    for (const url of ["/console/assets/app.js", "/console/vendor/preact.mjs", "/console/vendor/hooks.mjs"]) {
      const r = await app.inject({ method: "GET", url });
      expect(r.statusCode, url).toBe(200);
      expect(r.headers["content-type"], url).toMatch(/javascript/);
    }
    const htm = await app.inject({ method: "GET", url: "/console/vendor/htm.mjs" });
    expect(htm.body).toMatch(/export default function/);
    expect((await app.inject({ method: "GET", url: "/console/assets/console.css" })).headers["content-type"]).toMatch(
      /^text\/css/,
    );
    const unknown = await app.inject({ method: "GET", url: "/console/vendor/other.mjs" });
    expect(unknown.statusCode).toBe(404);
    expect(unknown.json().error.code).toBe("BCSYNC_E_SERVER_NOT_FOUND");
  });
});

describe("GET /errors/:id", () => {
  it("answers one standing error with the catalogue's fix filled in, and 404 for an unknown id", async () => {
    const customer = (await bcRows(h.ctx, "customers")).find((c) => c.number === "10000");
    const bcId = String(customer?.id).toLowerCase();
    const bc = h.ctx.businessCentral.company(h.ctx.companyId);
    expect((await bc.create("salespeoplePurchasers", { code: "ZY", displayName: "Not In Sales" })).ok).toBe(true);
    expect((await bc.update("customers", bcId, { salespersonCode: "ZY" }, "*")).ok).toBe(true);
    await syncMappings(h.ctx, { names: ["CUSTOMER"] });
    const error = (await currentErrors(h.ctx.store, { mappingName: "CUSTOMER" })).find(
      (e) => e.sourceId?.toLowerCase() === bcId,
    );
    if (!error) throw new Error("no error recorded");
    const { cookies } = await signIn(app);
    const r = await app.inject({ method: "GET", url: `/api/v1/errors/${error.id}`, cookies });
    expect(r.statusCode).toBe(200);
    expect(r.json()).toMatchObject({ id: error.id, code: "BCSYNC_E_ENGINE_LOOKUP_NOT_COUPLED" });
    expect(r.json().fix).toMatch(/npx bcsync sync SALESPEOPLE --full/);
    const missing = await app.inject({ method: "GET", url: "/api/v1/errors/nope", cookies });
    expect(missing.statusCode).toBe(404);
    expect(missing.json().error.code).toBe("BCSYNC_E_ADMIN_SYNC_ERROR_NOT_FOUND");
    expect((await bc.update("customers", bcId, { salespersonCode: customer?.salespersonCode ?? "" }, "*")).ok).toBe(
      true,
    );
  });
});

describe("emulator record editor (demo mode)", () => {
  it("lists Sales accounts and edits one as the demo Sales user; the mappings reading accounts are woken", async () => {
    const { cookies, csrfToken } = await signIn(app);
    const list = await app.inject({ method: "GET", url: "/api/v1/emulator/dataverse/accounts?limit=5", cookies });
    expect(list.statusCode, list.body).toBe(200);
    const rows = list.json() as { id: string; values: Record<string, unknown> }[];
    expect(rows.length).toBeGreaterThan(0);
    const target = rows[0];
    woken.length = 0;
    const edit = await app.inject({
      method: "PATCH",
      url: `/api/v1/emulator/dataverse/accounts/${target.id}`,
      cookies,
      headers: { "x-csrf-token": csrfToken },
      payload: { telephone1: "555-0999" },
    });
    expect(edit.statusCode, edit.body).toBe(200);
    expect(edit.json()).toMatchObject({ changed: ["telephone1"] });
    expect(woken).toContain("CUSTOMER");
    const [row] = await dvRows(h.ctx, "accounts", `accountid eq ${target.id}`, ["telephone1", "_modifiedby_value"]);
    expect(row.telephone1).toBe("555-0999");
    expect(String(row._modifiedby_value).toLowerCase()).toBe(DEMO_SALES_USER_ID);
  });

  it("edits a Business Central item's price as a number; refuses a field or table it does not offer", async () => {
    const { cookies, csrfToken } = await signIn(app);
    const items = (await app.inject({ method: "GET", url: "/api/v1/emulator/bc/items", cookies })).json() as {
      id: string;
      number: string;
    }[];
    const item = items[0];
    const headers = { "x-csrf-token": csrfToken };
    const url = `/api/v1/emulator/bc/items/${item.id}`;
    const edit = await app.inject({ method: "PATCH", url, cookies, headers, payload: { unitPrice: "123.5" } });
    expect(edit.statusCode, edit.body).toBe(200);
    const read = await h.ctx.businessCentral.company(h.ctx.companyId).get("items", item.id, { select: ["unitPrice"] });
    expect(read.ok && read.value?.unitPrice).toBe(123.5);
    for (const payload of [{ number: "X" }, { blocked: true }, { unitPrice: "twelve" }]) {
      const refused = await app.inject({ method: "PATCH", url, cookies, headers, payload });
      expect(refused.statusCode, JSON.stringify(payload)).toBe(400);
      expect(refused.json().error.code).toBe("BCSYNC_E_SERVER_BAD_REQUEST");
    }
    const elsewhere = await app.inject({
      method: "PATCH",
      url: `/api/v1/emulator/bc/vendors/${item.id}`,
      cookies,
      headers,
      payload: { displayName: "X" },
    });
    expect(elsewhere.statusCode).toBe(404);
    expect(elsewhere.json().error.code).toBe("BCSYNC_E_SERVER_NOT_FOUND");
  });

  it("does not exist without demo mode: no routes, and the page does not offer it", async () => {
    const { cookies } = await signIn(plain);
    const r = await plain.inject({ method: "GET", url: "/api/v1/emulator/tables", cookies });
    expect(r.statusCode).toBe(404);
    expect(bootOf((await plain.inject({ method: "GET", url: "/console/" })).body).recordEditor).toBe(false);
  });
});
