// `bcsync statistics CUSTOMER` (seed S17): the customer's statistics as Business Central computes them now.

import type { Command } from "commander";
import { valueOrThrow } from "../../admin/result.ts";
import { customerStatisticsNow } from "../../admin/statistics.ts";
import { type CommonCliOptions, withCommonOptions, withIntegration } from "../../integration/cli.ts";
import { printJson, printTable } from "../output.ts";

export function registerStatisticsCommand(program: Command): void {
  withCommonOptions(
    program
      .command("statistics")
      .description("Customer statistics of one customer now (balance, outstanding, overdue, total sales).")
      .argument("<customer>", "customer number as Business Central shows it (e.g. 10000), or its id")
      .option("--json", "JSON output"),
  ).action(async (customer: string, options: CommonCliOptions) => {
    await withIntegration(options, async (ctx) => {
      const s = valueOrThrow(await customerStatisticsNow(ctx, customer));
      if (options.json) printJson(s);
      else {
        process.stdout.write(`${s.customerNumber} ${s.customerName}${s.accountId ? "" : " (not coupled)"}\n`);
        printTable(Object.entries(s.figures).map(([figure, value]) => ({ figure, value })));
      }
    });
  });
}
