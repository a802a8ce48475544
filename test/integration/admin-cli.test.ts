// The administrator's daily tasks through the CLI, in-process against the emulators (issue 12's CLI, issue 10.20):
// couplings with links into both systems, uncouple and couple again; a conflict made on both sides, listed with
// its base, BC and Sales values and resolved field by field; a mass deletion held, listed, rejected and approved;
// the reconciliation report finding a difference; item availability and customer statistics of one record now.
// Each behaviour is asserted on the data the command changed, not only on what it printed.
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { DEMO_SALES_USER_ID } from "../../emulators/identity/demo-apps.ts";
import type { Row } from "../../src/connectors/index.ts";
import { toStoredMapping } from "../../src/engine/index.ts";
import { coupleDemoSalespeople } from "../../src/integration/demo.ts";
import { syncMappings } from "../../src/integration/sync.ts";
import { bcRows, type Harness, runCli, startIntegration } from "./helpers.ts";

const asUser = { impersonate: { callerId: DEMO_SALES_USER_ID } };
let h: Harness;
const cli = (...args: string[]) => runCli(...args, "--config", h.configPath);
const lines = (out: string) =>
  out
    .trim()
    .split("\n")
    .filter(Boolean)
    .map((l) => JSON.parse(l));

beforeAll(async () => {
  h = await startIntegration();
  await coupleDemoSalespeople(h.ctx);
  await syncMappings(h.ctx, { names: [], full: true });
}, 180_000);
afterAll(async () => h?.close());

async function coupledCustomer(number = "10000"): Promise<{ bcId: string; dvId: string; customer: Row }> {
  const customer = (await bcRows(h.ctx, "customers")).find((c) => c.number === number);
  if (!customer) throw new Error(`no customer ${number}`);
  const coupling = await h.ctx.store.couplings.getByBcId("CUSTOMER", String(customer.id).toLowerCase());
  if (!coupling) throw new Error(`customer ${number} is not coupled`);
  return { bcId: coupling.bcId, dvId: coupling.dataverseId, customer };
}

describe("bcsync couplings (S6, issue 10.20)", () => {
  it("lists a mapping's couplings with links that open each record in Business Central and in Sales", async () => {
    const { bcId, dvId } = await coupledCustomer();
    const r = await cli("couplings", "CUSTOMER", "--limit", "1000", "--json");
    expect(r.code).toBe(0);
    const row = lines(r.out).find((c) => c.bcId === bcId);
    expect(row.dataverseId).toBe(dvId);
    expect(row.bcUrl).toMatch(/page=21\b/);
    expect(row.bcUrl).toContain("10000");
    expect(row.salesUrl).toContain("etn=account");
    expect(row.salesUrl).toContain(dvId);
    const counts = lines((await cli("couplings", "--json")).out);
    expect(counts.find((c) => c.mapping === "CUSTOMER").coupled).toBeGreaterThan(0);
  });

  it("uncouples by either id, refuses an unknown one with its code, and couples the pair again", async () => {
    const { bcId, dvId } = await coupledCustomer("20000");
    const removed = await cli("couplings", "customer", "--uncouple", dvId, "--json");
    expect(removed.code).toBe(0);
    expect(await h.ctx.store.couplings.getByBcId("CUSTOMER", bcId)).toBeUndefined();
    const again = await cli("couplings", "CUSTOMER", "--uncouple", dvId, "--json");
    expect(again.code).toBe(1);
    expect(JSON.parse(again.out).error.code).toBe("BCSYNC_E_ADMIN_COUPLING_NOT_FOUND");
    const coupled = await cli("couplings", "CUSTOMER", "--couple", `${bcId}=${dvId}`, "--json");
    expect(coupled.code).toBe(0);
    expect(JSON.parse(coupled.out)).toMatchObject({ bcId, dataverseId: dvId });
    expect((await h.ctx.store.couplings.getByBcId("CUSTOMER", bcId))?.dataverseId).toBe(dvId);
    // The fix text of a coupling that exists names a command that exists.
    const twice = await cli("couplings", "CUSTOMER", "--couple", `${bcId}=${dvId}`, "--json");
    expect(JSON.parse(twice.out).error.fix).toContain("npx bcsync couplings CUSTOMER --uncouple");
  });

  it("issue 10.20: `bcsync couple` gives both links too, not only the Sales one", async () => {
    const { bcId, dvId } = await coupledCustomer("40000");
    expect((await cli("couplings", "CUSTOMER", "--uncouple", bcId, "--json")).code).toBe(0);
    const r = await cli("couple", "CUSTOMER", "--bc", bcId, "--dataverse", dvId, "--json");
    expect(r.code).toBe(0);
    const view = JSON.parse(r.out);
    expect(view.bcUrl).toMatch(/page=21\b/);
    expect(view.bcUrl).toContain("40000");
    expect(view.salesUrl).toContain(dvId);
    const text = await cli("couple", "CUSTOMER", "--uncouple", "--bc", bcId);
    expect(text.code).toBe(0);
    const people = await cli("couple", "CUSTOMER", "--bc", bcId, "--dataverse", dvId);
    expect(people.out).toContain("open in Business Central: http");
    expect(people.out).toContain("open in Sales: http");
  });
});

describe("bcsync conflicts", () => {
  it("lists a field changed on both sides with base, BC and Sales values and resolves it by keeping one side", async () => {
    const { bcId, dvId } = await coupledCustomer("30000");
    const bc = await h.ctx.businessCentral
      .company(h.ctx.companyId)
      .update("customers", bcId, { phoneNumber: "555-0101" }, "*");
    expect(bc.ok).toBe(true);
    const dv = await h.ctx.dataverse.update("accounts", dvId, { telephone1: "555-0202" }, asUser);
    expect(dv.ok).toBe(true);
    await syncMappings(h.ctx, { names: ["CUSTOMER"] });

    const listed = await cli("conflicts", "--mapping", "customer", "--json");
    expect(listed.code).toBe(3); // something waits for a decision
    const conflict = lines(listed.out).find((c) => c.bcId === bcId);
    expect(conflict).toMatchObject({
      field: "phoneNumber|telephone1",
      bcValue: "555-0101",
      dataverseValue: "555-0202",
    });

    const noSide = await cli("conflicts", "resolve", conflict.id);
    expect(noSide.code).toBe(2);
    const resolved = await cli("conflicts", "resolve", `${conflict.id}=dataverse`, "--json");
    expect(resolved.code).toBe(0);
    expect(lines(resolved.out)[0]).toMatchObject({ id: conflict.id, status: "resolved" });
    const after = await h.ctx.businessCentral.company(h.ctx.companyId).get("customers", bcId);
    expect(after.ok && after.value?.phoneNumber).toBe("555-0202");
    expect(lines((await cli("conflicts", "--json")).out).some((c) => c.id === conflict.id)).toBe(false);
    const twice = await cli("conflicts", "resolve", `${conflict.id}=bc`, "--json");
    expect(JSON.parse(twice.out).error.code).toBe("BCSYNC_E_ADMIN_CONFLICT_NOT_OPEN");
  });
});

describe("bcsync deletions", () => {
  it("holds a mass deletion of Sales accounts, lists it, rejects one hold and approves the next", async () => {
    const mapping = h.ctx.mappings.find((m) => m.name === "CUSTOMER");
    if (!mapping) throw new Error("no CUSTOMER mapping");
    await h.ctx.store.mappings.save(toStoredMapping({ ...mapping, propagateDeletes: true, massDeleteThreshold: 1 }));
    const victims = [await coupledCustomer("40000"), await coupledCustomer("50000")];
    // A first change-tracked read, so the deletions arrive as such.
    expect((await cli("sync", "CUSTOMER", "--json")).code).toBeLessThan(2);
    for (const v of victims) expect((await h.ctx.dataverse.delete("accounts", v.dvId, asUser)).ok).toBe(true);
    await cli("sync", "CUSTOMER", "--json");

    const listed = await cli("deletions", "--json");
    expect(listed.code).toBe(3);
    const [held] = lines(listed.out);
    expect(held).toMatchObject({ mappingName: "CUSTOMER", recordCount: 2, status: "held" });
    expect(held.recordIds.sort()).toEqual(victims.map((v) => v.bcId).sort());

    const rejected = await cli("deletions", "reject", held.id, "--json");
    expect(JSON.parse(rejected.out).status).toBe("rejected");
    for (const v of victims) expect(await h.ctx.store.couplings.getByBcId("CUSTOMER", v.bcId)).toBeDefined();
    expect(lines((await cli("deletions", "--json")).out)).toEqual([]);
    const decided = await cli("deletions", "approve", held.id, "--json");
    expect(JSON.parse(decided.out).error.code).toBe("BCSYNC_E_ADMIN_HELD_DELETION_NOT_HELD");

    // A rejected hold deletes nothing: the BC customers stay. Two more deleted accounts are held, then approved.
    for (const v of victims) {
      const kept = await h.ctx.businessCentral.company(h.ctx.companyId).get("customers", v.bcId);
      expect(kept.ok && kept.value?.id).toBe(v.bcId);
    }
    const next = [await coupledCustomer("20000"), await coupledCustomer("30000")];
    for (const v of next) expect((await h.ctx.dataverse.delete("accounts", v.dvId, asUser)).ok).toBe(true);
    await cli("sync", "CUSTOMER", "--json");
    const [again] = lines((await cli("deletions", "--json")).out);
    expect(again).toMatchObject({ status: "held", recordCount: 2 });
    // Business Central refuses to delete 20000 (it has an outstanding invoice): the approval deletes what it may,
    // exits 3 and the refusal is a standing error `bcsync errors` shows.
    const approved = await cli("deletions", "approve", again.id, "--json");
    expect(approved.code).toBe(3);
    expect(JSON.parse(approved.out)).toMatchObject({ status: "failed", deleted: 1, failed: 1 });
    const [refused, deleted] = next;
    expect(await h.ctx.store.couplings.getByBcId("CUSTOMER", deleted.bcId)).toBeUndefined();
    const gone = await h.ctx.businessCentral.company(h.ctx.companyId).get("customers", deleted.bcId);
    expect(gone.ok && gone.value).toBeFalsy();
    expect(await h.ctx.store.couplings.getByBcId("CUSTOMER", refused.bcId)).toBeDefined();
    const errors = lines((await cli("errors", "--mapping", "CUSTOMER", "--json")).out);
    expect(errors.some((e) => String(e.message).includes("You cannot delete Customer 20000"))).toBe(true);
    await h.ctx.store.mappings.save(toStoredMapping(mapping));
  });
});

describe("bcsync reconcile, availability, statistics", () => {
  it("reports a coupled pair whose values differ", async () => {
    const { bcId, dvId } = await coupledCustomer("10000");
    // Changed by the integration user, so no sync takes it as a user's edit: only reconciliation sees it.
    expect((await h.ctx.dataverse.update("accounts", dvId, { websiteurl: "https://drift.example" })).ok).toBe(true);
    const r = await cli("reconcile", "CUSTOMER", "--json");
    expect(r.code).toBe(3);
    const [report] = lines(r.out);
    expect(report.mapping).toBe("CUSTOMER");
    const pair = report.differing.find((d: { bcId: string }) => d.bcId === bcId);
    expect(pair.fields.map((f: { field: string }) => f.field)).toContain("website|websiteurl");
    const unknown = await cli("reconcile", "NOPE", "--json");
    expect(JSON.parse(unknown.out).error.code).toBe("BCSYNC_E_INTEGRATION_UNKNOWN_MAPPING");
  });

  it("shows one item's availability now beside the coupled product's quantity on hand (S19)", async () => {
    const expected = (await bcRows(h.ctx, "itemAvailability", true)).find((r) => r.itemNumber === "1896-S");
    const r = await cli("availability", "1896-S", "--json");
    expect(r.code).toBe(0);
    const a = JSON.parse(r.out);
    expect(a).toMatchObject({ itemNumber: "1896-S", availableQuantity: expected?.availableQuantity });
    expect(a.product?.id).toBeDefined();
    const missing = await cli("availability", "NO-SUCH-ITEM", "--json");
    expect(missing.code).toBe(1);
    expect(JSON.parse(missing.out).error.code).toBe("BCSYNC_E_ADMIN_RECORD_NOT_FOUND");
  });

  it("shows one customer's statistics now (S17)", async () => {
    const expected = (await bcRows(h.ctx, "customerStatistics", true)).find((r) => r.customerNumber === "10000");
    const r = await cli("statistics", "10000", "--json");
    expect(r.code).toBe(0);
    const s = JSON.parse(r.out);
    expect(s).toMatchObject({ customerNumber: "10000", customerName: expected?.customerName });
    expect(s.figures.balance).toBe(expected?.balance);
    expect(s.accountId).toBeDefined();
    const people = await cli("statistics", "10000");
    expect(people.out).toContain("balance");
  });
});
