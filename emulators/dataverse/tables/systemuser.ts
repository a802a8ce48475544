import { bool, defineTable, lookup, pick, str } from "../schema.ts";

export const systemuser = defineTable({
  logicalName: "systemuser",
  entitySet: "systemusers",
  primaryName: "fullname",
  columns: [
    str("firstname", 64),
    str("lastname", 64),
    str("fullname", 200, { readOnly: true }),
    str("domainname", 1024),
    str("internalemailaddress", 100, { format: "Email" }),
    str("azureactivedirectoryobjectid", 36),
    str("applicationid", 36),
    bool("isdisabled"),
    bool("islicensed"),
    bool("isintegrationuser", { readOnly: true }),
    str("mobilephone", 64),
    pick("accessmode", [0, 1, 2, 3, 4, 5]),
    lookup("businessunitid", "businessunit", { required: true }),
    str("title", 128),
  ],
  // filter-rows: `systemusers(<id>)/user_accounts` is the filtered collection of accounts the user owns.
  oneToMany: [{ name: "user_accounts", table: "account", column: "owninguser" }],
  manyToMany: [
    {
      name: "systemuserroles_association",
      intersect: "systemuserroles",
      selfColumn: "systemuserid",
      otherTable: "role",
      otherColumn: "roleid",
    },
    {
      name: "teammembership_association",
      intersect: "teammembership",
      selfColumn: "systemuserid",
      otherTable: "team",
      otherColumn: "teamid",
    },
  ],
  ownership: "none",
});
