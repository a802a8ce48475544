// The items workload of issue 13: an initial full sync of 20,000 Business Central items to Dataverse products
// (the default ITEM-PRODUCT mapping, after UNIT OF MEASURE), with the default price list maintained after it (a
// price list line per product, each product pointed at the list and its base unit: seed S14), against both
// emulators with their documented limits and calibrated cost model. Three strategies side by side in one process:
//   record-by-record  per item, one Dataverse request for the product and one for its price list line, in a row
//                     (as Business Central's own job and its product hooks do);
//   bcsync            the engine (runMapping) for UNIT OF MEASURE and ITEM-PRODUCT, then the set-based price
//                     list rules (src/integration/price-list.ts);
//   ceiling           computed from the emulators' cost model and limits for the same Dataverse writes.
// Judged on ratios between strategies of the same run, never on absolute timings.
import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { BUSINESS_CENTRAL_COST, DATAVERSE_COST } from "../emulators/runtime/cost.ts";
import { BUSINESS_CENTRAL_LIMITS, DATAVERSE_LIMITS } from "../emulators/runtime/limits.ts";
import { createBusinessCentralClient, createDataverseClient } from "../src/connectors/index.ts";
import { connectorPorts } from "../src/engine/adapters/index.ts";
import { passesOf } from "../src/engine/model.ts";
import { type PassReport, readEarly, runMapping, SeenThisRun } from "../src/engine/runner.ts";
import type { IntegrationContext } from "../src/integration/context.ts";
import { integrationDefaults } from "../src/integration/defaults/index.ts";
import { ensureDefaultPriceList, maintainDefaultPriceList, ProductInsertRules } from "../src/integration/price-list.ts";
import { openStore } from "../src/store/index.ts";
import { round } from "./report.ts";
import {
  type Ceiling,
  ceiling,
  integrationUsersOf,
  measuring,
  medianRun,
  runsText,
  type StrategyResult,
  strategyTable,
  type Target,
  world,
} from "./throughput.ts";
import { Timeline } from "./timeline.ts";

export interface ItemsPreset {
  name: "full" | "quick";
  /** Items synced by bcsync (the emulators' `scale:N` seed adds them, each with its own unit group). */
  records: number;
  /** Items the record-by-record client writes: its rate is steady, so a sample measures it. */
  sample: number;
  pageSize: number;
  /** bcsync runs, each in fresh emulators: the median one is reported and judged (medianRun, bench/throughput.ts). */
  runs: number;
}

export const ITEMS_PRESETS: Record<ItemsPreset["name"], ItemsPreset> = {
  full: { name: "full", records: 20_000, sample: 100, pageSize: 1000, runs: 3 },
  quick: { name: "quick", records: 1000, sample: 10, pageSize: 250, runs: 1 },
};

/** Without the multiple-units feature: one unit per unit group, UNIT OF MEASURE before ITEM-PRODUCT (seed S12). */
const MAPPINGS = integrationDefaults({ unitGroupsEnabled: false }).map((d) => d.mapping);
const mappingOf = (name: string) => MAPPINGS.find((m) => m.name === name);

/** Per item: the product (one POST), then its default price list line (one POST), one after the other. */
async function recordByRecord(preset: ItemsPreset): Promise<StrategyResult> {
  const { emulators, clients } = await world(preset.records);
  const dataverse = createDataverseClient(clients.dataverse);
  const businessCentral = createBusinessCentralClient(clients.businessCentral);
  try {
    // Set-up every strategy needs and the ceiling leaves out: the list and a unit to price in.
    const priceListId = await ensureDefaultPriceList({ dataverse } as IntegrationContext);
    const schedule = await dataverse.create("uomschedules", { name: "PCS", baseuomname: "PCS" });
    if (!schedule.ok) throw new Error(schedule.error.message);
    const unitCreated = await dataverse.create("uoms", {
      name: "PCS",
      quantity: 1,
      "uomscheduleid@odata.bind": `/uomschedules(${schedule.value.id})`,
    });
    if (!unitCreated.ok) throw new Error(unitCreated.error.message);
    const unit = { uomid: unitCreated.value.id, _uomscheduleid_value: schedule.value.id };
    const measure = measuring(emulators);
    let written = 0;
    for await (const page of businessCentral.company(clients.companyId).pages("items", {
      select: ["id", "number", "displayName", "unitPrice", "unitCost", "inventory"],
      pageSize: preset.pageSize,
    })) {
      if (!page.ok) throw new Error(page.error.message);
      for (const item of page.value.rows) {
        if (written >= preset.sample) break;
        const product = await dataverse.create("products", {
          productnumber: item.number,
          name: item.displayName,
          price: item.unitPrice,
          standardcost: item.unitCost,
          currentcost: item.unitCost,
          producttypecode: 1,
          quantitydecimal: 2,
          "defaultuomscheduleid@odata.bind": `/uomschedules(${unit._uomscheduleid_value})`,
          "defaultuomid@odata.bind": `/uoms(${unit.uomid})`,
          "pricelevelid@odata.bind": `/pricelevels(${priceListId})`,
        });
        if (!product.ok) throw new Error(product.error.message);
        const line = await dataverse.create("productpricelevels", {
          "pricelevelid@odata.bind": `/pricelevels(${priceListId})`,
          "productid@odata.bind": `/products(${product.value.id})`,
          "uomid@odata.bind": `/uoms(${unit.uomid})`,
          amount: item.unitPrice,
          pricingmethodcode: 1,
          quantitysellingcode: 1,
        });
        if (!line.ok) throw new Error(line.error.message);
        written++;
      }
      if (written >= preset.sample) break;
    }
    return await measure.done(written, dataverse.metrics(), businessCentral.metrics());
  } finally {
    await dataverse.close();
    await businessCentral.close();
    await emulators.close();
  }
}

export interface ItemsBcsync extends StrategyResult {
  counters: Record<string, number>;
  priceList: { productsUpdated: number; linesCreated: number; linesUpdated: number; failed: number };
  /** Seconds of the run spent in the price list rules after ITEM-PRODUCT. */
  priceListSeconds: number;
  /** Price list lines created with their products (BC's product hooks), before the rules. */
  linesCreatedWithProducts: number;
  /** Seconds of each phase: the mappings' passes, the rules' reads and writes. */
  phases: Record<string, number>;
  /** Rows written to Dataverse (products, product updates, price list lines): what the ceiling is computed for. */
  dataverseRowsWritten: number;
}

/** UNIT OF MEASURE and ITEM-PRODUCT as `bcsync sync --full` runs them, then the price list rules. */
export async function bcsync(preset: ItemsPreset): Promise<ItemsBcsync> {
  const { emulators, clients } = await world(preset.records);
  const dir = mkdtempSync(join(tmpdir(), "bcsync-bench-items-"));
  const dataverse = createDataverseClient(clients.dataverse);
  const businessCentral = createBusinessCentralClient(clients.businessCentral);
  const store = await openStore({ dataDir: join(dir, "store") });
  const timeline = process.env.BENCH_TIMELINE ? recordTimeline(dataverse, businessCentral) : undefined;
  try {
    const engine = {
      store,
      ports: connectorPorts({ dataverse, businessCentral, companyId: clients.companyId }),
      mappings: mappingOf,
      integrationUsers: await integrationUsersOf(dataverse),
    };
    const ctx = {
      store,
      dataverse,
      businessCentral,
      companyId: clients.companyId,
      settings: { unitGroupsEnabled: false },
      mappings: MAPPINGS,
      engine,
    } as unknown as IntegrationContext;
    const measure = measuring(emulators);
    const counters: Record<string, number> = {};
    const phases: Record<string, number> = {};
    // As syncMappings runs the product mappings: with the product hooks, then the rules for what they left.
    const productRules = new ProductInsertRules(ctx);
    productRules.startFullSync();
    const seen = new SeenThisRun();
    // As syncMappings does: ITEM-PRODUCT's first page is read while UNIT OF MEASURE (which writes nothing to BC) runs.
    const productEngine = productRules.engine(engine);
    const earlyRead = readEarly(productEngine, "ITEM-PRODUCT", { pageSize: preset.pageSize });
    for (const name of ["UNIT OF MEASURE", "ITEM-PRODUCT"]) {
      const deps = name === "ITEM-PRODUCT" ? productEngine : engine;
      for (const pass of passesOf(mappingOf(name)!.direction)) {
        const started = performance.now();
        for (const report of await runMapping(deps, name, {
          mode: "full",
          pageSize: preset.pageSize,
          passes: [pass],
          seen,
          ...(name === "ITEM-PRODUCT" && pass === "toDataverse" && earlyRead ? { earlyReads: [earlyRead] } : {}),
          ...(name === "ITEM-PRODUCT" ? { onPassEnd: (report: PassReport) => productRules.passEnded(report) } : {}),
        })) {
          if (report.status !== "succeeded") throw new Error(`bcsync ${name} ${report.direction}: ${report.message}`);
          if (name === "ITEM-PRODUCT" && report.direction === "toDataverse") Object.assign(counters, report.counters);
        }
        phases[`${name} ${pass}`] = round((performance.now() - started) / 1000);
      }
    }
    const rulesStarted = performance.now();
    await productRules.settled();
    phases["price list lines settled"] = round((performance.now() - rulesStarted) / 1000);
    const priceListId = await productRules.priceListOfThisRun();
    const rules = await maintainDefaultPriceList(ctx, {
      complete: productRules.complete,
      ...(priceListId ? { priceListId } : {}),
    });
    if (rules.failed > 0) throw new Error(`price list rules: ${rules.errors[0]}`);
    const priceListSeconds = round((performance.now() - rulesStarted) / 1000);
    phases["price list rules reads"] = rules.seconds.reads;
    phases["price list rules writes"] = rules.seconds.writes;
    timeline?.save(process.env.BENCH_TIMELINE!, phases);
    const written = counters.inserted + counters.modified;
    return {
      ...(await measure.done(written, dataverse.metrics(), businessCentral.metrics())),
      counters,
      priceList: {
        productsUpdated: rules.productsUpdated,
        linesCreated: rules.linesCreated,
        linesUpdated: rules.linesUpdated,
        failed: rules.failed,
      },
      priceListSeconds,
      linesCreatedWithProducts: productRules.linesCreated,
      phases,
      dataverseRowsWritten:
        written + productRules.linesCreated + rules.productsUpdated + rules.linesCreated + rules.linesUpdated,
    };
  } finally {
    await store.close();
    await dataverse.close();
    await businessCentral.close();
    await emulators.close();
    rmSync(dir, { recursive: true, force: true });
  }
}

/**
 * BENCH_TIMELINE=file.json: the start and end (ms) of every Dataverse create, page read and metadata read, and of
 * every Business Central page, of the bcsync run, with the phases: where the slots sit idle, and what the first
 * products wait for.
 */
function recordTimeline(
  dataverse: ReturnType<typeof createDataverseClient>,
  businessCentral: ReturnType<typeof createBusinessCentralClient>,
) {
  const timeline = new Timeline();
  timeline.call(dataverse, "createMultiple", (a) => (a[2] as unknown[]).length, { kind: "create", withSet: true });
  for (const name of ["pages", "changes"]) timeline.pages(dataverse, name, { withSet: true });
  for (const name of ["create", "textColumnLimits", "retrieve"])
    timeline.call(dataverse, name, () => 1, { withSet: true });
  // The ports ask the client for a company's scope (per API): each scope made once, its pages timed (bcPage).
  const scopes = new Map<string, ReturnType<typeof businessCentral.company>>();
  const company = businessCentral.company.bind(businessCentral);
  businessCentral.company = (...args: Parameters<typeof company>) => {
    const key = JSON.stringify(args);
    let scope = scopes.get(key);
    if (!scope) {
      scope = company(...args);
      timeline.pages(scope, "pages", { kind: "bcPage", withSet: true });
      scopes.set(key, scope);
    }
    return scope;
  };
  return {
    save: (file: string, phases: Record<string, number>) =>
      writeFileSync(file, JSON.stringify({ phases, events: timeline.events })),
  };
}

export interface ItemsResult {
  workload: string;
  preset: ItemsPreset;
  strategies: { "record-by-record": StrategyResult; bcsync: ItemsBcsync; ceiling: Ceiling };
  ratios: { bcsyncToRecordByRecord: number; bcsyncShareOfCeiling: number };
  targets: Target[];
}

export async function runItems(preset: ItemsPreset, log: (line: string) => void = () => {}): Promise<ItemsResult> {
  log(`items (${preset.name}): record-by-record, ${preset.sample} of ${preset.records} items ...`);
  const rbr = await recordByRecord(preset);
  log(`items (${preset.name}): bcsync, ${preset.records} items and their price list, ${runsText(preset.runs)} ...`);
  const engine = await medianRun(preset.runs, () => bcsync(preset));
  // The same Dataverse rows bcsync wrote (products, their updates, price list lines), at best, and the items read
  // from Business Central; items per second at that pace.
  const rows = ceiling(
    engine.dataverseRowsWritten,
    DATAVERSE_COST,
    DATAVERSE_LIMITS,
    BUSINESS_CENTRAL_COST,
    BUSINESS_CENTRAL_LIMITS,
  );
  const top: Ceiling = {
    ...rows,
    records: engine.records,
    recordsPerSecond: round(engine.records / rows.seconds),
  };
  const speedup = engine.recordsPerSecond / rbr.recordsPerSecond;
  const lines = engine.linesCreatedWithProducts + engine.priceList.linesCreated + engine.priceList.linesUpdated;
  const share = engine.recordsPerSecond / top.recordsPerSecond;
  return {
    workload: "items BC → Dataverse (ITEM-PRODUCT + default price list), full sync",
    preset,
    strategies: { "record-by-record": rbr, bcsync: engine, ceiling: top },
    ratios: { bcsyncToRecordByRecord: round(speedup), bcsyncShareOfCeiling: round(share, 3) },
    targets: [
      { name: "bcsync vs record-by-record", target: "≥ 25×", measured: `${round(speedup, 1)}×`, met: speedup >= 25 },
      { name: "share of the ceiling", target: "≥ 80%", measured: `${round(share * 100, 1)}%`, met: share >= 0.8 },
      {
        name: "price list maintained for every product",
        target: `${engine.records} lines`,
        measured: `${lines} lines, ${engine.priceList.failed} failed`,
        met: engine.priceList.failed === 0 && lines >= engine.records,
      },
    ],
  };
}

/** The short table people read; the JSON holds the rest. */
export function itemsTable(result: ItemsResult): string {
  const s = result.strategies;
  return strategyTable({
    title: `${result.workload} (${result.preset.name})`,
    unit: "items",
    measured: [
      ["record-by-record", s["record-by-record"]],
      ["bcsync", s.bcsync],
    ],
    ceiling: s.ceiling,
    note: [
      `price list lines created with their products: ${s.bcsync.linesCreatedWithProducts}`,
      `price list rules: ${s.bcsync.priceListSeconds} s of the bcsync run (${s.bcsync.priceList.productsUpdated} products updated, ${s.bcsync.priceList.linesCreated} lines created)`,
      `phases (s): ${Object.entries(s.bcsync.phases)
        .map(([phase, seconds]) => `${phase} ${seconds}`)
        .join(", ")}`,
    ].join("\n"),
    targets: result.targets,
  });
}
