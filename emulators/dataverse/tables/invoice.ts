import { date, defineTable, lookup } from "../schema.ts";
import { headerColumns } from "./document-columns.ts";

export const invoice = defineTable({
  logicalName: "invoice",
  entitySet: "invoices",
  primaryName: "name",
  columns: [
    ...headerColumns("invoicenumber"),
    lookup("salesorderid", "salesorder"),
    date("duedate"),
    date("datedelivered"),
  ],
  oneToMany: [{ name: "invoice_details", table: "invoicedetail", column: "invoiceid" }],
  state: {
    enumName: "InvoiceState",
    states: { 0: [1, 2, 4, 5, 6], 1: [3, 7], 2: [100001, 100002], 3: [100003] },
    stateNames: { 0: "Active", 1: "Closed", 2: "Paid", 3: "Canceled" },
    transitions: { 0: [0, 1, 2, 3], 1: [1], 2: [0, 2], 3: [3] },
  },
});
