// `bcsync sync SALESORDER-ORDER` and a full sync of it (what the review's "sync all" runs per line) with bidirectional sales orders (S8) run the order
// flow, as the job queue does: a submitted Sales order becomes a released BC order, and a resubmitted one is
// reopened, updated and released again, without the engine's Sales → BC pass PATCHing a released BC order.
import { afterAll, beforeAll, describe, expect, it, vi } from "vitest";
import { DEMO_SALES_USER_ID } from "../../emulators/identity/demo-apps.ts";
import { main } from "../../src/cli/main.ts";
import { COMPANION_API, type Row } from "../../src/connectors/index.ts";
import { coupleDemoSalespeople } from "../../src/integration/demo.ts";
import { SALES_ORDER_STATE } from "../../src/integration/flows/index.ts";
import { syncAll } from "../../src/integration/review.ts";
import { syncMappings } from "../../src/integration/sync.ts";
import { bcRows, dvRows, type Harness, startIntegration } from "./helpers.ts";

const asUser = { impersonate: { callerId: DEMO_SALES_USER_ID } };

async function bcsync(...args: string[]): Promise<{ code: number; out: string }> {
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

describe("S8 bidirectional sales orders through `bcsync sync` and the review", () => {
  let h: Harness;
  let accountId: string;
  const items: { productId: string; itemId: string }[] = [];
  let order: string;
  let bcId: string;

  beforeAll(async () => {
    h = await startIntegration({ bidirectionalSalesOrders: true });
    await coupleDemoSalespeople(h.ctx);
    await syncAll(h.ctx);
    for (const c of await bcRows(h.ctx, "customers")) {
      const coupling = await h.ctx.store.couplings.getByBcId("CUSTOMER", String(c.id).toLowerCase());
      if (coupling && c.blocked !== "All" && c.blocked !== "Ship" && c.blocked !== "Invoice") {
        accountId = coupling.dataverseId;
        break;
      }
    }
    for (const i of await bcRows(h.ctx, "items")) {
      if (i.type !== "Inventory" || i.blocked === true) continue;
      const c = await h.ctx.store.couplings.getByBcId("ITEM-PRODUCT", String(i.id).toLowerCase());
      if (c) items.push({ productId: c.dataverseId, itemId: c.bcId });
    }
    if (!accountId || items.length < 2) throw new Error("demo data lacks coupled masters");
  }, 120_000);
  afterAll(async () => h?.close());

  const bcOrder = async (id: string): Promise<Row | undefined> => {
    const r = await h.ctx.businessCentral.company(h.ctx.companyId, COMPANION_API).get("salesOrders", id);
    if (!r.ok) throw r.error;
    return r.value;
  };
  const bcLineQuantities = async (id: string): Promise<number[]> => {
    const rows: Row[] = [];
    for await (const p of h.ctx.businessCentral
      .company(h.ctx.companyId)
      .pages("salesOrderLines", { filter: `documentId eq ${id}` })) {
      if (!p.ok) throw p.error;
      rows.push(...p.value.rows);
    }
    return rows.sort((a, b) => Number(a.sequence) - Number(b.sequence)).map((l) => Number(l.quantity));
  };
  const setState = async (id: string, statecode: number, statuscode: number) => {
    const r = await h.ctx.dataverse.update("salesorders", id, { statecode, statuscode }, asUser);
    if (!r.ok) throw r.error;
  };
  const orderErrors = async () =>
    (await h.ctx.store.jobs.errors({ mappingName: "SALESORDER-ORDER" })).filter((e) => e.sourceId === order);

  it("`bcsync sync SALESORDER-ORDER` creates and releases the BC order of a submitted Sales order", async () => {
    const created = await h.ctx.dataverse.create(
      "salesorders",
      { name: "CLI order", ordernumber: "ORD-CLI1", "customerid_account@odata.bind": `/accounts(${accountId})` },
      asUser,
    );
    if (!created.ok) throw created.error;
    order = String(created.value.id).toLowerCase();
    for (const [i, item] of items.slice(0, 2).entries()) {
      const line = await h.ctx.dataverse.create(
        "salesorderdetails",
        {
          "salesorderid@odata.bind": `/salesorders(${order})`,
          "productid@odata.bind": `/products(${item.productId})`,
          quantity: i + 2,
          priceperunit: 40,
          sequencenumber: i + 1,
        },
        asUser,
      );
      if (!line.ok) throw line.error;
    }
    await setState(order, SALES_ORDER_STATE.submitted, 3);

    const run = await bcsync("sync", "SALESORDER-ORDER", "--json", "--config", h.configPath);
    expect(run.code).toBe(0);
    const rows = run.out
      .trim()
      .split("\n")
      .map((l) => JSON.parse(l) as Row);
    expect(rows.map((r) => r.mapping)).toContain("SALESORDER-ORDER");
    expect(rows.filter((r) => r.status !== "ok")).toEqual([]);
    const header = rows.find((r) => r.mapping === "SALESORDER-ORDER");
    expect(header?.inserted).toBe(1); // the flow's Sales → BC creation

    bcId = (await h.ctx.store.couplings.getByDataverseId("SALESORDER-ORDER", order))?.bcId as string;
    expect(bcId).toBeDefined();
    expect((await bcOrder(bcId))?.status).toBe("Released");
    expect(await bcLineQuantities(bcId)).toEqual([2, 3]);
    expect(await orderErrors()).toEqual([]);

    // A second command run over the released, coupled order writes nothing to BC and fails nothing.
    const again = await bcsync("sync", "SALESORDER-ORDER", "--json", "--config", h.configPath);
    expect(again.code).toBe(0);
    expect(
      again.out
        .trim()
        .split("\n")
        .map((l) => JSON.parse(l) as Row)
        .filter((r) => r.failed !== 0 || r.status !== "ok"),
    ).toEqual([]);
    expect((await bcOrder(bcId))?.status).toBe("Released");
  });

  // The review's "sync all" runs each line as a full sync of its mapping through syncMappings (review.ts).
  it("a full sync of SALESORDER-ORDER, as the review's sync all runs a line, takes a resubmitted order to BC", async () => {
    await setState(order, SALES_ORDER_STATE.active, 1);
    const lines = await dvRows(h.ctx, "salesorderdetails", `_salesorderid_value eq ${order}`);
    const first = lines.sort((a, b) => Number(a.sequencenumber) - Number(b.sequencenumber))[0];
    const changed = await h.ctx.dataverse.update(
      "salesorderdetails",
      String(first.salesorderdetailid),
      { quantity: 9 },
      asUser,
    );
    if (!changed.ok) throw changed.error;
    await setState(order, SALES_ORDER_STATE.submitted, 3);

    const [header] = await syncMappings(h.ctx, { names: ["SALESORDER-ORDER"], full: true });
    expect(header.mapping).toBe("SALESORDER-ORDER");
    expect(header.error).toBeUndefined();
    const from = header.passes.find((p) => p.direction === "fromDataverse");
    expect(from?.status).toBe("succeeded");
    expect(from?.counters.modified).toBe(1);
    expect(header.passes.every((p) => p.counters.failed === 0)).toBe(true);
    expect((await bcOrder(bcId))?.status).toBe("Released");
    expect(await bcLineQuantities(bcId)).toEqual([9, 3]);
    expect(await orderErrors()).toEqual([]);
  });
});
