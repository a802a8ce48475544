// `bcsync demo` (`npm start`): starts the emulators with demo data, sets up the integration against them, runs
// the full synchronization review once, then the job queue, and shows in the terminal what syncs. With --json it
// prints one JSON line (the emulators' line plus `configPath`) so scripts can drive the running demo with the
// other commands (`--config <configPath>`). Runs until SIGINT / SIGTERM.

import { join, resolve } from "node:path";
import type { Command } from "commander";
import { startEmulators } from "../../../emulators/index.ts";
import { openIntegration } from "../../integration/context.ts";
import { coupleDemoSalespeople } from "../../integration/demo.ts";
import { integrationJobHandlers } from "../../integration/job-handlers.ts";
import { syncAll } from "../../integration/review.ts";
import { configForEmulators, runSetup } from "../../integration/setup.ts";
import { syncMappings } from "../../integration/sync.ts";
import { Scheduler } from "../../jobs/scheduler.ts";
import { printJson, printTable } from "../output.ts";
import { untilStopped } from "../signals.ts";
import { printSetupReport } from "./setup.ts";
import { summarize } from "./sync.ts";

const DEMO_COMPANY = "CRONUS USA, Inc.";

interface DemoCliOptions {
  data: string;
  json?: boolean;
  limits: string;
}

export async function runDemo(
  o: DemoCliOptions,
  hooks: { signal?: AbortSignal; onReady?(configPath: string): void } = {},
) {
  const dataDir = resolve(o.data);
  const say = (line = "") => {
    if (!o.json) process.stdout.write(`${line}\n`);
  };
  const emulators = await startEmulators({
    dataDir: join(dataDir, "emulators"),
    seed: "demo",
    limits: o.limits === "off" ? "off" : "realistic",
    notice: (m) => process.stderr.write(`${m}\n`),
  });
  try {
    const configPath = join(dataDir, "bcsync.config.json");
    const setup = await runSetup({
      configPath,
      // The US company: its local currency (USD) is the demo Sales organization's base currency.
      config: configForEmulators(emulators.info, { dataDir: join(dataDir, "state"), company: DEMO_COMPANY }),
      confirmReset: true,
    });
    if (!setup.ok) throw setup.error;
    if (!o.json) printSetupReport(setup.value);

    const ctx = await openIntegration({ configPath });
    try {
      const pairs = await coupleDemoSalespeople(ctx);
      if (pairs.length)
        say(`\nCoupled demo salespeople with Sales users: ${pairs.map((p) => `${p.code} ⇄ ${p.user}`).join(", ")}`);
      say("\nFull synchronization review: sync all, in dependency order");
      const lines = await syncAll(ctx, (l) => say(`  ${l.mappingName.padEnd(20)} ${l.queueStatus}`));
      if (!o.json)
        printTable(
          lines.map((l) => ({ mapping: l.mappingName, recommendation: l.recommendation, state: l.queueStatus })),
        );
      // The review holds back lines whose dependencies ended in error (as BC does); the demo still shows them.
      const waiting = lines
        .filter((l) => !l.queueStatus && l.recommendation !== "No Records Found")
        .map((l) => l.mappingName);
      if (waiting.length) {
        say(`\nDependencies of ${waiting.join(", ")} ended with errors; synchronizing them anyway for the demo:`);
        await syncMappings(ctx, {
          names: waiting,
          full: true,
          onMapping: (r) => {
            const s = summarize(r);
            say(`  ${r.mapping.padEnd(20)} +${s.inserted} ~${s.modified} !${s.failed} ${s.message}`);
          },
        });
      }
      if (o.json) printJson({ ...emulators.info, configPath });
      else {
        say(`\nThe job queue is running. Drive the demo with: bcsync sync --config ${configPath}`);
        say("Press Ctrl+C to stop.\n");
      }
      hooks.onReady?.(configPath);

      const scheduler = new Scheduler({
        store: ctx.store,
        handlers: integrationJobHandlers(ctx, {
          onMapping: (r) => {
            const s = summarize(r);
            if (!o.json && (Number(s.inserted) || Number(s.modified) || Number(s.failed))) {
              say(
                `  ${new Date().toISOString()} ${r.mapping}: +${s.inserted} ~${s.modified} !${s.failed} ${s.message}`,
              );
            }
          },
          onJob: (kind, c) => {
            if (!o.json && (c.inserted || c.modified || c.failed))
              say(`  ${new Date().toISOString()} ${kind}: +${c.inserted} ~${c.modified} !${c.failed}`);
          },
        }),
        pollMs: ctx.config.jobs.pollSeconds * 1000,
      });
      scheduler.start();
      await untilStopped(hooks.signal);
      say("\nStopping…");
      await scheduler.stop();
    } finally {
      await ctx.close();
    }
  } finally {
    await emulators.close();
  }
}

export function registerDemoCommand(program: Command): void {
  program
    .command("demo")
    .description("Run the Sales integration on the local emulators with demo data, and show what syncs.")
    .option("--data <dir>", "where the demo keeps emulator data, configuration and state", ".bcsync/demo")
    .option("--limits <mode>", "service protection limits of the emulators: realistic or off", "realistic")
    .option("--json", "print one JSON line (emulators + configPath) and keep running")
    .action(async (o: DemoCliOptions) => {
      await runDemo(o);
    });
}
