// `bcsync demo` (`npm start`): starts the emulators with demo data, sets up the integration against them, runs
// the full synchronization review once, then the live service (`bcsync serve`: job queue, web console with the
// emulator record editor, REST API), and shows in the terminal what syncs and how to sign in to the console. With
// --json it prints one JSON line (the emulators' line plus `configPath` and `console`) so scripts can drive the
// running demo with the other commands (`--config <configPath>`). Runs until SIGINT / SIGTERM.

import { join, resolve } from "node:path";
import { DEMO_SALES_USER_ID } from "../../../emulators/identity/demo-apps.ts";
import { startEmulators } from "../../../emulators/index.ts";
import { openIntegration } from "../../integration/context.ts";
import { coupleDemoSalespeople } from "../../integration/demo.ts";
import type { JobSummary } from "../../integration/job-handlers.ts";
import { syncAll } from "../../integration/review.ts";
import { configForEmulators, runSetup } from "../../integration/setup.ts";
import { syncMappings } from "../../integration/sync.ts";
import { ensureAdminAccount, FIRST_ADMIN, resetPassword } from "../../server/auth/accounts.ts";
import type { ReviewLine, Store } from "../../store/index.ts";
import { printJson, printTable } from "../output.ts";
import { untilStopped } from "../signals.ts";
import { type RunningService, startService } from "./serve.ts";
import { printSetupReport } from "./setup.ts";
import { summarize } from "./sync.ts";

const DEMO_COMPANY = "CRONUS USA, Inc.";

interface DemoCliOptions {
  data: string;
  json?: boolean;
  limits: string;
  cost?: string;
  host: string;
  port: string;
}

/**
 * The console's login for this demo run: the first administrator, made now or given a new generated password (the
 * demo's state outlives a run, and the password of an earlier run was shown once and never kept in plain text).
 */
async function demoLogin(store: Store): Promise<{ username: string; password: string }> {
  const created = await ensureAdminAccount(store);
  return created ?? { username: FIRST_ADMIN, password: await resetPassword(store, FIRST_ADMIN) };
}

/** The service on the asked port, or on any free one when another program holds it (a demo should just start). */
async function startDemoService(
  o: DemoCliOptions,
  configPath: string,
  say: (line?: string) => void,
): Promise<RunningService> {
  const events = {
    onMapping: (r: Parameters<typeof summarize>[0]) => {
      const s = summarize(r);
      if (Number(s.inserted) || Number(s.modified) || Number(s.failed))
        say(`  ${new Date().toISOString()} ${r.mapping}: +${s.inserted} ~${s.modified} !${s.failed} ${s.message}`);
    },
    onJob: (kind: string, c: JobSummary) => {
      const waiting = c.deferred ? ` (${c.deferred} left for the next run: a Sales edit reaches BC first)` : "";
      if (c.inserted || c.modified || c.failed || c.deferred)
        say(`  ${new Date().toISOString()} ${kind}: +${c.inserted} ~${c.modified} !${c.failed}${waiting}`);
    },
  };
  const options = {
    config: configPath,
    host: o.host,
    port: o.port,
    concurrency: "1",
    debounce: "500",
    quiet: true,
    // Record editor edits in Sales are made as this human user, so the integration does not take them for its own.
    recordEditor: { dataverseUserId: DEMO_SALES_USER_ID },
    jobEvents: events,
  };
  try {
    return await startService(options);
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code !== "EADDRINUSE") throw error;
    say(`Port ${o.port} is in use; the console takes a free port instead.`);
    return startService({ ...options, port: "0" });
  }
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
    // A first look answers at once (the console within seconds of `npm start`); the limits stay enforced.
    cost: o.cost === "realistic" ? "realistic" : "off",
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

    let login: { username: string; password: string };
    const ctx = await openIntegration({ configPath });
    try {
      const pairs = await coupleDemoSalespeople(ctx);
      if (pairs.length)
        say(`\nCoupled demo salespeople with Sales users: ${pairs.map((p) => `${p.code} ⇄ ${p.user}`).join(", ")}`);
      say("\nFull synchronization review: sync all, in dependency order");
      // Each line with what its passes did (a bare "Finished" told a new user nothing, issue 12 first hour 4).
      const counts = async (l: ReviewLine) => {
        const jobs = await Promise.all(
          [l.toJobId, l.fromJobId].filter((id): id is string => !!id).map((id) => ctx.store.jobs.get(id)),
        );
        const sum = (k: "inserted" | "modified" | "coupled" | "failed") =>
          jobs.reduce((n, j) => n + Number(j?.[k] ?? 0), 0);
        return `+${sum("inserted")} new, ${sum("coupled")} coupled, ~${sum("modified")} changed${sum("failed") ? `, ${sum("failed")} failed (npx bcsync errors)` : ""}`;
      };
      const lines = await syncAll(ctx, async (l) =>
        say(`  ${l.mappingName.padEnd(20)} ${String(l.queueStatus).padEnd(9)} ${await counts(l)}`),
      );
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
      login = await demoLogin(ctx.store);
    } finally {
      await ctx.close();
    }

    // The job queue now runs in the live service, beside the console and the REST API.
    const service = await startDemoService(o, configPath, say);
    try {
      if (o.json) printJson({ ...emulators.info, configPath, console: { url: service.consoleUrl, ...login } });
      else {
        say(`\nWeb console: ${service.consoleUrl}`);
        say(`  sign in as ${login.username} / ${login.password}  (a new password each demo start, shown only here)`);
        say(`  Emulator records (${service.consoleUrl}#/editor): change a customer, item, account or product and`);
        say("  watch it arrive on the other side; Sales edits are made as the demo Sales user, not the integration.");
        say(
          `  Business Central emulator ${emulators.info.businessCentral.url}, Dataverse emulator ${emulators.info.dataverse.url}`,
        );
        say(`\nThe job queue is running. Drive the demo from another terminal: npx bcsync sync --config ${configPath}`);
        say("Press Ctrl+C to stop.\n");
      }
      hooks.onReady?.(configPath);
      await untilStopped(hooks.signal);
      say("\nStopping…");
    } finally {
      await service.stop();
    }
  } finally {
    await emulators.close();
  }
}

export async function demoAction(o: DemoCliOptions): Promise<void> {
  await runDemo(o);
}
