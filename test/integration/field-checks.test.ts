// Issue 14.5/14.6: values the other side refuses went out unchecked, and the refusal named no field (Business
// Central's "The email address … is not valid." names no field; a Dataverse option out of range names the
// attribute only in its own words). Now the target's metadata is checked before writing: an invalid e-mail
// address and a choice value that is not one of the column's options fail their record with a field error naming
// mapping, record (name and id), field and fix, and the other records of the same batch are written.
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { DEMO_INTEGRATION_APP_2 } from "../../emulators/identity/demo-apps.ts";
import type { DataverseClient } from "../../src/connectors/index.ts";
import { runMapping } from "../../src/engine/runner.ts";
import { dataverseClient } from "../connectors/emulators.ts";
import { createCustomer, customerMapping, type Harness, startHarness, unwrap } from "../engine/harness.ts";

const mapping = () =>
  customerMapping({
    fields: [
      ...customerMapping().fields,
      {
        bcField: "blocked",
        dataverseField: "accountcategorycode",
        direction: "toDataverse",
        // "Invoice" points at an option the Sales column does not have (it has 1 and 2).
        optionMap: {
          entries: [
            { bc: " ", dataverse: 2 },
            { bc: "Ship", dataverse: 1 },
            { bc: "Invoice", dataverse: 9 },
          ],
          unmapped: "fail",
        },
      },
    ],
  });

let h: Harness;
let sales: DataverseClient;
beforeAll(async () => {
  h = await startHarness([mapping()]);
  // Accounts written by another app's user: the integration user's own writes are never synced back.
  sales = dataverseClient(h.emulators, {
    clientId: DEMO_INTEGRATION_APP_2.clientId,
    clientSecret: DEMO_INTEGRATION_APP_2.clientSecret,
  });
});
afterAll(async () => {
  await sales?.close();
  await h?.close();
});

describe("values the target's metadata refuses are field errors before writing", () => {
  it("an invalid e-mail address from Sales fails that account alone, naming the field; the rest of the batch is written", async () => {
    const good = unwrap(
      await sales.create("accounts", { name: "Fabrikam Good", emailaddress1: "info@fabrikam.example" }),
    );
    const bad = unwrap(
      await sales.create("accounts", { name: "Fabrikam Bad Mail", emailaddress1: "sales at fabrikam" }),
    );
    const other = unwrap(await sales.create("accounts", { name: "Fabrikam Other" }));
    const [report] = await runMapping(h.deps, "CUSTOMER", { passes: ["fromDataverse"] });
    expect(report.counters.failed).toBe(1);
    expect(report.counters.inserted).toBe(2);
    const errors = await h.store.jobs.errors({ mappingName: "CUSTOMER" });
    const error = errors.find((e) => e.sourceId === bad.id);
    expect(error).toMatchObject({ code: "BCSYNC_E_ENGINE_VALUE_NOT_EMAIL", field: "email|emailaddress1" });
    expect(error?.message).toContain("Fabrikam Bad Mail");
    expect(error?.message).toContain(bad.id);
    expect(error?.message).toContain("'sales at fabrikam'");
    for (const ok of [good, other]) expect(await h.store.couplings.getByDataverseId("CUSTOMER", ok.id!)).toBeTruthy();
  });

  it("a choice value outside the Sales column's options fails that customer alone, naming the field", async () => {
    const fine = await createCustomer(h, { displayName: "Contoso Fine", blocked: "Ship" });
    const wrong = await createCustomer(h, { displayName: "Contoso Wrong Option", blocked: "Invoice" });
    const [report] = await runMapping(h.deps, "CUSTOMER", { passes: ["toDataverse"] });
    expect(report.counters.failed).toBe(1);
    const errors = await h.store.jobs.errors({ mappingName: "CUSTOMER" });
    const error = errors.find((e) => e.sourceId === String(wrong.id));
    expect(error).toMatchObject({ code: "BCSYNC_E_ENGINE_OPTION_VALUE_INVALID", field: "blocked|accountcategorycode" });
    expect(error?.message).toContain("Contoso Wrong Option");
    expect(error?.message).toMatch(/9 is not one of the target's options \(1, 2\)/);
    const coupled = await h.store.couplings.getByBcId("CUSTOMER", String(fine.id));
    expect(coupled).toBeTruthy();
    const account = unwrap(await h.dv.retrieve("accounts", coupled!.dataverseId));
    expect(account?.accountcategorycode).toBe(1);
  });

  it("reads the rules from Dataverse metadata: required (SystemRequired), e-mail format, option values", async () => {
    const account = unwrap(await h.dv.columnRules("account"));
    expect([...account.email].sort()).toEqual(["emailaddress1", "emailaddress2", "emailaddress3"]);
    expect([...(account.options.get("accountcategorycode") ?? [])]).toEqual([1, 2]);
    // The key, the owner and state/status are filled by the platform when left out.
    expect(account.required.has("accountid")).toBe(false);
    expect(account.required.has("ownerid")).toBe(false);
    const uom = unwrap(await h.dv.columnRules("uom"));
    expect(uom.required.has("uomscheduleid")).toBe(true);
  });

  it("Dataverse's 0x80048d19 'Error identified in Payload' names the field it refused", async () => {
    // A mapping error: an address line sent to an integer column. The service quotes only the literal; the field
    // is the one of the sent record that holds it.
    h.mappings.set(
      "CUSTOMER",
      customerMapping({
        fields: [
          ...customerMapping().fields,
          { bcField: "addressLine1", dataverseField: "numberofemployees", direction: "toDataverse" },
        ],
      }),
    );
    try {
      const wrong = await createCustomer(h, { displayName: "Litware Wrong Type", addressLine1: "1 Main Street" });
      const [report] = await runMapping(h.deps, "CUSTOMER", { passes: ["toDataverse"] });
      expect(report.counters.failed).toBeGreaterThanOrEqual(1);
      const errors = await h.store.jobs.errors({ mappingName: "CUSTOMER" });
      const error = errors.find((e) => e.sourceId === String(wrong.id));
      expect(error).toMatchObject({ code: "BCSYNC_E_CONNECTOR_PAYLOAD_INVALID", field: "numberofemployees" });
      expect(error?.message).toContain("refused field numberofemployees of record");
      expect(error?.message).toContain("Cannot convert the literal '1 Main Street'");
    } finally {
      h.mappings.set("CUSTOMER", mapping());
    }
  });
});
