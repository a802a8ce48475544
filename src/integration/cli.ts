// Small helpers the integration's CLI commands share (src/cli/commands/{setup,mappings,sync,review,demo,couple}.ts).

import type { Command } from "commander";
import { loadConfig } from "../config/index.ts";
import { openStore, type Store } from "../store/index.ts";
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

/**
 * Opens only the state store of the configuration, for commands that read or change bcsync's own records (the
 * sync log, skipped records): they need no connection, no secret and no reachable service.
 */
export async function withStore<T>(options: CommonCliOptions, work: (store: Store) => Promise<T>): Promise<T> {
  const config = loadConfig({ path: options.config ?? DEFAULT_CONFIG_PATH });
  const store = await openStore({ url: config.store.url, dataDir: options.data ?? config.dataDir });
  try {
    return await work(store);
  } finally {
    await store.close();
  }
}

/** Collects a repeatable option's values. */
export function collect(value: string, previous: string[] = []): string[] {
  return [...previous, value];
}
