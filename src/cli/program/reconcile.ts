// The `reconcile` command's definition; its implementation (../commands/reconcile.ts) loads when it runs (./lazy.ts).
import type { Command } from "commander";
import { withCommonOptions } from "../options.ts";
import { lazy } from "./lazy.ts";

export function registerReconcileCommand(program: Command): void {
  withCommonOptions(
    program
      .command("reconcile")
      .description("Reconciliation report: uncoupled records, couplings without a record, differing values.")
      .argument("[mapping...]", "table mapping names (without: every table mapping)")
      .option("--limit <n>", "how many records to list per finding (the counts are complete)", "100")
      .option("--json", "one JSON line per mapping, with the records"),
  ).action(lazy(() => import("../commands/reconcile.ts"), "reconcileAction"));
}
