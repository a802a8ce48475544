// N:N intersect table: read-only through the Web API, written by $ref association.
import { defineTable, str } from "../schema.ts";

export const teammembership = defineTable({
  logicalName: "teammembership",
  entitySet: "teammemberships",
  columns: [str("systemuserid", 36, { readOnly: true }), str("teamid", 36, { readOnly: true })],
  ownership: "none",
});
