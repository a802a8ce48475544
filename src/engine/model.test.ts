import { describe, expect, it } from "vitest";
import {
  defineTableMapping,
  fieldKey,
  fieldsForPass,
  optionMapOf,
  parseMappings,
  passesOf,
  serializeMappings,
  type TableMappingInput,
} from "./model.ts";

const customer: TableMappingInput = {
  name: "CUSTOMER",
  bc: { api: "v2.0", entitySet: "customers", filter: "blocked eq ' '" },
  dataverse: { table: "account", entitySet: "accounts", keyField: "accountid", filter: "customertypecode eq 3" },
  direction: "bidirectional",
  optionMaps: { shipment: { entries: [{ bc: "DHL", dataverse: 1, label: "DHL" }] } },
  fields: [
    { bcField: "displayName", dataverseField: "name", match: { priority: 1 } },
    { bcField: "phoneNumber", dataverseField: "telephone1" },
    {
      bcField: "salespersonCode",
      dataverseField: "ownerid",
      direction: "toDataverse",
      notNull: true,
      lookup: { mapping: "SALESPEOPLE", bcMatchField: "code" },
    },
    { bcField: "shipmentMethodCode", dataverseField: "address1_freighttermscode", optionMap: "shipment" },
    { dataverseField: "customertypecode", constant: 3, direction: "toDataverse" },
    { bcField: "email", dataverseField: "emailaddress1", transform: { name: "trim" }, enabled: false },
  ],
};

describe("mapping model", () => {
  it("fills defaults and validates", () => {
    const m = defineTableMapping(customer);
    expect(m.syncOnlyCoupled).toBe(true);
    expect(m.bc.keyField).toBe("id");
    expect(m.dataverse.modifiedField).toBe("modifiedon");
    expect(m.updateConflict).toBe("none");
    expect(m.fieldLevelMerge).toBe(true);
    expect(m.job).toEqual({ intervalMinutes: 30, inactivityTimeoutMinutes: 720 });
    expect(optionMapOf(m, m.fields[3])?.entries[0].dataverse).toBe(1);
  });

  it("selects the field mappings of each pass", () => {
    const m = defineTableMapping(customer);
    expect(fieldsForPass(m, "toDataverse").map(fieldKey)).toEqual([
      "displayName|name",
      "phoneNumber|telephone1",
      "salespersonCode|ownerid",
      "shipmentMethodCode|address1_freighttermscode",
      "|customertypecode",
    ]);
    expect(fieldsForPass(m, "fromDataverse").map(fieldKey)).toEqual([
      "displayName|name",
      "phoneNumber|telephone1",
      "shipmentMethodCode|address1_freighttermscode",
    ]);
    expect(passesOf("bidirectional")).toEqual(["toDataverse", "fromDataverse"]);
  });

  it.each(["yaml", "json"] as const)("round-trips through %s", (format) => {
    const m = defineTableMapping(customer);
    const text = serializeMappings([m], format);
    const back = parseMappings(text, format);
    expect(back).toEqual({ ok: true, value: [m] });
    expect(serializeMappings(back.ok ? back.value : [], format)).toBe(text);
  });

  it("reports invalid files as values naming the path", () => {
    const bad = { ...customer, fields: [{ bcField: "x", dataverseField: "y", optionMap: "nope" }] };
    const result = parseMappings(JSON.stringify(bad), "json");
    expect(result.ok).toBe(false);
    if (!result.ok) expect(result.issues.join("\n")).toContain("fields.0.optionMap");
    const wrongDir = {
      ...customer,
      direction: "toDataverse",
      fields: [{ bcField: "a", dataverseField: "b", direction: "fromDataverse" }],
    };
    const r2 = parseMappings(JSON.stringify(wrongDir), "json");
    expect(r2.ok).toBe(false);
    expect(parseMappings("{: nope", "yaml").ok).toBe(false);
  });

  it("rejects a field mapping with neither side and clearOnFail with notNull", () => {
    expect(() => defineTableMapping({ ...customer, fields: [{ constant: 1 }] })).toThrow();
    expect(() =>
      defineTableMapping({
        ...customer,
        fields: [{ bcField: "a", dataverseField: "b", clearOnFail: true, notNull: true }],
      }),
    ).toThrow();
  });
});
