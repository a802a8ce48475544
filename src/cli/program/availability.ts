// The `availability` command's definition; its implementation (../commands/availability.ts) loads when it runs (./lazy.ts).
import type { Command } from "commander";
import { withCommonOptions } from "../options.ts";
import { lazy } from "./lazy.ts";

export function registerAvailabilityCommand(program: Command): void {
  withCommonOptions(
    program
      .command("availability")
      .description("Item availability of one item now (inventory, on sales orders, available; Sales quantity).")
      .argument("<item>", "item number as Business Central shows it (e.g. 1896-S), or its id")
      .option("--json", "JSON output"),
  ).action(lazy(() => import("../commands/availability.ts"), "availabilityAction"));
}
