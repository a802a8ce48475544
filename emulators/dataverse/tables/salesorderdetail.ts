import { dec, defineTable, int, pick } from "../schema.ts";
import { lineColumns } from "./document-columns.ts";

export const salesorderdetail = defineTable({
  logicalName: "salesorderdetail",
  entitySet: "salesorderdetails",
  columns: [
    ...lineColumns("salesorder"),
    dec("quantityshipped"),
    dec("quantitybackordered"),
    dec("quantitycancelled"),
    pick("salesorderstatecode", [0, 1, 2, 3, 4], { readOnly: true }),
    int("bcbi_businesscentrallinenumber"),
  ],
});
