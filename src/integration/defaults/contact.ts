// CONTACT — Contact ↔ contact (bc-reference §2.2.4): person contacts that belong to a company.

import { every30, integrationDefault } from "./build.ts";
import { type DefaultOptions, field, type IntegrationDefault, otherPageOnly, ownerFields } from "./types.ts";

export function contact(options: DefaultOptions): IntegrationDefault {
  return integrationDefault(
    {
      name: "CONTACT",
      // Persons of a customer's company (a person takes its company's business relation). Prospects are LEAD's;
      // vendors' people stay out because no API page names a contact's vendor (docs/integration.md).
      bc: {
        api: "v2.0",
        entitySet: "contacts",
        filter: "type eq 'Person' and companyNumber ne '' and contactBusinessRelation eq 'Customer'",
      },
      dataverse: {
        table: "contact",
        entitySet: "contacts",
        keyField: "contactid",
        // BC: parent customer set, its type an account ("parentcustomeridtype = account"), active. `accountid` is the
        // parent customer when that is an account (null when the parent is a contact), so it states both.
        filter: "_parentcustomerid_value ne null and _accountid_value ne null and statecode eq 0",
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
        // The company: BC → Sales, the person's customer → its coupled account; Sales → BC, the parent account →
        // its coupled customer → that customer's company contact (Contact "Company No.", as BC's CRM integration
        // sets it). Without it a contact created from Sales had no company, fell outside this mapping's BC filter
        // and came back to Sales as a lead (issue 10.1).
        otherPageOnly(
          field("customerNumber", "parentcustomerid", "toDataverse", {
            lookup: { mapping: "CUSTOMER", bcMatchField: "number", dataverseNavigation: "parentcustomerid_account" },
          }),
        ),
        field("companyNumber", "parentcustomerid", "fromDataverse", {
          lookup: {
            mapping: "CUSTOMER",
            bcMatchField: "number",
            bcRelated: {
              api: "companion",
              entitySet: "contacts",
              matchField: "customerNumber",
              valueField: "number",
              filter: "type eq 'Company'",
            },
          },
        }),
        // BC also sets ParentCustomerIdType = account; over the Web API the parent's type is the navigation property
        // bound (`parentcustomerid_account`), and `parentcustomeridtype` is not a writable column.
        field("salutationCode", "salutation", undefined, { enabled: false }),
      ],
    },
    every30(720),
  );
}
