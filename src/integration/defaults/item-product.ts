// ITEM-PRODUCT — Item ↔ product (bc-reference §2.2.13). Sales filter: product type Sales Inventory (seed S11).
// The product's type, decimals and unit group are constants/lookups here; the default price list and the
// base unit (`defaultuomid`) are set by the integration's product rules (src/integration/rules.ts).

import { every30, integrationDefault } from "./build.ts";
import { type DefaultOptions, field, type IntegrationDefault, otherPageOnly } from "./types.ts";

export const PRODUCT_TYPE_SALES_INVENTORY = 1;
export const PRODUCT_TYPE_SERVICES = 3;

export function itemProduct(options: DefaultOptions): IntegrationDefault {
  // Insert-only: a product gets its unit group when it is created and never after, as Sales does not allow a
  // product's unit group to change (S13). Products coupled by match get one from the product rule (price-list.ts).
  const unitGroupInput = field(
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
  // Only the companion items page has the unit group code.
  const unitGroupField = options.unitGroupsEnabled ? otherPageOnly(unitGroupInput) : unitGroupInput;
  return integrationDefault(
    {
      name: "ITEM-PRODUCT",
      bc: { api: "v2.0", entitySet: "items", filter: "blocked eq false" },
      dataverse: {
        table: "product",
        entitySet: "products",
        keyField: "productid",
        filter: `producttypecode eq ${PRODUCT_TYPE_SALES_INVENTORY} and statecode eq 0`,
      },
      direction: "bidirectional",
      dependsOn: [options.unitGroupsEnabled ? "ITEM UOM" : "UNIT OF MEASURE"],
      runOrder: 120,
      fields: [
        // A number is an item's (resource's) own: a full sync's pages may overlap though matching is on.
        field("number", "productnumber", "toDataverse", { match: { priority: 0, caseSensitive: false, unique: true } }),
        field("displayName", "name"),
        field("unitPrice", "price", "toDataverse", { transform: { name: "clampMin", args: { min: 0 } } }),
        field("unitCost", "standardcost", "toDataverse"),
        field("unitCost", "currentcost", "toDataverse"),
        otherPageOnly(field("unitVolume", "stockvolume", "toDataverse")),
        otherPageOnly(field("grossWeight", "stockweight", "toDataverse")),
        otherPageOnly(field("vendorNumber", "vendorid", "toDataverse")),
        otherPageOnly(field("vendorItemNumber", "vendorpartnumber", "toDataverse")),
        field("inventory", "quantityonhand", "toDataverse", { transform: { name: "clampMin", args: { min: 0 } } }),
        unitGroupField,
        field(undefined, "producttypecode", "toDataverse", { constant: PRODUCT_TYPE_SALES_INVENTORY }),
        field(undefined, "quantitydecimal", "toDataverse", { constant: 2 }),
      ],
    },
    every30(1440),
  );
}
