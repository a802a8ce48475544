import { Command, CommanderError } from "commander";
import { boundHeapGrowth } from "../runtime/heap.ts";
import { EXIT } from "./exit-codes.ts";
import { registerAvailabilityCommand } from "./program/availability.ts";
import { registerConflictsCommand } from "./program/conflicts.ts";
import { registerCoupleCommand } from "./program/couple.ts";
import { registerCouplingsCommand } from "./program/couplings.ts";
import { registerDeletionsCommand } from "./program/deletions.ts";
import { registerDemoCommand } from "./program/demo.ts";
import { registerEmulateCommand } from "./program/emulate.ts";
import { registerJobsCommand } from "./program/jobs.ts";
import { registerLogCommands } from "./program/log.ts";
import { registerMappingsCommand } from "./program/mappings.ts";
import { registerOrdersCommand } from "./program/orders.ts";
import { registerReconcileCommand } from "./program/reconcile.ts";
import { registerReviewCommand } from "./program/review.ts";
import { registerServeCommand } from "./program/serve.ts";
import { registerSetupCommand } from "./program/setup.ts";
import { registerStatisticsCommand } from "./program/statistics.ts";
import { registerSyncCommand } from "./program/sync.ts";
import { registerUsersCommand } from "./program/users.ts";
import { registerWorkerCommand } from "./program/worker.ts";

/** Builds the `bcsync` program; tests run commands in-process through `main`. */
export function buildProgram(): Command {
  const program = new Command("bcsync")
    .description("Keeps Dynamics 365 Business Central and Dynamics 365 Sales / Dataverse in sync.")
    .version("0.1.0")
    .showHelpAfterError();
  for (const register of [
    registerDemoCommand,
    registerEmulateCommand,
    registerSetupCommand,
    registerMappingsCommand,
    registerSyncCommand,
    registerLogCommands,
    registerReviewCommand,
    registerCoupleCommand,
    registerWorkerCommand,
    registerServeCommand,
    registerOrdersCommand,
    registerConflictsCommand,
    registerDeletionsCommand,
    registerJobsCommand,
    registerUsersCommand,
    registerCouplingsCommand,
    registerReconcileCommand,
    registerAvailabilityCommand,
    registerStatisticsCommand,
  ]) {
    register(program);
  }
  return program;
}

/** Runs the CLI; resolves with the exit code (long-running commands resolve when they stop). */
export async function main(argv: string[]): Promise<number> {
  const program = buildProgram();
  // Every command, nested ones too, throws instead of exiting, so the exit code comes from one place.
  const override = (command: Command): void => {
    command.exitOverride();
    for (const sub of command.commands) override(sub);
  };
  override(program);
  try {
    await program.parseAsync(argv, { from: "user" });
    // Commands that finish with failures set the code (src/cli/exit-codes.ts) rather than throw.
    const code = typeof process.exitCode === "number" ? process.exitCode : 0;
    process.exitCode = undefined;
    return code;
  } catch (error) {
    // Help and --version exit 0; every other commander refusal is a usage error.
    if (error instanceof CommanderError) return error.exitCode === 0 ? EXIT.ok : EXIT.usage;
    // Loaded on failure only: it brings the error catalogue and the logger's scrubbing, which --help does not need.
    const { reportError } = await import("./output.ts");
    return reportError(error, argv.includes("--json"));
  }
}

const invokedDirectly = process.argv[1] !== undefined && /(?:main\.ts|bcsync(?:\.js)?)$/.test(process.argv[1]);
if (invokedDirectly) {
  // A bcsync process: the heap grows with what a sync holds, not with how long it runs (src/runtime/heap.ts).
  boundHeapGrowth();
  const code = await main(process.argv.slice(2));
  if (code !== 0) process.exitCode = code;
}
