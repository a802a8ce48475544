import { describe, expect, it } from "vitest";
import { matchesByUniqueValues } from "./matching.ts";
import { defineTableMapping, type FieldMappingInput } from "./model.ts";

const mapping = (fields: FieldMappingInput[]) =>
  defineTableMapping({
    name: "ITEM-PRODUCT",
    bc: { entitySet: "items" },
    dataverse: { table: "product", entitySet: "products", keyField: "productid" },
    direction: "bidirectional",
    fields: [...fields, { bcField: "displayName", dataverseField: "name" }],
  });

const number = (match: FieldMappingInput["match"]): FieldMappingInput => ({
  bcField: "number",
  dataverseField: "productnumber",
  direction: "toDataverse",
  match,
});

// Whether a full sync's pages may overlap with matching on: only when no record can match what another created.
describe("matchesByUniqueValues", () => {
  it.each([
    ["a match by a unique number", [number({ priority: 0, unique: true })], true],
    ["a match by a number not marked unique", [number({ priority: 0 })], false],
    [
      "a unique number AND-ed with a name",
      [number({ priority: 0, unique: true }), { bcField: "vendorNumber", dataverseField: "vendorid", match: {} }],
      true,
    ],
    [
      "a unique number, then a name when it finds nothing",
      [
        number({ priority: 0, unique: true }),
        { bcField: "vendorNumber", dataverseField: "vendorid", match: { priority: 1 } },
      ],
      false,
    ],
    ["no match fields", [], false],
  ] as [string, FieldMappingInput[], boolean][])("%s: %s", (_, fields, expected) => {
    expect(matchesByUniqueValues(mapping(fields), "toDataverse")).toBe(expected);
  });

  it("looks at the pass's own match fields only", () => {
    expect(matchesByUniqueValues(mapping([number({ priority: 0, unique: true })]), "fromDataverse")).toBe(false);
  });
});
