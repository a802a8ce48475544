// The REST API of `bcsync serve` (/api/v1): what an administrator does day to day, on the same application functions
// as the CLI. Every route has a schema (the OpenAPI page at /docs is built from them) and needs a sign-in.

import type { FastifyInstance } from "fastify";
import { listCouplings } from "../../admin/couplings.ts";
import { currentErrors, recentRuns } from "../../admin/sync-log.ts";
import { summarize } from "../../cli/commands/sync.ts";
import { bcsyncError, SERVER_NOT_FOUND } from "../../errors/catalogue.ts";
import type { IntegrationContext } from "../../integration/context.ts";
import { syncMappings } from "../../integration/sync.ts";
import type { ChangeWaker } from "../../jobs/waker.ts";
import { createApiToken } from "../auth/accounts.ts";

export interface ApiDeps {
  ctx: IntegrationContext;
  waker: ChangeWaker;
}

const mappingParam = {
  type: "object",
  required: ["mapping"],
  properties: { mapping: { type: "string", minLength: 1 } },
} as const;
const idParam = { type: "object", required: ["id"], properties: { id: { type: "string", minLength: 1 } } } as const;
const listQuery = {
  type: "object",
  additionalProperties: false,
  properties: { mapping: { type: "string" }, limit: { type: "integer", minimum: 1, maximum: 1000, default: 50 } },
} as const;

export async function apiRoutes(app: FastifyInstance, deps: ApiDeps): Promise<void> {
  const { ctx } = deps;
  app.addHook("preValidation", app.requireUser);

  app.get("/status", { schema: { tags: ["service"], summary: "Connection, job queue and error counts" } }, async () => {
    const queue = await ctx.store.queue.list();
    const errors = await currentErrors(ctx.store);
    return {
      company: ctx.config.businessCentral?.companyName ?? ctx.companyId,
      dataverse: ctx.config.dataverse?.url,
      mappings: ctx.mappings.length,
      queue: Object.fromEntries(
        [...new Set(queue.map((e) => e.status))].map((s) => [s, queue.filter((e) => e.status === s).length]),
      ),
      errors: errors.length,
      heldDeletions: (await ctx.store.heldDeletions.list({ status: "held" })).length,
      openConflicts: (await ctx.store.conflicts.list({ status: "open" })).length,
    };
  });

  app.get(
    "/mappings",
    { schema: { tags: ["mappings"], summary: "Table mappings with their field mappings" } },
    async () =>
      ctx.mappings.map((m) => ({
        name: m.name,
        direction: m.direction,
        bc: m.bc,
        dataverse: m.dataverse,
        dependsOn: m.dependsOn,
        fields: m.fields,
      })),
  );

  app.get("/jobs", { schema: { tags: ["jobs"], summary: "Job queue entries" } }, async () => ctx.store.queue.list());

  const entry = async (id: string) => {
    const e = await ctx.store.queue.get(id);
    if (!e) throw bcsyncError(SERVER_NOT_FOUND, { what: `Job queue entry ${id}` });
    return e;
  };
  app.post<{ Params: { id: string } }>(
    "/jobs/:id/run",
    { schema: { tags: ["jobs"], summary: "Run an entry now", params: idParam } },
    async (request) => {
      const e = await entry(request.params.id);
      await ctx.store.queue.setStatus(e.id, "ready", new Date().toISOString());
      if (e.mappingName) deps.waker.wake(e.mappingName);
      await deps.waker.flush();
      return ctx.store.queue.get(e.id);
    },
  );
  app.post<{ Params: { id: string } }>(
    "/jobs/:id/hold",
    { schema: { tags: ["jobs"], summary: "Put an entry on hold (no trigger wakes it)", params: idParam } },
    async (request) => {
      const e = await entry(request.params.id);
      await ctx.store.queue.setStatus(e.id, "on_hold");
      return ctx.store.queue.get(e.id);
    },
  );
  app.post<{ Params: { id: string } }>(
    "/jobs/:id/resume",
    { schema: { tags: ["jobs"], summary: "Resume an entry on hold; it runs now", params: idParam } },
    async (request) => {
      const e = await entry(request.params.id);
      await ctx.store.queue.setStatus(e.id, "ready", new Date().toISOString());
      if (e.mappingName) deps.waker.wake(e.mappingName);
      await deps.waker.flush();
      return ctx.store.queue.get(e.id);
    },
  );

  app.post<{ Body: { mappings?: string[]; full?: boolean; dryRun?: boolean } }>(
    "/sync",
    {
      schema: {
        tags: ["sync"],
        summary: "Synchronize now (all mappings when none are named), in dependency order",
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

  app.post<{ Body: { name: string } }>(
    "/tokens",
    {
      schema: {
        tags: ["session"],
        summary: "Make an API token for scripts (shown once)",
        body: {
          type: "object",
          required: ["name"],
          additionalProperties: false,
          properties: { name: { type: "string", minLength: 1, maxLength: 100 } },
        },
      },
    },
    async (request) => ({
      name: request.body.name,
      token: await createApiToken(ctx.store, request.user?.username ?? "", request.body.name),
    }),
  );
}
