import { openIntegration } from "../../integration/context.ts";
import { integrationJobHandlers } from "../../integration/job-handlers.ts";
import { scrubSecrets } from "../../log/logger.ts";
import { jobQueueRunner } from "../../service/company.ts";
import type { QueueEntry, RunOutcome } from "../../store/index.ts";
import { EXIT, raiseExitCode } from "../exit-codes.ts";
import { printJson } from "../output.ts";
import { untilStopped } from "../signals.ts";

interface WorkerCliOptions {
  config?: string;
  data?: string;
  once?: boolean;
  pgBoss?: boolean;
  concurrency: string;
  json?: boolean;
}

/**
 * `bcsync worker`: runs the job queue of a configured integration. One process on the embedded store; with a
 * PostgreSQL store and `--pg-boss`, any number of processes share the work through pg-boss.
 */
export async function runWorker(options: WorkerCliOptions, signal?: AbortSignal): Promise<void> {
  const ctx = await openIntegration({ configPath: options.config, dataDir: options.data });
  const report = (entry: QueueEntry, outcome: RunOutcome) => {
    // `worker --once` under cron: an entry whose run failed (as a whole or in some records) is not exit 0.
    if (outcome.kind === "failed") raiseExitCode(EXIT.error);
    const line = {
      entry: entry.mappingName ?? entry.kind,
      outcome: outcome.kind,
      status: entry.status,
      nextRunAt: entry.nextRunAt,
      ...(outcome.kind === "failed" ? { error: scrubSecrets(outcome.error) } : {}),
    };
    if (options.json) printJson(line);
    else
      process.stdout.write(
        `${new Date().toISOString()} ${line.entry}: ${line.outcome} → ${line.status}, next ${line.nextRunAt ?? "-"}${outcome.kind === "failed" ? ` (${scrubSecrets(outcome.error)})` : ""}\n`,
      );
  };
  const handlers = integrationJobHandlers(ctx);
  // A long-running worker says when it takes work (supervisors and tests wait for this line, not for a time).
  const ready = (mode: string) => {
    if (options.json) printJson({ event: "ready", mode, concurrency: Number(options.concurrency) });
    else process.stdout.write(`bcsync worker: ready, running the job queue (${mode}); Ctrl+C stops it\n`);
  };
  try {
    const runner = jobQueueRunner(ctx, handlers, {
      pgBoss: options.pgBoss === true,
      concurrency: Number(options.concurrency),
    });
    if (runner.workers) {
      const { workers } = runner;
      workers.on("completed", report);
      await workers.start();
      ready(`pg-boss, ${Number(options.concurrency)} at once`);
      await untilStopped(signal);
      await workers.stop();
      return;
    }
    const { scheduler } = runner;
    scheduler.on("completed", report);
    if (options.once) {
      await scheduler.tick();
      return;
    }
    scheduler.start();
    ready("embedded scheduler");
    await untilStopped(signal);
    await scheduler.stop();
  } finally {
    await ctx.close();
  }
}

export async function workerAction(o: WorkerCliOptions): Promise<void> {
  await runWorker(o);
}
