// Small helpers the integration's CLI commands share (src/cli/commands/{setup,mappings,sync,review,demo,couple}.ts).

import type { Command } from "commander";
import { type IntegrationContext, openIntegration } from "./context.ts";

export const DEFAULT_CONFIG_PATH = "bcsync.config.json";

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

/** Opens the integration, runs `work`, closes it whatever happens. */
export async function withIntegration<T>(
  options: CommonCliOptions,
  work: (ctx: IntegrationContext) => Promise<T>,
): Promise<T> {
  const ctx = await openIntegration({
    configPath: options.config ?? DEFAULT_CONFIG_PATH,
    ...(options.data ? { dataDir: options.data } : {}),
  });
  try {
    return await work(ctx);
  } finally {
    await ctx.close();
  }
}

/** Collects a repeatable option's values. */
export function collect(value: string, previous: string[] = []): string[] {
  return [...previous, value];
}
