import { defineTable } from "../schema.ts";
import { lineColumns } from "./document-columns.ts";

export const quotedetail = defineTable({
  logicalName: "quotedetail",
  entitySet: "quotedetails",
  columns: lineColumns("quote"),
});
