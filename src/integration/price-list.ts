// The product rules BC's item/resource hooks apply (seed S14, bc-reference §2.2.13/§6): syncing items creates and
// maintains the default price list in Sales, with a price list line per product and unit of its unit group
// (amount = unit price × quantity of the unit), and points each product at that list and at its base unit.
// A product's unit group is never changed here (S13: Sales does not allow it).

import { COMPANION_API, type Row } from "../connectors/index.ts";
import type { IntegrationContext } from "./context.ts";
import { PRICING_METHOD_CURRENCY_AMOUNT } from "./defaults/sales-price.ts";

export const DEFAULT_PRICE_LIST_NAME = "Business Central Default Price List";
const QUANTITY_SELLING_NO_CONTROL = 1;

export interface PriceListReport {
  priceListId: string;
  productsUpdated: number;
  linesCreated: number;
  linesUpdated: number;
  failed: number;
  errors: string[];
}

async function rows(
  gen: AsyncGenerator<{ ok: true; value: { rows: Row[] } } | { ok: false; error: Error }>,
): Promise<Row[]> {
  const out: Row[] = [];
  for await (const page of gen) {
    if (!page.ok) throw page.error;
    out.push(...page.value.rows);
  }
  return out;
}

/** The default price list (created in the local currency when missing). */
export async function ensureDefaultPriceList(ctx: IntegrationContext): Promise<string> {
  const existing = await rows(
    ctx.dataverse.pages("pricelevels", { filter: `name eq '${DEFAULT_PRICE_LIST_NAME}'`, select: ["pricelevelid"] }),
  );
  if (existing[0]) return String(existing[0].pricelevelid);
  const currencies = await rows(
    ctx.dataverse.pages("transactioncurrencies", { select: ["transactioncurrencyid", "exchangerate"] }),
  );
  const local = currencies.find((c) => Number(c.exchangerate) === 1) ?? currencies[0];
  const created = await ctx.dataverse.create("pricelevels", {
    name: DEFAULT_PRICE_LIST_NAME,
    ...(local ? { "transactioncurrencyid@odata.bind": `/transactioncurrencies(${local.transactioncurrencyid})` } : {}),
  });
  if (!created.ok) throw created.error;
  return String(created.value.id);
}

/** Applies the product rules to every coupled product of ITEM-PRODUCT and RESOURCE-PRODUCT. */
export async function maintainDefaultPriceList(ctx: IntegrationContext): Promise<PriceListReport> {
  const priceListId = await ensureDefaultPriceList(ctx);
  const report: PriceListReport = {
    priceListId,
    productsUpdated: 0,
    linesCreated: 0,
    linesUpdated: 0,
    failed: 0,
    errors: [],
  };
  const baseUnits = new Map<string, string>();
  const items = await rows(
    ctx.businessCentral.company(ctx.companyId).pages("items", { select: ["id", "baseUnitOfMeasureCode"] }),
  );
  for (const i of items) baseUnits.set(String(i.id).toLowerCase(), String(i.baseUnitOfMeasureCode ?? ""));
  const companion = ctx.businessCentral.company(ctx.companyId, COMPANION_API);
  const resources = await rows(
    companion.pages("resources", { select: ["id", "baseUnitOfMeasureCode", "unitGroupCode"] }),
  );
  for (const r of resources) baseUnits.set(String(r.id).toLowerCase(), String(r.baseUnitOfMeasureCode ?? ""));
  // With multiple units of measure, each item and resource has its own unit group (S12).
  const groupOf = new Map<string, string>();
  if (!ctx.settings.unitGroupsEnabled) {
    // One unit per unit group: the NAV <code> unit group of the item's or resource's base unit.
    const schedules = await unitOfMeasureSchedules(ctx);
    for (const [id, code] of baseUnits) {
      const schedule = schedules.get(code);
      if (schedule) groupOf.set(id, schedule);
    }
  } else {
    const schedules = await unitGroupSchedules(ctx);
    const itemGroups = await rows(companion.pages("items", { select: ["id", "unitGroupCode"] }));
    for (const row of [...itemGroups, ...resources]) {
      const schedule = schedules.get(String(row.unitGroupCode ?? ""));
      if (schedule) groupOf.set(String(row.id).toLowerCase(), schedule);
    }
  }

  for (const mapping of ["ITEM-PRODUCT", "RESOURCE-PRODUCT"]) {
    for await (const coupling of ctx.store.couplings.iterate(mapping)) {
      try {
        await applyToProduct(
          ctx,
          priceListId,
          coupling.dataverseId,
          baseUnits.get(coupling.bcId) ?? "",
          groupOf.get(coupling.bcId),
          report,
        );
      } catch (error) {
        report.failed++;
        report.errors.push(`${mapping} ${coupling.bcId}: ${(error as Error).message}`);
      }
    }
  }
  return report;
}

/** Unit of measure code → the Dataverse unit group (uomschedule) coupled through UNIT OF MEASURE. */
async function unitOfMeasureSchedules(ctx: IntegrationContext): Promise<Map<string, string>> {
  const out = new Map<string, string>();
  const units = await rows(
    ctx.businessCentral.company(ctx.companyId).pages("unitsOfMeasure", { select: ["id", "code"] }),
  );
  const couplings = await ctx.store.couplings.findMany(
    "UNIT OF MEASURE",
    "bc",
    units.map((u) => String(u.id).toLowerCase()),
  );
  for (const u of units) {
    const c = couplings.get(String(u.id).toLowerCase());
    if (c) out.set(String(u.code), c.dataverseId);
  }
  return out;
}

/** Unit group code → the coupled Dataverse unit group (uomschedule) id. */
async function unitGroupSchedules(ctx: IntegrationContext): Promise<Map<string, string>> {
  const out = new Map<string, string>();
  const groups = await rows(
    ctx.businessCentral.company(ctx.companyId, COMPANION_API).pages("unitGroups", { select: ["id", "code"] }),
  );
  const couplings = await ctx.store.couplings.findMany(
    "UNIT GROUP",
    "bc",
    groups.map((g) => String(g.id).toLowerCase()),
  );
  for (const g of groups) {
    const c = couplings.get(String(g.id).toLowerCase());
    if (c) out.set(String(g.code), c.dataverseId);
  }
  return out;
}

async function applyToProduct(
  ctx: IntegrationContext,
  priceListId: string,
  productId: string,
  baseUnitCode: string,
  unitGroupId: string | undefined,
  report: PriceListReport,
): Promise<void> {
  const product = await ctx.dataverse.retrieve("products", productId, {
    select: ["price", "_defaultuomscheduleid_value", "_defaultuomid_value", "_pricelevelid_value"],
  });
  if (!product.ok) throw product.error;
  if (!product.value) return;
  const changes: Row = {};
  // Products the sync creates get their unit group from the insert-only field mapping; a product coupled by match
  // that has none gets its item's here, once. An existing unit group is never changed (S13).
  let scheduleId = product.value._defaultuomscheduleid_value;
  if (typeof scheduleId !== "string" && unitGroupId) {
    scheduleId = unitGroupId;
    changes["defaultuomscheduleid@odata.bind"] = `/uomschedules(${unitGroupId})`;
  }
  if (typeof scheduleId !== "string") return;
  const units = await rows(
    ctx.dataverse.pages("uoms", {
      filter: `_uomscheduleid_value eq ${scheduleId}`,
      select: ["uomid", "name", "quantity"],
    }),
  );
  const base =
    units.find((u) => String(u.name).toUpperCase() === baseUnitCode.toUpperCase()) ??
    units.find((u) => Number(u.quantity) === 1);
  if (product.value._pricelevelid_value !== priceListId)
    changes["pricelevelid@odata.bind"] = `/pricelevels(${priceListId})`;
  if (base && product.value._defaultuomid_value !== base.uomid)
    changes["defaultuomid@odata.bind"] = `/uoms(${base.uomid})`;
  if (Object.keys(changes).length > 0) {
    const updated = await ctx.dataverse.update("products", productId, changes);
    if (!updated.ok) throw updated.error;
    report.productsUpdated++;
  }
  const lines = await rows(
    ctx.dataverse.pages("productpricelevels", {
      filter: `_pricelevelid_value eq ${priceListId} and _productid_value eq ${productId}`,
      select: ["productpricelevelid", "_uomid_value", "amount"],
    }),
  );
  const price = Number(product.value.price ?? 0);
  for (const unit of units) {
    const amount = Math.round(price * Number(unit.quantity ?? 1) * 100) / 100;
    const line = lines.find((l) => l._uomid_value === unit.uomid);
    if (line) {
      if (Number(line.amount) === amount) continue;
      const updated = await ctx.dataverse.update("productpricelevels", String(line.productpricelevelid), { amount });
      if (!updated.ok) throw updated.error;
      report.linesUpdated++;
      continue;
    }
    const created = await ctx.dataverse.create("productpricelevels", {
      "pricelevelid@odata.bind": `/pricelevels(${priceListId})`,
      "productid@odata.bind": `/products(${productId})`,
      "uomid@odata.bind": `/uoms(${unit.uomid})`,
      amount,
      pricingmethodcode: PRICING_METHOD_CURRENCY_AMOUNT,
      quantitysellingcode: QUANTITY_SELLING_NO_CONTROL,
    });
    if (!created.ok) throw created.error;
    report.linesCreated++;
  }
}
