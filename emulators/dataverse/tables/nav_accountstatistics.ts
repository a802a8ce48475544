// Business Central integration solution table (BC source: CRM proxy tables).
import { activeInactive, type Column, date, defineTable, lookup, money, str } from "../schema.ts";

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
