// CUSTPRCGRP-PRICE — Customer Price Group → pricelevel (bc-reference §2.2.17): price groups become price lists
// (S14). The price list currency is the LCY transaction currency, set by the price list rule.

import { every30, integrationDefault } from "./build.ts";
import { field, type IntegrationDefault } from "./types.ts";

export function customerPriceGroupPriceList(): IntegrationDefault {
  return integrationDefault(
    {
      name: "CUSTPRCGRP-PRICE",
      bc: { api: "companion", entitySet: "customerPriceGroups" },
      dataverse: { table: "pricelevel", entitySet: "pricelevels", keyField: "pricelevelid" },
      direction: "toDataverse",
      dependsOn: ["CURRENCY", "ITEM-PRODUCT"],
      runOrder: 130,
      fields: [field("code", "name", "toDataverse", { match: { priority: 0, caseSensitive: false } })],
    },
    every30(1440),
  );
}
