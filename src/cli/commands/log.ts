// `bcsync log` (the sync log: runs with their counters) and `bcsync errors` (the errors still standing, with
// `--retry-all` to run their mappings again and `--skipped`/`--unskip` for records set aside after repeated
// failures). Both read the state store only; `--retry-all` connects like `bcsync sync`.

import { currentErrors, recentRuns } from "../../admin/sync-log.ts";
import { type CommonCliOptions, withIntegration, withStore } from "../../integration/cli.ts";
import { syncMappings } from "../../integration/sync.ts";
import { scrubSecrets } from "../../log/logger.ts";
import { EXIT, raiseExitCode } from "../exit-codes.ts";
import { printJson, printTable } from "../output.ts";
import { runOutcome, summarize } from "./sync.ts";

interface LogCliOptions extends CommonCliOptions {
  mapping?: string;
  limit?: string;
}

interface ErrorsCliOptions extends LogCliOptions {
  retryAll?: boolean;
  skipped?: boolean;
  unskip?: string;
  bc?: string;
}

export async function logAction(options: LogCliOptions): Promise<void> {
  await withStore(options, async (store) => {
    const runs = await recentRuns(store, {
      ...(options.mapping ? { mappingName: options.mapping.toUpperCase() } : {}),
      limit: Number(options.limit),
    });
    if (options.json) for (const r of runs) printJson(r);
    else
      printTable(
        runs.map((r) => ({ ...r, message: r.message ? scrubSecrets(r.message) : "", dryRun: r.dryRun ? "yes" : "" })),
        [
          "startedAt",
          "mappingName",
          "direction",
          "type",
          "status",
          "inserted",
          "modified",
          "deleted",
          "failed",
          "message",
        ],
      );
  });
}

export async function errorsAction(options: ErrorsCliOptions): Promise<void> {
  if (options.retryAll) {
    const names = await withStore(options, async (store) => [
      ...new Set((await currentErrors(store, mappingFilter(options))).map((e) => e.mappingName)),
    ]);
    if (names.length === 0) {
      if (!options.json) process.stdout.write("No errors to retry.\n");
      return;
    }
    await withIntegration(options, async (ctx) => {
      // Full runs: a record that failed before it was ever coupled is re-planned only by a full run.
      const results = await syncMappings(ctx, { names, full: true });
      const rows = results.map(summarize);
      if (options.json) for (const r of rows) printJson(r);
      else printTable(rows);
      const outcome = runOutcome(results);
      if (!options.json && outcome.summary) process.stderr.write(`${outcome.summary}\n`);
      raiseExitCode(outcome.exitCode);
    });
    return;
  }
  await withStore(options, async (store) => {
    if (options.unskip) {
      const n = await store.couplings.unskip(options.unskip.toUpperCase(), options.bc);
      if (options.json) printJson({ unskipped: n });
      else process.stdout.write(`${n} record(s) will be synchronized again on the next run.\n`);
      return;
    }
    if (options.skipped) {
      const mapping = options.mapping?.toUpperCase();
      const mappings = mapping ? [mapping] : (await store.mappings.list()).map((m) => m.name);
      const rows = [];
      for (const name of mappings)
        for (const c of await store.couplings.listSkipped(name))
          rows.push({
            mapping: name,
            bcId: c.bcId,
            dataverseId: c.dataverseId,
            failures: c.failureCount,
            lastError: c.lastError,
          });
      if (options.json) for (const r of rows) printJson(r);
      else printTable(rows);
      return;
    }
    const errors = await currentErrors(store, { ...mappingFilter(options), limit: Number(options.limit) });
    if (options.json) for (const e of errors) printJson(e);
    else {
      printTable(
        errors.map((e) => ({ ...e, message: scrubSecrets(e.message) })),
        ["mappingName", "direction", "sourceId", "destinationId", "field", "code", "message"],
      );
      if (errors.length > 0)
        process.stdout.write(
          `\n${errors.length} error(s). Fix the data or the mapping, then: npx bcsync errors --retry-all\n`,
        );
    }
    if (errors.length > 0) raiseExitCode(EXIT.recordFailures);
  });
}

function mappingFilter(options: LogCliOptions): { mappingName?: string } {
  return options.mapping ? { mappingName: options.mapping.toUpperCase() } : {};
}
