// `bcsync availability ITEM` (seed S19): the item's availability as Business Central computes it now, and the
// coupled Sales product's quantity on hand beside it.

import type { Command } from "commander";
import { itemAvailabilityNow } from "../../admin/availability.ts";
import { valueOrThrow } from "../../admin/result.ts";
import { type CommonCliOptions, withCommonOptions, withIntegration } from "../../integration/cli.ts";
import { printJson, printTable } from "../output.ts";

export function registerAvailabilityCommand(program: Command): void {
  withCommonOptions(
    program
      .command("availability")
      .description("Item availability of one item now (inventory, on sales orders, available; Sales quantity).")
      .argument("<item>", "item number as Business Central shows it (e.g. 1896-S), or its id")
      .option("--json", "JSON output"),
  ).action(async (item: string, options: CommonCliOptions) => {
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
  });
}
