// `bcsync orders`: the "Orders – Microsoft Dynamics 365 Sales" list (seed S10) and its action.
//   bcsync orders submitted [--json]        every Sales order with status Submitted, with its coupled BC order
//   bcsync orders create <salesorderid>     "Create in Business Central": a released, coupled BC order (S9)
// A refused order is a catalogued error (code, message, fix) and is also in the sync log of SALESORDER-ORDER.

import type { Command } from "commander";
import { type CommonCliOptions, withCommonOptions, withIntegration } from "../../integration/cli.ts";
import { createSalesOrderInBc, listSubmittedSalesOrders } from "../../integration/flows/index.ts";
import { printJson, printTable } from "../output.ts";

export function registerOrdersCommand(program: Command): void {
  const orders = program
    .command("orders")
    .description("Sales orders submitted in Dynamics 365 Sales: list them, create one in Business Central.");

  withCommonOptions(
    orders
      .command("submitted")
      .description("List every Sales order with status Submitted and its coupled BC order number.")
      .option("--json", "JSON output"),
  ).action(async (options: CommonCliOptions) => {
    await withIntegration(options, async (ctx) => {
      const rows = await listSubmittedSalesOrders(ctx);
      if (options.json) {
        printJson({ orders: rows });
        return;
      }
      printTable(
        rows.map((r) => ({
          order: r.orderNumber,
          name: r.name,
          customer: r.customer,
          total: r.totalAmount,
          bcOrder: r.bcOrderNumber ?? "(not in BC)",
          salesorderid: r.salesOrderId,
        })),
      );
    });
  });

  withCommonOptions(
    orders
      .command("create")
      .description("Create (and release) the Business Central order of a submitted Sales order.")
      .argument("<salesorderid>", "the Sales order's id")
      .option("--json", "JSON output"),
  ).action(async (salesOrderId: string, options: CommonCliOptions) => {
    await withIntegration(options, async (ctx) => {
      const result = await createSalesOrderInBc(ctx, salesOrderId);
      if (!result.ok) throw result.error;
      if (options.json) printJson(result.value);
      else
        process.stdout.write(
          result.value.alreadyCoupled
            ? `already in Business Central as order ${result.value.bcOrderNumber}\n`
            : `created and released Business Central order ${result.value.bcOrderNumber} (${result.value.lines} line(s) coupled)\n`,
        );
    });
  });
}
