// SALESPEOPLE — Salesperson/Purchaser ← systemuser (bc-reference §2.2.1). Person ownership only.

import { every30, integrationDefault } from "./build.ts";
import { field, type IntegrationDefault } from "./types.ts";

export function salespeople(): IntegrationDefault {
  return integrationDefault(
    {
      name: "SALESPEOPLE",
      description: "Salespeople from Sales users; new ones get codes SP NO. 00001, SP NO. 00002, …",
      bc: { api: "v2.0", entitySet: "salespeoplePurchasers" },
      dataverse: {
        table: "systemuser",
        entitySet: "systemusers",
        keyField: "systemuserid",
        filter: "isdisabled eq false and islicensed eq true and isintegrationuser eq false",
      },
      direction: "fromDataverse",
      runOrder: 10,
      fields: [
        field("email", "internalemailaddress", "fromDataverse"),
        field("displayName", "fullname", "fromDataverse"),
        field("phoneNo", "mobilephone", "fromDataverse"),
        field("jobTitle", "jobtitle", "fromDataverse", { enabled: false }),
        field("email2", "personalemailaddress", "fromDataverse", { enabled: false }),
      ],
    },
    every30(1440),
  );
}
