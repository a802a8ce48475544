// Every table the Dataverse emulator serves.
import type { TableDef } from "../schema.ts";
import { account } from "./account.ts";
import { annotation } from "./annotation.ts";
import { bcbi_company } from "./bcbi_company.ts";
import { businessunit } from "./businessunit.ts";
import { contact } from "./contact.ts";
import { invoice } from "./invoice.ts";
import { invoicedetail } from "./invoicedetail.ts";
import { lead } from "./lead.ts";
import { nav_accountstatistics } from "./nav_accountstatistics.ts";
import { nav_connection } from "./nav_connection.ts";
import { opportunity } from "./opportunity.ts";
import { organization } from "./organization.ts";
import {
  plugintype,
  sdkmessage,
  sdkmessagefilter,
  sdkmessageprocessingstep,
  serviceendpoint,
} from "./plugin-registration.ts";
import { pricelevel } from "./pricelevel.ts";
import { privilege } from "./privilege.ts";
import { product } from "./product.ts";
import { productpricelevel } from "./productpricelevel.ts";
import { quote } from "./quote.ts";
import { quotedetail } from "./quotedetail.ts";
import { role } from "./role.ts";
import { salesorder } from "./salesorder.ts";
import { salesorderdetail } from "./salesorderdetail.ts";
import { systemuser } from "./systemuser.ts";
import { systemuserroles } from "./systemuserroles.ts";
import { team } from "./team.ts";
import { teammembership } from "./teammembership.ts";
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
  privilege,
  transactioncurrency,
  organization,
  systemuserroles,
  teammembership,
  bcbi_company,
  nav_connection,
  nav_accountstatistics,
  sdkmessage,
  sdkmessagefilter,
  plugintype,
  serviceendpoint,
  sdkmessageprocessingstep,
];
