// `bcsync jobs`: the job queue as Business Central's Job Queue Entries page shows it (status, last and next run,
// last error), and its actions: `run` (due now; with --here, run it in this process and report the outcome),
// `hold`, `resume`. An entry is named by its id, its mapping (CUSTOMER) or its kind (customer-statistics).

import type { Command } from "commander";
import { bcsyncError, SERVER_NOT_FOUND } from "../../errors/catalogue.ts";
import { ADMIN_JOB_ENTRY_RUNNING } from "../../errors/codes/admin.ts";
import { type CommonCliOptions, withIntegration, withStore } from "../../integration/cli.ts";
import { integrationJobHandlers } from "../../integration/job-handlers.ts";
import { JobQueueControl } from "../../jobs/control.ts";
import { runQueueEntry } from "../../jobs/scheduler.ts";
import { ChangeWaker } from "../../jobs/waker.ts";
import type { QueueEntry, Store } from "../../store/index.ts";
import { EXIT, raiseExitCode } from "../exit-codes.ts";
import { printJson, printTable } from "../output.ts";

interface JobsCliOptions extends CommonCliOptions {
  json?: boolean;
  here?: boolean;
}

const row = (e: QueueEntry) => ({
  id: e.id,
  entry: e.mappingName ?? e.kind,
  status: e.status,
  every: `${e.intervalMinutes} min`,
  lastRun: e.lastRunAt ?? "-",
  nextRun: e.nextRunAt ?? "-",
  lastError: e.lastError ?? "",
});

/** The entry named by id, mapping name or kind (any case). */
async function findEntry(store: Store, name: string): Promise<QueueEntry> {
  const wanted = name.toLowerCase();
  const entries = await store.queue.list();
  const found =
    entries.find((e) => e.id.toLowerCase() === wanted) ??
    entries.find((e) => e.mappingName?.toLowerCase() === wanted) ??
    entries.find((e) => e.kind.toLowerCase() === wanted && !e.mappingName);
  if (!found)
    throw bcsyncError(SERVER_NOT_FOUND, { what: `Job queue entry ${name} (see \`npx bcsync jobs\` for the list)` });
  return found;
}

/** The CLI has no scheduler of its own: "due now" is picked up by a running `bcsync serve` or `bcsync worker`. */
function control(store: Store): JobQueueControl {
  return new JobQueueControl(store, new ChangeWaker({ store, debounceMs: 0 }));
}

function show(entry: QueueEntry, options: JobsCliOptions): void {
  if (options.json) printJson(entry);
  else printTable([row(entry)]);
}

export async function jobsAction(options: JobsCliOptions): Promise<void> {
  await withStore(options, async (store) => {
    const entries = await store.queue.list();
    if (options.json) for (const e of entries) printJson(e);
    else printTable(entries.map(row));
    if (entries.some((e) => e.status === "error")) raiseExitCode(EXIT.recordFailures);
  });
}

export async function runJobAction(name: string, _local: JobsCliOptions, command: Command): Promise<void> {
  const options = command.optsWithGlobals<JobsCliOptions>();
  if (!options.here) {
    await withStore(options, async (store) => {
      const entry = await findEntry(store, name);
      show(await control(store).runNow(entry.id), options);
    });
    return;
  }
  await withIntegration(options, async (ctx) => {
    const entry = await findEntry(ctx.store, name);
    // Claimed as a scheduler claims it: a run in flight elsewhere (serve, worker) is not started twice.
    if (!(await ctx.store.queue.claim(entry, `cli-${process.pid}`)))
      throw bcsyncError(ADMIN_JOB_ENTRY_RUNNING, { entry: entry.mappingName ?? entry.kind });
    const outcome = await runQueueEntry(integrationJobHandlers(ctx), entry, new AbortController().signal);
    const after = await ctx.store.queue.complete(entry.id, outcome);
    if (options.json) printJson({ entry: after, outcome });
    else {
      printTable([row(after)]);
      process.stdout.write(
        `\n${outcome.kind === "failed" ? `failed: ${outcome.error}` : outcome.idle ? "succeeded: nothing to do" : "succeeded"}\n`,
      );
    }
    if (outcome.kind === "failed") raiseExitCode(EXIT.error);
  });
}

export async function holdJobAction(name: string, _local: JobsCliOptions, command: Command): Promise<void> {
  const options = command.optsWithGlobals<JobsCliOptions>();
  await withStore(options, async (store) => {
    const entry = await findEntry(store, name);
    show(await control(store).hold(entry.id), options);
  });
}

export async function resumeJobAction(name: string, _local: JobsCliOptions, command: Command): Promise<void> {
  const options = command.optsWithGlobals<JobsCliOptions>();
  await withStore(options, async (store) => {
    const entry = await findEntry(store, name);
    show(await control(store).resume(entry.id), options);
  });
}
