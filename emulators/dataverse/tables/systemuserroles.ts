// N:N intersect table: read-only through the Web API, written by $ref association.
import { defineTable, str } from "../schema.ts";

export const systemuserroles = defineTable({
  logicalName: "systemuserroles",
  entitySet: "systemuserrolescollection",
  primaryKey: "systemuserroleid",
  columns: [str("systemuserid", 36, { readOnly: true }), str("roleid", 36, { readOnly: true })],
  ownership: "none",
});
