// One BC record from two pages over real HTTP: a customer mapping reads v2.0 `customers` and takes the fax number
// and contact name from the companion `customers` page (same SystemId), writes them back there, and a value the
// companion page refuses leaves the record created and coupled, with the rest retried on the next run.
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { COMPANION_API } from "../../src/connectors/index.ts";
import { runMapping } from "../../src/engine/runner.ts";
import {
  createCustomer,
  customerMapping,
  firstRows,
  getAccount,
  type Harness,
  startHarness,
  unwrap,
} from "./harness.ts";

let h: Harness;
const mapping = customerMapping({
  bc: { entitySet: "customers", secondary: { api: "companion", entitySet: "customers", fields: ["faxNumber"] } },
  fields: [...customerMapping().fields, { bcField: "faxNumber", dataverseField: "fax" }],
});

beforeAll(async () => {
  h = await startHarness([mapping]);
});
afterAll(async () => {
  await h?.close();
});

const companion = () => h.bc.company(h.companyId, COMPANION_API);

async function faxOf(bcId: string): Promise<unknown> {
  return unwrap(await companion().get("customers", bcId))?.faxNumber;
}

describe("a BC side with a secondary page", () => {
  it("reads the companion page's field with the record and writes edits back to that page", async () => {
    const c = await createCustomer(h, { displayName: "Two Pages Ltd" });
    const bcId = String(c.id).toLowerCase();
    unwrap(await companion().update("customers", bcId, { faxNumber: "555-FAX1" }, "*"));

    const [toDv] = await runMapping(h.deps, "CUSTOMER", { passes: ["toDataverse"] });
    expect(toDv.counters).toMatchObject({ inserted: 1, failed: 0 });
    const dvId = (await h.store.couplings.getByBcId("CUSTOMER", bcId))!.dataverseId;
    expect(await getAccount(h, dvId)).toMatchObject({ name: "Two Pages Ltd", fax: "555-FAX1" });

    // An edit of both pages' fields in Sales lands on each page.
    const salesUser = await otherUser();
    unwrap(
      await h.dv.update(
        "accounts",
        dvId,
        { fax: "555-FAX2", telephone1: "555-0142" },
        { impersonate: { callerId: salesUser } },
      ),
    );
    const [, fromDv] = await runMapping(h.deps, "CUSTOMER");
    expect(fromDv.counters).toMatchObject({ modified: 1, failed: 0 });
    expect(await faxOf(bcId)).toBe("555-FAX2");
    expect(unwrap(await h.bc.company(h.companyId).get("customers", bcId))?.phoneNumber).toBe("555-0142");

    // Our own two-page write is recognised as ours: nothing flows back.
    const again = await runMapping(h.deps, "CUSTOMER");
    expect(again.map((r) => r.counters.modified)).toEqual([0, 0]);

    // Only a secondary-page field changed: one write to that page, guarded by the version the plan read.
    unwrap(await h.dv.update("accounts", dvId, { fax: "555-FAX5" }, { impersonate: { callerId: salesUser } }));
    const [, faxOnly] = await runMapping(h.deps, "CUSTOMER");
    expect(faxOnly.counters).toMatchObject({ modified: 1, failed: 0 });
    expect(await faxOf(bcId)).toBe("555-FAX5");
    const quiet = await runMapping(h.deps, "CUSTOMER");
    expect(quiet.map((r) => r.counters.modified)).toEqual([0, 0]);
  });

  it("creates a BC record from Sales with its secondary-page fields", async () => {
    const created = unwrap(
      await h.dv.create(
        "accounts",
        { name: "Made in Sales", fax: "555-FAX3" },
        { impersonate: { callerId: await otherUser() } },
      ),
    );
    const [, fromDv] = await runMapping(h.deps, "CUSTOMER");
    expect(fromDv.counters).toMatchObject({ inserted: 1, failed: 0 });
    const coupling = await h.store.couplings.getByDataverseId("CUSTOMER", String(created.id).toLowerCase());
    expect(coupling).toBeDefined();
    expect(await faxOf(coupling!.bcId)).toBe("555-FAX3");
  });

  it("a secondary-page value too long for BC is reported before anything is written; fixed, the record arrives once", async () => {
    const tooLong = "5".repeat(40); // faxNumber is Text[30] on the companion page
    const created = unwrap(
      await h.dv.create(
        "accounts",
        { name: "Half Written", fax: tooLong },
        { impersonate: { callerId: await otherUser() } },
      ),
    );
    const dvId = String(created.id).toLowerCase();
    const [, first] = await runMapping(h.deps, "CUSTOMER");
    // Issue 14.6: checked against BC's $metadata before writing, so the customer is not half written (main page
    // created, fax refused): nothing is written and the error names the record and the field.
    expect(first.counters).toMatchObject({ inserted: 0, failed: 1 });
    expect(await h.store.couplings.getByDataverseId("CUSTOMER", dvId)).toBeUndefined();
    const errors = await h.store.jobs.errors({ mappingName: "CUSTOMER", sourceId: dvId });
    expect(errors.map((e) => [e.code, e.field])).toContainEqual(["BCSYNC_E_ENGINE_VALUE_TOO_LONG", "faxNumber|fax"]);

    // Fixed in Sales: the next run creates the customer with its fax, once.
    const salesUser = await otherUser();
    unwrap(await h.dv.update("accounts", dvId, { fax: "555-FAX4" }, { impersonate: { callerId: salesUser } }));
    const [, second] = await runMapping(h.deps, "CUSTOMER");
    expect(second.counters).toMatchObject({ inserted: 1, failed: 0 });
    const coupling = await h.store.couplings.getByDataverseId("CUSTOMER", dvId);
    expect(await faxOf(coupling!.bcId)).toBe("555-FAX4");
    const named = await firstRows(
      h.bc.company(h.companyId).pages("customers", { filter: "displayName eq 'Half Written'" }),
    );
    expect(named).toHaveLength(1);
  });
});

let salesUserId: string | undefined;
/** A Sales user other than the integration user, whose edits sync. */
async function otherUser(): Promise<string> {
  if (salesUserId) return salesUserId;
  const units = await firstRows(h.dv.pages("businessunits", { select: ["businessunitid"], top: 1 }));
  const created = unwrap(
    await h.dv.create("systemusers", {
      firstname: "Sam",
      lastname: "Seller",
      "businessunitid@odata.bind": `/businessunits(${String(units[0].businessunitid)})`,
    }),
  );
  salesUserId = String(created.id).toLowerCase();
  return salesUserId;
}
