import { activeInactive, defineTable, memo, str } from "../schema.ts";

export const uomschedule = defineTable({
  logicalName: "uomschedule",
  entitySet: "uomschedules",
  primaryName: "name",
  columns: [str("name", 200), memo("description", 2000), str("baseuomname", 100, { createOnly: true })],
  oneToMany: [{ name: "unit_of_measurement_schedule_conversions", table: "uom", column: "uomscheduleid" }],
  state: activeInactive("UoMScheduleState"),
  ownership: "organization",
});
