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
        field("displayName", "name"),
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
