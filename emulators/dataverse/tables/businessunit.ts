import { bool, defineTable, lookup, str } from "../schema.ts";

export const businessunit = defineTable({
  logicalName: "businessunit",
  entitySet: "businessunits",
  primaryName: "name",
  columns: [
    str("name", 160),
    lookup("parentbusinessunitid", "businessunit"),
    lookup("organizationid", "organization", { readOnly: true }),
    bool("isdisabled"),
  ],
  oneToMany: [{ name: "business_unit_system_users", table: "systemuser", column: "businessunitid" }],
  ownership: "none",
});
