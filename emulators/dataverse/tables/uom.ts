import { bool, dec, defineTable, lookup, str } from "../schema.ts";

export const uom = defineTable({
  logicalName: "uom",
  entitySet: "uoms",
  primaryName: "name",
  columns: [
    str("name", 100),
    lookup("uomscheduleid", "uomschedule", { required: true, createOnly: true }),
    lookup("baseuom", "uom"),
    dec("quantity"),
    bool("isschedulebaseuom", { readOnly: true }),
  ],
  ownership: "organization",
});
