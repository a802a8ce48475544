// CUSTOMER — Customer ↔ account (bc-reference §2.2.2). Payment terms and shipment method go through the
// option-set mappings by the BC record ids v2.0 exposes; the rest of BC's fields v2.0 lacks are companion-only.

import { every30, integrationDefault } from "./build.ts";
import {
  type DefaultOptions,
  field,
  type IntegrationDefault,
  OPTION_SET_FIELD,
  otherPageOnly,
  ownerFields,
} from "./types.ts";

/** Dependencies of the account mappings; SALESPEOPLE only exists under Person ownership. */
export function accountDependencies(options: DefaultOptions): string[] {
  const base = ["CURRENCY", "PAYMENT TERMS", "SHIPMENT METHOD", "SHIPPING AGENT"];
  return options.ownershipModel === "person" ? ["SALESPEOPLE", ...base] : base;
}

/** Address, communication and currency fields customers and vendors share. */
export function accountAddressFields() {
  return [
    field("addressLine1", "address1_line1"),
    field("addressLine2", "address1_line2"),
    field("postalCode", "address1_postalcode"),
    field("city", "address1_city"),
    field("country", "address1_country", undefined, { validate: false }),
    field("state", "address1_stateorprovince"),
    field("currencyCode", "transactioncurrencyid", undefined, {
      lookup: { mapping: "CURRENCY", bcMatchField: "code" },
    }),
    field("email", "emailaddress1"),
    field("website", "websiteurl"),
    field("phoneNumber", "telephone1"),
  ];
}

export function customer(options: DefaultOptions): IntegrationDefault {
  return integrationDefault(
    {
      name: "CUSTOMER",
      bc: { api: "v2.0", entitySet: "customers", filter: "blocked eq '_x0020_'" },
      dataverse: {
        table: "account",
        entitySet: "accounts",
        keyField: "accountid",
        filter: "statecode eq 0 and customertypecode eq 3",
      },
      direction: "bidirectional",
      dependsOn: accountDependencies(options),
      runOrder: 40,
      fields: [
        ...ownerFields(options, "salespersonCode"),
        // Match-based coupling on the name (issue 10.2): the review's "sync all" couples an account Sales already
        // has instead of creating it twice. BC leaves the criteria to the user; an unattended review cannot ask.
        field("displayName", "name", undefined, { match: { priority: 0, caseSensitive: false } }),
        // The relationship type, set when BC creates the account as BC's account template does (Customer = 3):
        // without it the account falls outside this mapping's own filter and Sales edits never come back.
        field(undefined, "customertypecode", "toDataverse", { constant: 3, insertOnly: true }),
        otherPageOnly(field("contactName", "address1_primarycontactname", undefined, { validate: false })),
        ...accountAddressFields(),
        otherPageOnly(field("faxNumber", "fax")),
        field("shipmentMethodId", "address1_freighttermscode", undefined, {
          ...OPTION_SET_FIELD,
          lookup: { mapping: "SHIPMENT METHOD", option: true },
        }),
        otherPageOnly(
          field("shippingAgentCode", "address1_shippingmethodcode", undefined, {
            ...OPTION_SET_FIELD,
            lookup: { mapping: "SHIPPING AGENT", option: true, bcMatchField: "code" },
          }),
        ),
        field("paymentTermsId", "paymenttermscode", undefined, {
          ...OPTION_SET_FIELD,
          lookup: { mapping: "PAYMENT TERMS", option: true },
        }),
        field("creditLimit", "creditlimit", "toDataverse"),
        otherPageOnly(
          field("primaryContactNumber", "primarycontactid", undefined, {
            lookup: { mapping: "CONTACT", bcMatchField: "number" },
            clearOnFail: true,
          }),
        ),
        field("number", "accountnumber", "toDataverse", { enabled: false }),
        field("mobilePhoneNumber", "telephone2", undefined, { enabled: false }),
      ],
    },
    every30(720),
  );
}
