// The orders workload of issue 13: Dataverse → Business Central of 2,000 submitted Sales orders with 5 lines each,
// for customers and items already coupled (the `scale:N` seed's BC customers and items, synced to Sales first, not
// measured), against both emulators with their documented limits and calibrated cost model. Three strategies side
// by side in one process:
//   record-by-record  per order, as Business Central's own job does: read the Sales order and its lines, one POST
//                     of the salesOrder header, then one POST per line, in a row (a sample: its rate is steady);
//   bcsync            the order flow's Sales → BC half as `bcsync sync` runs it with bidirectional sales orders
//                     (pullSubmittedOrders, src/integration/flows/bidirectional-orders.ts): every submitted order
//                     created, released and coupled in BC, with its lines, and the BC order number written back;
//   ceiling           computed from the emulators' cost model and BC's limits for the same BC rows (headers and
//                     lines): $batch requests of up to 100 operations, 5 in flight.
// Then bcsync again with three app registrations for BC (`extraPrincipals`: Microsoft's documented way past one
// principal's limits), against the ceiling of three principals (15 in flight). With one principal no client can
// reach 25× record-by-record under this cost model (a row costs BC 20 ms however it is sent; bench/README.md).
// Judged on ratios between strategies of the same run, never on absolute timings.
import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import type { CostModel, LimitsConfig } from "../emulators/contracts.ts";
import { BUSINESS_CENTRAL_COST } from "../emulators/runtime/cost.ts";
import { BUSINESS_CENTRAL_LIMITS } from "../emulators/runtime/limits.ts";
import {
  type BusinessCentralClient,
  createBusinessCentralClient,
  createDataverseClient,
  type DataverseClient,
  type Row,
} from "../src/connectors/index.ts";
import { connectorPorts } from "../src/engine/adapters/index.ts";
import { runMapping } from "../src/engine/runner.ts";
import type { IntegrationContext } from "../src/integration/context.ts";
import { integrationDefaults } from "../src/integration/defaults/index.ts";
import { LINE_MAPPING, ORDER_MAPPING, pullSubmittedOrders } from "../src/integration/flows/index.ts";
import { openStore, type Store } from "../src/store/index.ts";
import { round } from "./report.ts";
import {
  type Ceiling,
  type Clients,
  CUSTOMER_MAPPING,
  measuring,
  type StrategyResult,
  strategyTable,
  type Target,
  world,
} from "./throughput.ts";

export interface OrdersPreset {
  name: "full" | "quick";
  /** Submitted Sales orders to create in BC. */
  orders: number;
  linesPerOrder: number;
  /** Customers and items of the `scale:N` seed the orders are for (coupled before the measured part). */
  masters: number;
  /** Orders the record-by-record client writes: its rate is steady, so a sample measures it. */
  sample: number;
}

export const ORDERS_PRESETS: Record<OrdersPreset["name"], OrdersPreset> = {
  full: { name: "full", orders: 2000, linesPerOrder: 5, masters: 200, sample: 20 },
  quick: { name: "quick", orders: 100, linesPerOrder: 5, masters: 20, sample: 5 },
};

/** App registrations bcsync's BC client uses in the several-principals strategy (each with BC's own limits). */
export const BC_PRINCIPALS = 3;

/** Bidirectional sales orders, one unit per unit group (UNIT OF MEASURE before ITEM-PRODUCT). */
const OPTIONS = { unitGroupsEnabled: false, bidirectionalSalesOrders: true, legacySalesOrders: false };
const MAPPINGS = integrationDefaults(OPTIONS).map((d) => d.mapping);
// Customers through the bench's plain customer mapping (no lookups to settle): the coupling is what orders need.
const mappingOf = (name: string) =>
  name === CUSTOMER_MAPPING.name ? CUSTOMER_MAPPING : MAPPINGS.find((m) => m.name === name);

interface OrdersWorld {
  emulators: Awaited<ReturnType<typeof world>>["emulators"];
  ctx: IntegrationContext;
  store: Store;
  dataverse: DataverseClient;
  businessCentral: BusinessCentralClient;
  salesOrderIds: string[];
  close(): Promise<void>;
}

/**
 * Fresh emulators with `masters` scale customers and items, synced to Sales and coupled (the review's "sync all"
 * for what orders need), then the submitted Sales orders seeded in the Dataverse emulator's store. Not measured.
 */
async function ordersWorld(preset: OrdersPreset, bcPrincipals = 1): Promise<OrdersWorld> {
  const { emulators, clients } = await world(preset.masters);
  const dir = mkdtempSync(join(tmpdir(), "bcsync-bench-orders-"));
  const store = await openStore({ dataDir: join(dir, "store") });
  // Clients of the set-up, then fresh ones for the measured part (their metrics count its requests only).
  let w = contextOf(clients, store, bcPrincipals);
  const close = async () => {
    await store.close();
    await w.dataverse.close();
    await w.businessCentral.close();
    await emulators.close();
    rmSync(dir, { recursive: true, force: true });
  };
  try {
    for (const name of [CUSTOMER_MAPPING.name, "UNIT OF MEASURE", "ITEM-PRODUCT"]) {
      for (const report of await runMapping(w.ctx.engine, name, { mode: "full", passes: ["toDataverse"] })) {
        if (report.status !== "succeeded") throw new Error(`set-up ${name}: ${report.message}`);
      }
    }
    // The scale seed's masters (numbers SC…/SI…): usable by any order (the demo's include blocked ones).
    const coupledTo = async (mapping: string, set: string, prefix: string) => {
      const out: string[] = [];
      for await (const page of w.businessCentral.company(clients.companyId).pages(set, { select: ["id", "number"] })) {
        if (!page.ok) throw new Error(page.error.message);
        const ids = page.value.rows.filter((r) => String(r.number).startsWith(prefix)).map((r) => lowerId(r.id));
        for (const c of (await store.couplings.findMany(mapping, "bc", ids)).values()) out.push(c.dataverseId);
      }
      return out;
    };
    const accounts = await coupledTo(CUSTOMER_MAPPING.name, "customers", "SC");
    const products = await coupledTo("ITEM-PRODUCT", "items", "SI");
    if (accounts.length < preset.masters || products.length < preset.masters)
      throw new Error(`set-up coupled ${accounts.length} customers and ${products.length} items`);
    const plan = join(dir, "orders.json");
    writeFileSync(plan, JSON.stringify({ orders: preset.orders, lines: preset.linesPerOrder, accounts, products }));
    const seeded = await emulators.ask<{ orders: string[] }>(`seed-orders ${plan}`);
    await w.dataverse.close();
    await w.businessCentral.close();
    w = contextOf(clients, store, bcPrincipals);
    return { emulators, ...w, store, salesOrderIds: seeded.orders, close };
  } catch (error) {
    await close();
    throw error;
  }
}

/**
 * The integration context the order flow runs with (as `bcsync sync` opens it), on new clients; the BC client with
 * `bcPrincipals` app registrations (the integration app and the bench's extra ones, round robin).
 */
function contextOf(clients: Clients, store: Store, bcPrincipals: number) {
  const dataverse = createDataverseClient(clients.dataverse);
  const principals = clients.extraPrincipals.slice(0, bcPrincipals - 1);
  if (principals.length !== bcPrincipals - 1) throw new Error(`the emulators registered ${principals.length + 1} apps`);
  const businessCentral = createBusinessCentralClient({ ...clients.businessCentral, principals });
  const engine = {
    store,
    ports: connectorPorts({ dataverse, businessCentral, companyId: clients.companyId }),
    mappings: mappingOf,
  };
  const ctx = {
    store,
    dataverse,
    businessCentral,
    companyId: clients.companyId,
    settings: OPTIONS,
    mappings: MAPPINGS,
    engine,
  } as unknown as IntegrationContext;
  return { ctx, dataverse, businessCentral };
}

const lowerId = (id: unknown) => String(id ?? "").toLowerCase();

export interface OrdersStrategy extends StrategyResult {
  /** BC sales order lines written. */
  lines: number;
  /**
   * Rows the BC emulator wrote per order, as its cost model counts them (a line's insert also updates its
   * header's totals): what the order's requests cost BC, beyond the 15 ms a request.
   */
  bcRowsWrittenPerOrder: number;
}

interface ServiceTally {
  requests: number;
  byMethod: Record<string, number>;
  rowsWritten: number;
}

/** What both emulators served so far (their own count; asking costs no request). */
async function tallies(w: OrdersWorld): Promise<{ dataverse: ServiceTally; businessCentral: ServiceTally }> {
  const { tally } = await w.emulators.ask<{ tally: { dataverse: ServiceTally; businessCentral: ServiceTally } }>(
    "tally",
  );
  return tally;
}

/** What the BC emulator served so far. */
async function bcTally(w: OrdersWorld): Promise<ServiceTally> {
  return (await tallies(w)).businessCentral;
}

/** Requests an order cost one service between two tallies, by HTTP method (a `$batch` is one POST). */
function perOrder(before: ServiceTally, after: ServiceTally, orders: number) {
  const n = Math.max(orders, 1);
  const byMethod: Record<string, number> = {};
  for (const [method, count] of Object.entries(after.byMethod)) {
    const spent = count - (before.byMethod[method] ?? 0);
    if (spent > 0) byMethod[method] = round(spent / n, 3);
  }
  return { requests: round((after.requests - before.requests) / n, 3), byMethod };
}

/** Per order: the Sales order and its lines read, the BC header POSTed, then each line, one after the other. */
async function recordByRecord(preset: OrdersPreset): Promise<OrdersStrategy> {
  const w = await ordersWorld(preset);
  try {
    const bc = w.businessCentral.company(w.ctx.companyId, "v2.0");
    const before = await bcTally(w);
    const measure = measuring(w.emulators);
    let written = 0;
    let lines = 0;
    for (const id of w.salesOrderIds.slice(0, preset.sample)) {
      const header = await w.dataverse.retrieve("salesorders", id);
      if (!header.ok || !header.value) throw new Error(`sales order ${id} unreadable`);
      const details: Row[] = [];
      for await (const page of w.dataverse.pages("salesorderdetails", { filter: `_salesorderid_value eq ${id}` })) {
        if (!page.ok) throw new Error(page.error.message);
        details.push(...page.value.rows);
      }
      const customer = await w.store.couplings.getByDataverseId(
        CUSTOMER_MAPPING.name,
        lowerId(header.value._customerid_value),
      );
      if (!customer) throw new Error(`sales order ${id}: customer not coupled`);
      const created = await bc.create("salesOrders", {
        customerId: customer.bcId,
        externalDocumentNumber: String(header.value.name),
      });
      if (!created.ok) throw new Error(created.error.message);
      for (const d of details.sort((a, b) => Number(a.sequencenumber) - Number(b.sequencenumber))) {
        const item = await w.store.couplings.getByDataverseId("ITEM-PRODUCT", lowerId(d._productid_value));
        if (!item) throw new Error(`sales order ${id}: product not coupled`);
        const line = await bc.create("salesOrderLines", {
          documentId: created.value.id,
          lineType: "Item",
          itemId: item.bcId,
          quantity: Number(d.quantity),
          unitPrice: Number(d.priceperunit),
        });
        if (!line.ok) throw new Error(line.error.message);
        lines++;
      }
      written++;
    }
    measure.stop();
    const after = await bcTally(w);
    const result = await measure.done(written, w.dataverse.metrics(), w.businessCentral.metrics());
    return { ...result, lines, bcRowsWrittenPerOrder: round((after.rowsWritten - before.rowsWritten) / written, 2) };
  } finally {
    await w.close();
  }
}

export interface OrdersCheck {
  /** BC orders made from the bench's Sales orders (by external document number), and how many distinct. */
  bcOrders: number;
  distinctBcOrders: number;
  bcLines: number;
  orderCouplings: number;
  lineCouplings: number;
  /** Sales orders that got their BC order number written back. */
  writtenBack: number;
}

export interface OrdersBcsync extends OrdersStrategy {
  counters: Record<string, number>;
  check: OrdersCheck;
  /** Milliseconds requests waited for the connectors' throttles (summed over requests), per service. */
  throttledMs: { dataverse: number; businessCentral: number };
  /** Requests an order cost each service, as the emulators counted them (their tally), by HTTP method. */
  requestsPerOrder: {
    dataverse: ReturnType<typeof perOrder>;
    businessCentral: ReturnType<typeof perOrder>;
  };
}

/**
 * The order flow's Sales → BC half, as `bcsync sync` runs SALESORDER-ORDER with bidirectional sales orders; its BC
 * client with `bcPrincipals` app registrations.
 */
export async function bcsync(preset: OrdersPreset, bcPrincipals = 1): Promise<OrdersBcsync> {
  const w = await ordersWorld(preset, bcPrincipals);
  try {
    const before = await tallies(w);
    const measure = measuring(w.emulators);
    const summary = await pullSubmittedOrders(w.ctx);
    measure.stop();
    const after = await tallies(w);
    const dataverse = w.dataverse.metrics();
    const businessCentral = w.businessCentral.metrics();
    const check = await checkOrders(w);
    const result = await measure.done(summary.inserted, dataverse, businessCentral);
    const throttledMs = {
      dataverse: Math.round(dataverse.throttledMs),
      businessCentral: Math.round(businessCentral.throttledMs),
    };
    const bcRowsWrittenPerOrder = round(
      (after.businessCentral.rowsWritten - before.businessCentral.rowsWritten) / Math.max(summary.inserted, 1),
      2,
    );
    const requestsPerOrder = {
      dataverse: perOrder(before.dataverse, after.dataverse, summary.inserted),
      businessCentral: perOrder(before.businessCentral, after.businessCentral, summary.inserted),
    };
    return {
      ...result,
      lines: check.bcLines,
      bcRowsWrittenPerOrder,
      counters: { ...summary },
      check,
      throttledMs,
      requestsPerOrder,
    };
  } finally {
    await w.close();
  }
}

/** What the flow left behind, read after the measured part: every order once in BC, with its lines, coupled. */
async function checkOrders(w: OrdersWorld): Promise<OrdersCheck> {
  const bc = w.businessCentral.company(w.ctx.companyId, "v2.0");
  const all = async (pages: AsyncGenerator<{ ok: boolean; value?: { rows: Row[] } }>) => {
    const rows: Row[] = [];
    for await (const page of pages) {
      if (!page.ok || !page.value) throw new Error("check: a page could not be read");
      rows.push(...page.value.rows);
    }
    return rows;
  };
  const orders = (await all(bc.pages("salesOrders", { select: ["id", "externalDocumentNumber"] }))).filter((o) =>
    String(o.externalDocumentNumber).startsWith("Bench Order"),
  );
  const ids = new Set(orders.map((o) => lowerId(o.id)));
  const lines = (await all(bc.pages("salesOrderLines", { select: ["id", "documentId"] }))).filter((l) =>
    ids.has(lowerId(l.documentId)),
  );
  const back = await all(
    w.dataverse.pages("salesorders", {
      filter: "startswith(ordernumber,'BENCH-') and bcbi_businesscentralordernumber ne null",
      select: ["salesorderid"],
    }),
  );
  return {
    bcOrders: orders.length,
    distinctBcOrders: new Set(orders.map((o) => o.externalDocumentNumber)).size,
    bcLines: lines.length,
    orderCouplings: await w.store.couplings.count(ORDER_MAPPING),
    lineCouplings: await w.store.couplings.count(LINE_MAPPING),
    writtenBack: back.length,
  };
}

/**
 * The fastest any client could create `orders` BC orders of `linesPerOrder` lines under the emulators' cost model
 * and BC's limits: the header and line POSTs (`operations` an order) as operations of $batch requests of up to 100
 * (one request's overhead for all), 5 requests in flight, within the requests allowed per window; each order costs
 * the rows BC writes for those POSTs (`rowsPerOrder`, as record-by-record measured them). Reading the Sales orders
 * (cheap, and on another service) and everything else a client does (release, write-backs, its store) is left out.
 * With several principals, each has BC's limits (its requests in flight and per window).
 */
export function ordersCeiling(
  orders: number,
  linesPerOrder: number,
  rowsPerOrder: number = 1 + linesPerOrder,
  principals = 1,
  cost: CostModel = BUSINESS_CENTRAL_COST,
  base: LimitsConfig = BUSINESS_CENTRAL_LIMITS,
  maxBatch = 100,
): Ceiling {
  const limits = {
    ...base,
    maxConcurrent: base.maxConcurrent * principals,
    maxRequestsPerWindow: base.maxRequestsPerWindow * principals,
  };
  const operations = orders * (1 + linesPerOrder);
  const rows = orders * rowsPerOrder;
  let best = { ms: Number.POSITIVE_INFINITY, bulkSize: 1 };
  for (let size = 1; size <= maxBatch; size++) {
    const requests = Math.ceil(operations / size);
    const serverMs = requests * cost.perRequestMs + rows * cost.perRecordWrittenMs;
    let ms = serverMs / Math.min(limits.maxConcurrent, requests);
    if (requests > limits.maxRequestsPerWindow)
      ms = Math.max(ms, ((requests - limits.maxRequestsPerWindow) / limits.maxRequestsPerWindow) * limits.windowMs);
    if (ms < best.ms) best = { ms, bulkSize: size };
  }
  return {
    records: orders,
    seconds: round(best.ms / 1000),
    recordsPerSecond: round(orders / (best.ms / 1000)),
    bottleneck: "business central writes",
    dataverseSeconds: 0,
    businessCentralSeconds: round(best.ms / 1000),
    bulkSize: best.bulkSize,
  };
}

export interface OrdersResult {
  workload: string;
  preset: OrdersPreset;
  strategies: {
    "record-by-record": OrdersStrategy;
    bcsync: OrdersBcsync;
    ceiling: Ceiling;
    /** bcsync with BC_PRINCIPALS app registrations for BC, and the ceiling of as many principals. */
    bcsyncPrincipals: OrdersBcsync;
    ceilingPrincipals: Ceiling;
  };
  ratios: {
    bcsyncToRecordByRecord: number;
    bcsyncShareOfCeiling: number;
    bcsyncPrincipalsToRecordByRecord: number;
    bcsyncPrincipalsShareOfCeiling: number;
  };
  targets: Target[];
}

export async function runOrders(preset: OrdersPreset, log: (line: string) => void = () => {}): Promise<OrdersResult> {
  log(`orders (${preset.name}): record-by-record, ${preset.sample} of ${preset.orders} orders ...`);
  const rbr = await recordByRecord(preset);
  log(`orders (${preset.name}): bcsync, ${preset.orders} orders of ${preset.linesPerOrder} lines ...`);
  const engine = await bcsync(preset);
  log(`orders (${preset.name}): bcsync with ${BC_PRINCIPALS} app registrations for Business Central ...`);
  const several = await bcsync(preset, BC_PRINCIPALS);
  const top = ordersCeiling(engine.records, preset.linesPerOrder, rbr.bcRowsWrittenPerOrder);
  const topSeveral = ordersCeiling(several.records, preset.linesPerOrder, rbr.bcRowsWrittenPerOrder, BC_PRINCIPALS);
  const speedup = engine.recordsPerSecond / rbr.recordsPerSecond;
  const share = engine.recordsPerSecond / top.recordsPerSecond;
  const speedupSeveral = several.recordsPerSecond / rbr.recordsPerSecond;
  const shareSeveral = several.recordsPerSecond / topSeveral.recordsPerSecond;
  const expectedLines = preset.orders * preset.linesPerOrder;
  const once = (name: string, c: OrdersCheck): Target => ({
    name,
    target: `${preset.orders} orders, ${expectedLines} lines`,
    measured: `${c.distinctBcOrders} orders (${c.bcOrders} BC orders), ${c.bcLines} lines, ${c.orderCouplings}/${c.lineCouplings} coupled`,
    met:
      c.bcOrders === preset.orders &&
      c.distinctBcOrders === preset.orders &&
      c.bcLines === expectedLines &&
      c.orderCouplings === preset.orders &&
      c.lineCouplings === expectedLines,
  });
  const apps = `${BC_PRINCIPALS} BC app registrations`;
  return {
    workload: `Sales orders Dataverse → BC (${preset.linesPerOrder} lines each), submitted orders created`,
    preset,
    strategies: {
      "record-by-record": rbr,
      bcsync: engine,
      ceiling: top,
      bcsyncPrincipals: several,
      ceilingPrincipals: topSeveral,
    },
    ratios: {
      bcsyncToRecordByRecord: round(speedup),
      bcsyncShareOfCeiling: round(share, 3),
      bcsyncPrincipalsToRecordByRecord: round(speedupSeveral),
      bcsyncPrincipalsShareOfCeiling: round(shareSeveral, 3),
    },
    targets: [
      { name: "bcsync vs record-by-record", target: "≥ 25×", measured: `${round(speedup, 1)}×`, met: speedup >= 25 },
      { name: "share of the ceiling", target: "≥ 80%", measured: `${round(share * 100, 1)}%`, met: share >= 0.8 },
      once("every order and line created once in BC, coupled", engine.check),
      {
        name: `bcsync with ${apps} vs record-by-record`,
        target: "≥ 25×",
        measured: `${round(speedupSeveral, 1)}×`,
        met: speedupSeveral >= 25,
      },
      {
        name: `share of the ceiling with ${apps}`,
        target: "≥ 80%",
        measured: `${round(shareSeveral * 100, 1)}%`,
        met: shareSeveral >= 0.8,
      },
      once(`with ${apps}: every order and line created once in BC, coupled`, several.check),
    ],
  };
}

/** The short table people read; the JSON holds the rest. */
export function ordersTable(result: OrdersResult): string {
  const s = result.strategies;
  return strategyTable({
    title: `${result.workload} (${result.preset.name})`,
    unit: "orders",
    measured: [
      ["record-by-record", s["record-by-record"]],
      ["bcsync", s.bcsync],
      [`bcsync, ${BC_PRINCIPALS} BC apps`, s.bcsyncPrincipals],
    ],
    ceiling: s.ceiling,
    moreCeilings: [[`ceiling, ${BC_PRINCIPALS} BC apps`, s.ceilingPrincipals]],
    note: `ceiling: the header and ${result.preset.linesPerOrder} line POSTs of an order in $batch requests, ${s["record-by-record"].bcRowsWrittenPerOrder} BC rows written an order (record-by-record's); bcsync wrote ${s.bcsync.bcRowsWrittenPerOrder} (it also releases the order), waited ${Math.round(s.bcsync.throttledMs.businessCentral / 1000)} s for BC's 5 slots (summed; ${Math.round(s.bcsyncPrincipals.throttledMs.businessCentral / 1000)} s for ${BC_PRINCIPALS * 5} with ${BC_PRINCIPALS} apps); requests an order (emulators' tally) DV ${s.bcsync.requestsPerOrder.dataverse.requests}, BC ${s.bcsync.requestsPerOrder.businessCentral.requests}`,
    targets: result.targets,
  });
}
