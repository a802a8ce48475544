import { activeInactive, address, date, defineTable, lookup, memo, money, pick, str } from "../schema.ts";
import { PAYMENT_TERMS } from "./option-labels.ts";

export const contact = defineTable({
  logicalName: "contact",
  entitySet: "contacts",
  primaryName: "fullname",
  columns: [
    str("firstname", 50),
    str("lastname", 50),
    str("middlename", 50),
    str("fullname", 160, { readOnly: true }),
    str("jobtitle", 100),
    money("annualincome"),
    str("salutation", 100),
    // The standard contact column (web-api-basic-operations-sample retrieves it).
    memo("description", 2000),
    lookup("parentcustomerid", ["account", "contact"]),
    lookup("accountid", "account", { readOnly: true }),
    str("emailaddress1", 100, { format: "Email" }),
    str("emailaddress2", 100, { format: "Email" }),
    str("emailaddress3", 100, { format: "Email" }),
    str("telephone1", 50),
    str("telephone2", 50),
    str("telephone3", 50),
    str("mobilephone", 50),
    str("websiteurl", 200),
    str("fax", 50),
    str("pager", 100),
    ...address("address1"),
    ...address("address2"),
    ...address("address3"),
    lookup("transactioncurrencyid", "transactioncurrency"),
    lookup("defaultpricelevelid", "pricelevel"),
    pick("paymenttermscode", [1, 2, 3, 4], { labels: PAYMENT_TERMS }),
    money("creditlimit"),
    date("birthdate"),
    lookup("bcbi_companyid", "bcbi_company"),
  ],
  // A contact is a customer too (the customerid lookups of opportunities, orders, invoices and quotes take either).
  oneToMany: [
    { name: "contact_customer_contacts", table: "contact", column: "parentcustomerid" },
    { name: "opportunity_customer_contacts", table: "opportunity", column: "customerid" },
    { name: "order_customer_contacts", table: "salesorder", column: "customerid" },
    { name: "invoice_customer_contacts", table: "invoice", column: "customerid" },
    { name: "quote_customer_contacts", table: "quote", column: "customerid" },
  ],
  // The default rule "Contacts with the same e-mail address" (manage-duplicate-detection-create-update).
  duplicateRules: [["emailaddress1"]],
  state: activeInactive("ContactState"),
});
