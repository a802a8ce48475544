// VENDOR — Vendor ↔ account (bc-reference §2.2.3). Bidirectional because BC's GetDefaultDirection does not list
// Vendor (its default 0 is Bidirectional).

import { every30, integrationDefault } from "./build.ts";
import { accountAddressFields, accountDependencies } from "./customer.ts";
import {
  type DefaultOptions,
  field,
  type IntegrationDefault,
  OPTION_SET_FIELD,
  otherPageOnly,
  ownerFields,
} from "./types.ts";

export function vendor(options: DefaultOptions): IntegrationDefault {
  return integrationDefault(
    {
      name: "VENDOR",
      bc: { api: "v2.0", entitySet: "vendors", filter: "blocked eq '_x0020_'" },
      dataverse: {
        table: "account",
        entitySet: "accounts",
        keyField: "accountid",
        filter: "statecode eq 0 and customertypecode eq 11",
      },
      direction: "bidirectional",
      dependsOn: accountDependencies(options),
      runOrder: 41,
      fields: [
        ...ownerFields(options, "purchaserCode", true),
        // Match-based coupling on the name (issue 10.2): the review's "sync all" couples an account Sales already
        // has instead of creating it twice. BC leaves the criteria to the user; an unattended review cannot ask.
        field("displayName", "name", undefined, { match: { priority: 0, caseSensitive: false } }),
        // The relationship type, set when BC creates the account as BC's account template does (Vendor = 11):
        // without it the account falls outside this mapping's own filter and Sales edits never come back.
        field(undefined, "customertypecode", "toDataverse", { constant: 11, insertOnly: true }),
        otherPageOnly(field("contactName", "address1_primarycontactname", undefined, { validate: false })),
        ...accountAddressFields(),
        otherPageOnly(field("faxNumber", "fax")),
        otherPageOnly(
          field("shipmentMethodCode", "address1_freighttermscode", undefined, {
            ...OPTION_SET_FIELD,
            lookup: { mapping: "SHIPMENT METHOD", option: true, bcMatchField: "code" },
          }),
        ),
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
