// Shared by the order scenario tests: emulators with the masters orders need coupled (the full synchronization
// review's "sync all"), and the steps a Sales user or a BC user takes on orders. Sales users act through
// impersonation, so their changes are not the integration user's own.
import { vi } from "vitest";
import { DEMO_SALES_USER_ID } from "../../emulators/identity/demo-apps.ts";
import { main } from "../../src/cli/main.ts";
import { COMPANION_API, type Row } from "../../src/connectors/index.ts";
import { coupleDemoSalespeople } from "../../src/integration/demo.ts";
import { SALES_ORDER_STATE } from "../../src/integration/flows/index.ts";
import { integrationJobHandlers } from "../../src/integration/job-handlers.ts";
import { syncAll } from "../../src/integration/review.ts";
import type { IntegrationSettingsInput } from "../../src/integration/settings.ts";
import { runQueueEntry } from "../../src/jobs/scheduler.ts";
import { dvRows, type Harness, startIntegration } from "./helpers.ts";

export const asUser = { impersonate: { callerId: DEMO_SALES_USER_ID } };

export interface Fixtures {
  /** A coupled account whose BC customer has a salesperson coupled to a Sales user. */
  accountId: string;
  salespersonUserId: string;
  items: { productId: string; itemId: string }[];
  resource: { productId: string; number: string };
}

export async function startOrders(integration: IntegrationSettingsInput): Promise<{ h: Harness; f: Fixtures }> {
  const h = await startIntegration(integration);
  await coupleDemoSalespeople(h.ctx);
  // The full synchronization review's "sync all" (S18) couples the masters orders need.
  await syncAll(h.ctx);
  const bc = h.ctx.businessCentral.company(h.ctx.companyId);
  const read = async (set: string, companion = false) => {
    const rows: Row[] = [];
    const scope = companion ? h.ctx.businessCentral.company(h.ctx.companyId, COMPANION_API) : bc;
    for await (const p of scope.pages(set, {})) {
      if (!p.ok) throw p.error;
      rows.push(...p.value.rows);
    }
    return rows;
  };
  const salespeople = new Map((await read("salespeoplePurchasers")).map((s) => [s.code, String(s.id).toLowerCase()]));
  let fixtures: Partial<Fixtures> = {};
  for (const c of await read("customers")) {
    const coupling = await h.ctx.store.couplings.getByBcId("CUSTOMER", String(c.id).toLowerCase());
    const person = salespeople.get(c.salespersonCode);
    const user = person ? await h.ctx.store.couplings.getByBcId("SALESPEOPLE", person) : undefined;
    if (coupling && user && c.blocked !== "All" && c.blocked !== "Ship" && c.blocked !== "Invoice") {
      fixtures = { accountId: coupling.dataverseId, salespersonUserId: user.dataverseId };
      break;
    }
  }
  const items: Fixtures["items"] = [];
  for (const i of await read("items")) {
    if (i.type !== "Inventory" || i.blocked === true) continue;
    const c = await h.ctx.store.couplings.getByBcId("ITEM-PRODUCT", String(i.id).toLowerCase());
    if (c) items.push({ productId: c.dataverseId, itemId: c.bcId });
  }
  let resource: Fixtures["resource"] | undefined;
  for (const r of await read("resources", true)) {
    const c = await h.ctx.store.couplings.getByBcId("RESOURCE-PRODUCT", String(r.id).toLowerCase());
    if (c && r.blocked !== true) {
      resource = { productId: c.dataverseId, number: String(r.number) };
      break;
    }
  }
  if (!fixtures.accountId || items.length < 3 || !resource) throw new Error("demo data lacks coupled masters");
  return { h, f: { ...(fixtures as Fixtures), items, resource } };
}

export type LineSpec = { product: string; quantity: number; price: number } | { writeIn: string };
let orderCounter = 0;

/** A Sales user enters an order with lines; returns its id. */
export async function enterSalesOrder(h: Harness, f: Fixtures, lines: LineSpec[], extra: Row = {}): Promise<string> {
  orderCounter++;
  const created = await h.ctx.dataverse.create(
    "salesorders",
    {
      name: `Order ${orderCounter}`,
      ordernumber: `ORD-T${1000 + orderCounter}`,
      "customerid_account@odata.bind": `/accounts(${f.accountId})`,
      ...extra,
    },
    asUser,
  );
  if (!created.ok) throw created.error;
  const id = String(created.value.id).toLowerCase();
  for (const [i, l] of lines.entries()) await addLine(h, id, l, i + 1);
  return id;
}

export async function addLine(h: Harness, orderId: string, l: LineSpec, sequence: number): Promise<string> {
  const body: Row =
    "writeIn" in l
      ? { isproductoverridden: true, productdescription: l.writeIn, quantity: 1, priceperunit: 0 }
      : { "productid@odata.bind": `/products(${l.product})`, quantity: l.quantity, priceperunit: l.price };
  const created = await h.ctx.dataverse.create(
    "salesorderdetails",
    { ...body, sequencenumber: sequence, "salesorderid@odata.bind": `/salesorders(${orderId})` },
    asUser,
  );
  if (!created.ok) throw created.error;
  return String(created.value.id).toLowerCase();
}

export async function setSalesState(h: Harness, orderId: string, statecode: number, statuscode: number) {
  const r = await h.ctx.dataverse.update("salesorders", orderId, { statecode, statuscode }, asUser);
  if (!r.ok) throw r.error;
}
export const submit = (h: Harness, id: string) => setSalesState(h, id, SALES_ORDER_STATE.submitted, 3);
export const reopenInSales = (h: Harness, id: string) => setSalesState(h, id, SALES_ORDER_STATE.active, 1);

export async function salesOrder(h: Harness, id: string): Promise<Row> {
  const r = await h.ctx.dataverse.retrieve("salesorders", id);
  if (!r.ok || !r.value) throw new Error(`sales order ${id} missing`);
  return r.value;
}
export const details = (h: Harness, id: string) => dvRows(h.ctx, "salesorderdetails", `_salesorderid_value eq ${id}`);

export const companion = (h: Harness) => h.ctx.businessCentral.company(h.ctx.companyId, COMPANION_API);
export const v2 = (h: Harness) => h.ctx.businessCentral.company(h.ctx.companyId);

export async function bcOrder(h: Harness, id: string): Promise<Row | undefined> {
  const r = await companion(h).get("salesOrders", id);
  if (!r.ok) throw r.error;
  return r.value;
}
export async function bcLines(h: Harness, orderId: string): Promise<Row[]> {
  const rows: Row[] = [];
  for await (const p of v2(h).pages("salesOrderLines", { filter: `documentId eq ${orderId}` })) {
    if (!p.ok) throw p.error;
    rows.push(...p.value.rows);
  }
  return rows.sort((a, b) => Number(a.sequence) - Number(b.sequence));
}
export async function countBcOrders(h: Harness): Promise<number> {
  let n = 0;
  for await (const p of v2(h).pages("salesOrders", {})) {
    if (!p.ok) throw p.error;
    n += p.value.rows.length;
  }
  return n;
}
export async function archives(h: Harness, orderId: string): Promise<Row[]> {
  const rows: Row[] = [];
  for await (const p of companion(h).pages("salesOrderArchives", { filter: `orderId eq ${orderId}` })) {
    if (!p.ok) throw p.error;
    rows.push(...p.value.rows);
  }
  return rows;
}
export const coupledBcOrder = async (h: Harness, salesOrderId: string) =>
  (await h.ctx.store.couplings.getByDataverseId("SALESORDER-ORDER", salesOrderId))?.bcId;

/** Runs the job queue entry of a kind (or of a mapping) through the integration's real handlers. */
/**
 * Runs a job queue entry's handler as the scheduler does; `failed` is set when the run ended as a failure (records
 * that failed make the whole run a failed one in the job queue: issue 10.12).
 */
export async function runJob(
  h: Harness,
  kind: string,
  mappingName?: string,
): Promise<{ idle: boolean; failed?: string }> {
  const entry = (await h.ctx.store.queue.list()).find(
    (e) => e.kind === kind && (mappingName === undefined || e.mappingName === mappingName),
  );
  if (!entry) throw new Error(`no job queue entry ${kind} ${mappingName ?? ""}`);
  const outcome = await runQueueEntry(integrationJobHandlers(h.ctx), entry, new AbortController().signal);
  return outcome.kind === "failed" ? { idle: false, failed: outcome.error } : { idle: outcome.idle };
}

export async function bcsync(...args: string[]): Promise<{ code: number; out: string }> {
  let out = "";
  const o = vi.spyOn(process.stdout, "write").mockImplementation((chunk: string | Uint8Array) => {
    out += String(chunk);
    return true;
  });
  const e = vi.spyOn(process.stderr, "write").mockImplementation(() => true);
  try {
    const code = await main(args);
    return { code: code || Number(process.exitCode ?? 0), out };
  } finally {
    o.mockRestore();
    e.mockRestore();
    process.exitCode = 0;
  }
}
