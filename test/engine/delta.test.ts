import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { runMapping } from "../../src/engine/runner.ts";
import {
  createCustomer,
  createSalesUser,
  customerMapping,
  getCustomer,
  type Harness,
  startHarness,
  unwrap,
} from "./harness.ts";

const clock = { offsetMs: 0, now: () => Date.now() + clock.offsetMs };
let h: Harness;
let salesUserId: string;

beforeAll(async () => {
  const mapping = customerMapping({
    dataverse: { table: "account", entitySet: "accounts", keyField: "accountid", filter: "statecode eq 0" },
  });
  h = await startHarness([mapping], ":memory:", { dataverse: { clock, expireChangeTrackingDays: 7 } });
  salesUserId = await createSalesUser(h, "Delta", "Tracker");
});
afterAll(async () => {
  await h?.close();
});

const fromDv = async () => (await runMapping(h.deps, "CUSTOMER", { passes: ["fromDataverse"] }))[0];
const deltaLink = async () => (await h.store.watermarks.get("CUSTOMER", "fromDataverse")).deltaLink;
const editAccount = async (id: string, values: Record<string, unknown>) =>
  unwrap(await h.dv.update("accounts", id, values, { impersonate: { callerId: salesUserId } }));

describe("change tracking by default", () => {
  it("reads by delta link with the filter applied here, and falls back to the watermark when the link expired", async () => {
    const c = await createCustomer(h, { displayName: "Delta Ltd", phoneNumber: "555-0100" });
    const bcId = String(c.id).toLowerCase();
    await runMapping(h.deps, "CUSTOMER", { passes: ["toDataverse"] });
    const dvId = (await h.store.couplings.getByBcId("CUSTOMER", bcId))!.dataverseId;

    const initial = await fromDv();
    expect(initial.status).toBe("succeeded");
    const firstLink = await deltaLink();
    expect(firstLink).toContain("deltatoken");

    await editAccount(dvId, { telephone1: "555-0101" });
    const byDelta = await fromDv();
    expect(byDelta.counters).toMatchObject({ modified: 1, failed: 0 });
    expect((await getCustomer(h, bcId))?.phoneNumber).toBe("555-0101");
    const secondLink = await deltaLink();
    expect(secondLink).not.toBe(firstLink);

    // A row the mapping's filter excludes (inactive) is dropped from the delta, as a filtered read would.
    const other = await createCustomer(h, { displayName: "Inactive Ltd", phoneNumber: "555-0200" });
    await runMapping(h.deps, "CUSTOMER", { passes: ["toDataverse"] });
    const otherDv = (await h.store.couplings.getByBcId("CUSTOMER", String(other.id).toLowerCase()))!.dataverseId;
    await fromDv();
    await editAccount(otherDv, { telephone1: "555-0299", statecode: 1, statuscode: 2 });
    const filtered = await fromDv();
    expect(filtered.counters.modified).toBe(0);
    expect((await getCustomer(h, String(other.id)))?.phoneNumber).toBe("555-0200");

    // Eight days later the link has expired: the run reads by watermark, loses nothing, and takes a new link.
    clock.offsetMs = 8 * 86_400_000;
    await editAccount(dvId, { telephone1: "555-0102" });
    const expired = await fromDv();
    expect(expired).toMatchObject({ status: "succeeded", counters: { modified: 1, failed: 0 } });
    expect((await getCustomer(h, bcId))?.phoneNumber).toBe("555-0102");
    const freshLink = await deltaLink();
    expect(freshLink).toContain("deltatoken");
    expect(freshLink).not.toBe(secondLink);

    // The fresh link works: the next edit comes by delta again.
    await editAccount(dvId, { telephone1: "555-0103" });
    const again = await fromDv();
    expect(again.counters).toMatchObject({ modified: 1, failed: 0 });
    expect((await getCustomer(h, bcId))?.phoneNumber).toBe("555-0103");
    expect(await deltaLink()).not.toBe(freshLink);
  });

  it("a field mapping added later is read: a delta link without its column is replaced", async () => {
    const c = await createCustomer(h, { displayName: "Wider Ltd" });
    const bcId = String(c.id).toLowerCase();
    await runMapping(h.deps, "CUSTOMER", { passes: ["toDataverse"] });
    await fromDv();
    const dvId = (await h.store.couplings.getByBcId("CUSTOMER", bcId))!.dataverseId;
    const current = h.mappings.get("CUSTOMER")!;
    h.mappings.set("CUSTOMER", {
      ...current,
      fields: [
        ...current.fields,
        { ...current.fields[1], name: undefined, bcField: "addressLine1", dataverseField: "address1_line1" },
      ],
    });
    await editAccount(dvId, { address1_line1: "1 Delta Road" });
    const wider = await fromDv();
    expect(wider.counters).toMatchObject({ modified: 1, failed: 0 });
    expect((await getCustomer(h, bcId))?.addressLine1).toBe("1 Delta Road");
    expect(await deltaLink()).toContain("address1_line1");
  });
});
