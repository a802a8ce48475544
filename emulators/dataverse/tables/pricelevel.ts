import { date, defineTable, lookup, memo, pick, str } from "../schema.ts";
import { FREIGHT_TERMS, SHIPPING_METHODS } from "./option-labels.ts";

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
    pick("freighttermscode", [1, 2], { labels: FREIGHT_TERMS }),
    pick("paymentmethodcode", [1]),
    pick("shippingmethodcode", [1], { labels: SHIPPING_METHODS }),
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
