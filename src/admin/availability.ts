// Item availability of one item now (seed S19, bc-reference §5.1): what Business Central computes for the item
// (inventory, quantity on sales orders, available) read live from the companion API, with the coupled Sales
// product's quantity on hand beside it so a person sees whether Sales is current.

import { ADMIN_RECORD_NOT_FOUND, bcsyncError } from "../errors/catalogue.ts";
import type { IntegrationContext } from "../integration/context.ts";
import { dataverseRecordUrl } from "../integration/links.ts";
import { fail, ok, type Result } from "./result.ts";
import { findComputedRow } from "./statistics.ts";

export interface ItemAvailabilityNow {
  itemId: string;
  itemNumber: string;
  baseUnitOfMeasureCode: string | null;
  inventory: number;
  quantityOnSalesOrders: number;
  availableQuantity: number;
  /** The coupled Sales product, when there is one. */
  product?: { id: string; quantityOnHand: number | null; current: boolean; salesUrl?: string };
}

/** `key` is the item number (as BC shows it) or its id. */
export async function itemAvailabilityNow(ctx: IntegrationContext, key: string): Promise<Result<ItemAvailabilityNow>> {
  const found = await findComputedRow(ctx, "itemAvailability", key, "itemId", "itemNumber");
  if (!found.ok) return found;
  const row = found.value;
  if (!row) return fail(bcsyncError(ADMIN_RECORD_NOT_FOUND, { what: "item", key, service: "Business Central" }));
  const available = Number(row.availableQuantity ?? 0);
  const out: ItemAvailabilityNow = {
    itemId: String(row.itemId),
    itemNumber: String(row.itemNumber),
    baseUnitOfMeasureCode: (row.baseUnitOfMeasureCode as string | undefined) ?? null,
    inventory: Number(row.inventory ?? 0),
    quantityOnSalesOrders: Number(row.quantityOnSalesOrders ?? 0),
    availableQuantity: available,
  };
  const coupling = await ctx.store.couplings.getByBcId("ITEM-PRODUCT", out.itemId.toLowerCase());
  if (coupling) {
    const product = await ctx.dataverse.retrieve("products", coupling.dataverseId, { select: ["quantityonhand"] });
    if (!product.ok) return fail(product.error);
    const onHand = product.value ? Number(product.value.quantityonhand) : null;
    const salesUrl = ctx.settings.salesUrl ?? ctx.config.dataverse?.url;
    out.product = {
      id: coupling.dataverseId,
      quantityOnHand: onHand,
      // The availability job sends negative availability as 0 (Sales refuses negative quantities).
      current: onHand === Math.max(0, available),
      ...(salesUrl ? { salesUrl: dataverseRecordUrl(salesUrl, "product", coupling.dataverseId) } : {}),
    };
  }
  return ok(out);
}
