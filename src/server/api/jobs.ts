// The job queue (Business Central's Job Queue Entries page): list, run now, hold, resume; and synchronize now,
// full or as a dry run.

import type { FastifyPluginAsync } from "fastify";
import { summarize } from "../../cli/commands/sync.ts";
import { syncMappings } from "../../integration/sync.ts";
import type { ApiPluginOptions } from "./deps.ts";

const idParam = { type: "object", required: ["id"], properties: { id: { type: "string", minLength: 1 } } } as const;

const jobRoutes: FastifyPluginAsync<ApiPluginOptions> = async (app, { deps }) => {
  const { ctx, jobs } = deps;

  app.get("/jobs", { schema: { tags: ["jobs"], summary: "Job queue entries: status, last and next run" } }, () =>
    jobs.list(),
  );
  app.post<{ Params: { id: string } }>(
    "/jobs/:id/run",
    { schema: { tags: ["jobs"], summary: "Run an entry now", params: idParam } },
    (request) => jobs.runNow(request.params.id),
  );
  app.post<{ Params: { id: string } }>(
    "/jobs/:id/hold",
    { schema: { tags: ["jobs"], summary: "Put an entry on hold (no trigger or interval runs it)", params: idParam } },
    (request) => jobs.hold(request.params.id),
  );
  app.post<{ Params: { id: string } }>(
    "/jobs/:id/resume",
    { schema: { tags: ["jobs"], summary: "Resume an entry on hold; it runs now", params: idParam } },
    (request) => jobs.resume(request.params.id),
  );

  app.post<{ Body: { mappings?: string[]; full?: boolean; dryRun?: boolean } }>(
    "/sync",
    {
      schema: {
        tags: ["sync"],
        summary: "Synchronize now (all mappings when none are named), in dependency order; full or dry run",
        body: {
          type: "object",
          additionalProperties: false,
          properties: {
            mappings: { type: "array", items: { type: "string" } },
            full: { type: "boolean" },
            dryRun: { type: "boolean" },
          },
        },
      },
    },
    async (request) => {
      const body = request.body ?? {};
      const results = await syncMappings(ctx, {
        names: (body.mappings ?? []).map((n) => n.toUpperCase()),
        full: body.full === true,
        dryRun: body.dryRun === true,
      });
      return results.map(summarize);
    },
  );
};

export default jobRoutes;
