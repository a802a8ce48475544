// `bcsync availability ITEM` (seed S19): the item's availability as Business Central computes it now, and the
// coupled Sales product's quantity on hand beside it.

import { itemAvailabilityNow } from "../../admin/availability.ts";
import { valueOrThrow } from "../../admin/result.ts";
import { type CommonCliOptions, withIntegration } from "../../integration/cli.ts";
import { printJson, printTable } from "../output.ts";

export async function availabilityAction(item: string, options: CommonCliOptions): Promise<void> {
  await withIntegration(options, async (ctx) => {
    const a = valueOrThrow(await itemAvailabilityNow(ctx, item));
    if (options.json) printJson(a);
    else
      printTable([
        {
          item: a.itemNumber,
          unit: a.baseUnitOfMeasureCode ?? "",
          inventory: a.inventory,
          onSalesOrders: a.quantityOnSalesOrders,
          available: a.availableQuantity,
          salesQuantityOnHand: a.product ? (a.product.quantityOnHand ?? "") : "(not coupled)",
          salesCurrent: a.product ? (a.product.current ? "yes" : "no") : "",
        },
      ]);
  });
}
