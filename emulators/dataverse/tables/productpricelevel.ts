import { dec, defineTable, lookup, money, pick, str } from "../schema.ts";

export const productpricelevel = defineTable({
  logicalName: "productpricelevel",
  entitySet: "productpricelevels",
  columns: [
    lookup("pricelevelid", "pricelevel", { required: true, createOnly: true }),
    lookup("productid", "product", { required: true }),
    lookup("uomid", "uom", { required: true }),
    lookup("uomscheduleid", "uomschedule"),
    lookup("transactioncurrencyid", "transactioncurrency", { readOnly: true }),
    money("amount"),
    dec("percentage"),
    pick("pricingmethodcode", [1, 2, 3, 4, 5, 6]),
    pick("quantitysellingcode", [1, 2, 3]),
    pick("roundingpolicycode", [1, 2, 3, 4]),
    pick("roundingoptioncode", [1, 2]),
    money("roundingoptionamount"),
    str("productnumber", 100, { readOnly: true }),
  ],
  ownership: "organization",
});
