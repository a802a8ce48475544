// Business Central integration solution table (BC source: CRM proxy tables).
import { activeInactive, defineTable, str } from "../schema.ts";

export const nav_connection = defineTable({
  logicalName: "nav_connection",
  entitySet: "nav_connections",
  primaryName: "nav_name",
  columns: [
    str("nav_name", 100),
    str("nav_dynamicsnavurl", 250),
    str("nav_dynamicsnavodataurl", 250),
    str("nav_dynamicsnavodatausername", 250),
    str("nav_dynamicsnavodataaccesskey", 250),
  ],
  state: activeInactive("nav_connectionState"),
  ownership: "organization",
});
