// `bcsync statistics CUSTOMER` (seed S17): the customer's statistics as Business Central computes them now.

import { valueOrThrow } from "../../admin/result.ts";
import { customerStatisticsNow } from "../../admin/statistics.ts";
import { type CommonCliOptions, withIntegration } from "../../integration/cli.ts";
import { printJson, printTable } from "../output.ts";

export async function statisticsAction(customer: string, options: CommonCliOptions): Promise<void> {
  await withIntegration(options, async (ctx) => {
    const s = valueOrThrow(await customerStatisticsNow(ctx, customer));
    if (options.json) printJson(s);
    else {
      process.stdout.write(`${s.customerNumber} ${s.customerName}${s.accountId ? "" : " (not coupled)"}\n`);
      printTable(Object.entries(s.figures).map(([figure, value]) => ({ figure, value })));
    }
  });
}
