// UNIT GROUP — Unit Group → uomschedule (bc-reference §2.2.10), with multiple units of measure (S12). The
// companion page gives the unit-group code (`ITEM <No.> UOM GR` / `RESOURCE <No.> UOM GR`) BC computes from
// "Source No.".

import { every30, integrationDefault } from "./build.ts";
import { field, type IntegrationDefault } from "./types.ts";

export function unitGroup(): IntegrationDefault {
  return integrationDefault(
    {
      name: "UNIT GROUP",
      bc: { api: "companion", entitySet: "unitGroups" },
      dataverse: {
        table: "uomschedule",
        entitySet: "uomschedules",
        keyField: "uomscheduleid",
        filter: "statecode eq 0",
      },
      direction: "toDataverse",
      runOrder: 100,
      fields: [
        field("code", "name", "toDataverse", { match: { priority: 0, caseSensitive: false } }),
        field("code", "baseuomname", "toDataverse"),
      ],
    },
    every30(720),
  );
}
