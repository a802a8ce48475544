// Issue 10 point 5 (seed S11 CURRENCY, S18): the company's local currency is coupled in any company. CRONUS Canada's
// LCY is CAD while the demo Sales organization's base currency is USD: before the fix nothing coupled CAD, and
// every customer and vendor failed with "currencyCode CAD must be coupled … through mapping CURRENCY".
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { coupleDemoSalespeople } from "../../src/integration/demo.ts";
import { syncAll } from "../../src/integration/review.ts";
import { syncMappings, total } from "../../src/integration/sync.ts";
import { bcRows, dvRows, type Harness, startIntegration } from "./helpers.ts";

let h: Harness;

beforeAll(async () => {
  h = await startIntegration({}, { company: "CRONUS Canada" });
  await coupleDemoSalespeople(h.ctx);
  await syncAll(h.ctx);
}, 180_000);
afterAll(async () => h?.close());

describe("the local currency of CRONUS Canada (issue 10.5)", () => {
  it("CAD is a Sales currency coupled through CURRENCY, with the rate against the USD base currency", async () => {
    const [cad] = await dvRows(h.ctx, "transactioncurrencies", "isocurrencycode eq 'CAD'");
    expect(cad).toBeDefined();
    const coupling = await h.ctx.store.couplings.getByDataverseId("CURRENCY", String(cad.transactioncurrencyid));
    expect(coupling?.bcId).toBe("code=cad");
    const usd = (await bcRows(h.ctx, "currencies", true)).find((c) => c.code === "USD");
    // BC: 0.7346 USD for one CAD; Sales: CAD units for one unit of the base currency (USD).
    expect(cad.exchangerate).toBeCloseTo(1 / Number(usd?.exchangeRate), 4);
  });

  it("customers and vendors synchronize without a currency failure", async () => {
    for (const name of ["CUSTOMER", "VENDOR"]) {
      const [result] = await syncMappings(h.ctx, { names: [name], full: true });
      expect(result.error, name).toBeUndefined();
      expect(total(result, "failed"), name).toBe(0);
    }
    const customers = await bcRows(h.ctx, "customers");
    for (const c of customers.filter((x) => x.blocked === "_x0020_" || x.blocked === " ")) {
      expect(await h.ctx.store.couplings.getByBcId("CUSTOMER", String(c.id)), String(c.displayName)).toBeDefined();
    }
  });
});
