// SALESPRC-PRODPRICE — Sales Price → productpricelevel (bc-reference §2.2.18). BC filter: sales code not blank,
// sales type Customer Price Group (seed S11): such prices become price list lines (S14). Every price syncs,
// coupled or not (BC creates it with "Synch. Only Coupled Records" = false).

import { every30, integrationDefault } from "./build.ts";
import { type DefaultOptions, field, type IntegrationDefault } from "./types.ts";

/** Dataverse pricingmethodcode 1 = Currency Amount. */
export const PRICING_METHOD_CURRENCY_AMOUNT = 1;

export function salesPriceProductPrice(options: DefaultOptions): IntegrationDefault {
  const unitField = options.unitGroupsEnabled ? "uomid" : "uomscheduleid";
  return integrationDefault(
    {
      name: "SALESPRC-PRODPRICE",
      bc: {
        api: "companion",
        entitySet: "salesPrices",
        filter: "salesCode ne '' and salesType eq 'Customer_x0020_Price_x0020_Group'",
      },
      dataverse: { table: "productpricelevel", entitySet: "productpricelevels", keyField: "productpricelevelid" },
      direction: "toDataverse",
      syncOnlyCoupled: false,
      dependsOn: ["CUSTPRCGRP-PRICE", "ITEM-PRODUCT"],
      runOrder: 140,
      fields: [
        field("salesCode", "pricelevelid", "toDataverse", {
          lookup: { mapping: "CUSTPRCGRP-PRICE", bcMatchField: "code" },
        }),
        field("itemId", "productid", "toDataverse", { lookup: { mapping: "ITEM-PRODUCT" } }),
        field("itemNumber", "productnumber", "toDataverse", { enabled: false }),
        field("currencyCode", "transactioncurrencyid", "toDataverse", {
          lookup: { mapping: "CURRENCY", bcMatchField: "code" },
        }),
        field(undefined, "pricingmethodcode", "toDataverse", { constant: PRICING_METHOD_CURRENCY_AMOUNT }),
        field("unitOfMeasureCode", unitField, "toDataverse", { enabled: false }),
        field("unitPrice", "amount", "toDataverse"),
      ],
    },
    every30(1440),
  );
}
