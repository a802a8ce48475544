// Small helpers the integration's CLI commands share (src/cli/commands/{setup,mappings,sync,review,demo,couple}.ts).

import { type CommonCliOptions, DEFAULT_CONFIG_PATH } from "../cli/options.ts";
import { loadConfig } from "../config/index.ts";
import type { BcsyncConfig } from "../config/schema.ts";
import { openStore, type Store } from "../store/index.ts";
import { type IntegrationContext, openIntegration } from "./context.ts";

// The shared options live in src/cli/options.ts, which `bcsync --help` loads without the integration.
export { type CommonCliOptions, collect, DEFAULT_CONFIG_PATH, withCommonOptions } from "../cli/options.ts";

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
export async function withStore<T>(
  options: CommonCliOptions,
  work: (store: Store, config: BcsyncConfig) => Promise<T>,
): Promise<T> {
  const config = loadConfig({ path: options.config ?? DEFAULT_CONFIG_PATH });
  const store = await openStore({ url: config.store.url, dataDir: options.data ?? config.dataDir });
  try {
    return await work(store, config);
  } finally {
    await store.close();
  }
}
