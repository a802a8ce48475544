// Tables of Business Central's integration solution (BC source: CRMNAVConnection, CRMAccountStatistics,
// CDSCompany/CRMCompany proxy tables).
import { activeInactive, type Column, date, defineTable, lookup, money, str } from "../schema.ts";

export const bcbi_company = defineTable({
  logicalName: "bcbi_company",
  entitySet: "bcbi_companies",
  primaryName: "bcbi_name",
  columns: [str("bcbi_name", 30), str("bcbi_externalid", 36), lookup("bcbi_defaultowningteam", "team")],
  alternateKeys: [["bcbi_externalid"]],
  state: activeInactive("bcbi_companyState"),
});

export const nav_connection = defineTable({
  logicalName: "nav_connection",
  entitySet: "nav_connections",
  primaryName: "nav_name",
  columns: [
    str("nav_name", 100),
    str("nav_dynamicsnavurl", 250),
    str("nav_dynamicsnavodataurl", 250),
    str("nav_dynamicsnavodatausername", 250),
    str("nav_dynamicsnavodataaccesskey", 250),
  ],
  state: activeInactive("nav_connectionState"),
  ownership: "organization",
});

const moneyWithBase = (name: string): Column[] => [money(name), money(`${name}_base`, { readOnly: true })];

export const nav_accountstatistics = defineTable({
  logicalName: "nav_accountstatistics",
  entitySet: "nav_accountstatisticses",
  primaryName: "nav_name",
  columns: [
    str("nav_name", 100),
    str("nav_customerno", 20),
    ...moneyWithBase("nav_balancelcy"),
    ...moneyWithBase("nav_outstandingorderslcy"),
    ...moneyWithBase("nav_shippednotinvoicedlcy"),
    ...moneyWithBase("nav_outstandinginvoiceslcy"),
    ...moneyWithBase("nav_outstandingserviceorderslcy"),
    ...moneyWithBase("nav_servshippednotinvoicedlcy"),
    ...moneyWithBase("nav_outstandingservinvoiceslcy"),
    ...moneyWithBase("nav_totallcy"),
    ...moneyWithBase("nav_creditlimitlcy"),
    ...moneyWithBase("nav_overdueamountslcy"),
    date("nav_overdueamountsasof"),
    ...moneyWithBase("nav_totalsaleslcy"),
    ...moneyWithBase("nav_invoicedprepaymentamountlcy"),
    lookup("transactioncurrencyid", "transactioncurrency"),
  ],
  state: activeInactive("nav_accountstatisticsState"),
  ownership: "organization",
});
