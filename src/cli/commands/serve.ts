import type { FastifyInstance } from "fastify";
import { openIntegration } from "../../integration/context.ts";
import { integrationJobHandlers, type JobEvents } from "../../integration/job-handlers.ts";
import { JobQueueControl } from "../../jobs/control.ts";
import { PgBossWorkers } from "../../jobs/pgboss.ts";
import { Scheduler } from "../../jobs/scheduler.ts";
import { ChangeWaker } from "../../jobs/waker.ts";
import { scrubSecrets } from "../../log/logger.ts";
import type { RecordEditorDeps } from "../../server/api/records.ts";
import { buildServer } from "../../server/app.ts";
import { ensureAdminAccount } from "../../server/auth/accounts.ts";
import { CONSOLE_PREFIX } from "../../server/console/plugin.ts";
import { ServiceMetrics } from "../../server/plugins/metrics.ts";
import type { QueueEntry, RunOutcome } from "../../store/index.ts";
import { createTriggers, type Triggers } from "../../triggers/index.ts";
import { untilStopped } from "../signals.ts";

export interface ServeCliOptions {
  config?: string;
  data?: string;
  host: string;
  port: string;
  pgBoss?: boolean;
  concurrency: string;
  /** Wakes for one mapping within this window are one run (ms). */
  debounce: string;
  quiet?: boolean;
  /** Demo mode (set by `bcsync demo`, never a flag): the console's emulator record editor. */
  recordEditor?: RecordEditorDeps;
  /** Also told of every run of the job queue (the demo prints what moved). */
  jobEvents?: JobEvents;
}

export interface RunningService {
  url: string;
  /** The web console's address (sign in with an administrator account). */
  consoleUrl: string;
  app: FastifyInstance;
  waker: ChangeWaker;
  triggers: Triggers;
  /** The local scheduler (absent with --pg-boss: pg-boss workers run the entries). */
  scheduler?: Scheduler;
  workers?: PgBossWorkers;
  /** Stops taking requests, lets the entry in flight finish, closes the store and the clients. */
  stop(): Promise<void>;
}

/**
 * Starts the live service: the job queue (a local scheduler, or pg-boss workers shared with any number of other
 * `serve`/`worker` processes on PostgreSQL), the change waker, and the HTTP server (REST API, /docs, /healthz,
 * /readyz, /metrics). Resolves once it listens.
 */
export async function startService(options: ServeCliOptions): Promise<RunningService> {
  const ctx = await openIntegration({ configPath: options.config, dataDir: options.data });
  const log = (line: string) => {
    if (!options.quiet) process.stdout.write(`${new Date().toISOString()} ${line}\n`);
  };
  try {
    // An install made before accounts existed gets its first administrator now (its password printed once).
    const admin = await ensureAdminAccount(ctx.store);
    if (admin)
      process.stdout.write(
        `Administrator account created: ${admin.username} / ${admin.password} (the web console's sign-in, at ${CONSOLE_PREFIX})\n(shown once; change it with \`npx bcsync users reset-password ${admin.username}\`)\n`,
      );
    const metrics = new ServiceMetrics(ctx.store, {
      dataverse: () => ctx.dataverse.metrics(),
      businessCentral: () => ctx.businessCentral.metrics(),
    });
    const handlers = integrationJobHandlers(ctx, {
      ...options.jobEvents,
      onMapping: (result) => {
        for (const pass of result.passes) metrics.recordPass(pass);
        options.jobEvents?.onMapping?.(result);
      },
    });
    const startedAt = new Map<string, number>();
    const onStarted = (entry: QueueEntry) => startedAt.set(entry.id, performance.now());
    const onCompleted = (entry: QueueEntry, outcome: RunOutcome) => {
      const began = startedAt.get(entry.id);
      startedAt.delete(entry.id);
      if (began !== undefined)
        metrics.runSeconds.observe({ entry: entry.mappingName ?? entry.kind }, (performance.now() - began) / 1000);
      log(
        `${entry.mappingName ?? entry.kind}: ${outcome.kind} → ${entry.status}, next ${entry.nextRunAt ?? "-"}${outcome.kind === "failed" ? ` (${scrubSecrets(outcome.error)})` : ""}`,
      );
    };

    let scheduler: Scheduler | undefined;
    let workers: PgBossWorkers | undefined;
    if (options.pgBoss) {
      if (!ctx.config.store.url) throw new Error("--pg-boss needs a PostgreSQL state store (store.url)");
      workers = new PgBossWorkers({
        store: ctx.store,
        databaseUrl: ctx.config.store.url,
        handlers,
        concurrency: Number(options.concurrency),
      });
      workers.on("completed", onCompleted);
    } else {
      scheduler = new Scheduler({ store: ctx.store, handlers, pollMs: ctx.config.jobs.pollSeconds * 1000 });
      scheduler.on("started", onStarted);
      scheduler.on("completed", onCompleted);
    }
    const waker = new ChangeWaker({
      store: ctx.store,
      ...(scheduler ? { scheduler } : {}),
      debounceMs: Number(options.debounce),
    });
    const jobs = new JobQueueControl(ctx.store, waker);
    // Changes in either service wake the mappings that read them within seconds (issue 11, seed S17): webhooks
    // where the services can reach this process, fast polling elsewhere, and a safety-net poll of every table.
    const triggerSettings = ctx.config.triggers;
    const secret = triggerSettings.secretEnv ? process.env[triggerSettings.secretEnv] : undefined;
    const triggers = createTriggers({
      context: ctx,
      wake: (mapping) => waker.wake(mapping),
      ...(secret ? { secret } : {}),
      businessCentralWebhooks: triggerSettings.businessCentralWebhooks,
      dataverseWebhooks: triggerSettings.dataverseWebhooks,
      pollIntervalMs: triggerSettings.pollSeconds * 1000,
      businessCentralFastPoll: triggerSettings.businessCentralFastPoll,
      safetyNetIntervalMs: triggerSettings.safetyNetSeconds * 1000,
      onProblem: (message) => log(`triggers: ${scrubSecrets(message)}`),
    });
    let running = false;
    const app = await buildServer({
      ctx,
      jobs,
      wake: (mapping) => waker.wake(mapping),
      metrics,
      ready: () => running,
      publicPlugins: [triggers.plugin],
      ...(options.recordEditor ? { recordEditor: options.recordEditor } : {}),
    });
    const address = await app.listen({ host: options.host, port: Number(options.port) });
    if (workers) await workers.start();
    scheduler?.start();
    const started = await triggers.start(triggerSettings.publicUrl ?? address);
    running = true;
    const consoleUrl = `${address}${CONSOLE_PREFIX}`;
    log(
      `bcsync serve: listening on ${address} (console ${consoleUrl}, API ${address}/api/v1, documentation ${address}/docs)`,
    );
    log(
      `triggers: Business Central webhooks ${started.businessCentral ? `${started.businessCentral.created.length + started.businessCentral.renewed.length + started.businessCentral.kept.length} subscribed` : "off"}, Dataverse webhooks ${started.dataverse ? "registered" : "off"}, polled ${started.polled.length > 0 ? started.polled.join(", ") : "nothing"}`,
    );
    return {
      url: address,
      consoleUrl,
      app,
      waker,
      triggers,
      ...(scheduler ? { scheduler } : {}),
      ...(workers ? { workers } : {}),
      async stop() {
        running = false; // readiness fails first, so a load balancer stops sending work
        await triggers.stop();
        await app.close();
        await waker.stop();
        await scheduler?.stop();
        await workers?.stop();
        await ctx.close();
      },
    };
  } catch (error) {
    await ctx.close();
    throw error;
  }
}

/** `bcsync serve`: runs until SIGINT/SIGTERM (or `signal`), then shuts down gracefully. */
export async function runServe(options: ServeCliOptions, signal?: AbortSignal): Promise<void> {
  const service = await startService(options);
  const why = await untilStopped(signal);
  if (!options.quiet) process.stdout.write(`bcsync serve: ${why}, finishing the run in flight and stopping\n`);
  await service.stop();
}

export async function serveAction(o: ServeCliOptions): Promise<void> {
  await runServe(o);
}
