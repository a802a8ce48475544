// The `couplings` command's definition; its implementation (../commands/couplings.ts) loads when it runs (./lazy.ts).
import type { Command } from "commander";
import { withCommonOptions } from "../options.ts";
import { lazy } from "./lazy.ts";

export function registerCouplingsCommand(program: Command): void {
  withCommonOptions(
    program
      .command("couplings")
      .description("Coupled records per mapping with links into Business Central and Sales; couple, uncouple.")
      .argument("[mapping]", "table mapping name, e.g. CUSTOMER (without: counts per mapping)")
      .option("--uncouple <id>", "remove the coupling of this BC record id or Dataverse row id")
      .option("--couple <pair>", "couple BC_ID=DATAVERSE_ID")
      .option("--limit <n>", "how many couplings to list", "50")
      .option("--json", "one JSON line per coupling"),
  ).action(lazy(() => import("../commands/couplings.ts"), "couplingsAction"));
}
