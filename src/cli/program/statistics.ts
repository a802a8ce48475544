// The `statistics` command's definition; its implementation (../commands/statistics.ts) loads when it runs (./lazy.ts).
import type { Command } from "commander";
import { withCommonOptions } from "../options.ts";
import { lazy } from "./lazy.ts";

export function registerStatisticsCommand(program: Command): void {
  withCommonOptions(
    program
      .command("statistics")
      .description("Customer statistics of one customer now (balance, outstanding, overdue, total sales).")
      .argument("<customer>", "customer number as Business Central shows it (e.g. 10000), or its id")
      .option("--json", "JSON output"),
  ).action(lazy(() => import("../commands/statistics.ts"), "statisticsAction"));
}
