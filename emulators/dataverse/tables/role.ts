import { defineTable, lookup, str } from "../schema.ts";

export const role = defineTable({
  logicalName: "role",
  entitySet: "roles",
  primaryName: "name",
  columns: [
    str("name", 100),
    lookup("businessunitid", "businessunit", { required: true }),
    str("roletemplateid", 36),
    lookup("parentroleid", "role"),
  ],
  manyToMany: [
    {
      name: "systemuserroles_association",
      intersect: "systemuserroles",
      selfColumn: "roleid",
      otherTable: "systemuser",
      otherColumn: "systemuserid",
    },
    {
      name: "roleprivileges_association",
      intersect: "roleprivileges",
      selfColumn: "roleid",
      otherTable: "privilege",
      otherColumn: "privilegeid",
    },
  ],
  ownership: "none",
});
