// The `worker` command's definition; its implementation (../commands/worker.ts) loads when it runs (./lazy.ts).
import type { Command } from "commander";
import { lazy } from "./lazy.ts";

export function registerWorkerCommand(program: Command): void {
  program
    .command("worker")
    .description("Run the job queue: due table mapping syncs, statistics and availability jobs.")
    .option("--config <file>", "configuration file written by `bcsync setup`")
    .option("--data <dir>", "state directory (overrides the configuration's dataDir)")
    .option("--once", "run what is due now, then exit (for cron or CI)")
    .option("--pg-boss", "share the work with other processes through pg-boss (PostgreSQL store only)")
    .option("--concurrency <n>", "entries this process runs at once (with --pg-boss)", "1")
    .option("--json", "JSON lines: one when ready, then one per completed entry")
    .action(lazy(() => import("../commands/worker.ts"), "workerAction"));
}
