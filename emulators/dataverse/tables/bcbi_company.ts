// Business Central integration solution table (BC source: CRM proxy tables).
import { activeInactive, defineTable, lookup, str } from "../schema.ts";

export const bcbi_company = defineTable({
  logicalName: "bcbi_company",
  entitySet: "bcbi_companies",
  primaryName: "bcbi_name",
  columns: [str("bcbi_name", 30), str("bcbi_externalid", 36), lookup("bcbi_defaultowningteam", "team")],
  alternateKeys: [["bcbi_externalid"]],
  state: activeInactive("bcbi_companyState"),
});
