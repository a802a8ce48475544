// Option-set mappings over real HTTP: BC payment terms are coupled to the options of account.paymenttermscode
// by label (read through the Dataverse metadata API), a code without an option is a catalogued error with a fix
// hint, and a customer's payment terms reach the account as the option's integer and come back as the BC record.
import { randomUUID } from "node:crypto";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { defineTableMapping } from "../../src/engine/model.ts";
import { reconcile } from "../../src/engine/reconcile.ts";
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

const paymentTerms = defineTableMapping({
  name: "PAYMENT TERMS",
  kind: "optionSet",
  bc: { entitySet: "paymentTerms" },
  dataverse: { table: "account", entitySet: "accounts", keyField: "paymenttermscode" },
  direction: "toDataverse",
  fields: [{ bcField: "code", dataverseField: "paymenttermscode", match: { priority: 0 } }],
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
  h = await startHarness([paymentTerms, customers]);
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

async function salesUser(): Promise<string> {
  const units = await firstRows(h.dv.pages("businessunits", { select: ["businessunitid"], top: 1 }));
  const id = randomUUID();
  unwrap(
    await h.dv.create("systemusers", {
      systemuserid: id,
      firstname: "Opal",
      lastname: "Tions",
      "businessunitid@odata.bind": `/businessunits(${String(units[0].businessunitid)})`,
    }),
  );
  return id;
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

  it("is not scanned by the reconciliation report (its own runs compare every code with every option)", async () => {
    const report = await reconcile(h.deps, "PAYMENT TERMS");
    expect(report.errors[0]).toContain("option-set mapping");
    expect(report.counts).toMatchObject({ couplings: 0, couplingsWithoutDataverse: 0 });
  });
});
