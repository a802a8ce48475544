import type { FastifyInstance } from "fastify";
import { BcsyncError, SERVER_COMPANY_TWICE } from "../../errors/catalogue.ts";
import { companyName } from "../../integration/company.ts";
import type { JobEvents } from "../../integration/job-handlers.ts";
import type { PgBossWorkers } from "../../jobs/pgboss.ts";
import type { Scheduler } from "../../jobs/scheduler.ts";
import type { ChangeWaker } from "../../jobs/waker.ts";
import { scrubSecrets } from "../../log/logger.ts";
import type { RecordEditorDeps } from "../../server/api/records.ts";
import { buildServer } from "../../server/app.ts";
import { ensureAdminAccount } from "../../server/auth/accounts.ts";
import { CONSOLE_PREFIX } from "../../server/console/plugin.ts";
import { ServiceMetrics } from "../../server/plugins/metrics.ts";
import { type CompanyService, openCompanyService } from "../../service/company.ts";
import type { Triggers } from "../../triggers/index.ts";
import { untilStopped } from "../signals.ts";

export interface ServeCliOptions {
  /**
   * The configuration written by `bcsync setup`; several (`--config a.json --config b.json`) connect several
   * Business Central companies in one service, the first one's API at /api/v1, the others' at
   * /api/v1/companies/<slug>.
   */
  config?: string | string[];
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
  /** The first company's waker, triggers and job queue (the one most callers have). */
  waker: ChangeWaker;
  triggers: Triggers;
  /** The local scheduler (absent with --pg-boss: pg-boss workers run the entries). */
  scheduler?: Scheduler;
  workers?: PgBossWorkers;
  /** Every connected company, the first one first. */
  companies: CompanyService[];
  /**
   * The administrator account this start created (an install made before accounts existed), with its password:
   * printed once unless `quiet`, else only here.
   */
  firstAdministrator?: { username: string; password: string };
  /** Stops taking requests, lets the entries in flight finish, closes the stores and the clients. */
  stop(): Promise<void>;
}

/**
 * Starts the live service: per connected company the job queue (a local scheduler, or pg-boss workers shared with
 * any number of other `serve`/`worker` processes on PostgreSQL), the change waker and the triggers; and one HTTP
 * server (REST API, /docs, /healthz, /readyz, /metrics, the console). Resolves once it listens.
 */
export async function startService(options: ServeCliOptions): Promise<RunningService> {
  const log = (line: string) => {
    if (!options.quiet) process.stdout.write(`${new Date().toISOString()} ${line}\n`);
  };
  const configs = [options.config ?? []].flat();
  const companies: CompanyService[] = [];
  let metrics: ServiceMetrics | undefined;
  const startedAt = new Map<string, number>();
  const closeAll = () => Promise.all(companies.map((c) => c.stop()));
  // Metrics carry the company only when there are several (one company's labels stay as they always were).
  const label = (company: CompanyService | undefined) => (configs.length > 1 ? (company?.slug ?? "") : "");
  try {
    for (const [index, config] of (configs.length > 0 ? configs : [undefined]).entries()) {
      const prefix = () => (configs.length > 1 ? `${companies[index]?.slug ?? ""}: ` : "");
      const company = await openCompanyService({
        ...(config ? { config } : {}),
        ...(options.data && index === 0 ? { data: options.data } : {}),
        primary: index === 0,
        ...(options.pgBoss ? { pgBoss: true } : {}),
        concurrency: Number(options.concurrency),
        debounceMs: Number(options.debounce),
        jobEvents: {
          ...options.jobEvents,
          onMapping: (result) => {
            for (const pass of result.passes) metrics?.recordPass(pass, label(companies[index]));
            options.jobEvents?.onMapping?.(result);
          },
        },
        onStarted: (entry) => startedAt.set(entry.id, performance.now()),
        onCompleted: (entry, outcome) => {
          const began = startedAt.get(entry.id);
          startedAt.delete(entry.id);
          if (began !== undefined)
            metrics?.runSeconds.observe(
              { company: label(companies[index]), entry: entry.mappingName ?? entry.kind },
              (performance.now() - began) / 1000,
            );
          log(
            `${prefix()}${entry.mappingName ?? entry.kind}: ${outcome.kind} → ${entry.status}, next ${entry.nextRunAt ?? "-"}${outcome.kind === "failed" ? ` (${scrubSecrets(outcome.error)})` : ""}`,
          );
        },
        onProblem: (message) => log(`${prefix()}triggers: ${scrubSecrets(message)}`),
      });
      const clash = companies.find((c) => c.slug === company.slug || c.ctx.companyId === company.ctx.companyId);
      companies.push(company);
      if (clash)
        throw new BcsyncError(SERVER_COMPANY_TWICE, {
          config: configs[index],
          company: companyName(company.ctx),
        });
    }
    const [first, ...others] = companies as [CompanyService, ...CompanyService[]];
    const ctx = first.ctx;
    // An install made before accounts existed gets its first administrator now (its password printed once).
    const admin = await ensureAdminAccount(ctx.store);
    // Quiet callers (the demo, tests, the benchmark) get it on the service instead: printed, it ends up in their
    // logs, and a log is where people paste from.
    if (admin && !options.quiet)
      process.stdout.write(
        `Administrator account created: ${admin.username} / ${admin.password} (the web console's sign-in, at ${CONSOLE_PREFIX})\n(shown once; change it with \`npx bcsync users reset-password ${admin.username}\`)\n`,
      );
    metrics = new ServiceMetrics(
      ctx.store,
      { dataverse: () => ctx.dataverse.metrics(), businessCentral: () => ctx.businessCentral.metrics() },
      label(first),
    );
    for (const company of others) metrics.addCompany(label(company), company.ctx.store);
    let running = false;
    const app = await buildServer({
      ctx,
      jobs: first.jobs,
      wake: (mapping) => first.waker.wake(mapping),
      metrics,
      ready: () => running,
      publicPlugins: [first.triggers.plugin],
      companies: others.map((c) => ({
        slug: c.slug,
        api: { ctx: c.ctx, jobs: c.jobs, wake: (mapping: string) => c.waker.wake(mapping) },
        publicPlugins: [c.triggers.plugin],
      })),
      ...(options.recordEditor ? { recordEditor: options.recordEditor } : {}),
    });
    const address = await app.listen({ host: options.host, port: Number(options.port) });
    const publicUrl = ctx.config.triggers.publicUrl ?? address;
    const reports = [];
    for (const company of companies) reports.push(await company.start(publicUrl));
    running = true;
    const consoleUrl = `${address}${CONSOLE_PREFIX}`;
    log(
      `bcsync serve: listening on ${address} (console ${consoleUrl}, API ${address}/api/v1, documentation ${address}/docs)`,
    );
    for (const [i, started] of reports.entries()) {
      const company = companies[i];
      log(
        `${configs.length > 1 ? `${company.slug} (API ${address}/api/v1${company.pathPrefix}): ` : ""}triggers: Business Central webhooks ${started.businessCentral ? `${started.businessCentral.created.length + started.businessCentral.renewed.length + started.businessCentral.kept.length} subscribed` : "off"}, Dataverse webhooks ${started.dataverse ? "registered" : "off"}, polled ${started.polled.length > 0 ? started.polled.join(", ") : "nothing"}`,
      );
    }
    return {
      url: address,
      consoleUrl,
      app,
      waker: first.waker,
      triggers: first.triggers,
      ...(first.scheduler ? { scheduler: first.scheduler } : {}),
      ...(first.workers ? { workers: first.workers } : {}),
      companies,
      ...(admin ? { firstAdministrator: admin } : {}),
      async stop() {
        running = false; // readiness fails first, so a load balancer stops sending work
        await Promise.all(companies.map((c) => c.triggers.stop()));
        await app.close();
        await closeAll();
      },
    };
  } catch (error) {
    await closeAll();
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
