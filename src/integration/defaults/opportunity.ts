// OPPORTUNITY — Opportunity ↔ opportunity (bc-reference §2.2.21). The salesperson code sets the owner (S14).
// BC creates no job queue entry for it (manual sync, §9.4) and syncs uncoupled ones too.

import { integrationDefault } from "./build.ts";
import { type DefaultOptions, field, type IntegrationDefault, otherPageOnly, ownerFields } from "./types.ts";

export function opportunity(options: DefaultOptions): IntegrationDefault {
  return integrationDefault(
    {
      name: "OPPORTUNITY",
      bc: {
        api: "v2.0",
        entitySet: "opportunities",
        filter: "status eq 'Not_x0020_Started' or status eq 'In_x0020_Progress'",
      },
      dataverse: { table: "opportunity", entitySet: "opportunities", keyField: "opportunityid" },
      direction: "bidirectional",
      syncOnlyCoupled: false,
      dependsOn: ["CONTACT"],
      runOrder: 160,
      fields: [
        field("description", "name"),
        // BC → Sales: the contact as BC maps it. A prospect's contact is a Sales lead (LEAD), not a contact: the
        // opportunity then names its originating lead instead of failing on every run.
        field("contactNumber", "parentcontactid", "toDataverse", {
          lookup: { mapping: "CONTACT", bcMatchField: "number" },
          clearOnFail: true,
        }),
        field("contactNumber", "originatingleadid", "toDataverse", {
          name: "contactNumber|originatingleadid",
          lookup: { mapping: "LEAD", bcMatchField: "number" },
          clearOnFail: true,
        }),
        // Sales → BC: BC requires an opportunity's contact. A Sales opportunity names its customer (an account); BC
        // takes that customer's company contact, as its own opportunity card does for a customer. Only to create
        // one: BC maps no Sales → BC contact, and an opportunity made in BC has no Sales customer to take it from.
        field("contactNumber", "customerid", "fromDataverse", {
          name: "contactNumber|customerid",
          insertOnly: true,
          lookup: {
            mapping: "CUSTOMER",
            bcMatchField: "number",
            dataverseNavigation: "customerid_account",
            bcRelated: {
              api: "companion",
              entitySet: "contacts",
              matchField: "customerNumber",
              valueField: "number",
              filter: "type eq 'Company'",
            },
          },
        }),
        // BC: the account coupled to the customer of the contact's company (bc-reference §2.3 rule 7). The companion
        // page names that customer; without one (a prospect's company) the opportunity has no parent account.
        otherPageOnly(
          field("customerNumber", "parentaccountid", "toDataverse", {
            lookup: { mapping: "CUSTOMER", bcMatchField: "number" },
            clearOnFail: true,
          }),
        ),
        ...ownerFields(options, "salespersonCode"),
        field("estimatedValue", "estimatedvalue", "toDataverse"),
        field("estimatedClosingDate", "estimatedclosedate", "toDataverse"),
        // A Sales opportunity created in BC starts with Sales' estimate: BC maps these BC → Sales only, and a new BC
        // opportunity without them would send 0 and no date back over Sales' values on the next run.
        field("estimatedValue", "estimatedvalue", "fromDataverse", {
          name: "estimatedValue|estimatedvalue (create in BC)",
          insertOnly: true,
        }),
        field("estimatedClosingDate", "estimatedclosedate", "fromDataverse", {
          name: "estimatedClosingDate|estimatedclosedate (create in BC)",
          insertOnly: true,
        }),
        field("dateClosed", "actualclosedate", "toDataverse", { enabled: false }),
        field("chancesOfSuccessPrc", "closeprobability", "toDataverse", { enabled: false }),
        field("calculatedCurrentValue", "actualvalue", "toDataverse", { enabled: false }),
      ],
    },
    null,
  );
}
