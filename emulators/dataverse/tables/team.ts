import { bool, defineTable, lookup, pick, str } from "../schema.ts";

export const team = defineTable({
  logicalName: "team",
  entitySet: "teams",
  primaryName: "name",
  columns: [
    str("name", 160),
    lookup("businessunitid", "businessunit", { required: true }),
    lookup("administratorid", "systemuser"),
    pick("teamtype", [0, 1, 2, 3]),
    bool("isdefault", { readOnly: true }),
    str("azureactivedirectoryobjectid", 36),
  ],
  manyToMany: [
    {
      name: "teammembership_association",
      intersect: "teammembership",
      selfColumn: "teamid",
      otherTable: "systemuser",
      otherColumn: "systemuserid",
    },
  ],
  ownership: "none",
});
