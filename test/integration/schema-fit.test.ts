// Schema fit of a BC side with a secondary page, against the emulators: a field the secondary page does not know
// is switched off on its own; a secondary page that does not exist switches off its fields and is dropped.
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { defineTableMapping } from "../../src/engine/model.ts";
import { fitMappings } from "../../src/integration/schema-fit.ts";
import { createCustomer, type Harness, startHarness } from "../engine/harness.ts";

let h: Harness;
beforeAll(async () => {
  h = await startHarness([]);
  // The emulator checks $select only against rows it returns (real BC checks it always): give it one.
  await createCustomer(h, { displayName: "Fit Probe" });
});
afterAll(async () => h?.close());

const customers = (secondary: { api: "v2.0" | "companion"; entitySet: string; fields: string[] }) =>
  defineTableMapping({
    name: "CUSTOMER",
    bc: { entitySet: "customers", secondary },
    dataverse: { table: "account", entitySet: "accounts", keyField: "accountid" },
    direction: "bidirectional",
    fields: [
      { bcField: "displayName", dataverseField: "name" },
      { bcField: "faxNumber", dataverseField: "fax" },
      { bcField: "noSuchField", dataverseField: "telephone3" },
    ],
  });

const enabled = (m: { fields: { bcField?: string; enabled: boolean }[] }) =>
  m.fields.filter((f) => f.enabled).map((f) => f.bcField);

describe("schema fit with a secondary BC page", () => {
  it("switches off a field the secondary page does not know, and keeps the others", async () => {
    const { mappings, reports } = await fitMappings(
      [customers({ api: "companion", entitySet: "customers", fields: ["faxNumber", "noSuchField"] })],
      { dataverse: h.dv, businessCentral: h.bc, companyId: h.companyId },
    );
    expect(enabled(mappings[0])).toEqual(["displayName", "faxNumber"]);
    expect(mappings[0].bc.secondary?.entitySet).toBe("customers");
    expect(reports).toEqual([
      expect.objectContaining({ mapping: "CUSTOMER", side: "bc", change: expect.stringContaining("noSuchField") }),
    ]);
  });

  it("drops a secondary page that does not exist, with its fields", async () => {
    const { mappings, reports } = await fitMappings(
      [customers({ api: "companion", entitySet: "noSuchPage", fields: ["faxNumber", "noSuchField"] })],
      { dataverse: h.dv, businessCentral: h.bc, companyId: h.companyId },
    );
    expect(enabled(mappings[0])).toEqual(["displayName"]);
    expect(mappings[0].bc.secondary).toBeUndefined();
    expect(reports.some((r) => r.change.includes("noSuchPage"))).toBe(true);
  });
});
