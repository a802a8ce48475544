import { date, defineTable, int } from "../schema.ts";
import { headerColumns } from "./document-columns.ts";

export const quote = defineTable({
  logicalName: "quote",
  entitySet: "quotes",
  primaryName: "name",
  columns: [
    ...headerColumns("quotenumber"),
    int("revisionnumber", { readOnly: true }),
    date("effectivefrom"),
    date("effectiveto"),
    date("expireson"),
    date("closedon"),
  ],
  oneToMany: [{ name: "quote_details", table: "quotedetail", column: "quoteid" }],
  state: {
    enumName: "QuoteState",
    states: { 0: [1], 1: [2, 3], 2: [4], 3: [5, 6, 7] },
    stateNames: { 0: "Draft", 1: "Active", 2: "Won", 3: "Closed" },
    // Draft → Active → Won/Closed; an active quote may be revised back to draft. Won/Closed are final.
    transitions: { 0: [0, 1, 3], 1: [0, 1, 2, 3], 2: [2], 3: [3] },
  },
});
