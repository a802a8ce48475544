// The `deletions` command's definition; its implementation (../commands/deletions.ts) loads when it runs (./lazy.ts).
import type { Command } from "commander";
import { withCommonOptions } from "../options.ts";
import { lazy } from "./lazy.ts";

export function registerDeletionsCommand(program: Command): void {
  const deletions = withCommonOptions(
    program
      .command("deletions")
      .description("Mass deletions held for approval (list, approve, reject).")
      .option("--mapping <name>", "only this table mapping")
      .option("--all", "decided ones too")
      .option("--json", "one JSON line per held deletion"),
  ).action(lazy(() => import("../commands/deletions.ts"), "deletionsAction"));
  deletions
    .command("approve")
    .description("Delete the counterparts a held deletion lists, and their couplings, now.")
    .argument("<id>", "held deletion id (see bcsync deletions)")
    .action(lazy(() => import("../commands/deletions.ts"), "approveDeletionAction"));
  deletions
    .command("reject")
    .description("Discard a held deletion: nothing is deleted.")
    .argument("<id>", "held deletion id (see bcsync deletions)")
    .action(lazy(() => import("../commands/deletions.ts"), "rejectDeletionAction"));
}
