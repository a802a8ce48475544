// SALESPEOPLE — Salesperson/Purchaser ← systemuser (bc-reference §2.2.1). Person ownership only.

import { every30, integrationDefault } from "./build.ts";
import { field, type IntegrationDefault } from "./types.ts";

export function salespeople(): IntegrationDefault {
  return integrationDefault(
    {
      name: "SALESPEOPLE",
      description: "Salespeople from Sales users; new ones get codes SP NO. 00001, SP NO. 00002, …",
      bc: { api: "v2.0", entitySet: "salespeoplePurchasers" },
      // BC: isdisabled = false, islicensed = true, isintegrationuser = false. Written as "not the opposite" so a
      // row without the flag (never null in Dataverse, unset in a trimmed emulator seed) still counts; application
      // users (applicationid set) are the integration's own principals, never salespeople.
      dataverse: {
        table: "systemuser",
        entitySet: "systemusers",
        keyField: "systemuserid",
        filter: "isdisabled ne true and islicensed ne false and isintegrationuser ne true and applicationid eq null",
      },
      direction: "fromDataverse",
      runOrder: 10,
      // BC's hook on a new salesperson from a Sales user (bc-reference §2.3): the highest `SP NO. 0…` code + 1.
      bcCodeSeries: { field: "code", prefix: "SP NO. ", digits: 5 },
      fields: [
        // Existing salespeople are coupled to their users by e-mail (BC leaves the match criteria to the user).
        field("email", "internalemailaddress", "fromDataverse", { match: { priority: 0, caseSensitive: false } }),
        field("displayName", "fullname", "fromDataverse"),
        field("phoneNo", "mobilephone", "fromDataverse"),
        field("jobTitle", "jobtitle", "fromDataverse", { enabled: false }),
        field("email2", "personalemailaddress", "fromDataverse", { enabled: false }),
      ],
    },
    every30(1440),
  );
}
