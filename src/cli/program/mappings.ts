// The `mappings` command's definition; its implementation (../commands/mappings.ts) loads when it runs (./lazy.ts).
import type { Command } from "commander";
import { withCommonOptions } from "../options.ts";
import { lazy } from "./lazy.ts";

export function registerMappingsCommand(program: Command): void {
  const mappings = program.command("mappings").description("Table mappings: list, export, import, reset to defaults.");

  withCommonOptions(
    mappings
      .command("list")
      .description("Every table mapping with direction, filters, run order and job defaults.")
      .option("--json", "one JSON document"),
  ).action(lazy(() => import("../commands/mappings.ts"), "listMappingsAction"));

  withCommonOptions(
    mappings
      .command("export")
      .description("Write the table mappings in the engine's file format (YAML or JSON).")
      .option("--out <file>", "file to write (default: standard output)")
      .option("--format <format>", "yaml or json (default: by --out extension, else yaml)"),
  ).action(lazy(() => import("../commands/mappings.ts"), "exportMappingsAction"));

  withCommonOptions(
    mappings
      .command("import")
      .description(
        "Add or replace table mappings from a mapping file; they are marked user defined unless they are defaults.",
      )
      .argument("<file>", "YAML or JSON mapping file")
      .option("--json", "JSON output"),
  ).action(lazy(() => import("../commands/mappings.ts"), "importMappingsAction"));

  withCommonOptions(
    mappings
      .command("reset")
      .description("Apply the default mappings and job queue entries; custom mappings are exported, then discarded.")
      .option("--yes", "confirm discarding custom mappings")
      .option("--json", "JSON output"),
  ).action(lazy(() => import("../commands/mappings.ts"), "resetMappingsAction"));
}
