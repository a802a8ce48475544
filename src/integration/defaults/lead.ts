// LEAD — prospect contact ⇄ lead. Business Central has no lead mapping (bc-reference §2.0); the seed lists one
// (S11), so bcsync designs the BC side (docs/integration.md, "Leads"): a lead is a BC contact with no business
// relation (no customer, vendor, bank account or employee: a prospect). Only open leads take part; when a lead
// is qualified in Sales into an account, contact and opportunity, those flow through CUSTOMER, CONTACT and
// OPPORTUNITY, and the prospect leaves this mapping once BC gives it a customer relation.

import { every30, integrationDefault } from "./build.ts";
import { field, type IntegrationDefault, otherPageOnly } from "./types.ts";

/** Dataverse lead statecode 0 = Open. */
export const LEAD_STATE_OPEN = 0;

export function lead(): IntegrationDefault {
  return integrationDefault(
    {
      name: "LEAD",
      description:
        "Prospect contacts (no business relation) ⇄ open Sales leads; designed by bcsync, see docs/integration.md",
      bc: { api: "v2.0", entitySet: "contacts", filter: "contactBusinessRelation eq 'None'" },
      dataverse: { table: "lead", entitySet: "leads", keyField: "leadid", filter: `statecode eq ${LEAD_STATE_OPEN}` },
      direction: "bidirectional",
      // Prospects reference nothing else; qualification flows through CUSTOMER/CONTACT/OPPORTUNITY on its own.
      dependsOn: [],
      runOrder: 150,
      fields: [
        // The topic is required in Sales; a prospect's name is what the sales team tracks.
        field("displayName", "subject"),
        // Sales requires a last name and prospects may be companies (no surname): the display name stands in on
        // the way to Sales; the Sales last name comes back as the companion page's surname.
        field("displayName", "lastname", "toDataverse"),
        otherPageOnly(field("firstName", "firstname")),
        otherPageOnly(field("surname", "lastname", "fromDataverse")),
        field("companyName", "companyname", "toDataverse"),
        field("jobTitle", "jobtitle"),
        field("email", "emailaddress1"),
        field("phoneNumber", "telephone1"),
        field("mobilePhoneNumber", "mobilephone"),
        field("website", "websiteurl"),
        field("addressLine1", "address1_line1"),
        field("addressLine2", "address1_line2"),
        field("postalCode", "address1_postalcode"),
        field("city", "address1_city"),
        field("country", "address1_country", undefined, { validate: false }),
        field("state", "address1_stateorprovince"),
        field("type", undefined, "fromDataverse", { constant: "Person" }),
      ],
    },
    every30(1440),
  );
}
