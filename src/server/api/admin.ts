// Day-to-day administration: sync log, errors, couplings, conflicts, held deletions. (Helper `admin-cli` owns this
// file and extends it: retry/skip, conflict resolution, deletion approval, reconcile, availability, statistics.)

import type { FastifyPluginAsync } from "fastify";
import { listCouplings } from "../../admin/couplings.ts";
import { currentErrors, recentRuns } from "../../admin/sync-log.ts";
import { summarize } from "../../cli/commands/sync.ts";
import { bcsyncError, SERVER_NOT_FOUND } from "../../errors/catalogue.ts";
import { syncMappings } from "../../integration/sync.ts";
import type { ApiPluginOptions } from "./deps.ts";

const mappingParam = {
  type: "object",
  required: ["mapping"],
  properties: { mapping: { type: "string", minLength: 1 } },
} as const;
const listQuery = {
  type: "object",
  additionalProperties: false,
  properties: { mapping: { type: "string" }, limit: { type: "integer", minimum: 1, maximum: 1000, default: 50 } },
} as const;

const adminRoutes: FastifyPluginAsync<ApiPluginOptions> = async (app, { deps }) => {
  const { ctx } = deps;

  app.get<{ Querystring: { mapping?: string; limit?: number } }>(
    "/log",
    { schema: { tags: ["log"], summary: "The sync log: recent runs with counters", querystring: listQuery } },
    async (request) =>
      recentRuns(ctx.store, {
        ...(request.query.mapping ? { mappingName: request.query.mapping.toUpperCase() } : {}),
        limit: request.query.limit ?? 50,
      }),
  );

  app.get<{ Querystring: { mapping?: string; limit?: number } }>(
    "/errors",
    { schema: { tags: ["log"], summary: "Record errors of each mapping's latest run", querystring: listQuery } },
    async (request) =>
      currentErrors(ctx.store, {
        ...(request.query.mapping ? { mappingName: request.query.mapping.toUpperCase() } : {}),
        limit: request.query.limit ?? 200,
      }),
  );

  app.post(
    "/errors/retry-all",
    { schema: { tags: ["log"], summary: "Run the mappings with errors again (full)" } },
    async () => {
      const names = [...new Set((await currentErrors(ctx.store)).map((e) => e.mappingName))];
      if (names.length === 0) return [];
      return (await syncMappings(ctx, { names, full: true })).map(summarize);
    },
  );

  app.get<{ Params: { mapping: string }; Querystring: { limit?: number } }>(
    "/couplings/:mapping",
    {
      schema: {
        tags: ["couplings"],
        summary: "Couplings of a mapping, with links that open each record in Business Central and in Sales",
        params: mappingParam,
        querystring: {
          type: "object",
          properties: { limit: { type: "integer", minimum: 1, maximum: 1000, default: 50 } },
        },
      },
    },
    async (request) => {
      const rows = await listCouplings(ctx, request.params.mapping.toUpperCase(), request.query.limit ?? 50);
      if (!rows) throw bcsyncError(SERVER_NOT_FOUND, { what: `Table mapping ${request.params.mapping}` });
      return rows;
    },
  );

  app.get(
    "/conflicts",
    { schema: { tags: ["conflicts"], summary: "Open conflicts with base, BC and Sales values" } },
    async () => ctx.store.conflicts.list({ status: "open" }),
  );

  app.get("/deletions", { schema: { tags: ["deletions"], summary: "Deletions held for approval" } }, async () =>
    ctx.store.heldDeletions.list({ status: "held" }),
  );
};

export default adminRoutes;
