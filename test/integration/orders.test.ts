// The sales order and quote flows against both emulators over real HTTP (seed S7–S10, S14's order rule):
// legacy mode (Sales → BC, the submitted list, auto-create, order status), bidirectional mode (release, BC edits
// back to Sales with an archive version, reopen/fix/resubmit, posting → invoiced), and quotes → BC quote → order.
// Sales users act through impersonation, so their changes are not the integration user's own.
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { Row } from "../../src/connectors/index.ts";
import { SALES_ORDER_STATE } from "../../src/integration/flows/index.ts";
import { integrationJobHandlers } from "../../src/integration/job-handlers.ts";
import { JOB_KINDS } from "../../src/integration/jobs.ts";
import { runQueueEntry } from "../../src/jobs/scheduler.ts";
import { dvRows, type Harness } from "./helpers.ts";
import {
  addLine,
  archives,
  asUser,
  bcLines,
  bcOrder,
  bcsync,
  companion,
  countBcOrders,
  coupledBcOrder,
  details,
  enterSalesOrder,
  type Fixtures,
  reopenInSales,
  runJob,
  salesOrder,
  startOrders,
  submit,
  v2,
} from "./orders-helpers.ts";

describe("S9/S10 legacy sales order integration (Sales → BC)", () => {
  let h: Harness;
  let f: Fixtures;
  let legacyOrder: string;

  beforeAll(async () => {
    ({ h, f } = await startOrders({ legacySalesOrders: true, sales: { autoCreateSalesOrders: true } }));
  }, 120_000);
  afterAll(async () => h?.close());

  it("S9: a submitted Sales order becomes a released BC order with its lines, write-in text and the salesperson's owner", async () => {
    legacyOrder = await enterSalesOrder(
      h,
      f,
      [
        { product: f.items[0].productId, quantity: 3, price: 120 },
        { product: f.resource.productId, quantity: 2, price: 80 },
        { writeIn: "Gift wrapping" },
      ],
      { discountamount: 20, description: "Deliver before noon" },
    );
    const draft = await enterSalesOrder(h, f, [{ product: f.items[1].productId, quantity: 1, price: 10 }]);
    const note = await h.ctx.dataverse.create(
      "annotations",
      {
        subject: "Delivery",
        notetext: "<div>Ring the bell</div><div>Gate code 4711</div>",
        isdocument: false,
        "objectid_salesorder@odata.bind": `/salesorders(${legacyOrder})`,
      },
      asUser,
    );
    if (!note.ok) throw note.error;
    await submit(h, legacyOrder);

    const job = await runJob(h, JOB_KINDS.autoCreateSalesOrders);
    expect(job.idle).toBe(false);
    const bcId = await coupledBcOrder(h, legacyOrder);
    expect(bcId).toBeDefined();
    expect(await coupledBcOrder(h, draft)).toBeUndefined(); // never submitted: not taken
    const order = await bcOrder(h, bcId as string);
    expect(order?.status).toBe("Released");
    expect(order?.yourReference).toBe((await salesOrder(h, legacyOrder)).ordernumber);
    expect(order?.workDescription).toBe("Deliver before noon");
    expect(Number(order?.invoiceDiscountAmount)).toBe(20);
    const lines = await bcLines(h, bcId as string);
    expect(lines.map((l) => [l.lineType, Number(l.quantity), Number(l.unitPrice)])).toEqual([
      ["Item", 3, 120],
      ["Resource", 2, 80],
      ["Comment", 0, 0],
    ]);
    expect(String(lines[0].itemId).toLowerCase()).toBe(f.items[0].itemId);
    expect(lines[1].lineObjectNumber).toBe(f.resource.number);
    expect(lines[2].description).toBe("Gift wrapping");
    const notes: Row[] = [];
    for await (const p of companion(h).pages("salesOrderNotes", { filter: `orderId eq ${bcId}` })) {
      if (!p.ok) throw p.error;
      notes.push(...p.value.rows);
    }
    expect(notes.map((n) => [n.description, n.note])).toEqual([["Delivery", "Ring the bell\nGate code 4711"]]);

    // The Sales order stays Submitted and is marked as sent; BC → Sales brings the owner from the salesperson.
    await runJob(h, JOB_KINDS.mapping, "SALESORDER-ORDER");
    const after = await salesOrder(h, legacyOrder);
    expect(after.statecode).toBe(SALES_ORDER_STATE.submitted);
    expect(after.lastbackofficesubmit).toBeTruthy();
    expect(String(after._ownerid_value).toLowerCase()).toBe(f.salespersonUserId);
    // The lines created from Sales are coupled: BC → Sales updates them instead of adding copies.
    expect((await details(h, legacyOrder)).length).toBe(3);
    // The imported note is coupled: the notes sync does not copy it back.
    expect(await dvRows(h.ctx, "annotations", `_objectid_value eq ${legacyOrder}`)).toHaveLength(1);
    // A second run finds nothing new.
    expect((await runJob(h, JOB_KINDS.autoCreateSalesOrders)).idle).toBe(true);
  });

  it("S9: an order with an uncoupled product goes to the sync log with its fix and stays Submitted", async () => {
    const product = await h.ctx.dataverse.create("products", {
      name: "Not in Business Central",
      productnumber: "NOT-IN-BC",
    });
    if (!product.ok) throw product.error;
    const bad = await enterSalesOrder(h, f, [
      { product: f.items[0].productId, quantity: 1, price: 5 },
      { product: String(product.value.id), quantity: 1, price: 5 },
    ]);
    await submit(h, bad);
    const countBefore = await countBcOrders(h);
    const job = await runJob(h, JOB_KINDS.autoCreateSalesOrders);
    // The job queue shows the run as failed, never "succeeded", and points to the errors.
    expect(job.failed).toMatch(/1 record\(s\) failed .*npx bcsync errors/);
    expect(await coupledBcOrder(h, bad)).toBeUndefined();
    expect((await salesOrder(h, bad)).statecode).toBe(SALES_ORDER_STATE.submitted);
    const errors = await h.ctx.store.jobs.errors({ mappingName: "SALESORDER-ORDER" });
    const error = errors.find((e) => e.sourceId === bad);
    expect(error?.code).toBe("BCSYNC_E_INTEGRATION_ORDER_PRODUCT_NOT_COUPLED");
    expect(error?.message).toContain(String(product.value.id).toLowerCase());
    expect(error?.detail).toMatch(/ITEM-PRODUCT/);
    // Nothing was left half-made in BC.
    expect(await countBcOrders(h)).toBe(countBefore);
    // The user takes the order back to fix it later; the next runs are clean again.
    await reopenInSales(h, bad);
  });

  it("S10: `bcsync orders submitted --json` lists every submitted Sales order with its BC order number", async () => {
    const waiting = await enterSalesOrder(h, f, [{ product: f.items[2].productId, quantity: 4, price: 15 }]);
    await submit(h, waiting);
    const listed = await bcsync("orders", "submitted", "--json", "--config", h.configPath);
    expect(listed.code).toBe(0);
    const { orders } = JSON.parse(listed.out) as { orders: Row[] };
    const submitted = await dvRows(h.ctx, "salesorders", `statecode eq ${SALES_ORDER_STATE.submitted}`);
    expect(orders.map((o) => o.salesOrderId).sort()).toEqual(submitted.map((o) => String(o.salesorderid)).sort());
    const sent = orders.find((o) => o.salesOrderId === legacyOrder);
    expect(sent?.bcOrderNumber).toBe((await bcOrder(h, (await coupledBcOrder(h, legacyOrder)) as string))?.number);
    expect(orders.find((o) => o.salesOrderId === waiting)?.bcOrderNumber).toBeNull();

    // "Create in Business Central" by hand.
    const created = await bcsync("orders", "create", waiting, "--json", "--config", h.configPath);
    expect(created.code).toBe(0);
    const result = JSON.parse(created.out) as Row;
    expect(result.bcOrderNumber).toBeTruthy();
    expect(result.bcOrderId).toBe(await coupledBcOrder(h, waiting));
  });

  it("S9: a Sales line in another unit of the product's unit group arrives in BC in that unit", async () => {
    let unit: { uomId: string; code: string; itemId: string } | undefined;
    for await (const p of companion(h).pages("itemUnitsOfMeasure", {})) {
      if (!p.ok) throw p.error;
      for (const u of p.value.rows) {
        const c = await h.ctx.store.couplings.getByBcId("ITEM UOM", String(u.id).toLowerCase());
        if (c && Number(u.qtyPerUnitOfMeasure) !== 1 && !unit)
          unit = { uomId: c.dataverseId, code: String(u.code), itemId: String(u.itemId).toLowerCase() };
      }
    }
    if (!unit) throw new Error("demo data has no coupled non-base unit");
    const product = (await h.ctx.store.couplings.getByBcId("ITEM-PRODUCT", unit.itemId))?.dataverseId as string;
    const boxed = await enterSalesOrder(h, f, []);
    const line = await h.ctx.dataverse.create(
      "salesorderdetails",
      {
        "salesorderid@odata.bind": `/salesorders(${boxed})`,
        "productid@odata.bind": `/products(${product})`,
        "uomid@odata.bind": `/uoms(${unit.uomId})`,
        quantity: 2,
        priceperunit: 100,
      },
      asUser,
    );
    if (!line.ok) throw line.error;
    await submit(h, boxed);
    await runJob(h, JOB_KINDS.autoCreateSalesOrders);
    const [bcLine] = await bcLines(h, (await coupledBcOrder(h, boxed)) as string);
    expect(bcLine.unitOfMeasureCode).toBe(unit.code);
    expect(Number(bcLine.quantity)).toBe(2);
  });

  it("S9: posting the BC order (ship and invoice) makes the Sales order Invoiced through the order status job", async () => {
    const bcId = (await coupledBcOrder(h, legacyOrder)) as string;
    const posted = await v2(h).action("salesOrders", bcId, "shipAndInvoice");
    if (!posted.ok) throw posted.error;
    expect(await bcOrder(h, bcId)).toBeUndefined(); // fully invoiced: BC deleted it
    await runJob(h, JOB_KINDS.salesOrderStatus);
    expect((await salesOrder(h, legacyOrder)).statecode).toBe(SALES_ORDER_STATE.invoiced);
    expect(await coupledBcOrder(h, legacyOrder)).toBeUndefined();
  });
  it("S9: shipping first makes the Sales order Fulfilled, invoicing later Invoiced; a BC order deleted unposted sends it back to Active", async () => {
    const shipFirst = await enterSalesOrder(h, f, [{ product: f.items[1].productId, quantity: 2, price: 25 }]);
    const deleted = await enterSalesOrder(h, f, [{ product: f.items[2].productId, quantity: 1, price: 9 }]);
    await submit(h, shipFirst);
    await submit(h, deleted);
    await runJob(h, JOB_KINDS.autoCreateSalesOrders);
    const shipId = (await coupledBcOrder(h, shipFirst)) as string;
    const deleteId = (await coupledBcOrder(h, deleted)) as string;

    // Ship only: BC's "Qty. to Invoice" 0 on an order reopened for it.
    const reopened = await companion(h).action("salesOrders", shipId, "reopen");
    if (!reopened.ok) throw reopened.error;
    for (const l of await bcLines(h, shipId)) {
      const r = await v2(h).update("salesOrderLines", String(l.id), { invoiceQuantity: 0 }, "*");
      if (!r.ok) throw r.error;
    }
    const shipped = await v2(h).action("salesOrders", shipId, "shipAndInvoice");
    if (!shipped.ok) throw shipped.error;
    const removed = await v2(h).delete("salesOrders", deleteId, "*");
    if (!removed.ok) throw removed.error;

    await runJob(h, JOB_KINDS.salesOrderStatus);
    expect((await salesOrder(h, shipFirst)).statecode).toBe(SALES_ORDER_STATE.fulfilled);
    const reset = await salesOrder(h, deleted);
    expect(reset.statecode).toBe(SALES_ORDER_STATE.active);
    expect(reset.lastbackofficesubmit ?? null).toBeNull();
    expect(await coupledBcOrder(h, deleted)).toBeUndefined();

    const invoiced = await v2(h).action("salesOrders", shipId, "shipAndInvoice");
    if (!invoiced.ok) throw invoiced.error;
    await runJob(h, JOB_KINDS.salesOrderStatus);
    expect((await salesOrder(h, shipFirst)).statecode).toBe(SALES_ORDER_STATE.invoiced);
  });
});

describe("S8 bidirectional sales orders", () => {
  let h: Harness;
  let f: Fixtures;
  let order: string;
  let bcId: string;
  const syncOrders = () => runJob(h, JOB_KINDS.mapping, "SALESORDER-ORDER");

  beforeAll(async () => {
    ({ h, f } = await startOrders({ bidirectionalSalesOrders: true }));
  }, 120_000);
  afterAll(async () => h?.close());

  it("S8: a Sales order set to Submitted arrives in BC as Released and Sales gets the BC order number", async () => {
    order = await enterSalesOrder(h, f, [
      { product: f.items[0].productId, quantity: 2, price: 50 },
      { product: f.items[1].productId, quantity: 1, price: 30 },
    ]);
    await syncOrders();
    expect(await coupledBcOrder(h, order)).toBeUndefined(); // Active orders do not take part
    await submit(h, order);
    const rowsBefore = h.emulators.businessCentral.tally.rowsWritten;
    await syncOrders();
    // BC rows written: the header with its integration fields (one insert through the companion page, not an insert
    // and a PATCH), each line (the line and its header's totals), and the release.
    expect(h.emulators.businessCentral.tally.rowsWritten - rowsBefore).toBe(1 + 2 * 2 + 1);
    bcId = (await coupledBcOrder(h, order)) as string;
    const bc = await bcOrder(h, bcId);
    expect(bc?.status).toBe("Released");
    expect(bc?.yourReference).toBe((await salesOrder(h, order)).ordernumber);
    expect((await salesOrder(h, order)).bcbi_businesscentralordernumber).toBe(bc?.number);
    expect((await bcLines(h, bcId)).map((l) => Number(l.quantity))).toEqual([2, 1]);
    // The next run brings BC's header to Sales (owner from the salesperson, S14) without a conflict.
    await syncOrders();
    const [headerPass] = (await h.ctx.store.jobs.list({ mappingName: "SALESORDER-ORDER" })).filter(
      (j) => j.direction === "toDataverse" && j.type === "synchronization" && j.inserted + j.modified + j.failed > 0,
    );
    expect(headerPass?.failed).toBe(0);
    expect(String((await salesOrder(h, order))._ownerid_value).toLowerCase()).toBe(f.salespersonUserId);
  });

  it("a run killed between creating the BC order and coupling it leaves no second BC order for that Sales order", async () => {
    const interrupted = await enterSalesOrder(h, f, [{ product: f.items[0].productId, quantity: 3, price: 10 }]);
    await submit(h, interrupted);
    await syncOrders();
    const left = (await coupledBcOrder(h, interrupted)) as string;
    const orders = await countBcOrders(h);
    // What a SIGKILL after the create and before the coupling leaves (several orders are created at once): the BC
    // order under the id its write intent recorded, the intent, and no coupling.
    await h.ctx.store.pendingWrites.record([
      {
        mappingName: "SALESORDER-ORDER order creations",
        direction: "fromDataverse",
        sourceId: interrupted,
        targetKey: left,
        payloadHash: null,
      },
    ]);
    await h.ctx.store.couplings.uncoupleByDataverseId("SALESORDER-ORDER", interrupted);
    await syncOrders();
    // The unfinished order was removed and created again under the same id: one BC order, coupled, with its line.
    expect(await countBcOrders(h)).toBe(orders);
    expect(await coupledBcOrder(h, interrupted)).toBe(left);
    expect((await bcOrder(h, left))?.status).toBe("Released");
    expect((await bcLines(h, left)).map((l) => Number(l.quantity))).toEqual([3]);
    expect(await h.ctx.store.pendingWrites.list("SALESORDER-ORDER order creations", "fromDataverse")).toEqual([]);
  });

  it("orders created together share their requests, yet one Business Central refuses fails alone, with its fix", async () => {
    const blocked = f.items[2];
    const good = [
      await enterSalesOrder(h, f, [{ product: f.items[0].productId, quantity: 1, price: 10 }]),
      await enterSalesOrder(h, f, [{ product: f.items[1].productId, quantity: 2, price: 20 }]),
    ];
    const bad = await enterSalesOrder(h, f, [
      { product: f.items[0].productId, quantity: 1, price: 10 },
      { product: blocked.productId, quantity: 1, price: 10 },
    ]);
    for (const id of [good[0], bad, good[1]]) await submit(h, id);
    const before = await countBcOrders(h);
    // BC refuses a line of a blocked item: the bad order's line fails inside the $batch it shares with the others.
    const blockedItem = await v2(h).update("items", blocked.itemId, { blocked: true }, "*");
    if (!blockedItem.ok) throw blockedItem.error;
    const run = await syncOrders().catch((error: unknown) => error);
    const unblocked = await v2(h).update("items", blocked.itemId, { blocked: false }, "*");
    if (!unblocked.ok) throw unblocked.error;
    if (run instanceof Error) throw run;
    for (const id of good) {
      const bcId = (await coupledBcOrder(h, id)) as string;
      expect((await bcOrder(h, bcId))?.status).toBe("Released");
      expect((await salesOrder(h, id)).bcbi_businesscentralordernumber).toBe((await bcOrder(h, bcId))?.number);
      expect(await bcLines(h, bcId)).toHaveLength(1);
    }
    // The refused order left nothing in BC, stays Submitted and is in the sync log with BC's reason and the fix.
    expect(await coupledBcOrder(h, bad)).toBeUndefined();
    expect(await countBcOrders(h)).toBe(before + 2);
    expect((await salesOrder(h, bad)).statecode).toBe(SALES_ORDER_STATE.submitted);
    const errors = await h.ctx.store.jobs.errors({ mappingName: "SALESORDER-ORDER" });
    const error = errors.find((e) => e.sourceId === bad);
    expect(error?.code).toBe("BCSYNC_E_INTEGRATION_ORDER_BC_WRITE_FAILED");
    expect(error?.message).toMatch(/insert lines.*is blocked/);
    expect(error?.message).toContain(String((await salesOrder(h, bad)).ordernumber));
    expect(error?.detail).toMatch(/reopen the Sales order/);
    expect(errors.filter((e) => good.includes(String(e.sourceId)))).toEqual([]);
    await reopenInSales(h, bad);
  });

  it("issue 10 point 12 (S11): a BC note on a coupled order reaches Sales through the notes job, bound by objectid_salesorder", async () => {
    const note = await companion(h).create("salesOrderNotes", {
      orderId: bcId,
      description: "Delivery",
      note: "Deliver to the back door",
    });
    if (!note.ok) throw note.error;
    const entry = (await h.ctx.store.queue.list()).find((e) => e.mappingName === "SALESORDER-NOTES");
    if (!entry) throw new Error("no SALESORDER-NOTES job");
    const outcome = await runQueueEntry(integrationJobHandlers(h.ctx), entry, new AbortController().signal);
    expect(outcome).toEqual({ kind: "succeeded", idle: false });
    const notes = await dvRows(h.ctx, "annotations", `_objectid_value eq ${order}`);
    expect(notes.map((n) => [n.subject, n.notetext, n.isdocument])).toEqual([
      ["Delivery", "Deliver to the back door", false],
    ]);
    const [job] = await h.ctx.store.jobs.list({ mappingName: "SALESORDER-NOTES", limit: 1 });
    expect([job.status, job.inserted, job.failed]).toEqual(["succeeded", 1, 0]);
    // Nothing changed: the next run is idle and the job rests.
    expect(await runQueueEntry(integrationJobHandlers(h.ctx), entry, new AbortController().signal)).toEqual({
      kind: "succeeded",
      idle: true,
    });
  });

  it("S8: an edit in BC after release (reopen, new price, release) writes an archive version and reaches Sales", async () => {
    const versionsBefore = (await archives(h, bcId)).length;
    const reopened = await companion(h).action("salesOrders", bcId, "reopen");
    if (!reopened.ok) throw reopened.error;
    const [first] = await bcLines(h, bcId);
    const changed = await v2(h).update("salesOrderLines", String(first.id), { unitPrice: 65 }, "*");
    if (!changed.ok) throw changed.error;
    const released = await companion(h).action("salesOrders", bcId, "release");
    if (!released.ok) throw released.error;
    const versions = await archives(h, bcId);
    expect(versions.length).toBe(versionsBefore + 1);
    expect(versions.at(-1)?.archiveReason).toBe("Reopen");

    await syncOrders();
    const lines = await details(h, order);
    const line = lines.find((l) => Number(l.bcbi_businesscentrallinenumber) === Number(first.sequence));
    expect(Number(line?.priceperunit)).toBe(65);
    expect((await salesOrder(h, order)).statecode).toBe(SALES_ORDER_STATE.submitted);
    // Sales' update came from the integration user: BC is not reopened for it (no new archive version).
    await syncOrders();
    expect((await archives(h, bcId)).length).toBe(versionsBefore + 1);
    expect((await bcOrder(h, bcId))?.status).toBe("Released");
  });

  it("S8: on error the user reopens to Active, fixes the lines and resubmits; BC follows", async () => {
    const product = await h.ctx.dataverse.create("products", { name: "Unknown to BC", productnumber: "UNK-BC" });
    if (!product.ok) throw product.error;
    await reopenInSales(h, order);
    const bad = await addLine(h, order, { product: String(product.value.id), quantity: 1, price: 1 }, 3);
    await submit(h, order);
    const linesBefore = await bcLines(h, bcId);
    // Issue 10 point 12: a run with a failed record is a failed run for the job queue, not "succeeded".
    const entry = (await h.ctx.store.queue.list()).find((e) => e.mappingName === "SALESORDER-ORDER");
    if (!entry) throw new Error("no SALESORDER-ORDER job");
    const outcome = await runQueueEntry(integrationJobHandlers(h.ctx), entry, new AbortController().signal);
    expect(outcome.kind).toBe("failed");
    if (outcome.kind === "failed") expect(outcome.error).toContain("1 record(s) failed");
    const [flowJob] = (await h.ctx.store.jobs.list({ mappingName: "SALESORDER-ORDER", limit: 5 })).filter(
      (j) => j.direction === "fromDataverse",
    );
    expect([flowJob.status, flowJob.failed]).toEqual(["failed", 1]);
    const errors = await h.ctx.store.jobs.errors({ mappingName: "SALESORDER-ORDER" });
    expect(
      errors.some((e) => e.sourceId === order && e.code === "BCSYNC_E_INTEGRATION_ORDER_PRODUCT_NOT_COUPLED"),
    ).toBe(true);
    expect((await bcLines(h, bcId)).map((l) => l.id)).toEqual(linesBefore.map((l) => l.id)); // BC untouched
    expect((await bcOrder(h, bcId))?.status).toBe("Released");

    // The fix: back to Active, drop the bad line, change a quantity, add a line, submit again.
    await reopenInSales(h, order);
    const del = await h.ctx.dataverse.delete("salesorderdetails", bad, asUser);
    if (!del.ok) throw del.error;
    const [keep] = (await details(h, order)).sort((a, b) => Number(a.sequencenumber) - Number(b.sequencenumber));
    const upd = await h.ctx.dataverse.update(
      "salesorderdetails",
      String(keep.salesorderdetailid),
      { quantity: 7 },
      asUser,
    );
    if (!upd.ok) throw upd.error;
    await addLine(h, order, { product: f.items[2].productId, quantity: 5, price: 12 }, 4);
    const versionsBefore = (await archives(h, bcId)).length;
    await submit(h, order);
    await syncOrders();

    const bc = await bcOrder(h, bcId);
    expect(bc?.status).toBe("Released");
    const lines = await bcLines(h, bcId);
    expect(lines.map((l) => [String(l.itemId).toLowerCase(), Number(l.quantity)])).toEqual([
      [f.items[0].itemId, 7],
      [f.items[1].itemId, 1],
      [f.items[2].itemId, 5],
    ]);
    expect((await archives(h, bcId)).length).toBe(versionsBefore + 1); // BC reopened it: one archive version
    // Every Sales line is coupled to its new BC line.
    for (const d of await details(h, order)) {
      const c = await h.ctx.store.couplings.getByDataverseId("SOLINE-ORDERDETAIL", String(d.salesorderdetailid));
      expect(lines.map((l) => String(l.id).toLowerCase())).toContain(c?.bcId);
    }
  });

  it("S8: posting writes an archive entry; the archived-orders job gives Sales the final values and marks it Invoiced", async () => {
    const posted = await v2(h).action("salesOrders", bcId, "shipAndInvoice");
    if (!posted.ok) throw posted.error;
    const last = (await archives(h, bcId)).sort((a, b) => Number(b.versionNumber) - Number(a.versionNumber))[0];
    expect(last.archiveReason).toBe("Post");
    expect(await bcOrder(h, bcId)).toBeUndefined();

    const job = await runJob(h, JOB_KINDS.archivedSalesOrders);
    expect(job.idle).toBe(false);
    const after = await salesOrder(h, order);
    expect(after.statecode).toBe(SALES_ORDER_STATE.invoiced);
    expect(after.datefulfilled).toBeTruthy();
    const lines = await details(h, order);
    expect(lines.map((l) => Number(l.quantityshipped)).sort()).toEqual(lines.map((l) => Number(l.quantity)).sort());
    expect(await coupledBcOrder(h, order)).toBeUndefined();
    expect((await runJob(h, JOB_KINDS.archivedSalesOrders)).idle).toBe(true);
  });
});

describe("S7 automatically process sales quotes", () => {
  let h: Harness;
  let f: Fixtures;

  beforeAll(async () => {
    ({ h, f } = await startOrders({ legacySalesOrders: true, sales: { autoProcessSalesQuotes: true } }));
  }, 120_000);
  afterAll(async () => h?.close());

  it("S7: an activated Sales quote becomes a BC quote; won, it becomes a released BC order coupled to Sales' order", async () => {
    const q = await h.ctx.dataverse.create(
      "quotes",
      {
        name: "Bikes for the fleet",
        quotenumber: "QUO-T1",
        "customerid_account@odata.bind": `/accounts(${f.accountId})`,
      },
      asUser,
    );
    if (!q.ok) throw q.error;
    const quoteId = String(q.value.id).toLowerCase();
    const line = await h.ctx.dataverse.create(
      "quotedetails",
      {
        "quoteid@odata.bind": `/quotes(${quoteId})`,
        "productid@odata.bind": `/products(${f.items[0].productId})`,
        quantity: 6,
        priceperunit: 40,
      },
      asUser,
    );
    if (!line.ok) throw line.error;
    const activate = await h.ctx.dataverse.update("quotes", quoteId, { statecode: 1, statuscode: 2 }, asUser);
    if (!activate.ok) throw activate.error;

    await runJob(h, JOB_KINDS.autoProcessSalesQuotes);
    const coupling = await h.ctx.store.couplings.getByDataverseId("SALESQUOTE-QUOTE", quoteId);
    expect(coupling).toBeDefined();
    const bcQuote = await v2(h).get("salesQuotes", coupling?.bcId as string);
    if (!bcQuote.ok || !bcQuote.value) throw new Error("BC quote missing");
    const quoteNumber = bcQuote.value.number;

    // Won in Sales, with the order Sales made from it.
    const won = await h.ctx.dataverse.update("quotes", quoteId, { statecode: 2, statuscode: 4 }, asUser);
    if (!won.ok) throw won.error;
    const salesOrderId = await enterSalesOrder(h, f, [{ product: f.items[0].productId, quantity: 6, price: 40 }], {
      "quoteid@odata.bind": `/quotes(${quoteId})`,
    });
    await runJob(h, JOB_KINDS.autoProcessSalesQuotes);

    const orders: Row[] = [];
    for await (const p of companion(h).pages("salesOrders", { filter: `quoteNumber eq '${String(quoteNumber)}'` })) {
      if (!p.ok) throw p.error;
      orders.push(...p.value.rows);
    }
    expect(orders).toHaveLength(1);
    expect(orders[0].status).toBe("Released");
    expect((await bcLines(h, String(orders[0].id))).map((l) => Number(l.quantity))).toEqual([6]);
    expect(await coupledBcOrder(h, salesOrderId)).toBe(String(orders[0].id).toLowerCase());
    // Done once: the next run makes no second order.
    expect((await runJob(h, JOB_KINDS.autoProcessSalesQuotes)).idle).toBe(true);
  });
});
