// SOLINE-ORDERDETAIL — Sales Line ⇄ salesorderdetail (bc-reference §2.2.24): a child of SALESORDER-ORDER,
// synced under its header in the header's direction (no job queue entry). A line deleted on one side has its
// coupling removed (BC: Deletion-Conflict Resolution = Remove Coupling).

import { integrationDefault } from "./build.ts";
import { salesOrderDirection } from "./sales-order.ts";
import { type DefaultOptions, field, type IntegrationDefault, restrictTo } from "./types.ts";

export function salesOrderLine(options: DefaultOptions): IntegrationDefault {
  const direction = salesOrderDirection(options);
  return integrationDefault(
    {
      name: "SOLINE-ORDERDETAIL",
      bc: { api: "v2.0", entitySet: "salesOrderLines", filter: "lineType eq 'Item' or lineType eq 'Resource'" },
      dataverse: { table: "salesorderdetail", entitySet: "salesorderdetails", keyField: "salesorderdetailid" },
      direction,
      syncOnlyCoupled: false,
      deletionConflict: "removeCoupling",
      parent: { mapping: "SALESORDER-ORDER", bcParentField: "documentId", dataverseParentField: "salesorderid" },
      dependsOn: ["SALESORDER-ORDER"],
      runOrder: 171,
      fields: restrictTo(
        [
          field(undefined, "producttypecode", "toDataverse", { constant: 1 }),
          field("itemId", "productid", undefined, { lookup: { mapping: "ITEM-PRODUCT" } }),
          field("sequence", "bcbi_businesscentrallinenumber"),
          field("quantity", "quantity"),
          field("shippedQuantity", "quantityshipped", "toDataverse"),
          field(undefined, "ispriceoverridden", "toDataverse", { constant: true }),
          field("unitPrice", "priceperunit"),
          field("amountExcludingTax", "baseamount", "toDataverse"),
          field("amountIncludingTax", "extendedamount", "toDataverse"),
          // BC's line hook: tax = Amount Including VAT − Amount, which is the line's total tax amount.
          field("totalTaxAmount", "tax", "toDataverse"),
        ],
        direction,
      ),
    },
    null,
  );
}
