// SALESPRC-PRODPRICE as a rule (seed S14: "sales prices of type Customer Price Group with a sales code become price
// list lines"). A Dataverse price list line needs the unit (`uomid`) of the product's own unit group, which only
// the pair (item, unit code) identifies; the engine's lookups resolve one value, so the integration writes these
// lines itself: price list = coupled customer price group, product = coupled item, unit = the unit of that code in
// the product's unit group. Couplings and "unchanged" work as for every mapping.

import { COMPANION_API, type Row } from "../connectors/index.ts";
import type { TableMapping } from "../engine/model.ts";
import type { PassReport } from "../engine/runner.ts";
import { hashOf } from "../engine/values.ts";
import { bcsyncError } from "../errors/catalogue.ts";
import { ENGINE_LOOKUP_NOT_COUPLED } from "../errors/codes/engine.ts";
import { zeroCounters } from "../store/index.ts";
import type { IntegrationContext } from "./context.ts";
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
  const units = new Map<string, Row[]>();
  for (const price of prices) {
    const id = String(price.id).toLowerCase();
    const priceList = priceListOf.get(String(price.salesCode));
    const product = await ctx.store.couplings.getByBcId("ITEM-PRODUCT", String(price.itemId).toLowerCase());
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
    if (!units.has(product.dataverseId)) {
      const p = await ctx.dataverse.retrieve("products", product.dataverseId, {
        select: ["_defaultuomscheduleid_value"],
      });
      const schedule = p.ok ? p.value?._defaultuomscheduleid_value : undefined;
      units.set(
        product.dataverseId,
        typeof schedule === "string"
          ? await allRows(
              ctx.dataverse.pages("uoms", { filter: `_uomscheduleid_value eq ${schedule}`, select: ["uomid", "name"] }),
            )
          : [],
      );
    }
    const unit = units
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
    const coupling = await ctx.store.couplings.getByBcId(mapping.name, id);
    if (coupling) {
      if (coupling.snapshotHash === snapshotHash) {
        counters.unchanged++;
        continue;
      }
      const updated = await ctx.dataverse.update(mapping.dataverse.entitySet, coupling.dataverseId, values);
      if (!updated.ok) {
        await fail(id, updated.error.message);
        continue;
      }
      await ctx.store.couplings.recordSuccess(mapping.name, id, {
        direction: "toDataverse",
        jobId: job.id,
        snapshot: values,
        snapshotHash,
      });
      counters.modified++;
      continue;
    }
    const created = await ctx.dataverse.create(mapping.dataverse.entitySet, {
      ...values,
      "pricelevelid@odata.bind": `/pricelevels(${priceList})`,
      "productid@odata.bind": `/products(${product.dataverseId})`,
      pricingmethodcode: PRICING_METHOD_CURRENCY_AMOUNT,
      quantitysellingcode: 1,
    });
    if (!created.ok || !created.value.id) {
      await fail(id, created.ok ? "no id returned" : created.error.message);
      continue;
    }
    await ctx.store.couplings.couple({
      mappingName: mapping.name,
      bcId: id,
      dataverseId: created.value.id.toLowerCase(),
      snapshot: values,
      snapshotHash,
    });
    counters.inserted++;
  }
  return finishDirectPass(ctx, job, mapping.name, counters, "record");
}
