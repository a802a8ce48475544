import { address, defineTable, lookup, memo, money, pick, range, str } from "../schema.ts";

export const lead = defineTable({
  logicalName: "lead",
  entitySet: "leads",
  primaryName: "fullname",
  columns: [
    str("subject", 300),
    str("firstname", 50),
    str("lastname", 50),
    str("middlename", 50),
    str("fullname", 160, { readOnly: true }),
    str("companyname", 100),
    str("jobtitle", 100),
    str("emailaddress1", 100, { format: "Email" }),
    str("telephone1", 50),
    str("mobilephone", 20),
    str("websiteurl", 200),
    ...address("address1"),
    lookup("parentaccountid", "account"),
    lookup("parentcontactid", "contact"),
    lookup("customerid", ["account", "contact"]),
    lookup("qualifyingopportunityid", "opportunity"),
    lookup("transactioncurrencyid", "transactioncurrency"),
    money("estimatedamount"),
    pick("leadsourcecode", range(1, 10)),
    pick("leadqualitycode", [1, 2, 3]),
    memo("description", 2000),
  ],
  state: {
    enumName: "LeadState",
    states: { 0: [1, 2], 1: [3], 2: [4, 5, 6, 7] },
    stateNames: { 0: "Open", 1: "Qualified", 2: "Disqualified" },
    // A qualified or disqualified lead may be reactivated (back to Open); it cannot go Qualified ↔ Disqualified.
    transitions: { 0: [0, 1, 2], 1: [0, 1], 2: [0, 2] },
  },
});
