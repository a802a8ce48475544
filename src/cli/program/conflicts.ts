// The `conflicts` command's definition; its implementation (../commands/conflicts.ts) loads when it runs (./lazy.ts).
import type { Command } from "commander";
import { withCommonOptions } from "../options.ts";
import { lazy } from "./lazy.ts";

export function registerConflictsCommand(program: Command): void {
  const conflicts = withCommonOptions(
    program
      .command("conflicts")
      .description("Conflicts: fields changed on both sides, with the base, BC and Sales values (list, resolve).")
      .option("--mapping <name>", "only this table mapping")
      .option("--all", "resolved ones too")
      .option("--json", "one JSON line per conflict"),
  ).action(lazy(() => import("../commands/conflicts.ts"), "conflictsAction"));
  conflicts
    .command("resolve")
    .description("Resolve conflicts field by field: the kept side's value is written to the other side.")
    .argument("<decision...>", "ID=bc or ID=dataverse (or ID with --keep)")
    .option("--keep <side>", "bc or dataverse, for every ID given without a side")
    .action(lazy(() => import("../commands/conflicts.ts"), "resolveConflictsAction"));
}
