// OPPORTUNITY — Opportunity ↔ opportunity (bc-reference §2.2.21). The salesperson code sets the owner (S14).
// BC creates no job queue entry for it (manual sync, §9.4) and syncs uncoupled ones too.

import { integrationDefault } from "./build.ts";
import { type DefaultOptions, field, type IntegrationDefault, ownerFields } from "./types.ts";

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
        field("contactNumber", "parentcontactid", "toDataverse", {
          lookup: { mapping: "CONTACT", bcMatchField: "number" },
        }),
        // BC resolves the account through the contact's company customer (a rule, not a plain lookup).
        field("contactCompanyNumber", "parentaccountid", "toDataverse", { enabled: false }),
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
