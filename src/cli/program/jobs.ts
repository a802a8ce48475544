// The `jobs` command's definition; its implementation (../commands/jobs.ts) loads when it runs (./lazy.ts).
import type { Command } from "commander";
import { withCommonOptions } from "../options.ts";
import { lazy } from "./lazy.ts";

export function registerJobsCommand(program: Command): void {
  const jobs = withCommonOptions(
    program
      .command("jobs")
      .description("Job queue entries: status, last and next run, last error; run now, hold, resume.")
      .option("--json", "one JSON line per entry"),
  ).action(lazy(() => import("../commands/jobs.ts"), "jobsAction"));
  jobs
    .command("run")
    .description("Make an entry due now (a running serve or worker runs it); --here runs it in this process.")
    .argument("<entry>", "entry id, mapping name or kind")
    .option("--here", "run it now in this process and report the outcome")
    .action(lazy(() => import("../commands/jobs.ts"), "runJobAction"));
  jobs
    .command("hold")
    .description("Put an entry on hold: no interval, trigger or wake runs it until it is resumed.")
    .argument("<entry>", "entry id, mapping name or kind")
    .action(lazy(() => import("../commands/jobs.ts"), "holdJobAction"));
  jobs
    .command("resume")
    .description("Resume an entry on hold (by a person or for inactivity): ready and due now.")
    .argument("<entry>", "entry id, mapping name or kind")
    .action(lazy(() => import("../commands/jobs.ts"), "resumeJobAction"));
}
