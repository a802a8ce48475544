// The default table mappings of the Sales integration (seed S11, bc-reference §2.0/§2.1) as one set, built
// for the connection's options in BC's creation order: the base Dataverse mappings, then the Sales ones.

import type { TableMapping } from "../../engine/model.ts";
import { contact } from "./contact.ts";
import { currency } from "./currency.ts";
import { customer } from "./customer.ts";
import { customerPriceGroupPriceList } from "./customer-price-group.ts";
import { itemProduct } from "./item-product.ts";
import { itemUnitOfMeasure } from "./item-uom.ts";
import { lead } from "./lead.ts";
import { opportunity } from "./opportunity.ts";
import { paymentTerms } from "./payment-terms.ts";
import { postedSalesInvoice } from "./posted-sales-invoice.ts";
import { postedSalesInvoiceLine } from "./posted-sales-invoice-line.ts";
import { resourceProduct } from "./resource-product.ts";
import { resourceUnitOfMeasure } from "./resource-uom.ts";
import { salesOrder } from "./sales-order.ts";
import { salesOrderLine } from "./sales-order-line.ts";
import { salesOrderNotes } from "./sales-order-notes.ts";
import { salesPriceProductPrice } from "./sales-price.ts";
import { salespeople } from "./salespeople.ts";
import { shipmentMethod } from "./shipment-method.ts";
import { shippingAgent } from "./shipping-agent.ts";
import { DEFAULT_OPTIONS, type DefaultOptions, type IntegrationDefault } from "./types.ts";
import { unitGroup } from "./unit-group.ts";
import { unitOfMeasure } from "./unit-of-measure.ts";
import { vendor } from "./vendor.ts";

export { PRODUCT_TYPE_SALES_INVENTORY, PRODUCT_TYPE_SERVICES } from "./item-product.ts";
export * from "./types.ts";

/** The option-set mappings (BC code table ↔ Dataverse option set); the engine does not run them itself. */
export const OPTION_MAPPINGS = ["PAYMENT TERMS", "SHIPMENT METHOD", "SHIPPING AGENT"] as const;

/** Names of the mappings that exist only with multiple units of measure (S12). */
export const UNIT_GROUP_MAPPINGS = ["UNIT GROUP", "ITEM UOM", "RESOURCE UOM"] as const;

/** The base Dataverse mappings (S1), as BC's CDS Setup Defaults creates them. */
export function baseDefaults(options: DefaultOptions): IntegrationDefault[] {
  return [
    ...(options.ownershipModel === "person" ? [salespeople()] : []),
    customer(options),
    vendor(options),
    contact(options),
    currency(),
    paymentTerms(),
    shipmentMethod(),
    shippingAgent(),
  ];
}

/** Either sales order mode (legacy S9 or bidirectional S8) is on. */
export function salesOrderModeOn(options: DefaultOptions): boolean {
  return options.legacySalesOrders || options.bidirectionalSalesOrders;
}

/** The Sales mappings (S11), as BC's CRM Setup Defaults creates them, plus bcsync's LEAD. */
export function salesDefaults(options: DefaultOptions): IntegrationDefault[] {
  return [
    ...(options.unitGroupsEnabled ? [unitGroup(), itemUnitOfMeasure(), resourceUnitOfMeasure()] : [unitOfMeasure()]),
    itemProduct(options),
    resourceProduct(options),
    customerPriceGroupPriceList(),
    salesPriceProductPrice(options),
    postedSalesInvoice(options),
    postedSalesInvoiceLine(),
    opportunity(options),
    lead(),
    // BC creates the order mappings only with a sales order mode on, the line mapping only for bidirectional
    // (CRM Setup Defaults: ResetSalesOrderMapping / ResetBidirectionalSalesOrder(Line)Mapping; issue 10 point 15).
    ...(salesOrderModeOn(options) ? [salesOrder(options)] : []),
    ...(options.bidirectionalSalesOrders ? [salesOrderLine(options)] : []),
    ...(salesOrderModeOn(options) ? [salesOrderNotes()] : []),
  ];
}

/** Every default with its integration metadata, in creation order. */
export function integrationDefaults(options: Partial<DefaultOptions> = {}): IntegrationDefault[] {
  const full = { ...DEFAULT_OPTIONS, ...options };
  const defaults = [...baseDefaults(full), ...salesDefaults(full)];
  return full.dataverseCompanyId
    ? defaults.map((d) => scopedToCompany(d, full.dataverseCompanyId as string))
    : defaults;
}

/**
 * Sales tables Business Central's integration solution gives a company lookup (`bcbi_companyid`): its default
 * Dataverse filters keep each to "this company or none", and the rows it creates carry the company, so several BC
 * companies can share one Dataverse environment without taking each other's records (issue 10.19).
 */
export const COMPANY_SCOPED_TABLES = new Set([
  "account",
  "contact",
  "product",
  "pricelevel",
  "invoice",
  "salesorder",
  "quote",
  "opportunity",
]);

function scopedToCompany(d: IntegrationDefault, companyRowId: string): IntegrationDefault {
  return d.kind === "table" ? { ...d, mapping: withCompanyScope(d.mapping, companyRowId) } : d;
}

/**
 * A mapping of a company-scoped Sales table keeps to "this company or none" and stamps the rows it creates, whatever
 * was typed or imported (issue 10.19): without it a mapping would couple and rewrite the rows of the other
 * companies sharing the Dataverse environment. Idempotent; other tables, or no company, come back as they are.
 * Applied to the defaults and to every mapping stored by an import or an edit.
 */
export function withCompanyScope<M extends CompanyScopable>(mapping: M, companyRowId: string | undefined): M {
  const dataverse = mapping.dataverse;
  if (!companyRowId || !COMPANY_SCOPED_TABLES.has(dataverse.table)) return mapping;
  const company = `(_bcbi_companyid_value eq ${companyRowId} or _bcbi_companyid_value eq null)`;
  const bind = `/bcbi_companies(${companyRowId})`;
  const scoped = dataverse.filter?.includes(company) === true;
  if (scoped && dataverse.createValues?.["bcbi_companyid@odata.bind"] === bind) return mapping;
  return {
    ...mapping,
    dataverse: {
      ...dataverse,
      filter: scoped ? dataverse.filter : dataverse.filter ? `(${dataverse.filter}) and ${company}` : company,
      createValues: { ...dataverse.createValues, "bcbi_companyid@odata.bind": bind },
    },
  };
}

interface CompanyScopable {
  dataverse: { table: string; filter?: string; createValues?: Record<string, unknown> };
}

/** The default table mappings for these options, in run order (then name). */
export function defaultMappings(options: Partial<DefaultOptions> = {}): TableMapping[] {
  return integrationDefaults(options)
    .map((d) => d.mapping)
    .sort((a, b) => a.runOrder - b.runOrder || a.name.localeCompare(b.name));
}
