import { date, defineTable, lookup, memo, pick, str } from "../schema.ts";

export const pricelevel = defineTable({
  logicalName: "pricelevel",
  entitySet: "pricelevels",
  primaryName: "name",
  columns: [
    str("name", 100),
    memo("description", 2000),
    date("begindate"),
    date("enddate"),
    lookup("transactioncurrencyid", "transactioncurrency", { createOnly: true }),
    pick("freighttermscode", [1, 2]),
    pick("paymentmethodcode", [1]),
    pick("shippingmethodcode", [1]),
    lookup("bcbi_companyid", "bcbi_company"),
  ],
  oneToMany: [{ name: "price_level_product_price_levels", table: "productpricelevel", column: "pricelevelid" }],
  state: {
    enumName: "PriceLevelState",
    states: { 0: [100001], 1: [100002] },
    stateNames: { 0: "Active", 1: "Inactive" },
  },
  ownership: "organization",
});
