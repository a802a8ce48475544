// The `couple` command's definition; its implementation (../commands/couple.ts) loads when it runs (./lazy.ts).
import type { Command } from "commander";
import { withCommonOptions } from "../options.ts";
import { lazy } from "./lazy.ts";

export function registerCoupleCommand(program: Command): void {
  withCommonOptions(
    program
      .command("couple")
      .description("Couple a BC record with a Dataverse row for a table mapping (or --uncouple).")
      .argument("<mapping>", "table mapping name, e.g. SALESPEOPLE")
      .option("--bc <id>", "BC record id (SystemId)")
      .option("--dataverse <id>", "Dataverse row id")
      .option("--uncouple", "remove the coupling of --bc or --dataverse")
      .option("--json", "JSON output"),
  ).action(lazy(() => import("../commands/couple.ts"), "coupleAction"));
}
