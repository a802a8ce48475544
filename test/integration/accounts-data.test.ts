// Issue 10 points 2 and 3 (seed S11 CUSTOMER/VENDOR, S18 full synchronization review): the review's "sync all"
// must couple the customers that already exist in Sales instead of creating them twice, and the accounts it does
// create must carry their relationship type, or they fall outside CUSTOMER's own filter and never sync back.
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { DEMO_SALES_USER_ID } from "../../emulators/identity/demo-apps.ts";
import { coupleDemoSalespeople } from "../../src/integration/demo.ts";
import { syncAll } from "../../src/integration/review.ts";
import { syncMappings, total } from "../../src/integration/sync.ts";
import { bcRows, dvRows, type Harness, startIntegration } from "./helpers.ts";

let h: Harness;

beforeAll(async () => {
  h = await startIntegration();
  await coupleDemoSalespeople(h.ctx);
  await syncAll(h.ctx);
}, 180_000);
afterAll(async () => h?.close());

const count = (rows: Record<string, unknown>[], key: string, value: string) =>
  rows.filter((r) => String(r[key]).toLowerCase() === value.toLowerCase()).length;

describe("sync all couples what matches and creates only what does not (issue 10.2)", () => {
  it.each(["Adatum Corporation", "Alpine Ski House", "Trey Research"])("%s exists once on each side", async (name) => {
    expect(count(await dvRows(h.ctx, "accounts"), "name", name)).toBe(1);
    expect(count(await bcRows(h.ctx, "customers"), "displayName", name)).toBe(1);
  });

  it("the matched account is coupled to the customer of the same name", async () => {
    const [customer] = (await bcRows(h.ctx, "customers")).filter((c) => c.displayName === "Adatum Corporation");
    const coupling = await h.ctx.store.couplings.getByBcId("CUSTOMER", String(customer.id));
    const [account] = await dvRows(h.ctx, "accounts", `accountid eq ${coupling?.dataverseId}`);
    expect(account?.name).toBe("Adatum Corporation");
  });
});

describe("accounts created from BC carry their relationship type (issue 10.3)", () => {
  it("every account coupled to a customer is a Customer (3), to a vendor a Vendor (11)", async () => {
    for (const [mapping, code] of [
      ["CUSTOMER", 3],
      ["VENDOR", 11],
    ] as const) {
      const ids: string[] = [];
      for await (const c of h.ctx.store.couplings.iterate(mapping)) ids.push(c.dataverseId);
      expect(ids.length, mapping).toBeGreaterThan(0);
      for (const id of ids) {
        const [account] = await dvRows(h.ctx, "accounts", `accountid eq ${id}`);
        expect(account?.customertypecode, `${mapping} ${String(account?.name)}`).toBe(code);
      }
    }
  });

  it("a Sales user's phone change on an account created from BC reaches the customer", async () => {
    // A customer Sales did not have before the sync: its account was created by bcsync.
    const salesSeed = new Set([
      "Adatum Corporation",
      "Fabrikam, Inc.",
      "Trey Research",
      "Alpine Ski House",
      "Coho Winery",
    ]);
    const target = (await bcRows(h.ctx, "customers")).find((c) => !salesSeed.has(String(c.displayName)));
    expect(target).toBeDefined();
    const coupling = await h.ctx.store.couplings.getByBcId("CUSTOMER", String(target?.id));
    expect(coupling).toBeDefined();
    const edited = await h.ctx.dataverse.update(
      "accounts",
      String(coupling?.dataverseId),
      { telephone1: "+1 555 9999" },
      { impersonate: { callerId: DEMO_SALES_USER_ID } },
    );
    if (!edited.ok) throw edited.error;
    const [result] = await syncMappings(h.ctx, { names: ["CUSTOMER"], full: true });
    expect(total(result, "failed")).toBe(0);
    const after = (await bcRows(h.ctx, "customers")).find((c) => c.id === target?.id);
    expect(after?.phoneNumber).toBe("+1 555 9999");
  });
});

describe("currencies carry their exchange rate and precision (issue 10.4)", () => {
  it("every currency created from BC has BC's rate against the local currency and its decimal places", async () => {
    const rates = new Map((await bcRows(h.ctx, "currencies", true)).map((c) => [String(c.code), c.exchangeRate]));
    const created: Record<string, unknown>[] = [];
    for await (const c of h.ctx.store.couplings.iterate("CURRENCY")) {
      const [row] = await dvRows(h.ctx, "transactioncurrencies", `transactioncurrencyid eq ${c.dataverseId}`);
      if (row && rates.has(String(row.isocurrencycode))) created.push(row);
    }
    expect(created.length).toBeGreaterThan(0);
    for (const row of created) {
      expect(row.exchangerate, String(row.isocurrencycode)).toBe(rates.get(String(row.isocurrencycode)));
      expect(row.currencyprecision, String(row.isocurrencycode)).toBe(2);
    }
  });
});
