// Scenarios of the sync engine against the emulators over real HTTP: the runner, the connectors, the store.
import { randomUUID } from "node:crypto";
import { afterAll, beforeAll, beforeEach, describe, expect, it } from "vitest";
import { defineTableMapping, type TableMappingInput } from "../../src/engine/model.ts";
import { reconcile, resolveConflict } from "../../src/engine/reconcile.ts";
import { approveHeldDeletion, runMapping, unskip } from "../../src/engine/runner.ts";
import {
  createCustomer,
  customerMapping,
  firstRows,
  getAccount,
  getCustomer,
  type Harness,
  startHarness,
  unwrap,
  updateCustomer,
} from "./harness.ts";

const ownerField = {
  bcField: "salespersonCode",
  dataverseField: "ownerid",
  direction: "toDataverse" as const,
  notNull: true,
  lookup: { mapping: "SALESPEOPLE", bcMatchField: "code" },
};
const customer = (over: Partial<TableMappingInput> = {}) =>
  customerMapping({ fields: [...customerMapping().fields, ownerField], ...over });
const salespeople = defineTableMapping({
  name: "SALESPEOPLE",
  bc: { entitySet: "salespeoplePurchasers" },
  dataverse: { table: "systemuser", entitySet: "systemusers", keyField: "systemuserid" },
  direction: "fromDataverse",
  fields: [{ bcField: "displayName", dataverseField: "fullname" }],
});

let h: Harness;
let salesUserId: string;

beforeAll(async () => {
  h = await startHarness([customer(), salespeople]);
  // A Sales user whose edits are real user edits (the integration user's are not synced).
  salesUserId = randomUUID();
  const units = await firstRows(h.dv.pages("businessunits", { select: ["businessunitid"], top: 1 }));
  const bu = String(units[0].businessunitid);
  unwrap(
    await h.dv.create("systemusers", {
      systemuserid: salesUserId,
      firstname: "Dana",
      lastname: "Birkby",
      "businessunitid@odata.bind": `/businessunits(${bu})`,
    }),
  );
});
afterAll(async () => {
  await h?.close();
});
beforeEach(() => {
  h.mappings.set("CUSTOMER", customer());
});

async function dvIdOf(bcId: string): Promise<string> {
  const c = await h.store.couplings.getByBcId("CUSTOMER", bcId.toLowerCase());
  if (!c) throw new Error(`${bcId} is not coupled`);
  return c.dataverseId;
}

/** A Dataverse edit made by a Sales user (impersonated), as in the Sales app. */
async function editAccountAsUser(id: string, values: Record<string, unknown>): Promise<void> {
  unwrap(await h.dv.update("accounts", id, values, { impersonate: { callerId: salesUserId } }));
}

async function coupledPair(values: Record<string, unknown> = {}): Promise<{ bcId: string; dvId: string }> {
  const c = await createCustomer(h, { phoneNumber: "555-0100", email: "base@example.com", ...values });
  await runMapping(h.deps, "CUSTOMER");
  const bcId = String(c.id).toLowerCase();
  return { bcId, dvId: await dvIdOf(bcId) };
}

describe("sync engine scenarios", () => {
  it("creates a counterpart once, then writes nothing while nothing changes", async () => {
    const c = await createCustomer(h, { displayName: "Adatum", phoneNumber: "555-0100" });
    const first = await runMapping(h.deps, "CUSTOMER");
    expect(first.map((r) => [r.direction, r.status])).toEqual([
      ["toDataverse", "succeeded"],
      ["fromDataverse", "succeeded"],
    ]);
    expect(first[0].counters.inserted).toBe(1);
    const account = await getAccount(h, await dvIdOf(String(c.id)));
    expect(account).toMatchObject({ name: "Adatum", telephone1: "555-0100" });

    const second = await runMapping(h.deps, "CUSTOMER");
    for (const r of second) expect(r.counters.inserted + r.counters.modified + r.counters.failed).toBe(0);
  });

  it("merges edits of different fields made on both sides", async () => {
    const { bcId, dvId } = await coupledPair();
    await updateCustomer(h, bcId, { phoneNumber: "555-0199" });
    await editAccountAsUser(dvId, { websiteurl: "https://dv.example" });
    const reports = await runMapping(h.deps, "CUSTOMER");
    expect(reports.map((r) => r.counters.modified)).toEqual([1, 1]);
    expect(await getAccount(h, dvId)).toMatchObject({ telephone1: "555-0199", websiteurl: "https://dv.example" });
    expect(await getCustomer(h, bcId)).toMatchObject({ phoneNumber: "555-0199", website: "https://dv.example" });
    const again = await runMapping(h.deps, "CUSTOMER");
    expect(again.map((r) => r.counters.modified)).toEqual([0, 0]);
  });

  it.each([
    ["none", "555-BC", "555-DV", "open"],
    ["bcWins", "555-BC", "555-BC", "bcWins"],
    ["dataverseWins", "555-DV", "555-DV", "dataverseWins"],
  ] as const)("same field on both sides, policy %s", async (policy, bcAfter, dvAfter, resolution) => {
    h.mappings.set("CUSTOMER", customer({ updateConflict: policy }));
    const { bcId, dvId } = await coupledPair();
    await updateCustomer(h, bcId, { phoneNumber: "555-BC", email: "bc@example.com" });
    await editAccountAsUser(dvId, { telephone1: "555-DV" });
    await runMapping(h.deps, "CUSTOMER");
    expect((await getCustomer(h, bcId))?.phoneNumber).toBe(bcAfter);
    expect((await getAccount(h, dvId))?.telephone1).toBe(dvAfter);
    // The other field merged regardless of the policy.
    expect((await getAccount(h, dvId))?.emailaddress1).toBe("bc@example.com");
    const conflicts = await h.store.conflicts.list({ bcId });
    expect(conflicts).toHaveLength(1);
    expect(conflicts[0]).toMatchObject({
      field: "phoneNumber|telephone1",
      bcValue: "555-BC",
      dataverseValue: "555-DV",
      status: resolution === "open" ? "open" : "resolved",
      resolution: resolution === "open" ? null : resolution,
    });
    // A waiting conflict is not recorded twice.
    await runMapping(h.deps, "CUSTOMER");
    expect(await h.store.conflicts.list({ bcId })).toHaveLength(1);
  });

  it("does not sync back edits made by the integration user (S15)", async () => {
    const { bcId, dvId } = await coupledPair({ displayName: "Echo Ltd" });
    unwrap(await h.dv.update("accounts", dvId, { name: "Changed by the integration user" }));
    const [, fromDv] = await runMapping(h.deps, "CUSTOMER");
    expect(fromDv.counters.modified).toBe(0);
    expect((await getCustomer(h, bcId))?.displayName).toBe("Echo Ltd");
  });

  it("fails a record twice, then skips it; fixed and un-skipped, it syncs", async () => {
    const { bcId, dvId } = await coupledPair();
    unwrap(await h.bc.company(h.companyId).create("salespeoplePurchasers", { code: "XX", displayName: "Xavier" }));
    await updateCustomer(h, bcId, { salespersonCode: "XX" });
    const run = async () => (await runMapping(h.deps, "CUSTOMER", { passes: ["toDataverse"] }))[0];
    expect((await run()).counters.failed).toBe(1);
    expect((await run()).counters.failed).toBe(1);
    const third = await run();
    expect(third.counters).toMatchObject({ failed: 0, skipped: 1 });
    expect((await h.store.couplings.getByBcId("CUSTOMER", bcId))?.skipped).toBe(true);
    const errors = await h.store.jobs.errors({ mappingName: "CUSTOMER", sourceId: bcId });
    expect(errors[0]).toMatchObject({ code: "BCSYNC_E_ENGINE_LOOKUP_NOT_COUPLED", field: "salespersonCode|ownerid" });
    expect(errors[0].message).toContain("XX");
    // Issue 14.5: the error names the record (by its number or name as the pass read it, and its id) and the field.
    const customer = await getCustomer(h, bcId);
    expect(errors[0].message).toContain(
      `record ${String(customer?.displayName)} (${bcId}), field salespersonCode|ownerid`,
    );

    // The fix: couple the salesperson to a Sales user; then retry the skipped record.
    const xx = await firstRows(h.bc.company(h.companyId).pages("salespeoplePurchasers", { filter: "code eq 'XX'" }));
    const xxId = String(xx[0].id).toLowerCase();
    await h.store.couplings.couple({ mappingName: "SALESPEOPLE", bcId: xxId, dataverseId: salesUserId });
    expect(await unskip(h.deps, "CUSTOMER", bcId)).toBe(1);
    const fixed = await run();
    expect(fixed.counters).toMatchObject({ failed: 0, modified: 1 });
    expect((await getAccount(h, dvId))?._ownerid_value).toBe(salesUserId);
    expect(await h.store.couplings.getByBcId("CUSTOMER", bcId)).toMatchObject({ skipped: false, failureCount: 0 });
  });

  it("plans without writing in a dry run", async () => {
    const { bcId, dvId } = await coupledPair();
    await updateCustomer(h, bcId, { phoneNumber: "555-DRY" });
    const fresh = await createCustomer(h, { displayName: "Not yet synced" });
    const [toDv] = await runMapping(h.deps, "CUSTOMER", { passes: ["toDataverse"], dryRun: true });
    const byId = new Map(toDv.planned.map((p) => [p.sourceId, p]));
    expect(byId.get(bcId)).toMatchObject({
      kind: "modify",
      changes: [{ field: "phoneNumber|telephone1", to: "555-DRY" }],
    });
    expect(byId.get(String(fresh.id).toLowerCase())?.kind).toBe("insert");
    expect((await getAccount(h, dvId))?.telephone1).toBe("555-0100");
    expect(await h.store.couplings.getByBcId("CUSTOMER", String(fresh.id).toLowerCase())).toBeUndefined();
    const job = await h.store.jobs.get(toDv.jobId);
    expect(job?.dryRun).toBe(true);
  });
});

describe("review and reconciliation", () => {
  it("an open conflict waits for a decision; choosing a side writes it and closes the conflict", async () => {
    const { bcId, dvId } = await coupledPair();
    await updateCustomer(h, bcId, { phoneNumber: "555-BC" });
    await editAccountAsUser(dvId, { telephone1: "555-DV" });
    await runMapping(h.deps, "CUSTOMER");
    const [open] = await h.store.conflicts.list({ bcId, status: "open" });
    expect(await resolveConflict(h.deps, open.id, "dataverse")).toEqual({ ok: true });
    expect((await getCustomer(h, bcId))?.phoneNumber).toBe("555-DV");
    expect(await h.store.conflicts.list({ bcId, status: "open" })).toEqual([]);
    // Settled: the next run has nothing to do for this pair.
    const reports = await runMapping(h.deps, "CUSTOMER");
    expect(reports.map((r) => r.counters.modified + r.counters.skipped)).toEqual([0, 0]);
  });

  it("reports uncoupled records, couplings to deleted records and pairs whose values differ", async () => {
    const drifted = await coupledPair();
    const orphaned = await coupledPair();
    const lonely = await createCustomer(h, { displayName: "Never synced" });
    // A value changed behind the engine's back (by the integration user, so no run would sync it).
    unwrap(await h.dv.update("accounts", drifted.dvId, { telephone1: "555-DRIFT" }));
    unwrap(await h.dv.delete("accounts", orphaned.dvId));
    const report = await reconcile(h.deps, "CUSTOMER");
    expect(report.uncoupledBc).toContain(String(lonely.id).toLowerCase());
    expect(report.couplingsWithoutDataverse).toContainEqual({ bcId: orphaned.bcId, dataverseId: orphaned.dvId });
    const diff = report.differing.find((d) => d.bcId === drifted.bcId);
    expect(diff?.fields).toEqual([
      { field: "phoneNumber|telephone1", bc: "555-0100", dataverse: "555-DRIFT", expected: "555-0100" },
    ]);
    expect(report.errors).toEqual([]);
  });
});

describe("full sync and deletion conflicts", () => {
  it("a full sync couples to an existing record with the same match value instead of creating a duplicate", async () => {
    h.mappings.set("CUSTOMER", customer({ syncOnlyCoupled: true }));
    const name = `Match ${randomUUID().slice(0, 8)}`;
    const existing = unwrap(await h.dv.create("accounts", { name: name.toUpperCase(), telephone1: "old" }));
    const c = await createCustomer(h, { displayName: name, phoneNumber: "555-0142" });
    // A scheduled run leaves uncoupled records alone when the mapping syncs only coupled records.
    const [scheduled] = await runMapping(h.deps, "CUSTOMER", { passes: ["toDataverse"] });
    expect(await h.store.couplings.getByBcId("CUSTOMER", String(c.id).toLowerCase())).toBeUndefined();
    expect(scheduled.counters.inserted).toBe(0);
    const [full] = await runMapping(h.deps, "CUSTOMER", { passes: ["toDataverse"], mode: "full" });
    expect(full.counters.coupled).toBeGreaterThanOrEqual(1);
    expect(await dvIdOf(String(c.id))).toBe(String(existing.id).toLowerCase());
    expect(await getAccount(h, String(existing.id))).toMatchObject({ name, telephone1: "555-0142" });
  });

  it("a full sync of many new records reads a small target once and couples each existing match, never a duplicate", async () => {
    h.mappings.set("CUSTOMER", customer({ syncOnlyCoupled: true }));
    const tag = randomUUID().slice(0, 8);
    const names = Array.from({ length: 60 }, (_, i) => `Bulk ${tag} ${i}`);
    // Five already exist in Sales, their names in another case and padded: they must be coupled, not created again.
    const existing = new Map<string, string>();
    for (const i of [0, 7, 21, 42, 59]) {
      existing.set(names[i], String(unwrap(await h.dv.create("accounts", { name: ` ${names[i].toUpperCase()} ` })).id));
    }
    const bcIds = new Map<string, string>();
    for (const name of names) bcIds.set(name, String((await createCustomer(h, { displayName: name })).id));
    // The Dataverse port's queries are counted, but for reads by id (of counterparts left by other tests).
    let queries = 0;
    const ports = {
      forMapping: (m: Parameters<typeof h.deps.ports.forMapping>[0], side: "bc" | "dataverse") => {
        const port = h.deps.ports.forMapping(m, side);
        if (side === "bc") return port;
        return Object.assign(Object.create(port), {
          query: (...args: Parameters<typeof port.query>) => {
            if (!args[0].startsWith("accountid eq")) queries++;
            return port.query(...args);
          },
        });
      },
    };
    const [full] = await runMapping({ ...h.deps, ports: { ...h.deps.ports, ...ports } }, "CUSTOMER", {
      passes: ["toDataverse"],
      mode: "full",
    });
    const errors = await h.store.jobs.errors({ jobId: full.jobId });
    const ours = new Set([...bcIds.values()].map((id) => id.toLowerCase()));
    expect(errors.filter((e) => ours.has(String(e.sourceId).toLowerCase()))).toEqual([]);
    // One read of the accounts for 60 records to match, where 20 conditions a query took three (and more pages more).
    expect(queries).toBe(1);
    for (const [name, accountId] of existing) {
      expect(await dvIdOf(bcIds.get(name)!)).toBe(accountId.toLowerCase());
    }
    const accounts = await firstRows(
      h.dv.pages("accounts", { select: ["name"], filter: `contains(name,'${tag}')`, top: 500 }),
    );
    expect(accounts).toHaveLength(names.length);
  });

  it("matches by a second priority on Business Central, which refuses an `or` across fields (S8 match-based coupling)", async () => {
    const tag = randomUUID().slice(0, 8);
    const byPhone = defineTableMapping({
      ...customerMapping(),
      direction: "bidirectional",
      fields: customerMapping().fields.map((f) =>
        f.bcField === "phoneNumber" ? { ...f, match: { priority: 1, caseSensitive: false } } : f,
      ),
    });
    h.mappings.set("CUSTOMER", byPhone);
    const byName = await createCustomer(h, { displayName: `Name ${tag}`, phoneNumber: `1-${tag}` });
    const phoneOnly = await createCustomer(h, { displayName: `Other ${tag}`, phoneNumber: `2-${tag}` });
    // Created by a Sales user: the integration user's own records are not read back.
    const asUser = { impersonate: { callerId: salesUserId } };
    const a = unwrap(await h.dv.create("accounts", { name: `Name ${tag}`, telephone1: `1-${tag}` }, asUser));
    const b = unwrap(await h.dv.create("accounts", { name: `Renamed ${tag}`, telephone1: `2-${tag}` }, asUser));
    const [full] = await runMapping(h.deps, "CUSTOMER", { passes: ["fromDataverse"], mode: "full" });
    expect(await h.store.jobs.errors({ jobId: full.jobId })).toEqual([]);
    expect((await h.store.couplings.getByDataverseId("CUSTOMER", String(a.id)))?.bcId).toBe(
      String(byName.id).toLowerCase(),
    );
    expect((await h.store.couplings.getByDataverseId("CUSTOMER", String(b.id)))?.bcId).toBe(
      String(phoneOnly.id).toLowerCase(),
    );
    expect(full.counters.inserted).toBe(0);
  });

  it("restores a deleted counterpart under the restoreRecord policy", async () => {
    h.mappings.set("CUSTOMER", customer({ deletionConflict: "restoreRecord" }));
    const { bcId, dvId } = await coupledPair({ displayName: "Phoenix" });
    unwrap(await h.dv.delete("accounts", dvId));
    await updateCustomer(h, bcId, { phoneNumber: "555-0177" });
    const [toDv] = await runMapping(h.deps, "CUSTOMER", { passes: ["toDataverse"] });
    expect(toDv.counters.inserted).toBe(1);
    const restored = await dvIdOf(bcId);
    expect(restored).not.toBe(dvId);
    expect(await getAccount(h, restored)).toMatchObject({ name: "Phoenix", telephone1: "555-0177" });
  });

  it("fails, then skips, a record coupled to a deleted counterpart under the default policy", async () => {
    const { bcId, dvId } = await coupledPair();
    unwrap(await h.dv.delete("accounts", dvId));
    await updateCustomer(h, bcId, { phoneNumber: "555-0188" });
    const [first] = await runMapping(h.deps, "CUSTOMER", { passes: ["toDataverse"] });
    expect(first.counters.failed).toBe(1);
    const [error] = await h.store.jobs.errors({ jobId: first.jobId });
    expect(error.code).toBe("BCSYNC_E_ENGINE_COUNTERPART_DELETED");
    await runMapping(h.deps, "CUSTOMER", { passes: ["toDataverse"] });
    expect((await h.store.couplings.getByBcId("CUSTOMER", bcId))?.skipped).toBe(true);
  });
});

describe("deletions", () => {
  it("holds a mass deletion for approval, then executes it", async () => {
    h.mappings.set("CUSTOMER", customer({ propagateDeletes: true, massDeleteThreshold: 2 }));
    const pairs = [await coupledPair(), await coupledPair(), await coupledPair()];
    // Change tracking: the first read returns everything and a delta link.
    await runMapping(h.deps, "CUSTOMER", { passes: ["fromDataverse"], useDelta: true });
    for (const p of pairs) unwrap(await h.dv.delete("accounts", p.dvId));
    const [fromDv] = await runMapping(h.deps, "CUSTOMER", { passes: ["fromDataverse"], useDelta: true });
    expect(fromDv.heldDeletionId).toBeDefined();
    for (const p of pairs) expect(await getCustomer(h, p.bcId)).toBeDefined();
    const held = await h.store.heldDeletions.list({ status: "held" });
    expect(held[0].recordIds.sort()).toEqual(pairs.map((p) => p.bcId).sort());

    const approved = await approveHeldDeletion(h.deps, fromDv.heldDeletionId!);
    expect(approved.counters.deleted).toBe(3);
    for (const p of pairs) {
      expect(await getCustomer(h, p.bcId)).toBeUndefined();
      expect(await h.store.couplings.getByBcId("CUSTOMER", p.bcId)).toBeUndefined();
    }
  });
});

describe("deletions propagate both ways (propagateDeletes)", () => {
  const propagating = () => customer({ propagateDeletes: true, massDeleteThreshold: 5 });
  const deleteCustomer = async (bcId: string) => unwrap(await h.bc.company(h.companyId).delete("customers", bcId, "*"));

  it("deletes the Sales account of a customer deleted in Business Central, in a scheduled run", async () => {
    h.mappings.set("CUSTOMER", propagating());
    const kept = await coupledPair();
    const gone = await coupledPair();
    await deleteCustomer(gone.bcId);
    const [toDv] = await runMapping(h.deps, "CUSTOMER");
    expect(toDv.counters.deleted).toBe(1);
    expect(await getAccount(h, gone.dvId)).toBeUndefined();
    expect(await h.store.couplings.getByBcId("CUSTOMER", gone.bcId)).toBeUndefined();
    expect(await getAccount(h, kept.dvId)).toBeDefined();
    // Nothing is left to do: the next run deletes and writes nothing.
    const again = await runMapping(h.deps, "CUSTOMER");
    expect(again.map((r) => r.counters.deleted + r.counters.inserted + r.counters.modified)).toEqual([0, 0]);
  });

  it("deletes the Sales account of a customer deleted in Business Central, in a full sync", async () => {
    h.mappings.set("CUSTOMER", propagating());
    const gone = await coupledPair();
    await deleteCustomer(gone.bcId);
    const [toDv, fromDv] = await runMapping(h.deps, "CUSTOMER", { mode: "full" });
    expect(toDv.counters.deleted).toBe(1);
    // The reverse pass does not settle the pair as a deletion conflict (Remove Coupling) first.
    expect([toDv.counters.uncoupled, fromDv.counters.uncoupled]).toEqual([0, 0]);
    expect(await getAccount(h, gone.dvId)).toBeUndefined();
    expect(await h.store.couplings.getByBcId("CUSTOMER", gone.bcId)).toBeUndefined();
  });

  it("deletes the customer of an account deleted in Sales when a full sync finds it gone", async () => {
    h.mappings.set("CUSTOMER", propagating());
    const gone = await coupledPair();
    unwrap(await h.dv.delete("accounts", gone.dvId));
    // A full sync reads Dataverse without its delta link: the deletion is found by the records it did not read.
    const reports = await runMapping(h.deps, "CUSTOMER", { mode: "full" });
    expect(reports.map((r) => r.counters.deleted)).toEqual([0, 1]);
    expect(await getCustomer(h, gone.bcId)).toBeUndefined();
  });

  it("deletes nothing for a coupled customer that only left the mapping's filter", async () => {
    h.mappings.set("CUSTOMER", propagating());
    const out = await coupledPair({ phoneNumber: "555-0199" });
    h.mappings.set(
      "CUSTOMER",
      customer({ propagateDeletes: true, bc: { ...customer().bc, filter: "phoneNumber ne '555-0199'" } }),
    );
    const scheduled = await runMapping(h.deps, "CUSTOMER");
    const full = await runMapping(h.deps, "CUSTOMER", { mode: "full" });
    expect([...scheduled, ...full].map((r) => r.counters.deleted)).toEqual([0, 0, 0, 0]);
    expect(await getAccount(h, out.dvId)).toBeDefined();
    expect(await getCustomer(h, out.bcId)).toBeDefined();
  });

  it("holds Business Central deletions above the mass-delete threshold", async () => {
    h.mappings.set("CUSTOMER", customer({ propagateDeletes: true, massDeleteThreshold: 1 }));
    const pairs = [await coupledPair(), await coupledPair()];
    for (const p of pairs) await deleteCustomer(p.bcId);
    const [toDv] = await runMapping(h.deps, "CUSTOMER", { passes: ["toDataverse"] });
    expect(toDv.heldDeletionId).toBeDefined();
    for (const p of pairs) expect(await getAccount(h, p.dvId)).toBeDefined();
    const approved = await approveHeldDeletion(h.deps, toDv.heldDeletionId!);
    expect(approved.counters.deleted).toBe(2);
    for (const p of pairs) expect(await getAccount(h, p.dvId)).toBeUndefined();
  });
});
