// The `log` command's definition; its implementation (../commands/log.ts) loads when it runs (./lazy.ts).
import type { Command } from "commander";
import { withCommonOptions } from "../options.ts";
import { lazy } from "./lazy.ts";

export function registerLogCommands(program: Command): void {
  withCommonOptions(
    program
      .command("log")
      .description("The sync log: recent runs of each mapping and direction, with their counters.")
      .option("--mapping <name>", "only this table mapping")
      .option("--limit <n>", "how many runs", "50")
      .option("--json", "one JSON line per run"),
  ).action(lazy(() => import("../commands/log.ts"), "logAction"));

  withCommonOptions(
    program
      .command("errors")
      .description("Record errors of each mapping's latest run: mapping, record, field, message and fix.")
      .option("--mapping <name>", "only this table mapping")
      .option("--limit <n>", "how many errors", "200")
      .option("--retry-all", "run the mappings with errors again now")
      .option("--skipped", "list records skipped after repeated failures instead")
      .option("--unskip <mapping>", "take a mapping's skipped records back into synchronization (with --bc, one)")
      .option("--bc <id>", "with --unskip: the BC record id")
      .option("--json", "one JSON line per error"),
  ).action(lazy(() => import("../commands/log.ts"), "errorsAction"));
}
