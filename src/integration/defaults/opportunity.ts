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
        // BC → Sales as BC maps it; Sales → BC too, because BC refuses an opportunity without its contact (a Sales
        // opportunity created in BC would otherwise always fail with "Contact No. contains a value ()").
        field("contactNumber", "parentcontactid", undefined, {
          lookup: { mapping: "CONTACT", bcMatchField: "number" },
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
        field("dateClosed", "actualclosedate", "toDataverse", { enabled: false }),
        field("chancesOfSuccessPrc", "closeprobability", "toDataverse", { enabled: false }),
        field("calculatedCurrentValue", "actualvalue", "toDataverse", { enabled: false }),
      ],
    },
    null,
  );
}
