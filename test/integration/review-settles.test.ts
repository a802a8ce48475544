// Issue 10 "done when": the full synchronization review's "sync all" (S18) on either demo company ends with no
// failed mapping, and a full sync right after it writes nothing. Before the fixes it left OPPORTUNITY in Error
// (Sales opportunities had no BC contact; a prospect's contact was not coupled), and the next full sync wiped the
// company name of Sales leads, set the estimated value of opportunities created from Sales to 0, and wrote the
// primary contacts the review had left for later.
import { afterAll, describe, expect, it } from "vitest";
import { coupleDemoSalespeople } from "../../src/integration/demo.ts";
import { syncAll } from "../../src/integration/review.ts";
import { syncMappings, total } from "../../src/integration/sync.ts";
import { dvRows, type Harness, startIntegration } from "./helpers.ts";

const harnesses: Harness[] = [];
afterAll(async () => {
  for (const h of harnesses) await h.close();
});

describe.each(["CRONUS USA, Inc.", "CRONUS Canada"])("review --sync-all on %s", (company) => {
  it("ends with every mapping finished, and a full sync afterwards writes nothing and keeps Sales' values", async () => {
    const h = await startIntegration({}, { company });
    harnesses.push(h);
    const leadsBefore = await dvRows(h.ctx, "leads", undefined, ["leadid", "companyname"]);
    const opportunitiesBefore = await dvRows(h.ctx, "opportunities", undefined, ["opportunityid", "estimatedvalue"]);
    await coupleDemoSalespeople(h.ctx);
    const lines = await syncAll(h.ctx);
    expect(lines.filter((l) => l.queueStatus === "Error").map((l) => l.mappingName)).toEqual([]);

    const results = await syncMappings(h.ctx, { full: true });
    const wrote = results
      .filter((r) => r.error || total(r, "modified") + total(r, "inserted") + total(r, "failed") > 0)
      .map((r) => r.mapping);
    expect(wrote).toEqual([]);

    const leads = new Map((await dvRows(h.ctx, "leads")).map((l) => [l.leadid, l.companyname]));
    for (const l of leadsBefore) expect(leads.get(l.leadid), String(l.leadid)).toBe(l.companyname);
    const values = new Map((await dvRows(h.ctx, "opportunities")).map((o) => [o.opportunityid, o.estimatedvalue]));
    for (const o of opportunitiesBefore) expect(values.get(o.opportunityid)).toBe(o.estimatedvalue);
  }, 180_000);
});
