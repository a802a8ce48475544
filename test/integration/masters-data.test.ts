// Issue 10 points 6 and 7 against the emulators' demo data over real HTTP (seed S11 SALESPEOPLE and ITEM-PRODUCT,
// S16 deletions). Before the fixes: SALESPEOPLE created BC salespeople with a blank code; Sales products deleted
// after coupling left their couplings pointing at rows that were gone, a scheduled and a full sync reported nothing,
// and a held mass deletion was summarized as "ok, deleted 0".
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { runOutcome, summarize } from "../../src/cli/commands/sync.ts";
import { defineTableMapping } from "../../src/engine/model.ts";
import { syncMappings, total } from "../../src/integration/sync.ts";
import { bcRows, dvRows, type Harness, startIntegration } from "./helpers.ts";

let h: Harness;

beforeAll(async () => {
  h = await startIntegration();
}, 120_000);
afterAll(async () => h?.close());

describe("SALESPEOPLE gives new salespeople the next SP NO. code (issue 10.6)", () => {
  it("each salesperson created from a Sales user gets SP NO. <highest + 1>, BC's rule", async () => {
    const bc = h.ctx.businessCentral.company(h.ctx.companyId);
    // An existing code of the series: the rule continues from the highest one.
    const existing = await bc.create("salespeoplePurchasers", { code: "SP NO. 00007", displayName: "Series Start" });
    expect(existing.ok).toBe(true);
    const before = new Set((await bcRows(h.ctx, "salespeoplePurchasers")).map((s) => String(s.id)));
    const [result] = await syncMappings(h.ctx, { names: ["SALESPEOPLE"], full: true });
    expect(result.error).toBeUndefined();
    const created = (await bcRows(h.ctx, "salespeoplePurchasers")).filter((s) => !before.has(String(s.id)));
    expect(created.length).toBe(total(result, "inserted"));
    expect(created.length).toBeGreaterThan(0);
    const codes = created.map((s) => String(s.code)).sort();
    expect(codes).toEqual(created.map((_, i) => `SP NO. ${String(8 + i).padStart(5, "0")}`));
  });
});

describe("deleted Sales products follow ITEM-PRODUCT's deletion-conflict policy (issue 10.7)", () => {
  // The demo couples 14 items; the issue deleted 30 of a larger catalogue: the behaviour is the same.
  const DELETED = 10;
  let deletedIds: string[] = [];

  beforeAll(async () => {
    await syncMappings(h.ctx, { names: ["UNIT GROUP", "ITEM UOM", "ITEM-PRODUCT"], full: true });
    const coupled: string[] = [];
    for await (const c of h.ctx.store.couplings.iterate("ITEM-PRODUCT")) coupled.push(c.dataverseId);
    expect(coupled.length).toBeGreaterThanOrEqual(DELETED);
    deletedIds = coupled.slice(0, DELETED);
    for (const id of deletedIds) {
      const res = await h.ctx.dataverse.delete("products", id);
      expect(res.ok, `delete product ${id}`).toBe(true);
    }
  }, 120_000);

  it("a scheduled sync removes the 10 couplings (BC: Remove Coupling) and says so", async () => {
    const [result] = await syncMappings(h.ctx, { names: ["ITEM-PRODUCT"] });
    expect(total(result, "uncoupled")).toBe(DELETED);
    const row = summarize(result);
    expect(row.uncoupled).toBe(DELETED);
    expect(String(row.message)).toMatch(/10 coupling\(s\) to deleted records removed/);
    for (const id of deletedIds) {
      expect(await h.ctx.store.couplings.getByDataverseId("ITEM-PRODUCT", id)).toBeUndefined();
    }
  });

  it("no coupling points at a product that is gone after a full sync", async () => {
    await syncMappings(h.ctx, { names: ["ITEM-PRODUCT"], full: true });
    const products = new Set(
      (await dvRows(h.ctx, "products", undefined, ["productid"])).map((p) => String(p.productid)),
    );
    for await (const c of h.ctx.store.couplings.iterate("ITEM-PRODUCT")) {
      expect(products.has(c.dataverseId), `coupled product ${c.dataverseId} exists`).toBe(true);
    }
  });

  it("a full sync finds a coupled product deleted without change tracking (no delete event) and uncouples it", async () => {
    let coupling: { bcId: string; dataverseId: string } | undefined;
    for await (const c of h.ctx.store.couplings.iterate("ITEM-PRODUCT")) {
      coupling = c;
      break;
    }
    expect(coupling).toBeDefined();
    // The store forgets the delta link, as after a restore: the deletion is seen only by the full sync's check.
    await h.ctx.store.watermarks.advance("ITEM-PRODUCT", "fromDataverse", { deltaLink: null });
    expect((await h.ctx.dataverse.delete("products", coupling!.dataverseId)).ok).toBe(true);
    const [result] = await syncMappings(h.ctx, { names: ["ITEM-PRODUCT"], full: true });
    expect(total(result, "uncoupled") + total(result, "inserted")).toBeGreaterThan(0);
    const now = await h.ctx.store.couplings.getByBcId("ITEM-PRODUCT", coupling!.bcId);
    expect(now?.dataverseId).not.toBe(coupling!.dataverseId);
  });

  it("a held mass deletion is a warning in the run's summary, never ok", async () => {
    const i = h.ctx.mappings.findIndex((m) => m.name === "ITEM-PRODUCT");
    h.ctx.mappings[i] = defineTableMapping({ ...h.ctx.mappings[i], propagateDeletes: true, massDeleteThreshold: 2 });
    const coupled: string[] = [];
    for await (const c of h.ctx.store.couplings.iterate("ITEM-PRODUCT")) coupled.push(c.dataverseId);
    for (const id of coupled.slice(0, 3)) expect((await h.ctx.dataverse.delete("products", id)).ok).toBe(true);
    const results = await syncMappings(h.ctx, { names: ["ITEM-PRODUCT"] });
    const row = summarize(results[0]);
    expect(row.status).not.toBe("ok");
    expect(row.status).toBe("held");
    expect(String(row.message)).toMatch(/3 deletions exceed the threshold of 2/);
    expect(runOutcome(results).summary).toMatch(/held for approval in ITEM-PRODUCT/);
  });
});

describe("CURRENCY fills what BC's hooks fill (issue 10, same kind as 10.4)", () => {
  it("a BC currency without a symbol gets its code as the Sales currency symbol, as BC's currency hook does", async () => {
    await syncMappings(h.ctx, { names: ["CURRENCY"], full: true });
    const bc = h.ctx.businessCentral.company(h.ctx.companyId);
    const [eur] = (await bcRows(h.ctx, "currencies")).filter((c) => c.code === "EUR");
    const blanked = await bc.update("currencies", String(eur.id), { symbol: "" }, "*");
    expect(blanked.ok).toBe(true);
    const [result] = await syncMappings(h.ctx, { names: ["CURRENCY"] });
    expect(total(result, "failed")).toBe(0);
    const [currency] = await dvRows(h.ctx, "transactioncurrencies", "isocurrencycode eq 'EUR'");
    expect(currency?.currencysymbol).toBe("EUR");
    const [again] = await syncMappings(h.ctx, { names: ["CURRENCY"], full: true });
    expect(total(again, "modified")).toBe(0);
  });
});
