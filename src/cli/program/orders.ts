// The `orders` command's definition; its implementation (../commands/orders.ts) loads when it runs (./lazy.ts).
import type { Command } from "commander";
import { withCommonOptions } from "../options.ts";
import { lazy } from "./lazy.ts";

export function registerOrdersCommand(program: Command): void {
  const orders = program
    .command("orders")
    .description("Sales orders submitted in Dynamics 365 Sales: list them, create one in Business Central.");

  withCommonOptions(
    orders
      .command("submitted")
      .description("List every Sales order with status Submitted and its coupled BC order number.")
      .option("--json", "JSON output"),
  ).action(lazy(() => import("../commands/orders.ts"), "submittedOrdersAction"));

  withCommonOptions(
    orders
      .command("create")
      .description("Create (and release) the Business Central order of a submitted Sales order.")
      .argument("<salesorderid>", "the Sales order's id")
      .option("--json", "JSON output"),
  ).action(lazy(() => import("../commands/orders.ts"), "createOrderAction"));
}
