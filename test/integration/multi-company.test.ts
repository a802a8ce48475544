// Issue 10 point 19 (seed S11's "company filter"): two BC companies on one Dataverse environment. Business Central's
// integration solution gives the Sales tables a company lookup (`bcbi_companyid`); each company keeps to its own rows
// or unclaimed ones, stamps what it creates and claims what it takes over. Before the fix, the second company
// coupled and rewrote the first one's accounts.
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { type IntegrationContext, openIntegration } from "../../src/integration/context.ts";
import { coupleDemoSalespeople } from "../../src/integration/demo.ts";
import { syncAll } from "../../src/integration/review.ts";
import { configForEmulators, runSetup } from "../../src/integration/setup.ts";
import { syncMappings, total } from "../../src/integration/sync.ts";
import { dvRows, type Harness, startIntegration } from "./helpers.ts";

const USA = "CRONUS USA, Inc.";
const CANADA = "CRONUS Canada";

let usa: Harness;
let canada: IntegrationContext;
let canadaDir: string;

async function couplings(ctx: IntegrationContext, mapping: string): Promise<Map<string, string>> {
  const out = new Map<string, string>();
  for await (const c of ctx.store.couplings.iterate(mapping)) out.set(c.dataverseId, c.bcId);
  return out;
}

beforeAll(async () => {
  usa = await startIntegration({}, { company: USA });
  canadaDir = mkdtempSync(join(tmpdir(), "bcsync-canada-"));
  const configPath = join(canadaDir, "bcsync.config.json");
  const setup = await runSetup({
    configPath,
    config: configForEmulators(usa.emulators.info, { dataDir: join(canadaDir, "state"), company: CANADA }),
    confirmReset: true,
  });
  if (!setup.ok) throw setup.error;
  canada = await openIntegration({ configPath });
  for (const ctx of [usa.ctx, canada]) {
    await coupleDemoSalespeople(ctx);
    await syncAll(ctx);
  }
}, 240_000);
afterAll(async () => {
  await canada?.close();
  await usa?.close();
  if (canadaDir) rmSync(canadaDir, { recursive: true, force: true });
});

describe("issue 10 point 19: two BC companies share one Sales organization", () => {
  it("each company has its own bcbi_company row, named after it and keyed by its BC company id", async () => {
    const rows = await dvRows(usa.ctx, "bcbi_companies", undefined, ["bcbi_companyid", "bcbi_name", "bcbi_externalid"]);
    expect(rows.map((r) => r.bcbi_name).sort()).toEqual([CANADA, USA.slice(0, 30)].sort());
    expect(usa.ctx.settings.dataverseCompanyId).toBeTruthy();
    expect(canada.settings.dataverseCompanyId).toBeTruthy();
    expect(usa.ctx.settings.dataverseCompanyId).not.toBe(canada.settings.dataverseCompanyId);
  });

  it("no account or contact is coupled by both companies, and each one's rows carry its stamp", async () => {
    for (const mapping of ["CUSTOMER", "CONTACT"]) {
      const a = await couplings(usa.ctx, mapping);
      const b = await couplings(canada, mapping);
      expect(a.size, mapping).toBeGreaterThan(0);
      expect(b.size, mapping).toBeGreaterThan(0);
      expect(
        [...a.keys()].filter((id) => b.has(id)),
        mapping,
      ).toEqual([]);
    }
    const accounts = await dvRows(usa.ctx, "accounts", undefined, ["accountid", "_bcbi_companyid_value"]);
    const stampOf = new Map(accounts.map((r) => [String(r.accountid), r._bcbi_companyid_value]));
    for (const id of (await couplings(usa.ctx, "CUSTOMER")).keys())
      expect(stampOf.get(id)).toBe(usa.ctx.settings.dataverseCompanyId);
    for (const id of (await couplings(canada, "CUSTOMER")).keys())
      expect(stampOf.get(id)).toBe(canada.settings.dataverseCompanyId);
  });

  it("an item number both companies use is reported, never coupled to the other company's product", async () => {
    // Sales keeps product numbers unique in the organization (key product_productnumber), as Business Central's
    // multi-company guidance requires: the second company's item fails with the key named, and nothing is shared.
    const a = await couplings(usa.ctx, "ITEM-PRODUCT");
    const b = await couplings(canada, "ITEM-PRODUCT");
    expect(a.size).toBeGreaterThan(0);
    expect([...a.keys()].filter((id) => b.has(id))).toEqual([]);
    const errors = await canada.store.jobs.errors({ mappingName: "ITEM-PRODUCT" });
    expect(errors.length).toBeGreaterThan(0);
    expect(errors.every((e) => e.message.includes("productnumber"))).toBe(true);
  });

  it("once settled, a full sync of either company writes nothing: neither rewrites the other's rows", async () => {
    const names = ["CUSTOMER", "CONTACT", "VENDOR"];
    // The first full sync after the review resolves lookups to records the review coupled later in its order
    // (a customer's primary contact); then both companies in turn, twice over.
    for (const ctx of [usa.ctx, canada]) await syncMappings(ctx, { names, full: true });
    for (const ctx of [usa.ctx, canada]) {
      for (const r of await syncMappings(ctx, { names, full: true })) {
        expect(r.error, r.mapping).toBeUndefined();
        expect(total(r, "modified"), r.mapping).toBe(0);
        expect(total(r, "inserted"), r.mapping).toBe(0);
      }
    }
  });

  it("an edit in Sales to one company's account reaches that company only", async () => {
    const [[accountId, customerId]] = [...(await couplings(usa.ctx, "CUSTOMER"))];
    const edited = await usa.ctx.dataverse.update(
      "accounts",
      accountId,
      { telephone1: "555-0199" },
      { impersonate: { callerId: (await import("../../emulators/identity/demo-apps.ts")).DEMO_SALES_USER_ID } },
    );
    if (!edited.ok) throw edited.error;
    await syncMappings(usa.ctx, { names: ["CUSTOMER"] });
    const [canadaRun] = await syncMappings(canada, { names: ["CUSTOMER"] });
    expect(total(canadaRun, "modified")).toBe(0);
    const customer = await usa.ctx.businessCentral.company(usa.ctx.companyId).get("customers", customerId);
    expect(customer.ok && customer.value?.phoneNumber).toBe("555-0199");
  });
});
