// The full synchronization review (Business Central's "Data Synchronization Setup – Full Synch. Review", seed S13,
// S18) over the same functions as `bcsync review`: one line per mapping in dependency order with its state, its
// sync jobs' status and counters, and its job queue entry; "Run full synchronization" (sync all) runs in the
// background so the page can show each line's progress while it runs (GET /review, counters of the running jobs).

import type { FastifyPluginAsync } from "fastify";
import { findMapping } from "../../admin/couplings.ts";
import { valueOrThrow } from "../../admin/result.ts";
import { bcsyncError, SERVER_FULL_SYNC_RUNNING } from "../../errors/catalogue.ts";
import type { IntegrationContext } from "../../integration/context.ts";
import { orderedLines, recommendFullSync, refreshReview, restartLine, syncAll } from "../../integration/review.ts";
import { type ReviewLine, SYNC_COUNTERS, type SyncJob } from "../../store/index.ts";
import type { ApiPluginOptions } from "./deps.ts";

/** The run of the review in this process: one at a time, as Business Central allows. */
interface ReviewRun {
  running: boolean;
  startedAt: string | null;
  finishedAt: string | null;
  /** Why the last run stopped short (a bug or a store failure; a mapping's own errors are on its line). */
  error: string | null;
}

const runs = new WeakMap<IntegrationContext, ReviewRun>();
function runOf(ctx: IntegrationContext): ReviewRun {
  let run = runs.get(ctx);
  if (!run) {
    run = { running: false, startedAt: null, finishedAt: null, error: null };
    runs.set(ctx, run);
  }
  return run;
}

/** Whether a full synchronization of the review runs in this process now (setup must not reset mappings under it). */
export function fullSyncRunning(ctx: IntegrationContext): boolean {
  return runs.get(ctx)?.running === true;
}

const counters = (job: SyncJob | undefined) =>
  job ? { status: job.status, ...Object.fromEntries(SYNC_COUNTERS.map((c) => [c, job[c]])) } : null;

/** A line as the page shows it: its jobs' counters (the running ones while it is in process). */
async function lineView(ctx: IntegrationContext, line: ReviewLine, queueStatus: string | undefined) {
  let to = line.toJobId ? await ctx.store.jobs.get(line.toJobId) : undefined;
  let from = line.fromJobId ? await ctx.store.jobs.get(line.fromJobId) : undefined;
  if (line.queueStatus === "In Process") {
    // The line learns its job ids when its run ends; until then its running jobs are the newest of its mapping.
    const recent = await ctx.store.jobs.list({ mappingName: line.mappingName, limit: 4 });
    to = recent.find((j) => j.direction === "toDataverse" && j.status === "running") ?? to;
    from = recent.find((j) => j.direction === "fromDataverse" && j.status === "running") ?? from;
  }
  return {
    mapping: line.mappingName,
    direction: line.direction,
    dependsOn: line.dependencyFilter.split("|").filter(Boolean),
    recommendation: line.recommendation,
    state: line.queueStatus ?? "",
    toDataverse: { status: line.toJobStatus, job: counters(to) },
    fromDataverse: { status: line.fromJobStatus, job: counters(from) },
    jobQueueStatus: queueStatus ?? null,
  };
}

const mappingParam = {
  type: "object",
  required: ["mapping"],
  properties: { mapping: { type: "string", minLength: 1 } },
} as const;

const reviewRoutes: FastifyPluginAsync<ApiPluginOptions> = async (app, { deps }) => {
  const { ctx } = deps;

  // The service stops as it does for a job queue run (SIGTERM lets the run in flight finish): closing waits for a
  // review run started here, so the store is not closed under it.
  let inFlight: Promise<unknown> = Promise.resolve();
  app.addHook("onClose", async () => {
    await inFlight;
  });

  /** Starts a review run in the background; refused while one runs. */
  const start = (work: () => Promise<unknown>) => {
    const run = runOf(ctx);
    if (run.running) throw bcsyncError(SERVER_FULL_SYNC_RUNNING, {});
    Object.assign(run, { running: true, startedAt: new Date().toISOString(), finishedAt: null, error: null });
    inFlight = work()
      .catch((error: unknown) => {
        run.error = error instanceof Error ? error.message : String(error);
        app.log.error({ err: error }, "full synchronization review stopped");
      })
      .finally(() => {
        run.running = false;
        run.finishedAt = new Date().toISOString();
      });
    return { ...run };
  };

  app.get<{ Querystring: { refresh?: boolean } }>(
    "/review",
    {
      schema: {
        tags: ["review"],
        summary:
          "Full synchronization review: each mapping in dependency order with its state, jobs and counters, and whether a run is going on",
        querystring: {
          type: "object",
          additionalProperties: false,
          properties: {
            refresh: {
              type: "boolean",
              default: false,
              description: "Read both services again for the recommendations of lines not started",
            },
          },
        },
      },
    },
    async (request) => {
      const run = runOf(ctx);
      // While a run goes on its lines change under it: only read them (a refresh would write lines too).
      let lines = await orderedLines(ctx);
      if (!run.running && (lines.length === 0 || request.query.refresh)) lines = await refreshReview(ctx);
      const queue = new Map((await ctx.store.queue.list()).map((e) => [e.mappingName, e.status]));
      return {
        ...run,
        lines: await Promise.all(lines.map((l) => lineView(ctx, l, queue.get(l.mappingName)))),
      };
    },
  );

  app.post(
    "/review/sync-all",
    {
      schema: {
        tags: ["review"],
        summary:
          "Run full synchronization: every line not started whose dependencies are done, in dependency order (in the background; GET /review shows progress)",
      },
    },
    async (_request, reply) => reply.status(202).send(start(() => syncAll(ctx))),
  );

  app.post<{ Params: { mapping: string } }>(
    "/review/:mapping/restart",
    {
      schema: {
        tags: ["review"],
        summary: "Restart a finished or failed line: it is fully synchronized again (in the background)",
        params: mappingParam,
      },
    },
    async (request, reply) => {
      const mapping = valueOrThrow(findMapping(ctx, request.params.mapping));
      return reply.status(202).send(start(() => restartLine(ctx, mapping.name)));
    },
  );

  app.post<{ Params: { mapping: string } }>(
    "/review/:mapping/recommend-full",
    {
      schema: {
        tags: ["review"],
        summary: "Recommend a full synchronization for a line instead of coupling its records",
        params: mappingParam,
      },
    },
    async (request) => {
      const mapping = valueOrThrow(findMapping(ctx, request.params.mapping));
      if (runOf(ctx).running) throw bcsyncError(SERVER_FULL_SYNC_RUNNING, {});
      await recommendFullSync(ctx, [mapping.name]);
      return { mapping: mapping.name, recommendation: "Full Synchronization" };
    },
  );
};

export default reviewRoutes;
