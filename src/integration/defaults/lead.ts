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
      // Person prospects only: a Sales lead is a person (its last name is required), and a company prospect would
      // have to invent one. Company contacts stay out, as do contacts of customers and vendors.
      bc: {
        api: "v2.0",
        entitySet: "contacts",
        filter: "type eq 'Person' and contactBusinessRelation eq 'None'",
      },
      dataverse: { table: "lead", entitySet: "leads", keyField: "leadid", filter: `statecode eq ${LEAD_STATE_OPEN}` },
      direction: "bidirectional",
      // Prospects reference nothing else; qualification flows through CUSTOMER/CONTACT/OPPORTUNITY on its own.
      dependsOn: [],
      runOrder: 150,
      fields: [
        // The topic is what the sales team tracks ("Wine distribution"); it starts as the prospect's name when BC
        // creates the lead and is Sales' own afterwards: never overwritten, never sent back as a name.
        field("displayName", "subject", "toDataverse", { insertOnly: true }),
        // Names map part to part, as CONTACT does. BC rebuilds a person's display name from its parts, so a
        // whole name must never travel into one part (it came back one word longer on every run).
        otherPageOnly(field("firstName", "firstname")),
        otherPageOnly(field("middleName", "middlename")),
        otherPageOnly(field("surname", "lastname")),
        // BC's company name of a prospect is its company contact's: a lead created in Sales reaches BC without one
        // (the field is read-only there), and a blank must not wipe Sales' company name on the next full sync.
        field("companyName", "companyname", "toDataverse", { notNull: true }),
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
