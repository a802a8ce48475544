// SALESPRC-PRODPRICE as a rule (seed S14: "sales prices of type Customer Price Group with a sales code become price
// list lines"). A Dataverse price list line needs the unit (`uomid`) of the product's own unit group, which only
// the pair (item, unit code) identifies; the engine's lookups resolve one value, so the integration writes these
// lines itself: price list = coupled customer price group, product = coupled item, unit = the unit of that code in
// the product's unit group. Couplings and "unchanged" work as for every mapping.

import { COMPANION_API, type Row } from "../connectors/index.ts";
import { orEquals } from "../engine/adapters/common.ts";
import type { TableMapping } from "../engine/model.ts";
import { inParallel } from "../engine/pipeline/write.ts";
import { chunks } from "../engine/prefetch.ts";
import type { PassReport } from "../engine/runner.ts";
import { hashOf } from "../engine/values.ts";
import { bcsyncError } from "../errors/catalogue.ts";
import { ENGINE_LOOKUP_NOT_COUPLED } from "../errors/codes/engine.ts";
import { zeroCounters } from "../store/index.ts";
import type { IntegrationContext } from "./context.ts";
import { type CoupledWrite, writeCoupledRows } from "./coupled-writes.ts";
import { PRICING_METHOD_CURRENCY_AMOUNT } from "./defaults/sales-price.ts";
import { allRows, finishDirectPass } from "./direct-pass.ts";

export async function syncSalesPrices(
  ctx: IntegrationContext,
  mapping: TableMapping,
  dryRun = false,
): Promise<PassReport> {
  const job = await ctx.store.jobs.start({ mappingName: mapping.name, direction: "toDataverse", dryRun });
  const counters = zeroCounters();
  const fail = async (sourceId: string, message: string, detail: { code?: string; field?: string } = {}) => {
    counters.failed++;
    await ctx.store.jobs.addError(
      { id: job.id, mappingName: mapping.name, direction: "toDataverse" },
      { sourceId, message, ...detail },
    );
  };
  const companion = ctx.businessCentral.company(ctx.companyId, COMPANION_API);
  const prices = await allRows(
    companion.pages(mapping.bc.entitySet, { ...(mapping.bc.filter ? { filter: mapping.bc.filter } : {}) }),
  );
  const groups = await allRows(companion.pages("customerPriceGroups", { select: ["id", "code"] }));
  const groupCouplings = await ctx.store.couplings.findMany(
    "CUSTPRCGRP-PRICE",
    "bc",
    groups.map((g) => String(g.id).toLowerCase()),
  );
  const priceListOf = new Map(
    groups.flatMap((g) => {
      const c = groupCouplings.get(String(g.id).toLowerCase());
      return c ? [[String(g.code), c.dataverseId] as const] : [];
    }),
  );
  const [products, lines] = await Promise.all([
    ctx.store.couplings.findMany("ITEM-PRODUCT", "bc", [...new Set(prices.map((p) => lower(p.itemId)))]),
    ctx.store.couplings.findMany(
      mapping.name,
      "bc",
      prices.map((p) => lower(p.id)),
    ),
  ]);
  const unitsOf = await productUnits(ctx, [...new Set([...products.values()].map((c) => c.dataverseId))]);

  const writes: CoupledWrite[] = [];
  for (const price of prices) {
    const id = lower(price.id);
    const priceList = priceListOf.get(String(price.salesCode));
    const product = products.get(lower(price.itemId));
    if (!priceList || !product) {
      const [field, value, lookup] = !priceList
        ? ["salesCode|pricelevelid", String(price.salesCode), "CUSTPRCGRP-PRICE"]
        : ["itemNumber|productid", String(price.itemNumber), "ITEM-PRODUCT"];
      const record = `${price.itemNumber}/${price.salesCode}`;
      const error = bcsyncError(ENGINE_LOOKUP_NOT_COUPLED, { mapping: mapping.name, record, field, value, lookup });
      await fail(id, error.message, {
        code: error.code,
        field,
      });
      continue;
    }
    const unit = unitsOf
      .get(product.dataverseId)
      ?.find((u) => String(u.name).toUpperCase() === String(price.unitOfMeasureCode ?? "").toUpperCase());
    if (!unit) {
      await fail(
        id,
        `sales price ${price.itemNumber}/${price.salesCode}: unit ${price.unitOfMeasureCode} is not in the product's unit group`,
      );
      continue;
    }
    const values: Row = { amount: Number(price.unitPrice ?? 0), "uomid@odata.bind": `/uoms(${unit.uomid})` };
    const snapshotHash = hashOf(values);
    if (dryRun) continue;
    const coupling = lines.get(id);
    if (coupling?.snapshotHash === snapshotHash) counters.unchanged++;
    else {
      const onCreate = {
        "pricelevelid@odata.bind": `/pricelevels(${priceList})`,
        "productid@odata.bind": `/products(${product.dataverseId})`,
        pricingmethodcode: PRICING_METHOD_CURRENCY_AMOUNT,
        quantitysellingcode: 1,
      };
      writes.push({
        bcId: id,
        ...(coupling ? { dataverseId: coupling.dataverseId } : {}),
        values,
        snapshotHash,
        onCreate,
      });
    }
  }
  if (!dryRun) await writeCoupledRows(ctx, mapping, job.id, writes, counters, fail);
  return finishDirectPass(ctx, job, mapping.name, counters, "record");
}

const lower = (value: unknown): string => String(value).toLowerCase();

/**
 * The units of each product's unit group (product id → its group's units): the products read by id and the units
 * by group id, 100 ids a request, several requests at once.
 */
async function productUnits(ctx: IntegrationContext, productIds: readonly string[]): Promise<Map<string, Row[]>> {
  const products = await rowsWhereIn(ctx, "products", "productid", productIds, ["_defaultuomscheduleid_value"]);
  const groupOf = new Map(products.map((p) => [lower(p.productid), lower(p._defaultuomscheduleid_value)]));
  const groups = [...new Set(groupOf.values())].filter((g) => g !== "null" && g !== "undefined");
  const units = await rowsWhereIn(ctx, "uoms", "_uomscheduleid_value", groups, [
    "uomid",
    "name",
    "_uomscheduleid_value",
  ]);
  const byGroup = new Map<string, Row[]>();
  for (const unit of units) {
    const group = lower(unit._uomscheduleid_value);
    byGroup.set(group, [...(byGroup.get(group) ?? []), unit]);
  }
  return new Map(productIds.map((id) => [id, byGroup.get(groupOf.get(lower(id)) ?? "") ?? []]));
}

/** Rows whose `column` is one of `values`, read 100 values a request, as many requests at once as reads allow. */
async function rowsWhereIn(
  ctx: IntegrationContext,
  entitySet: string,
  column: string,
  values: readonly string[],
  select: string[],
): Promise<Row[]> {
  const out: Row[] = [];
  await inParallel(chunks(values, 100), READS_AT_ONCE, async (part) => {
    out.push(...(await allRows(ctx.dataverse.pages(entitySet, { filter: orEquals(column, part), select }))));
  });
  return out;
}

/** Reads in flight at once here (as the engine's prefetch reads by id). */
const READS_AT_ONCE = 8;
