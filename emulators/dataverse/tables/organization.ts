import { bool, defineTable, int, lookup, str } from "../schema.ts";

export const organization = defineTable({
  logicalName: "organization",
  entitySet: "organizations",
  primaryName: "name",
  columns: [
    str("name", 160),
    lookup("basecurrencyid", "transactioncurrency", { readOnly: true }),
    int("expirechangetrackingindays"),
    str("localeid", 10),
    // "Is Sales Order Integration Enabled": set by Business Central with its legacy sales order integration (S7).
    bool("issopintegrationenabled"),
  ],
  ownership: "none",
});
