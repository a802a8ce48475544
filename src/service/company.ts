// One connected Business Central company inside `bcsync serve` (issue 11: several companies in one service): its
// integration (configuration, state store, clients), its job queue (a local scheduler, or pg-boss workers shared with
// other processes on its PostgreSQL store), its change waker and its triggers. Companies share nothing but the
// process and the HTTP server: each has its own couplings, jobs and subscriptions, against one Dataverse
// environment whose rows the company filter keeps apart (src/integration/company.ts).

import { BcsyncError, SERVER_PG_BOSS_NEEDS_POSTGRES } from "../errors/catalogue.ts";
import { companyName } from "../integration/company.ts";
import { type IntegrationContext, openIntegration } from "../integration/context.ts";
import { integrationJobHandlers, type JobEvents } from "../integration/job-handlers.ts";
import { JobQueueControl } from "../jobs/control.ts";
import { PgBossWorkers } from "../jobs/pgboss.ts";
import { type JobHandler, Scheduler } from "../jobs/scheduler.ts";
import { ChangeWaker } from "../jobs/waker.ts";
import type { QueueEntry, RunOutcome } from "../store/index.ts";
import {
  createTriggers,
  DATAVERSE_SERVICE_ENDPOINT_NAME,
  type TriggerStartReport,
  type Triggers,
} from "../triggers/index.ts";

export interface CompanyServiceOptions {
  /** The configuration written by `bcsync setup` for this company. */
  config?: string;
  data?: string;
  /** Share the job queue through pg-boss (PostgreSQL store only). */
  pgBoss?: boolean;
  concurrency: number;
  debounceMs: number;
  /**
   * The first company of the service keeps the plain paths (its webhooks at /webhooks/…, its API at /api/v1); every
   * other one lives below `/companies/<slug>` and names its Dataverse service endpoint `bcsync-<slug>`.
   */
  primary: boolean;
  jobEvents?: JobEvents;
  onStarted?(entry: QueueEntry): void;
  onCompleted?(entry: QueueEntry, outcome: RunOutcome): void;
  onProblem?(message: string): void;
}

export interface CompanyService {
  /** URL-safe name of the company (from its Business Central name), unique within the service. */
  slug: string;
  /** `""` for the first company, `/companies/<slug>` for the others: where its webhooks and API live. */
  pathPrefix: string;
  ctx: IntegrationContext;
  jobs: JobQueueControl;
  waker: ChangeWaker;
  triggers: Triggers;
  scheduler?: Scheduler;
  workers?: PgBossWorkers;
  /** Starts the job queue and the triggers, with the service's public address. */
  start(publicUrl: string): Promise<TriggerStartReport>;
  /** Stops triggers, waker and job queue (the run in flight finishes), then closes the integration. */
  stop(): Promise<void>;
}

export const companySlug = (name: string): string =>
  name
    .normalize("NFKD")
    .replace(/[\u0300-\u036f]/g, "")
    .toLowerCase()
    .replace(/[^a-z0-9]+/g, "-")
    .replace(/^-+|-+$/g, "") || "company";

/**
 * What runs an integration's job queue entries: pg-boss workers shared with every other process on its PostgreSQL
 * store (`pgBoss`), or a scheduler in this process. `bcsync serve` and `bcsync worker` both start theirs here.
 */
export function jobQueueRunner(
  ctx: IntegrationContext,
  handlers: Record<string, JobHandler>,
  options: { pgBoss?: boolean; concurrency: number },
): { scheduler: Scheduler; workers?: undefined } | { workers: PgBossWorkers; scheduler?: undefined } {
  if (!options.pgBoss)
    return { scheduler: new Scheduler({ store: ctx.store, handlers, pollMs: ctx.config.jobs.pollSeconds * 1000 }) };
  if (!ctx.config.store.url) throw new BcsyncError(SERVER_PG_BOSS_NEEDS_POSTGRES);
  return {
    workers: new PgBossWorkers({
      store: ctx.store,
      databaseUrl: ctx.config.store.url,
      handlers,
      concurrency: options.concurrency,
    }),
  };
}

export async function openCompanyService(options: CompanyServiceOptions): Promise<CompanyService> {
  const ctx = await openIntegration({ configPath: options.config, dataDir: options.data });
  try {
    const slug = companySlug(companyName(ctx));
    const pathPrefix = options.primary ? "" : `/companies/${slug}`;
    const handlers = integrationJobHandlers(ctx, options.jobEvents);
    const { scheduler, workers } = jobQueueRunner(ctx, handlers, options);
    if (options.onCompleted) (workers ?? scheduler)?.on("completed", options.onCompleted);
    if (options.onStarted) scheduler?.on("started", options.onStarted);
    const waker = new ChangeWaker({
      store: ctx.store,
      ...(scheduler ? { scheduler } : {}),
      debounceMs: options.debounceMs,
    });
    const jobs = new JobQueueControl(ctx.store, waker);
    // Changes in either service wake the mappings that read them within seconds (seed S17): webhooks where the
    // services can reach this process, fast polling elsewhere, and a safety-net poll of every table.
    const settings = ctx.config.triggers;
    const secret = settings.secretEnv ? process.env[settings.secretEnv] : undefined;
    const triggers = createTriggers({
      context: ctx,
      wake: (mapping) => waker.wake(mapping),
      ...(secret ? { secret } : {}),
      dataverseEndpointName: options.primary
        ? DATAVERSE_SERVICE_ENDPOINT_NAME
        : `${DATAVERSE_SERVICE_ENDPOINT_NAME}-${slug}`,
      businessCentralWebhooks: settings.businessCentralWebhooks,
      dataverseWebhooks: settings.dataverseWebhooks,
      pollIntervalMs: settings.pollSeconds * 1000,
      businessCentralFastPoll: settings.businessCentralFastPoll,
      safetyNetIntervalMs: settings.safetyNetSeconds * 1000,
      ...(options.onProblem ? { onProblem: options.onProblem } : {}),
    });
    return {
      slug,
      pathPrefix,
      ctx,
      jobs,
      waker,
      triggers,
      ...(scheduler ? { scheduler } : {}),
      ...(workers ? { workers } : {}),
      async start(publicUrl: string) {
        if (workers) await workers.start();
        scheduler?.start();
        return triggers.start(`${publicUrl.replace(/\/+$/, "")}${pathPrefix}`);
      },
      async stop() {
        await triggers.stop();
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
