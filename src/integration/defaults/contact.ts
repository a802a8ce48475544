// CONTACT — Contact ↔ contact (bc-reference §2.2.4): person contacts that belong to a company.

import { every30, integrationDefault } from "./build.ts";
import { type DefaultOptions, field, type IntegrationDefault, otherPageOnly, ownerFields } from "./types.ts";

export function contact(options: DefaultOptions): IntegrationDefault {
  return integrationDefault(
    {
      name: "CONTACT",
      bc: { api: "v2.0", entitySet: "contacts", filter: "type eq 'Person' and companyNumber ne ''" },
      dataverse: {
        table: "contact",
        entitySet: "contacts",
        keyField: "contactid",
        filter: "_parentcustomerid_value ne null and statecode eq 0",
      },
      direction: "bidirectional",
      dependsOn: ["CUSTOMER", "VENDOR"],
      runOrder: 50,
      fields: [
        ...ownerFields(options, "salespersonCode", true),
        otherPageOnly(
          field("currencyCode", "transactioncurrencyid", undefined, {
            lookup: { mapping: "CURRENCY", bcMatchField: "code" },
          }),
        ),
        field("addressLine1", "address1_line1"),
        field("addressLine2", "address1_line2"),
        field("postalCode", "address1_postalcode"),
        field("city", "address1_city"),
        field("country", "address1_country", undefined, { validate: false }),
        field("state", "address1_stateorprovince"),
        field("email", "emailaddress1"),
        otherPageOnly(field("faxNumber", "fax")),
        otherPageOnly(field("firstName", "firstname")),
        otherPageOnly(field("middleName", "middlename")),
        otherPageOnly(field("surname", "lastname")),
        field("website", "websiteurl"),
        field("mobilePhoneNumber", "mobilephone"),
        otherPageOnly(field("pager", "pager")),
        field("phoneNumber", "telephone1"),
        field("type", undefined, "fromDataverse", { constant: "Person" }),
        field(undefined, "parentcustomeridtype", "toDataverse", { constant: "account" }),
        field("salutationCode", "salutation", undefined, { enabled: false }),
      ],
    },
    every30(720),
  );
}
