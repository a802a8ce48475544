// Switching on multiple units of measure end to end (seed S12, S13) against the emulators: starting from one unit
// per unit group (`NAV <code>`), the products are uncoupled in a logged background job, the old ones renamed and
// retired in Sales, the unit group mappings replace the unit of measure mapping, the recommended full sync and
// "sync all" run, and restarting ITEM-PRODUCT / RESOURCE-PRODUCT creates new products, each with its own unit group.
import { readFileSync } from "node:fs";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { coupleDemoSalespeople } from "../../src/integration/demo.ts";
import { syncAll } from "../../src/integration/review.ts";
import { enableMultipleUnits, RETIRED_SUFFIX, type UnitsMigrationReport } from "../../src/integration/units.ts";
import { bcRows, dvRows, type Harness, startIntegration } from "./helpers.ts";

let h: Harness;
const before = new Map<string, string>();
let report: UnitsMigrationReport;

beforeAll(async () => {
  h = await startIntegration({ unitGroupsEnabled: false });
  await coupleDemoSalespeople(h.ctx);
  await syncAll(h.ctx);
  for await (const c of h.ctx.store.couplings.iterate("ITEM-PRODUCT")) before.set(c.bcId, c.dataverseId);
  report = await enableMultipleUnits(h.ctx);
}, 180_000);
afterAll(async () => h?.close());

describe("multiple units of measure switch (S12, S13)", () => {
  it("starts from one unit per unit group: products in NAV <code> unit groups", async () => {
    expect(before.size).toBeGreaterThan(0);
    const [old] = await dvRows(h.ctx, "products", `productid eq ${[...before.values()][0]}`);
    const [group] = await dvRows(h.ctx, "uomschedules", `uomscheduleid eq ${old._defaultuomscheduleid_value}`);
    expect(String(group.name)).toMatch(/^NAV /);
  });

  it("uncouples the products in a background job whose progress is in the sync log", async () => {
    const job = await h.ctx.store.jobs.get(report.uncouplingJobId);
    expect(job?.type).toBe("uncoupling");
    expect(job?.status).toBe("succeeded");
    expect(job?.uncoupled).toBe(report.uncoupled);
    expect(report.uncoupled).toBeGreaterThanOrEqual(before.size);
  });

  it("renames and retires the old products in Sales", async () => {
    for (const id of before.values()) {
      const [old] = await dvRows(h.ctx, "products", `productid eq ${id}`);
      expect(String(old.name).endsWith(RETIRED_SUFFIX)).toBe(true);
      expect(old.statecode).toBe(1);
    }
  });

  it("replaces the unit of measure mapping by the unit group mappings and remembers the switch", async () => {
    const names = h.ctx.mappings.map((m) => m.name);
    expect(names).toEqual(expect.arrayContaining(["UNIT GROUP", "ITEM UOM", "RESOURCE UOM"]));
    expect(names).not.toContain("UNIT OF MEASURE");
    expect(JSON.parse(readFileSync(h.configPath, "utf8")).integration.unitGroupsEnabled).toBe(true);
    expect(report.steps.map((s) => s.step)).toEqual([
      "uncouple products",
      "rename and retire old products",
      "replace mappings",
      "recommended full sync, sync all",
      "restart ITEM-PRODUCT",
      "restart RESOURCE-PRODUCT",
    ]);
  });

  it("restarting item-product creates new products, each with its own unit group", async () => {
    const items = new Map((await bcRows(h.ctx, "items", true)).map((i) => [String(i.id).toLowerCase(), i]));
    for (const [bcId, oldProduct] of before) {
      const coupling = await h.ctx.store.couplings.getByBcId("ITEM-PRODUCT", bcId);
      expect(coupling, `item ${bcId} coupled again`).toBeDefined();
      expect(coupling?.dataverseId).not.toBe(oldProduct);
      const [product] = await dvRows(h.ctx, "products", `productid eq ${coupling?.dataverseId}`);
      expect(product.statecode).toBe(0);
      const [group] = await dvRows(h.ctx, "uomschedules", `uomscheduleid eq ${product._defaultuomscheduleid_value}`);
      expect(group?.name).toBe(items.get(bcId)?.unitGroupCode);
    }
  });
});
