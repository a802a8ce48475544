// Issue 11 "several Business Central companies in one service": one `bcsync serve --config usa.json --config
// canada.json` process connects two companies to one Dataverse environment, each with its own couplings, job queue
// and triggers. An edit in either company reaches that company's account with no command (its own webhook
// subscription and job queue), a Sales edit of a Canadian account reaches the Canadian customer, and each
// company's REST API answers for that company. The test waits for data to arrive, never for a fixed time.
import { rmSync } from "node:fs";
import { afterAll, beforeAll, describe, expect, it, vi } from "vitest";
import { DEMO_SALES_USER_ID } from "../../emulators/identity/demo-apps.ts";
import { type RunningService, startService } from "../../src/cli/commands/serve.ts";
import { type IntegrationContext, openIntegration } from "../../src/integration/context.ts";
import { coupleDemoSalespeople } from "../../src/integration/demo.ts";
import { syncAll } from "../../src/integration/review.ts";
import { createApiToken, ensureAdminAccount } from "../../src/server/auth/accounts.ts";
import { dvRows, type Harness, setUpOtherCompany, startIntegration } from "../integration/helpers.ts";

const USA = "CRONUS USA, Inc.";
const CANADA = "CRONUS Canada";
const asUser = { impersonate: { callerId: DEMO_SALES_USER_ID } };

let usa: Harness;
let canada: IntegrationContext;
let canadaConfig: string;
let canadaDir: string;
let service: RunningService;
let token: string;

async function firstCoupling(ctx: IntegrationContext): Promise<{ bcId: string; accountId: string }> {
  for await (const c of ctx.store.couplings.iterate("CUSTOMER")) return { bcId: c.bcId, accountId: c.dataverseId };
  throw new Error("no coupled customer");
}

beforeAll(async () => {
  usa = await startIntegration({}, { company: USA });
  ({ configPath: canadaConfig, dir: canadaDir } = await setUpOtherCompany(usa, CANADA));
  canada = await openIntegration({ configPath: canadaConfig });
  for (const ctx of [usa.ctx, canada]) {
    await coupleDemoSalespeople(ctx);
    await syncAll(ctx);
  }
  // The service opens its own connections to both stores; these were for the setup above.
  await canada.close();
  service = await startService({
    config: [usa.configPath, canadaConfig],
    host: "127.0.0.1",
    port: "0",
    concurrency: "1",
    debounce: "200",
    quiet: true,
  });
  const admin = await ensureAdminAccount(usa.ctx.store);
  token = await createApiToken(usa.ctx.store, admin?.username ?? "admin", "companies test");
}, 300_000);
afterAll(async () => {
  await service?.stop();
  await usa?.close();
  if (canadaDir) rmSync(canadaDir, { recursive: true, force: true });
});

const arrives = { timeout: 90_000, interval: 250 };
const companyOf = (name: string) => {
  const company = service.companies.find((c) => c.ctx.config.businessCentral?.companyName === name);
  if (!company) throw new Error(`${name} is not connected`);
  return company;
};
async function api(url: string) {
  const r = await service.app.inject({ method: "GET", url, headers: { authorization: `Bearer ${token}` } });
  return { status: r.statusCode, body: r.json() };
}

describe("two Business Central companies in one bcsync serve", () => {
  it("lists both companies, each with its own API answering for that company", async () => {
    const companies = await api("/api/v1/companies");
    expect(companies.status).toBe(200);
    expect(companies.body).toEqual([
      { slug: null, name: USA, api: "/api/v1" },
      { slug: "cronus-canada", name: CANADA, api: "/api/v1/companies/cronus-canada" },
    ]);
    expect((await api("/api/v1/status")).body.company).toBe(USA);
    expect((await api("/api/v1/companies/cronus-canada/status")).body.company).toBe(CANADA);
    const anonymous = await service.app.inject({ method: "GET", url: "/api/v1/companies/cronus-canada/status" });
    expect(anonymous.statusCode).toBe(401);
  });

  it("registers one Dataverse service endpoint per company, each with its own steps", async () => {
    const endpoints = await dvRows(usa.ctx, "serviceendpoints", undefined, ["serviceendpointid", "name", "url"]);
    const byName = new Map(endpoints.map((e) => [e.name, e]));
    expect(byName.get("bcsync")?.url).toMatch(/\/webhooks\/dataverse$/);
    expect(byName.get("bcsync-cronus-canada")?.url).toMatch(/\/companies\/cronus-canada\/webhooks\/dataverse$/);
    for (const name of ["bcsync", "bcsync-cronus-canada"]) {
      const steps = await dvRows(
        usa.ctx,
        "sdkmessageprocessingsteps",
        `_eventhandler_value eq ${byName.get(name)?.serviceendpointid}`,
        ["name"],
      );
      expect(steps.length, name).toBeGreaterThan(0);
    }
  });

  it("an edit in each company reaches that company's account with no command", async () => {
    for (const [name, phone] of [
      [USA, "555-0101"],
      [CANADA, "555-0202"],
    ] as const) {
      const { ctx } = companyOf(name);
      const customer = await firstCoupling(ctx);
      const changed = await ctx.businessCentral
        .company(ctx.companyId)
        .update("customers", customer.bcId, { phoneNumber: phone }, "*");
      if (!changed.ok) throw changed.error;
      await vi.waitFor(async () => {
        const account = await ctx.dataverse.retrieve("accounts", customer.accountId, { select: ["telephone1"] });
        expect(account.ok && account.value?.telephone1, name).toBe(phone);
      }, arrives);
    }
  });

  it("a Sales edit of a Canadian account reaches the Canadian customer, through Canada's own job queue", async () => {
    const { ctx } = companyOf(CANADA);
    const customer = await firstCoupling(ctx);
    const before = (await ctx.store.jobs.list({ mappingName: "CUSTOMER", limit: 1000 })).length;
    const changed = await ctx.dataverse.update(
      "accounts",
      customer.accountId,
      { websiteurl: "https://canada.example" },
      asUser,
    );
    if (!changed.ok) throw changed.error;
    await vi.waitFor(async () => {
      const bc = await ctx.businessCentral.company(ctx.companyId).get("customers", customer.bcId);
      expect(bc.ok && bc.value?.website).toBe("https://canada.example");
    }, arrives);
    expect((await ctx.store.jobs.list({ mappingName: "CUSTOMER", limit: 1000 })).length).toBeGreaterThan(before);
  });

  it("labels the job queue and run metrics with the company", async () => {
    const r = await service.app.inject({
      method: "GET",
      url: "/metrics",
      headers: { authorization: `Bearer ${token}` },
    });
    expect(r.statusCode).toBe(200);
    expect(r.body).toMatch(/bcsync_queue_entries\{company="cronus-usa-inc",status="[a-z_]+"\} \d+/);
    expect(r.body).toMatch(/bcsync_queue_entries\{company="cronus-canada",status="[a-z_]+"\} \d+/);
    expect(r.body).toMatch(/bcsync_sync_runs_total\{company="cronus-canada",mapping="CUSTOMER"/);
  });

  it("refuses a second --config for a company already connected", async () => {
    await expect(
      startService({
        config: [usa.configPath, usa.configPath],
        host: "127.0.0.1",
        port: "0",
        concurrency: "1",
        debounce: "200",
        quiet: true,
      }),
    ).rejects.toMatchObject({ code: "BCSYNC_E_SERVER_COMPANY_TWICE" });
  });
});
