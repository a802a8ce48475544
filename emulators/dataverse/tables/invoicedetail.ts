import { date, defineTable, str } from "../schema.ts";
import { lineColumns } from "./document-columns.ts";

export const invoicedetail = defineTable({
  logicalName: "invoicedetail",
  entitySet: "invoicedetails",
  columns: [...lineColumns("invoice"), str("shippingtrackingnumber", 100), date("actualdeliveryon")],
});
