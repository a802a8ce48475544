// SALESORDER-ORDER — Sales Header ⇄ salesorder (bc-reference §2.2.22 legacy, §2.2.23 bidirectional). BC filter:
// document type Order (the companion `salesOrders` page holds orders only) and status Released (seed S11).
// Sales → BC only with bidirectional sales order sync (S8); then only Submitted Sales orders take part.
// The companion page carries the status BC's v2.0 page lacks; the v2.0-only fields are other-page fields.

import type { SyncDirection } from "../../engine/model.ts";
import { every30, integrationDefault } from "./build.ts";
import {
  type DefaultOptions,
  field,
  type IntegrationDefault,
  OPTION_SET_FIELD,
  otherPageOnly,
  ownerFields,
  restrictTo,
} from "./types.ts";

/** Dataverse salesorder statecode 1 = Submitted. */
export const SALES_ORDER_STATE_SUBMITTED = 1;
/** Dataverse salesorder statuscode 3 = In Progress, the status of a Submitted order. */
export const SALES_ORDER_STATUS_IN_PROGRESS = 3;

export function salesOrderDirection(options: DefaultOptions): SyncDirection {
  return options.bidirectionalSalesOrders ? "bidirectional" : "toDataverse";
}

function addressFields(prefix: "shipTo" | "billTo", dv: "shipto" | "billto") {
  return [
    "AddressLine1:line1",
    "AddressLine2:line2",
    "PostCode:postalcode",
    "City:city",
    "Country:country",
    "State:stateorprovince",
  ].map((pair) => {
    const [bc, attr] = pair.split(":");
    return otherPageOnly(field(`${prefix}${bc}`, `${dv}_${attr}`));
  });
}

export function salesOrder(options: DefaultOptions): IntegrationDefault {
  const direction = salesOrderDirection(options);
  const bidirectional = direction === "bidirectional";
  const fields = [
    ...ownerFields(options, "salespersonCode"),
    bidirectional
      ? field("number", "bcbi_businesscentralordernumber", "toDataverse")
      : field("number", "ordernumber", "toDataverse"),
    field("yourReference", "ordernumber", "fromDataverse"),
    field(undefined, "customeridtype", "toDataverse", { constant: "account" }),
    field("customerNumber", "customerid", "toDataverse", {
      lookup: { mapping: "CUSTOMER", bcMatchField: "number", dataverseNavigation: "customerid_account" },
    }),
    otherPageOnly(
      field("customerId", "customerid", "fromDataverse", {
        lookup: { mapping: "CUSTOMER", dataverseNavigation: "customerid_account" },
      }),
    ),
    otherPageOnly(
      field("currencyCode", "transactioncurrencyid", undefined, {
        lookup: { mapping: "CURRENCY", bcMatchField: "code" },
      }),
    ),
    otherPageOnly(field("shipToName", "shipto_name")),
    ...addressFields("shipTo", "shipto"),
    field("lastShipmentDate", "datefulfilled", "toDataverse"),
    ...(bidirectional
      ? [
          // BC's hooks: a new Sales order is named after the sell-to customer; every write leaves it Submitted.
          otherPageOnly(field("customerName", "name", "toDataverse", { insertOnly: true })),
          field(undefined, "statecode", "toDataverse", { constant: SALES_ORDER_STATE_SUBMITTED }),
          field(undefined, "statuscode", "toDataverse", { constant: SALES_ORDER_STATUS_IN_PROGRESS }),
        ]
      : [
          otherPageOnly(field("billToName", "billto_name", "toDataverse")),
          otherPageOnly(field("totalAmountExcludingTax", "totalamountlessfreight", "toDataverse")),
          otherPageOnly(field("totalAmountIncludingTax", "totalamount", "toDataverse")),
        ]),
    ...addressFields("billTo", "billto"),
    // Sales → BC, a submitted order's discount is applied by the order flow (flows/sales-document.ts).
    field("invoiceDiscountAmount", "discountamount"),
    field("shippingAgentCode", "shippingmethodcode", undefined, {
      ...OPTION_SET_FIELD,
      lookup: { mapping: "SHIPPING AGENT", option: true, bcMatchField: "code" },
    }),
    field("paymentTermsCode", "paymenttermscode", undefined, {
      ...OPTION_SET_FIELD,
      lookup: { mapping: "PAYMENT TERMS", option: true, bcMatchField: "code" },
    }),
    ...(bidirectional
      ? [
          field("shipmentMethodCode", "freighttermscode", undefined, {
            ...OPTION_SET_FIELD,
            lookup: { mapping: "SHIPMENT METHOD", option: true, bcMatchField: "code" },
          }),
          field("paymentDiscountPercent", "discountpercentage"),
          field("workDescription", "description", undefined, { validate: false }),
        ]
      : []),
    otherPageOnly(field("requestedDeliveryDate", "requestdeliveryby")),
  ];
  return integrationDefault(
    {
      name: "SALESORDER-ORDER",
      bc: { api: "companion", entitySet: "salesOrders", filter: "status eq 'Released'" },
      dataverse: {
        table: "salesorder",
        entitySet: "salesorders",
        keyField: "salesorderid",
        ...(bidirectional ? { filter: `statecode eq ${SALES_ORDER_STATE_SUBMITTED}` } : {}),
      },
      direction,
      dependsOn: bidirectional
        ? ["CUSTOMER", "ITEM-PRODUCT", "RESOURCE-PRODUCT", "OPPORTUNITY"]
        : ["ITEM-PRODUCT", "RESOURCE-PRODUCT", "OPPORTUNITY"],
      runOrder: 170,
      fields: restrictTo(fields, direction),
    },
    every30(720),
  );
}
