// `bcsync orders`: the "Orders – Microsoft Dynamics 365 Sales" list (seed S10) and its action.
//   bcsync orders submitted [--json]        every Sales order with status Submitted, with its coupled BC order
//   bcsync orders create <salesorderid>     "Create in Business Central": a released, coupled BC order (S9)
// A refused order is a catalogued error (code, message, fix) and is also in the sync log of SALESORDER-ORDER.

import { type CommonCliOptions, withIntegration } from "../../integration/cli.ts";
import { createSalesOrderInBc, listSubmittedSalesOrders } from "../../integration/flows/index.ts";
import { printJson, printTable } from "../output.ts";

export async function submittedOrdersAction(options: CommonCliOptions): Promise<void> {
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
}

export async function createOrderAction(salesOrderId: string, options: CommonCliOptions): Promise<void> {
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
}
