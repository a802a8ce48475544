// POSTEDSALESINV-INV — Sales Invoice Header → invoice (bc-reference §2.2.19). Invoices sync after everything
// they reference (S14); the salesperson code sets the owner. As in BC, scheduled runs only update coupled
// invoices (§9.3): new invoices reach Sales through a full sync or `bcsync sync --full`.

import { every30, integrationDefault } from "./build.ts";
import {
  type DefaultOptions,
  field,
  type IntegrationDefault,
  OPTION_SET_FIELD,
  otherPageOnly,
  ownerFields,
} from "./types.ts";

function address(prefix: "shipTo" | "billTo", dv: "shipto" | "billto") {
  return [
    ...(prefix === "shipTo" ? [otherPageOnly(field("shipToName", "shipto_name", "toDataverse"))] : []),
    otherPageOnly(field(`${prefix}AddressLine1`, `${dv}_line1`, "toDataverse")),
    otherPageOnly(field(`${prefix}AddressLine2`, `${dv}_line2`, "toDataverse")),
    otherPageOnly(field(`${prefix}City`, `${dv}_city`, "toDataverse")),
    otherPageOnly(field(`${prefix}Country`, `${dv}_country`, "toDataverse")),
    otherPageOnly(field(`${prefix}PostCode`, `${dv}_postalcode`, "toDataverse")),
    otherPageOnly(field(`${prefix}State`, `${dv}_stateorprovince`, "toDataverse")),
  ];
}

export function postedSalesInvoice(options: DefaultOptions): IntegrationDefault {
  return integrationDefault(
    {
      name: "POSTEDSALESINV-INV",
      // Addresses exist only on v2.0's salesInvoices page (the same Sales Invoice Header rows, same SystemId).
      bc: {
        api: "companion",
        entitySet: "postedSalesInvoices",
        secondary: { api: "v2.0", entitySet: "salesInvoices", fields: ["shipToName"] },
      },
      dataverse: { table: "invoice", entitySet: "invoices", keyField: "invoiceid" },
      direction: "toDataverse",
      dependsOn: ["ITEM-PRODUCT", "RESOURCE-PRODUCT", "OPPORTUNITY"],
      runOrder: 180,
      fields: [
        field("number", "invoicenumber", "toDataverse", { match: { priority: 0, caseSensitive: false } }),
        field("number", "name", "toDataverse"),
        ...ownerFields(options, "salespersonCode"),
        field("customerNumber", "customerid", "toDataverse", {
          lookup: { mapping: "CUSTOMER", bcMatchField: "number", dataverseNavigation: "customerid_account" },
        }),
        field("currencyCode", "transactioncurrencyid", "toDataverse", {
          lookup: { mapping: "CURRENCY", bcMatchField: "code" },
        }),
        field("dueDate", "duedate", "toDataverse"),
        ...address("shipTo", "shipto"),
        field("shipmentDate", "datedelivered", "toDataverse"),
        otherPageOnly(field("billToName", "billto_name", "toDataverse")),
        ...address("billTo", "billto"),
        field("amount", "totalamountlessfreight", "toDataverse"),
        field("amountIncludingTax", "totalamount", "toDataverse"),
        field("invoiceDiscountAmount", "discountamount", "toDataverse"),
        field("shippingAgentCode", "shippingmethodcode", "toDataverse", {
          ...OPTION_SET_FIELD,
          lookup: { mapping: "SHIPPING AGENT", option: true, bcMatchField: "code" },
        }),
        field("paymentTermsCode", "paymenttermscode", "toDataverse", {
          ...OPTION_SET_FIELD,
          lookup: { mapping: "PAYMENT TERMS", option: true, bcMatchField: "code" },
        }),
        field("workDescription", "description", "toDataverse"),
      ],
    },
    every30(1440),
  );
}
