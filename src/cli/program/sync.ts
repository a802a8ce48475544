// The `sync` command's definition; its implementation (../commands/sync.ts) loads when it runs (./lazy.ts).
import type { Command } from "commander";
import { withCommonOptions } from "../options.ts";
import { lazy } from "./lazy.ts";

export function registerSyncCommand(program: Command): void {
  withCommonOptions(
    program
      .command("sync")
      .description("Synchronize table mappings now (all of them without names), in dependency order.")
      .argument("[mapping...]", "table mapping names, e.g. ITEM-PRODUCT CUSTOMER")
      .option("--all", "every table mapping")
      .option("--full", "full synchronization: couple or create uncoupled records too")
      .option("--dry-run", "plan only: show what would be written, write nothing")
      .option("--json", "one JSON line per mapping"),
  ).action(lazy(() => import("../commands/sync.ts"), "syncAction"));
}
