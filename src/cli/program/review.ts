// The `review` command's definition; its implementation (../commands/review.ts) loads when it runs (./lazy.ts).
import type { Command } from "commander";
import { collect, withCommonOptions } from "../options.ts";
import { lazy } from "./lazy.ts";

export function registerReviewCommand(program: Command): void {
  withCommonOptions(
    program
      .command("review")
      .description("Full synchronization review: state, dependencies, recommended full sync, sync all, restart.")
      .option("--recommend-full <mapping>", "recommend a full synchronization for a mapping (repeatable)", collect)
      .option("--sync-all", "fully synchronize every line whose dependencies are done, in dependency order")
      .option("--restart <mapping>", "start a finished or failed line again")
      .option(
        "--enable-unit-groups",
        "switch on multiple units of measure: uncouple and retire products, unit group mappings, full sync, restart products",
      )
      .option("--json", "JSON output"),
  ).action(lazy(() => import("../commands/review.ts"), "reviewAction"));
}
