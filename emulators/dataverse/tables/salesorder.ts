import { date, defineTable, int, lookup, memo, pick, str } from "../schema.ts";
import { headerColumns } from "./document-columns.ts";

export const salesorder = defineTable({
  logicalName: "salesorder",
  entitySet: "salesorders",
  primaryName: "name",
  columns: [
    ...headerColumns("ordernumber"),
    lookup("quoteid", "quote"),
    date("requestdeliveryby"),
    date("datefulfilled"),
    date("submitdate"),
    pick("submitstatus", [1]),
    memo("submitstatusdescription", 2000),
    date("lastbackofficesubmit"),
    str("bcbi_businesscentralordernumber", 20),
    int("bcbi_businesscentraldocumentoccurrencenumber"),
  ],
  oneToMany: [{ name: "order_details", table: "salesorderdetail", column: "salesorderid" }],
  state: {
    enumName: "SalesOrderState",
    states: { 0: [1, 2], 1: [3], 2: [4], 3: [100001, 100002], 4: [100003] },
    stateNames: { 0: "Active", 1: "Submitted", 2: "Canceled", 3: "Fulfilled", 4: "Invoiced" },
    // Canceled, fulfilled and invoiced orders are closed; only Submitted may return to Active.
    transitions: { 0: [0, 1, 2, 3, 4], 1: [0, 1, 2, 3, 4], 2: [2], 3: [3, 4], 4: [4] },
  },
});
