// `bcsync sync [MAPPING...|--all] [--full] [--dry-run] [--json]`: runs table mappings now through the engine,
// in dependency order, and reports the counters per mapping (one JSON line per mapping with --json).

import { type CommonCliOptions, withIntegration } from "../../integration/cli.ts";
import { latestPasses, type MappingSyncResult, selectMappings, syncMappings, total } from "../../integration/sync.ts";
import { EXIT, type ExitCode, raiseExitCode } from "../exit-codes.ts";
import { printJson, printTable } from "../output.ts";
import { mappingProgress } from "../progress.ts";

interface SyncCliOptions extends CommonCliOptions {
  all?: boolean;
  full?: boolean;
  dryRun?: boolean;
}

const COUNTERS = ["inserted", "modified", "unchanged", "skipped", "failed", "coupled", "deleted", "uncoupled"] as const;

export function summarize(result: MappingSyncResult): Record<string, unknown> {
  return {
    mapping: result.mapping,
    ...Object.fromEntries(COUNTERS.map((c) => [c, total(result, c)])),
    status: result.error
      ? "error"
      : result.skipped
        ? "not run"
        : latestPasses(result).some((p) => p.status === "failed")
          ? "failed"
          : result.passes.some((p) => p.heldDeletionId)
            ? "held" // a warning: deletions wait for approval (`bcsync deletions`)
            : "ok",
    message:
      result.error ??
      result.skipped ??
      latestPasses(result)
        .flatMap((p) => p.message ?? [])
        .join("; "),
  };
}

/**
 * What a set of mapping runs means for a script: a mapping that did not run (or whose pass failed as a whole) is an
 * error; records that failed are record failures; otherwise ok. The summary says it in words for people.
 */
export function runOutcome(results: readonly MappingSyncResult[]): { exitCode: ExitCode; summary?: string } {
  const broken = results.filter(
    (r) => r.error || latestPasses(r).some((p) => p.status === "failed" && p.counters.failed === 0),
  );
  const failedRecords = results.reduce((n, r) => n + total(r, "failed"), 0);
  const held = results.filter((r) => r.passes.some((p) => p.heldDeletionId));
  const parts: string[] = [];
  if (broken.length > 0)
    parts.push(`${broken.length} mapping(s) did not finish: ${broken.map((r) => r.mapping).join(", ")}`);
  if (failedRecords > 0) parts.push(`${failedRecords} record(s) failed`);
  if (held.length > 0) parts.push(`deletions held for approval in ${held.map((r) => r.mapping).join(", ")}`);
  if (parts.length === 0) return { exitCode: EXIT.ok };
  const exitCode = broken.length > 0 ? EXIT.error : EXIT.recordFailures;
  return { exitCode, summary: `${parts.join("; ")} (exit code ${exitCode}).` };
}

export async function syncAction(names: string[], options: SyncCliOptions): Promise<void> {
  await withIntegration(options, async (ctx) => {
    const rows: Record<string, unknown>[] = [];
    const selected = options.all ? [] : names;
    const progress = mappingProgress(selectMappings(ctx.mappings, selected).length, { json: options.json });
    const results = await syncMappings(ctx, {
      names: selected,
      full: options.full,
      dryRun: options.dryRun,
      onProgress: (mapping, page) => progress.working(mapping, page),
      onMapping: (r) => progress.done(r.mapping),
    });
    progress.stop();
    // Printed once all is done: a full sync of several mappings ends with a settling pass of some of them, whose
    // counters and failures join their mapping's line (printed as each finished, those lines hid them).
    for (const r of results) {
      const row = summarize(r);
      if (options.json) printJson(options.dryRun ? { ...row, planned: r.passes.flatMap((p) => p.planned) } : row);
      else rows.push(row);
    }
    if (!options.json) printTable(rows, ["mapping", ...COUNTERS, "status", "message"]);
    const outcome = runOutcome(results);
    if (!options.json && outcome.summary) process.stderr.write(`${outcome.summary}\n`);
    raiseExitCode(outcome.exitCode);
  });
}
