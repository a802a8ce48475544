// `bcsync sync [MAPPING...|--all] [--full] [--dry-run] [--json]`: runs table mappings now through the engine,
// in dependency order, and reports the counters per mapping (one JSON line per mapping with --json).

import type { Command } from "commander";
import { type CommonCliOptions, withCommonOptions, withIntegration } from "../../integration/cli.ts";
import { type MappingSyncResult, syncMappings, total } from "../../integration/sync.ts";
import { printJson, printTable } from "../output.ts";

interface SyncCliOptions extends CommonCliOptions {
  all?: boolean;
  full?: boolean;
  dryRun?: boolean;
}

const COUNTERS = ["inserted", "modified", "unchanged", "skipped", "failed", "coupled", "deleted"] as const;

export function summarize(result: MappingSyncResult): Record<string, unknown> {
  return {
    mapping: result.mapping,
    ...Object.fromEntries(COUNTERS.map((c) => [c, total(result, c)])),
    status: result.error
      ? "error"
      : result.skipped
        ? "not run"
        : result.passes.some((p) => p.status === "failed")
          ? "failed"
          : "ok",
    message: result.error ?? result.skipped ?? result.passes.flatMap((p) => p.message ?? []).join("; "),
  };
}

export function registerSyncCommand(program: Command): void {
  withCommonOptions(
    program
      .command("sync")
      .description("Synchronize table mappings now (all of them without names), in dependency order.")
      .argument("[mapping...]", "table mapping names, e.g. ITEM-PRODUCT CUSTOMER")
      .option("--all", "every table mapping")
      .option("--full", "full synchronization: couple or create uncoupled records too")
      .option("--dry-run", "plan only: show what would be written, write nothing")
      .option("--json", "one JSON line per mapping"),
  ).action(async (names: string[], options: SyncCliOptions) => {
    await withIntegration(options, async (ctx) => {
      const rows: Record<string, unknown>[] = [];
      const results = await syncMappings(ctx, {
        names: options.all ? [] : names,
        full: options.full,
        dryRun: options.dryRun,
        onMapping: (r) => {
          const row = summarize(r);
          if (options.json) {
            printJson(options.dryRun ? { ...row, planned: r.passes.flatMap((p) => p.planned) } : row);
          } else rows.push(row);
        },
      });
      if (!options.json) printTable(rows, ["mapping", ...COUNTERS, "status", "message"]);
      if (results.some((r) => r.error)) process.exitCode = 1;
    });
  });
}
