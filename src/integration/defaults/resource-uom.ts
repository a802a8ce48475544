// RESOURCE UOM — Resource Unit of Measure → uom (bc-reference §2.2.12), with multiple units of measure (S12).
// A unit belongs to the resource's unit group; match-based coupling looks for the name within that group.

import { every30, integrationDefault } from "./build.ts";
import { field, type IntegrationDefault } from "./types.ts";

export function resourceUnitOfMeasure(): IntegrationDefault {
  return integrationDefault(
    {
      name: "RESOURCE UOM",
      bc: { api: "companion", entitySet: "resourceUnitsOfMeasure" },
      dataverse: { table: "uom", entitySet: "uoms", keyField: "uomid" },
      direction: "toDataverse",
      dependsOn: ["UNIT GROUP"],
      runOrder: 102,
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
