// What the overview draws and follows: records synchronized over time, from the sync log (one point per time
// bucket), and the runs going on now with their counters so far (the engine commits counters as it goes, so a
// running job's numbers grow while the page polls).

import type { FastifyPluginAsync } from "fastify";
import type { SyncJob } from "../../store/index.ts";
import type { ApiPluginOptions } from "./deps.ts";

/** Bucket sizes a chart reads well in: a minute up to a day. */
const BUCKETS_SECONDS = [60, 300, 900, 3600, 6 * 3600, 24 * 3600];
/** The sync log rows one chart reads at most (the log is pruned after jobs.keepLogDays anyway). */
const MAX_RUNS = 5000;

export interface Activity {
  from: string;
  to: string;
  bucketSeconds: number;
  /** Bucket starts, seconds since the epoch (uPlot's x values). */
  times: number[];
  /** Records written or coupled per bucket: inserted + modified + deleted + coupled. */
  synced: number[];
  failed: number[];
  /** More runs than MAX_RUNS fell in the window: the oldest buckets are short. */
  truncated: boolean;
}

/** Sums the runs (real ones, not dry runs) into buckets of a size that gives about 60 points over the window. */
export function activityOf(jobs: readonly SyncJob[], now: Date, hours: number, truncated = false): Activity {
  const to = Math.ceil(now.getTime() / 1000);
  const span = hours * 3600;
  const bucketSeconds = BUCKETS_SECONDS.find((s) => span / s <= 60) ?? (BUCKETS_SECONDS.at(-1) as number);
  const first = Math.floor((to - span) / bucketSeconds) * bucketSeconds;
  const count = Math.ceil((to - first) / bucketSeconds);
  const times = Array.from({ length: count }, (_, i) => first + i * bucketSeconds);
  const synced = new Array<number>(count).fill(0);
  const failed = new Array<number>(count).fill(0);
  for (const job of jobs) {
    if (job.dryRun) continue;
    const at = Date.parse(job.startedAt) / 1000;
    const i = Math.floor((at - first) / bucketSeconds);
    if (i < 0 || i >= count) continue;
    synced[i] += job.inserted + job.modified + job.deleted + job.coupled;
    failed[i] += job.failed;
  }
  return {
    from: new Date(first * 1000).toISOString(),
    to: new Date(to * 1000).toISOString(),
    bucketSeconds,
    times,
    synced,
    failed,
    truncated,
  };
}

const activityRoutes: FastifyPluginAsync<ApiPluginOptions> = async (app, { deps }) => {
  const { ctx, jobs } = deps;

  app.get<{ Querystring: { hours: number } }>(
    "/activity",
    {
      schema: {
        tags: ["log"],
        summary: "Records synchronized over time, from the sync log: one point per time bucket",
        querystring: {
          type: "object",
          additionalProperties: false,
          properties: { hours: { type: "integer", minimum: 1, maximum: 24 * 31, default: 24 } },
        },
      },
    },
    async (request) => {
      const now = new Date();
      const since = now.getTime() - request.query.hours * 3_600_000;
      const recent = await ctx.store.jobs.list({ limit: MAX_RUNS });
      const inWindow = recent.filter((j) => Date.parse(j.startedAt) >= since);
      return activityOf(inWindow, now, request.query.hours, recent.length === MAX_RUNS && inWindow.length === MAX_RUNS);
    },
  );

  app.get(
    "/progress",
    {
      schema: {
        tags: ["jobs"],
        summary: "Runs going on now, with their counters so far, and the job queue entries in process",
      },
    },
    async () => {
      const running = (await ctx.store.jobs.list({ limit: 200 })).filter((j) => j.status === "running");
      const queue = (await jobs.list()).filter((e) => e.status === "in_process");
      return {
        running: running.map((j) => ({
          id: j.id,
          mapping: j.mappingName,
          direction: j.direction,
          startedAt: j.startedAt,
          dryRun: j.dryRun,
          inserted: j.inserted,
          modified: j.modified,
          deleted: j.deleted,
          coupled: j.coupled,
          unchanged: j.unchanged,
          failed: j.failed,
        })),
        queue: queue.map((e) => ({ id: e.id, description: e.description, mapping: e.mappingName })),
      };
    },
  );
};

export default activityRoutes;
