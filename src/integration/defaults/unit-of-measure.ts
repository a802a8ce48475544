// UNIT OF MEASURE — Unit of Measure → uomschedule (bc-reference §2.2.9), only while unit groups are off (S12):
// one Sales unit group per BC unit, named `NAV <code>`, holding that one unit (S14: one unit per unit group).

import { every30, integrationDefault } from "./build.ts";
import { field, type IntegrationDefault } from "./types.ts";

export function unitOfMeasure(): IntegrationDefault {
  return integrationDefault(
    {
      name: "UNIT OF MEASURE",
      bc: { api: "v2.0", entitySet: "unitsOfMeasure" },
      dataverse: { table: "uomschedule", entitySet: "uomschedules", keyField: "uomscheduleid" },
      direction: "toDataverse",
      runOrder: 100,
      fields: [
        field("code", "baseuomname", "toDataverse"),
        field("code", "name", "toDataverse", {
          transform: { name: "prefix", args: { value: "NAV " } },
          match: { priority: 0, caseSensitive: false },
        }),
      ],
    },
    every30(720),
  );
}
