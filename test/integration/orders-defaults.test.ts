// Issue 10, Sales orders (seed S7–S10) against both emulators: which order mappings and jobs exist per sales
// order mode (point 15), the Sales organization's order integration flag (point 13), and flow runs that stop
// mid-way (point 12: never left "running", never "succeeded").
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { FlowLog } from "../../src/integration/flows/common.ts";
import { JOB_KINDS } from "../../src/integration/jobs.ts";
import { type Harness, startIntegration } from "./helpers.ts";

const ORDER_MAPPINGS = ["SALESORDER-ORDER", "SOLINE-ORDERDETAIL", "SALESORDER-NOTES"];

async function orderSetOf(h: Harness) {
  const mappings = h.ctx.mappings.map((m) => m.name).filter((n) => ORDER_MAPPINGS.includes(n));
  const jobs = (await h.ctx.store.queue.list())
    .filter((e) => (e.mappingName && ORDER_MAPPINGS.includes(e.mappingName)) || e.kind !== JOB_KINDS.mapping)
    .map((e) => e.mappingName ?? e.kind);
  return { mappings: mappings.sort(), jobs: jobs.sort() };
}

describe("issue 10 point 15 (S11): order mappings and their jobs exist only with a sales order mode on", () => {
  const harnesses: Harness[] = [];
  afterAll(async () => {
    for (const h of harnesses) await h.close();
  });

  it("point 15: neither mode: no SALESORDER-ORDER, SOLINE-ORDERDETAIL, SALESORDER-NOTES, nor their jobs", async () => {
    const h = await startIntegration({});
    harnesses.push(h);
    expect(await orderSetOf(h)).toEqual({ mappings: [], jobs: [JOB_KINDS.customerStatistics] });
  });

  it("point 15: legacy mode: the header and notes mappings (no line mapping), with the order status job", async () => {
    const h = await startIntegration({ legacySalesOrders: true });
    harnesses.push(h);
    expect(await orderSetOf(h)).toEqual({
      mappings: ["SALESORDER-NOTES", "SALESORDER-ORDER"],
      jobs: ["SALESORDER-NOTES", "SALESORDER-ORDER", JOB_KINDS.customerStatistics, JOB_KINDS.salesOrderStatus].sort(),
    });
  });

  it("point 15: bidirectional mode: header, lines and notes; the line mapping has no job of its own", async () => {
    const h = await startIntegration({ bidirectionalSalesOrders: true });
    harnesses.push(h);
    expect(await orderSetOf(h)).toEqual({
      mappings: ["SALESORDER-NOTES", "SALESORDER-ORDER", "SOLINE-ORDERDETAIL"],
      jobs: [
        "SALESORDER-NOTES",
        "SALESORDER-ORDER",
        JOB_KINDS.archivedSalesOrders,
        JOB_KINDS.customerStatistics,
      ].sort(),
    });
  });
});

describe("issue 10 point 12: a flow that throws mid-run", () => {
  let h: Harness;
  beforeAll(async () => {
    h = await startIntegration({ legacySalesOrders: true });
  }, 120_000);
  afterAll(async () => h?.close());

  it("point 12: leaves its sync job failed with the reason and its counts, never running or succeeded", async () => {
    const run = FlowLog.run(h.ctx, "SALESORDER-ORDER", "fromDataverse", async (log) => {
      log.counters.inserted++;
      throw new Error("page 2 of salesorders could not be read");
    });
    await expect(run).rejects.toThrow("page 2 of salesorders");
    const [job] = await h.ctx.store.jobs.list({ mappingName: "SALESORDER-ORDER", limit: 1 });
    expect(job.status).toBe("failed");
    expect(job.message).toContain("page 2 of salesorders could not be read");
    expect(job.inserted).toBe(1);
    expect(job.finishedAt).toBeTruthy();
  });
});
