// Products get their default price list, base unit and price list lines as they are created, as Business Central's
// product hooks do (bc-reference §2.2.13: OnBeforeInsert / OnAfterTransferRecordFields, OnAfterInsert): the price
// list rules after the product sync have nothing left to write for them, while a product coupled by match still
// gets its list, unit and line from the rules. A full sync run twice writes nothing the second time, with one unit
// per unit group and with multiple units of measure.
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { DataverseClient } from "../../src/connectors/index.ts";
import { DEFAULT_PRICE_LIST_NAME, ProductInsertRules } from "../../src/integration/price-list.ts";
import { type MappingSyncResult, syncMappings } from "../../src/integration/sync.ts";
import { bcRows, dvRows, type Harness, startIntegration } from "./helpers.ts";

/** Rows each Dataverse write method sent, by entity set. */
function spyWrites(dataverse: DataverseClient) {
  const writes: { method: string; set: string; rows: number }[] = [];
  const methods = ["create", "update", "createMultiple", "updateMultiple", "upsertMultiple"] as const;
  const originals = methods.map((m) => [m, dataverse[m]] as const);
  for (const [method, original] of originals) {
    (dataverse as unknown as Record<string, unknown>)[method] = (set: string, ...rest: unknown[]) => {
      const rows = Array.isArray(rest[0]) ? rest[0].length : Array.isArray(rest[1]) ? rest[1].length : 1;
      writes.push({ method, set, rows });
      return (original as (...a: unknown[]) => unknown).call(dataverse, set, ...rest);
    };
  }
  const batch = dataverse.batchOperations;
  dataverse.batchOperations = ((operations: { method: string; url: string }[], options?: never) => {
    for (const op of operations) writes.push({ method: `batch ${op.method}`, set: op.url.split("(")[0], rows: 1 });
    return batch.call(dataverse, operations as never, options);
  }) as typeof dataverse.batchOperations;
  return {
    writes,
    restore() {
      for (const [method, original] of originals) (dataverse as unknown as Record<string, unknown>)[method] = original;
      dataverse.batchOperations = batch;
    },
  };
}

const rowsTo = (writes: readonly { set: string; rows: number }[], set: string) =>
  writes.filter((w) => w.set === set).reduce((n, w) => n + w.rows, 0);

const written = (results: readonly MappingSyncResult[]) =>
  results.flatMap((r) => r.passes).reduce((n, p) => n + p.counters.inserted + p.counters.modified, 0);

/** Every coupled product points at the list and its item's base unit, and has one line per unit of its group. */
async function expectPriceListComplete(h: Harness, mapping: string, baseUnitOf: Map<string, string>) {
  const [list] = await dvRows(h.ctx, "pricelevels", `name eq '${DEFAULT_PRICE_LIST_NAME}'`);
  expect(list).toBeDefined();
  const products = new Map((await dvRows(h.ctx, "products")).map((p) => [String(p.productid), p]));
  const units = await dvRows(h.ctx, "uoms");
  const lines = await dvRows(h.ctx, "productpricelevels", `_pricelevelid_value eq ${list.pricelevelid}`);
  let checked = 0;
  for await (const c of h.ctx.store.couplings.iterate(mapping)) {
    const product = products.get(c.dataverseId);
    expect(product, `product of ${c.bcId}`).toBeDefined();
    if (!product) continue;
    expect(product._pricelevelid_value).toBe(list.pricelevelid);
    const group = units.filter((u) => u._uomscheduleid_value === product._defaultuomscheduleid_value);
    const base =
      group.find((u) => String(u.name).toUpperCase() === (baseUnitOf.get(c.bcId) ?? "").toUpperCase()) ??
      group.find((u) => Number(u.quantity) === 1);
    expect(product._defaultuomid_value, `base unit of ${product.productnumber}`).toBe(base?.uomid);
    const own = lines.filter((l) => l._productid_value === product.productid);
    // One line per unit of the group, none twice, each at the price times the unit's quantity.
    expect(own.map((l) => l._uomid_value).sort()).toEqual(group.map((u) => u.uomid).sort());
    for (const line of own) {
      const unit = group.find((u) => u.uomid === line._uomid_value);
      expect(Number(line.amount)).toBe(Math.round(Number(product.price ?? 0) * Number(unit?.quantity) * 100) / 100);
    }
    checked++;
  }
  expect(checked).toBeGreaterThan(0);
}

async function baseUnits(h: Harness): Promise<Map<string, string>> {
  const out = new Map<string, string>();
  for (const i of [...(await bcRows(h.ctx, "items")), ...(await bcRows(h.ctx, "resources", true))]) {
    out.set(String(i.id).toLowerCase(), String(i.baseUnitOfMeasureCode));
  }
  return out;
}

for (const unitGroupsEnabled of [false, true]) {
  const units = unitGroupsEnabled ? ["UNIT GROUP", "ITEM UOM", "RESOURCE UOM"] : ["UNIT OF MEASURE"];
  const names = [...units, "ITEM-PRODUCT", "RESOURCE-PRODUCT"];

  describe(`products created with their price list and base unit (unit groups ${unitGroupsEnabled ? "on" : "off"})`, () => {
    let h: Harness;
    let matched: string;
    let first: { results: MappingSyncResult[]; writes: { method: string; set: string; rows: number }[] };
    let second: { results: MappingSyncResult[]; writes: { method: string; set: string; rows: number }[] };

    beforeAll(async () => {
      h = await startIntegration({ unitGroupsEnabled });
      // A Sales product of an item's number, without price list or unit: coupled by match, not created.
      const item = (await bcRows(h.ctx, "items")).find((i) => i.type === "Inventory" && i.blocked !== true);
      const created = await h.ctx.dataverse.create("products", {
        productnumber: String(item?.number),
        name: "Sold before the integration",
        producttypecode: 1,
      });
      if (!created.ok) throw created.error;
      matched = String(created.value.id).toLowerCase();
      for (const pass of [1, 2]) {
        const spy = spyWrites(h.ctx.dataverse);
        const results = await syncMappings(h.ctx, { names, full: true }).finally(() => spy.restore());
        if (pass === 1) first = { results, writes: spy.writes };
        else second = { results, writes: spy.writes };
      }
    }, 180_000);
    afterAll(async () => h?.close());

    it("runs without errors", () => {
      for (const r of [...first.results, ...second.results]) expect(r.error, r.mapping).toBeUndefined();
      const itemProduct = first.results.find((r) => r.mapping === "ITEM-PRODUCT");
      const toDataverse = itemProduct?.passes.find((p) => p.direction === "toDataverse");
      expect(toDataverse?.counters.inserted).toBeGreaterThan(0);
      expect(toDataverse?.counters.failed).toBe(0);
    });

    it("updates no product the sync created: only the one coupled by match gets its list and unit afterwards", async () => {
      const updates = first.writes.filter((w) => w.set === "products" && w.method === "updateMultiple");
      // Without multiple units each product's unit group has one unit, so the hooks set every created product's
      // base unit; with them the group also holds its own base unit, and the rules choose by the item's code.
      if (!unitGroupsEnabled) expect(rowsTo(updates, "products")).toBe(1);
      const [product] = await dvRows(h.ctx, "products", `productid eq ${matched}`);
      const [list] = await dvRows(h.ctx, "pricelevels", `name eq '${DEFAULT_PRICE_LIST_NAME}'`);
      expect(product._pricelevelid_value).toBe(list.pricelevelid);
      expect(product._defaultuomid_value).toBeTruthy();
    });

    it("leaves every product with its list, base unit and one line per unit, none duplicated", async () => {
      const baseUnitOf = await baseUnits(h);
      await expectPriceListComplete(h, "ITEM-PRODUCT", baseUnitOf);
      await expectPriceListComplete(h, "RESOURCE-PRODUCT", baseUnitOf);
    });

    it("writes nothing when run again", () => {
      expect(written(second.results)).toBe(0);
      expect(rowsTo(second.writes, "products")).toBe(0);
      expect(rowsTo(second.writes, "productpricelevels")).toBe(0);
    });
  });
}

describe("a price list line Sales refuses as its product is created", () => {
  let h: Harness;
  let result: MappingSyncResult[];
  let refused = 0;

  beforeAll(async () => {
    h = await startIntegration({ unitGroupsEnabled: false });
    const createMultiple = h.ctx.dataverse.createMultiple.bind(h.ctx.dataverse);
    // The first request of lines fails whole (an outage); the rules after the product sync write them.
    h.ctx.dataverse.createMultiple = (async (set: string, table: string, rows: never[]) => {
      if (set === "productpricelevels" && refused === 0) {
        refused = rows.length;
        return { ok: false as const, error: new Error("Sales is unavailable") };
      }
      return createMultiple(set, table, rows);
    }) as typeof h.ctx.dataverse.createMultiple;
    result = await syncMappings(h.ctx, { names: ["UNIT OF MEASURE", "ITEM-PRODUCT"], full: true });
    h.ctx.dataverse.createMultiple = createMultiple;
  }, 120_000);
  afterAll(async () => h?.close());

  it("is left to the price list rules, which write it in the same run", async () => {
    expect(refused).toBeGreaterThan(0);
    for (const r of result) expect(r.error, r.mapping).toBeUndefined();
    await expectPriceListComplete(h, "ITEM-PRODUCT", await baseUnits(h));
    const again = await syncMappings(h.ctx, { names: ["UNIT OF MEASURE", "ITEM-PRODUCT"], full: true });
    expect(written(again)).toBe(0);
  });
});

describe("a product sync stopped after creating products, before their price list lines", () => {
  let h: Harness;

  beforeAll(async () => {
    h = await startIntegration({ unitGroupsEnabled: false });
    await syncMappings(h.ctx, { names: ["UNIT OF MEASURE", "ITEM-PRODUCT"], full: true });
    // As a kill between the products' creates and their lines leaves it: products coupled, no lines, the sync open.
    const [list] = await dvRows(h.ctx, "pricelevels", `name eq '${DEFAULT_PRICE_LIST_NAME}'`);
    for (const line of await dvRows(h.ctx, "productpricelevels", `_pricelevelid_value eq ${list.pricelevelid}`)) {
      const deleted = await h.ctx.dataverse.delete("productpricelevels", String(line.productpricelevelid));
      if (!deleted.ok) throw deleted.error;
    }
    await h.ctx.store.settings.set("integration.productSyncOpen", true);
  }, 120_000);
  afterAll(async () => h?.close());

  it("gets its lines from the next scheduled sync, though that sync writes no product", async () => {
    const next = await syncMappings(h.ctx, { names: ["ITEM-PRODUCT"] });
    for (const r of next) expect(r.error, r.mapping).toBeUndefined();
    expect(written(next)).toBe(0);
    await expectPriceListComplete(h, "ITEM-PRODUCT", await baseUnits(h));
    expect(await h.ctx.store.settings.get("integration.productSyncOpen")).toBeUndefined();
  });
});

describe("a full sync whose product mappings flow from Sales only", () => {
  let h: Harness;
  let results: MappingSyncResult[];

  beforeAll(async () => {
    h = await startIntegration({ unitGroupsEnabled: false });
    // Products flow Sales → BC: nothing writes a product to Sales, so Sales gets no price list from the sync.
    h.ctx.mappings.splice(
      0,
      h.ctx.mappings.length,
      ...h.ctx.mappings.map((m) =>
        m.name === "ITEM-PRODUCT" || m.name === "RESOURCE-PRODUCT" ? { ...m, direction: "fromDataverse" as const } : m,
      ),
    );
    results = await syncMappings(h.ctx, { names: ["UNIT OF MEASURE", "ITEM-PRODUCT", "RESOURCE-PRODUCT"], full: true });
  }, 120_000);
  afterAll(async () => h?.close());

  it("creates no default price list in Sales and writes no product's list, unit or lines (BC's hooks run on BC → Sales writes)", async () => {
    expect(results.map((r) => r.mapping).sort()).toEqual(["ITEM-PRODUCT", "RESOURCE-PRODUCT", "UNIT OF MEASURE"]);
    expect(await dvRows(h.ctx, "pricelevels", `name eq '${DEFAULT_PRICE_LIST_NAME}'`)).toEqual([]);
  });
});

describe("a full sync of UNIT OF MEASURE and ITEM-PRODUCT", () => {
  let h: Harness;
  const events: string[] = [];
  let results: MappingSyncResult[];

  beforeAll(async () => {
    h = await startIntegration({ unitGroupsEnabled: false });
    const items = h.ctx.mappings.find((m) => m.name === "ITEM-PRODUCT");
    if (!items) throw new Error("no ITEM-PRODUCT mapping");
    // The items' Business Central reads, as the engine's port for the mapping is asked for them.
    const port = h.ctx.engine.ports.forMapping(items, "bc");
    const readChanges = port.readChanges.bind(port);
    port.readChanges = (options) => {
      events.push(options.firstPageSize ? "items read whole" : "items read");
      return readChanges(options);
    };
    // Its Sales reads (the pass back from Sales), and the product hooks told that no more products come.
    const salesPort = h.ctx.engine.ports.forMapping(items, "dataverse");
    const readSales = salesPort.readChanges.bind(salesPort);
    salesPort.readChanges = (options) => {
      events.push("products read back");
      return readSales(options);
    };
    const productRules = new ProductInsertRules(h.ctx);
    const productsWritten = productRules.productsWritten.bind(productRules);
    productRules.productsWritten = () => {
      events.push("products written");
      productsWritten();
    };
    results = await syncMappings(h.ctx, {
      names: ["UNIT OF MEASURE", "ITEM-PRODUCT"],
      full: true,
      productRules,
      onMapping: (r) => events.push(`${r.mapping} done`),
    });
  }, 120_000);
  afterAll(async () => h?.close());

  it("reads the items while UNIT OF MEASURE runs, once, and the pass plans from that read", async () => {
    for (const r of results) expect(r.error, r.mapping).toBeUndefined();
    const toSales = results
      .find((r) => r.mapping === "ITEM-PRODUCT")
      ?.passes.find((p) => p.direction === "toDataverse");
    expect(toSales?.counters.inserted).toBeGreaterThan(0);
    const itemsDone = events.indexOf("ITEM-PRODUCT done");
    expect(events.indexOf("items read whole")).toBeLessThan(events.indexOf("UNIT OF MEASURE done"));
    expect(events.slice(0, itemsDone).filter((e) => e === "items read whole")).toHaveLength(1);
    await expectPriceListComplete(h, "ITEM-PRODUCT", await baseUnits(h));
    const again = await syncMappings(h.ctx, { names: ["UNIT OF MEASURE", "ITEM-PRODUCT"], full: true });
    expect(written(again)).toBe(0);
  });

  it("cuts the last price list lines for the end once the products are written, not after the pass back from Sales", () => {
    // The pass to Sales creates every product (and queues their lines); the pass back creates none. Told only at
    // the mapping's end, the hooks sent the last lines in halving shares while the pass back read (2 s of 20,000).
    const told = events.indexOf("products written");
    expect(told).toBeGreaterThanOrEqual(0);
    expect(told).toBeLessThan(events.indexOf("products read back"));
    expect(told).toBeLessThan(events.indexOf("ITEM-PRODUCT done"));
  });
});
