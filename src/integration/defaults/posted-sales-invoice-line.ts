// POSTEDSALESLINE-INV — Sales Invoice Line → invoicedetail (bc-reference §2.2.20): a child of the invoice,
// synced under its header, never on its own (no job queue entry).

import { integrationDefault } from "./build.ts";
import { field, type IntegrationDefault } from "./types.ts";

export function postedSalesInvoiceLine(): IntegrationDefault {
  return integrationDefault(
    {
      name: "POSTEDSALESLINE-INV",
      bc: { api: "v2.0", entitySet: "salesInvoiceLines" },
      dataverse: { table: "invoicedetail", entitySet: "invoicedetails", keyField: "invoicedetailid" },
      direction: "toDataverse",
      syncOnlyCoupled: false,
      parent: { mapping: "POSTEDSALESINV-INV", bcParentField: "documentId", dataverseParentField: "invoiceid" },
      dependsOn: ["POSTEDSALESINV-INV"],
      runOrder: 181,
      fields: [
        field("itemId", "productid", "toDataverse", { lookup: { mapping: "ITEM-PRODUCT" } }),
        field("quantity", "quantity", "toDataverse"),
        field("discountAmount", "manualdiscountamount", "toDataverse"),
        field("unitPrice", "priceperunit", "toDataverse"),
        field(undefined, "ispriceoverridden", "toDataverse", { constant: true }),
        field("amountExcludingTax", "baseamount", "toDataverse"),
        field("amountIncludingTax", "extendedamount", "toDataverse"),
      ],
    },
    null,
  );
}
