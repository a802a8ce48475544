// Every table the Dataverse emulator serves.
import type { TableDef } from "../schema.ts";
import { account } from "./account.ts";
import { annotation } from "./annotation.ts";
import { businessunit } from "./businessunit.ts";
import { contact } from "./contact.ts";
import { invoice, invoicedetail, quote, quotedetail, salesorder, salesorderdetail } from "./documents.ts";
import { bcbi_company, nav_accountstatistics, nav_connection } from "./integration.ts";
import { systemuserroles, teammembership } from "./intersects.ts";
import { lead } from "./lead.ts";
import { opportunity } from "./opportunity.ts";
import { organization } from "./organization.ts";
import { pricelevel } from "./pricelevel.ts";
import { product } from "./product.ts";
import { productpricelevel } from "./productpricelevel.ts";
import { role } from "./role.ts";
import { systemuser } from "./systemuser.ts";
import { team } from "./team.ts";
import { transactioncurrency } from "./transactioncurrency.ts";
import { uom } from "./uom.ts";
import { uomschedule } from "./uomschedule.ts";

export const TABLES: readonly TableDef[] = [
  account,
  contact,
  lead,
  opportunity,
  product,
  uom,
  uomschedule,
  pricelevel,
  productpricelevel,
  salesorder,
  salesorderdetail,
  quote,
  quotedetail,
  invoice,
  invoicedetail,
  annotation,
  systemuser,
  team,
  businessunit,
  role,
  transactioncurrency,
  organization,
  systemuserroles,
  teammembership,
  bcbi_company,
  nav_connection,
  nav_accountstatistics,
];
