// ITEM UOM — Item Unit of Measure → uom (bc-reference §2.2.11), with multiple units of measure (S12).
// A unit belongs to the item's unit group; match-based coupling looks for the name within that group.

import { every30, integrationDefault } from "./build.ts";
import { field, type IntegrationDefault } from "./types.ts";

export function itemUnitOfMeasure(): IntegrationDefault {
  return integrationDefault(
    {
      name: "ITEM UOM",
      bc: { api: "companion", entitySet: "itemUnitsOfMeasure" },
      dataverse: { table: "uom", entitySet: "uoms", keyField: "uomid" },
      direction: "toDataverse",
      dependsOn: ["UNIT GROUP"],
      runOrder: 101,
      fields: [
        field("code", "name", "toDataverse", { match: { priority: 0, caseSensitive: false } }),
        field("qtyPerUnitOfMeasure", "quantity", "toDataverse"),
        field("unitGroupCode", "uomscheduleid", "toDataverse", {
          lookup: { mapping: "UNIT GROUP", bcMatchField: "code" },
          match: { priority: 0, caseSensitive: false },
        }),
      ],
    },
    every30(720),
  );
}
