import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { defineTableMapping } from "../../src/engine/model.ts";
import { reconcile } from "../../src/engine/reconcile.ts";
import { runMapping } from "../../src/engine/runner.ts";
import {
  createCustomer,
  createSalesUser,
  customerMapping,
  getAccount,
  type Harness,
  startHarness,
  unwrap,
} from "./harness.ts";

const paymentTerms = defineTableMapping({
  name: "PAYMENT TERMS",
  kind: "optionSet",
  bc: { entitySet: "paymentTerms" },
  dataverse: { table: "account", entitySet: "accounts", keyField: "paymenttermscode" },
  direction: "toDataverse",
  fields: [{ bcField: "code", dataverseField: "paymenttermscode", match: { priority: 0 } }],
});
// The same BC codes against a choice column that has none of their labels, with insertion on (as the integration
// defaults have it): every code becomes a new option.
const freightTerms = defineTableMapping({
  name: "FREIGHT TERMS",
  kind: "optionSet",
  insertMissingOptions: true,
  bc: { entitySet: "paymentTerms" },
  dataverse: { table: "account", entitySet: "accounts", keyField: "address1_freighttermscode" },
  // Sales documents have freight terms columns of their own: inserted options go there too, same value.
  optionSetCopies: [
    { table: "salesorder", attribute: "freighttermscode" },
    { table: "quote", attribute: "freighttermscode" },
  ],
  direction: "toDataverse",
  fields: [{ bcField: "code", dataverseField: "address1_freighttermscode", match: { priority: 0 } }],
});
const customers = customerMapping({
  fields: [
    ...customerMapping().fields,
    {
      bcField: "paymentTermsId",
      dataverseField: "paymenttermscode",
      lookup: { mapping: "PAYMENT TERMS", option: true },
      clearOnFail: true,
    },
  ],
});

let h: Harness;
const termIds = new Map<string, string>();

beforeAll(async () => {
  h = await startHarness([paymentTerms, freightTerms, customers]);
  // account.paymenttermscode options: 1 Net 30, 2 "2% 10, Net 30", 3 Net 45, 4 Net 60.
  for (const [code, displayName] of [
    ["NET 30", "Net 30 days"],
    ["NET 60", "Net 60 days"],
    ["14 DAYS", "Net 14 days"],
  ]) {
    const row = unwrap(await h.bc.company(h.companyId).create("paymentTerms", { code, displayName }));
    termIds.set(code, String(row.id).toLowerCase());
  }
});
afterAll(async () => {
  await h?.close();
});

const salesUser = () => createSalesUser(h, "Opal", "Tions");

/** The options of account.address1_freighttermscode, read through the engine's port (metadata API). */
async function freightOptions(table = "account", attribute = "address1_freighttermscode") {
  const r = await h.deps.ports.optionSet(table, attribute);
  if (!r.ok) throw new Error(r.error.message);
  return r.value;
}

describe("option-set mappings", () => {
  it("couples codes to options by label and reports a code without an option, with the fix", async () => {
    const [first] = await runMapping(h.deps, "PAYMENT TERMS");
    expect(first.counters).toMatchObject({ coupled: 2, failed: 1 });
    expect(first.status).toBe("failed");
    expect(await h.store.couplings.getByBcId("PAYMENT TERMS", termIds.get("NET 30")!)).toMatchObject({
      dataverseId: "account.paymenttermscode=1",
    });
    expect((await h.store.couplings.getByBcId("PAYMENT TERMS", termIds.get("NET 60")!))?.dataverseId).toBe(
      "account.paymenttermscode=4",
    );
    const errors = await h.store.jobs.errors({ mappingName: "PAYMENT TERMS", sourceId: termIds.get("14 DAYS") });
    expect(errors[0]).toMatchObject({ code: "BCSYNC_E_ENGINE_OPTION_NOT_IN_DATAVERSE", field: "code" });
    expect(errors[0].message).toContain("14 DAYS");
    expect(errors[0].message).toContain("account.paymenttermscode");

    // Nothing changed: the couplings stay, the missing option is reported again.
    const [second] = await runMapping(h.deps, "PAYMENT TERMS");
    expect(second.counters).toMatchObject({ coupled: 0, unchanged: 2, failed: 1 });
  });

  it("resolves a customer's payment terms to the option value and back", async () => {
    await runMapping(h.deps, "PAYMENT TERMS");
    const c = await createCustomer(h, { displayName: "Optionful", paymentTermsId: termIds.get("NET 30") });
    const bcId = String(c.id).toLowerCase();
    const [toDv] = await runMapping(h.deps, "CUSTOMER", { passes: ["toDataverse"] });
    expect(toDv.counters).toMatchObject({ inserted: 1, failed: 0 });
    const dvId = (await h.store.couplings.getByBcId("CUSTOMER", bcId))!.dataverseId;
    expect((await getAccount(h, dvId))?.paymenttermscode).toBe(1);

    // Changed in Sales to Net 60: BC gets the payment terms record coupled to that option.
    const user = await salesUser();
    unwrap(await h.dv.update("accounts", dvId, { paymenttermscode: 4 }, { impersonate: { callerId: user } }));
    const [, fromDv] = await runMapping(h.deps, "CUSTOMER");
    expect(fromDv.counters).toMatchObject({ modified: 1, failed: 0 });
    const customer = unwrap(await h.bc.company(h.companyId).get("customers", bcId));
    expect(String(customer?.paymentTermsId).toLowerCase()).toBe(termIds.get("NET 60"));
  });

  it("a code without an option leaves the field blank instead of failing the customer", async () => {
    const c = await createCustomer(h, { displayName: "No Option Ltd", paymentTermsId: termIds.get("14 DAYS") });
    const [toDv] = await runMapping(h.deps, "CUSTOMER", { passes: ["toDataverse"] });
    expect(toDv.counters).toMatchObject({ inserted: 1, failed: 0 });
    const dvId = (await h.store.couplings.getByBcId("CUSTOMER", String(c.id).toLowerCase()))!.dataverseId;
    expect((await getAccount(h, dvId))?.paymenttermscode ?? null).toBeNull();
  });

  it("with insertMissingOptions, a code without an option is inserted into the option set and coupled to it", async () => {
    const before = (await freightOptions()) ?? [];
    // A dry run plans the inserts and writes nothing.
    const [planned] = await runMapping(h.deps, "FREIGHT TERMS", { dryRun: true });
    expect(planned.counters).toMatchObject({ inserted: 3, coupled: 3, failed: 0 });
    expect(await freightOptions()).toEqual(before);

    // A Sales user already gave the quotes' column a NET 60 option under a value of their own.
    const own = unwrap(await h.dv.insertOptionValue("quote", "freighttermscode", "NET 60", { value: 100_000_777 }));
    expect(own).toEqual({ value: 100_000_777, inserted: true });

    const [run] = await runMapping(h.deps, "FREIGHT TERMS");
    expect(run.counters).toMatchObject({ inserted: 3, coupled: 3, failed: 1 });
    expect(run.status).toBe("failed");
    const [mismatch] = await h.store.jobs.errors({ mappingName: "FREIGHT TERMS", sourceId: termIds.get("NET 60") });
    expect(mismatch.message).toContain("quote.freighttermscode has option NET 60 as 100000777");
    const after = (await freightOptions()) ?? [];
    expect(after.length).toBe(before.length + 3);
    for (const code of ["NET 30", "NET 60", "14 DAYS"]) {
      const option = after.find((o) => o.label === code);
      expect(option, code).toBeDefined();
      expect(before.some((o) => o.value === option?.value)).toBe(false);
      expect((await h.store.couplings.getByBcId("FREIGHT TERMS", termIds.get(code)!))?.dataverseId).toBe(
        `account.address1_freighttermscode=${option?.value}`,
      );
    }
    // The documents' columns carry the same values (the quote's own NET 60 aside).
    const orders = (await freightOptions("salesorder", "freighttermscode")) ?? [];
    const quotes = (await freightOptions("quote", "freighttermscode")) ?? [];
    for (const code of ["NET 30", "NET 60", "14 DAYS"]) {
      const value = after.find((o) => o.label === code)?.value;
      expect(orders.find((o) => o.label === code)?.value, code).toBe(value);
      expect(quotes.find((o) => o.label === code)?.value, code).toBe(code === "NET 60" ? 100_000_777 : value);
    }
    // The new value is one Dataverse accepts on a row.
    const value = after.find((o) => o.label === "14 DAYS")!.value;
    const account = unwrap(await h.dv.create("accounts", { name: "Freighted", address1_freighttermscode: value }));
    expect((await getAccount(h, String(account.id)))?.address1_freighttermscode).toBe(value);

    // A second run inserts nothing; the connector itself skips a label that exists (any case) without a POST.
    const [again] = await runMapping(h.deps, "FREIGHT TERMS");
    expect(again.counters).toMatchObject({ inserted: 0, coupled: 0, unchanged: 3, failed: 0 });
    expect(again.status).toBe("succeeded");
    const skipped = unwrap(await h.dv.insertOptionValue("account", "address1_freighttermscode", " net 60 "));
    expect(skipped).toEqual({ value: after.find((o) => o.label === "NET 60")!.value, inserted: false });
    expect((await freightOptions())?.length).toBe(after.length);
    // No such choice column: undefined, nothing inserted.
    expect(unwrap(await h.dv.insertOptionValue("account", "nosuchcolumn", "X"))).toBeUndefined();
  });

  it("is not scanned by the reconciliation report (its own runs compare every code with every option)", async () => {
    const report = await reconcile(h.deps, "PAYMENT TERMS");
    expect(report.errors[0]).toContain("option-set mapping");
    expect(report.counts).toMatchObject({ couplings: 0, couplingsWithoutDataverse: 0 });
  });
});
