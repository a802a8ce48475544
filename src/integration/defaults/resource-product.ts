// RESOURCE-PRODUCT — Resource ↔ product (bc-reference §2.2.14). Sales filter: product type Services (seed S11);
// resources become Service products (S14). Resources exist only on the companion API.

import { every30, integrationDefault } from "./build.ts";
import { PRODUCT_TYPE_SERVICES } from "./item-product.ts";
import { type DefaultOptions, field, type IntegrationDefault } from "./types.ts";

export function resourceProduct(options: DefaultOptions): IntegrationDefault {
  // Insert-only: a product gets its unit group when it is created and never after, as Sales does not allow a
  // product's unit group to change (S13). Products coupled by match get one from the product rule (price-list.ts).
  const unitGroupField = field(
    options.unitGroupsEnabled ? "unitGroupCode" : "baseUnitOfMeasureCode",
    "defaultuomscheduleid",
    "toDataverse",
    {
      lookup: options.unitGroupsEnabled
        ? { mapping: "UNIT GROUP", bcMatchField: "code" }
        : { mapping: "UNIT OF MEASURE", bcMatchField: "code" },
      insertOnly: true,
    },
  );
  return integrationDefault(
    {
      name: "RESOURCE-PRODUCT",
      bc: { api: "companion", entitySet: "resources", filter: "blocked eq false" },
      dataverse: {
        table: "product",
        entitySet: "products",
        keyField: "productid",
        filter: `producttypecode eq ${PRODUCT_TYPE_SERVICES} and statecode eq 0`,
      },
      direction: "bidirectional",
      dependsOn: [options.unitGroupsEnabled ? "RESOURCE UOM" : "UNIT OF MEASURE"],
      runOrder: 110,
      fields: [
        // A number is an item's (resource's) own: a full sync's pages may overlap though matching is on.
        field("number", "productnumber", "toDataverse", { match: { priority: 0, caseSensitive: false, unique: true } }),
        field("displayName", "name"),
        field("unitPrice", "price", "toDataverse", { transform: { name: "clampMin", args: { min: 0 } } }),
        field("unitCost", "standardcost", "toDataverse"),
        field("unitCost", "currentcost", "toDataverse"),
        field("vendorNumber", "vendorid", "toDataverse"),
        field("capacity", "quantityonhand", "toDataverse", { transform: { name: "clampMin", args: { min: 0 } } }),
        unitGroupField,
        field(undefined, "producttypecode", "toDataverse", { constant: PRODUCT_TYPE_SERVICES }),
        field(undefined, "quantitydecimal", "toDataverse", { constant: 2 }),
      ],
    },
    every30(720),
  );
}
