// Options every command shares, in a module that imports nothing but commander's types: the command definitions
// (src/cli/program/) use it, and `bcsync --help` must not load the integration to print them.
import type { Command } from "commander";

export const DEFAULT_CONFIG_PATH = "bcsync.config.json";

/** Where `bcsync emulate` keeps its data unless told otherwise. */
export const DEFAULT_EMULATOR_DATA_DIR = ".bcsync/emulators";

export interface CommonCliOptions {
  config?: string;
  data?: string;
  json?: boolean;
}

/** `--config` and `--data`, the same on every command (issue 7). */
export function withCommonOptions(command: Command): Command {
  return command
    .option("--config <path>", "configuration file", DEFAULT_CONFIG_PATH)
    .option("--data <dir>", "state directory (overrides dataDir of the configuration)");
}

/** Collects a repeatable option's values. */
export function collect(value: string, previous: string[] = []): string[] {
  return [...previous, value];
}
