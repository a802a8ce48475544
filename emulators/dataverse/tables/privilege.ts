// Privileges (read-only platform rows, seeded per table) and their N:N with roles; the intersect rows
// (roleprivileges) carry the depth and are written by AddPrivilegesRole/ReplacePrivilegesRole/RemovePrivilegeRole.
import { bool, defineTable, int, str } from "../schema.ts";

export const privilege = defineTable({
  logicalName: "privilege",
  entitySet: "privileges",
  primaryName: "name",
  columns: [
    str("name", 100, { readOnly: true }),
    int("accessright", { readOnly: true }),
    bool("canbebasic", { readOnly: true }),
    bool("canbelocal", { readOnly: true }),
    bool("canbedeep", { readOnly: true }),
    bool("canbeglobal", { readOnly: true }),
    bool("canbeentityreference", { readOnly: true }),
    bool("canbeparententityreference", { readOnly: true }),
  ],
  manyToMany: [
    {
      name: "roleprivileges_association",
      intersect: "roleprivileges",
      selfColumn: "privilegeid",
      otherTable: "role",
      otherColumn: "roleid",
    },
  ],
  ownership: "none",
});
