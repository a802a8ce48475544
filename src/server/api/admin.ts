// Day-to-day administration over the same application functions as the CLI (src/admin/): sync log, errors (retry
// one or all, skip, un-skip), couplings (list with links into both systems, couple, uncouple, match-based couple),
// conflicts (field by field), held deletions (approve, reject), reconciliation report, item availability and
// customer statistics of one record now. Errors are the tasks' catalogued errors, with their own status.

import type { FastifyPluginAsync } from "fastify";
import { itemAvailabilityNow } from "../../admin/availability.ts";
import { type ConflictDecision, listConflicts, resolveConflicts } from "../../admin/conflicts.ts";
import { coupleRecords, findMapping, listCouplings, uncoupleRecord } from "../../admin/couplings.ts";
import { approveDeletion, listHeldDeletions, rejectDeletion } from "../../admin/deletions.ts";
import { findStandingError, retryError, skipError, unskipRecords } from "../../admin/errors.ts";
import { reconciliationReport } from "../../admin/reconcile.ts";
import { type Result, valueOrThrow } from "../../admin/result.ts";
import { customerStatisticsNow } from "../../admin/statistics.ts";
import { currentErrors, recentRuns } from "../../admin/sync-log.ts";
import { summarize } from "../../cli/commands/sync.ts";
import { allErrorDefinitions, bcsyncError, SERVER_NOT_FOUND } from "../../errors/catalogue.ts";
import { syncMappings } from "../../integration/sync.ts";
import type { ApiPluginOptions } from "./deps.ts";

const mappingParam = {
  type: "object",
  required: ["mapping"],
  properties: { mapping: { type: "string", minLength: 1 } },
} as const;
const idParam = { type: "object", required: ["id"], properties: { id: { type: "string", minLength: 1 } } } as const;
const filterQuery = {
  type: "object",
  additionalProperties: false,
  properties: { mapping: { type: "string" }, all: { type: "boolean", default: false } },
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

  /** The value of an admin task, or its catalogued error for the error handler (code, message, fix, status). */
  const value = <T>(result: Result<T>): T => valueOrThrow(result);
  const mappingOf = (query: { mapping?: string }) =>
    query.mapping ? { mappingName: query.mapping.toUpperCase() } : {};

  app.get<{ Params: { id: string } }>(
    "/errors/:id",
    {
      schema: {
        tags: ["log"],
        summary: "One standing error with what to do about it (the catalogue's fix for its code)",
        params: idParam,
      },
    },
    async (request) => {
      const error = value(await findStandingError(ctx.store, request.params.id));
      return { ...error, fix: fixFor(error) };
    },
  );

  app.post<{ Params: { id: string } }>(
    "/errors/:id/retry",
    {
      schema: {
        tags: ["log"],
        summary: "Retry one standing error: its mapping runs again (full); the error is gone once its record syncs",
        params: idParam,
      },
    },
    async (request) => value(await retryError(ctx, request.params.id)).map(summarize),
  );

  app.post<{ Params: { id: string } }>(
    "/errors/:id/skip",
    {
      schema: {
        tags: ["log"],
        summary: "Skip the record of a standing error: no run syncs it until it is un-skipped",
        params: idParam,
      },
    },
    async (request) => value(await skipError(ctx.store, request.params.id)),
  );

  app.get<{ Querystring: { mapping?: string } }>(
    "/skipped",
    {
      schema: {
        tags: ["log"],
        summary: "Records skipped after repeated failures (or by hand), per mapping",
        querystring: { type: "object", additionalProperties: false, properties: { mapping: { type: "string" } } },
      },
    },
    async (request) => {
      const names = request.query.mapping
        ? [request.query.mapping.toUpperCase()]
        : ctx.mappings.filter((m) => m.kind === "table").map((m) => m.name);
      const rows = [];
      for (const name of names) rows.push(...(await ctx.store.couplings.listSkipped(name)));
      return rows;
    },
  );

  app.post<{ Params: { mapping: string }; Body: { bcId?: string } }>(
    "/skipped/:mapping/unskip",
    {
      schema: {
        tags: ["log"],
        summary: "Take a mapping's skipped records (or one, by BC id) back into synchronization",
        params: mappingParam,
        body: { type: "object", additionalProperties: false, properties: { bcId: { type: "string", minLength: 1 } } },
      },
    },
    async (request) => {
      const mapping = value(findMapping(ctx, request.params.mapping));
      return { unskipped: await unskipRecords(ctx.store, mapping.name, request.body?.bcId) };
    },
  );

  app.get(
    "/couplings",
    { schema: { tags: ["couplings"], summary: "How many records each table mapping couples (and skips)" } },
    async () => {
      const rows = [];
      for (const m of ctx.mappings.filter((x) => x.kind === "table"))
        rows.push({
          mapping: m.name,
          coupled: await ctx.store.couplings.count(m.name),
          skipped: await ctx.store.couplings.count(m.name, { skipped: true }),
        });
      return rows;
    },
  );

  app.post<{ Params: { mapping: string }; Body: { bcId: string; dataverseId: string } }>(
    "/couplings/:mapping",
    {
      schema: {
        tags: ["couplings"],
        summary: "Couple a BC record with a Dataverse row (the next sync brings them in line)",
        params: mappingParam,
        body: {
          type: "object",
          required: ["bcId", "dataverseId"],
          additionalProperties: false,
          properties: { bcId: { type: "string", minLength: 1 }, dataverseId: { type: "string", minLength: 1 } },
        },
      },
    },
    async (request) => value(await coupleRecords(ctx, request.params.mapping, request.body)),
  );

  app.delete<{ Params: { mapping: string; id: string } }>(
    "/couplings/:mapping/:id",
    {
      schema: {
        tags: ["couplings"],
        summary: "Uncouple a record, given its BC id or its Dataverse id (both records stay)",
        params: {
          type: "object",
          required: ["mapping", "id"],
          properties: { mapping: { type: "string", minLength: 1 }, id: { type: "string", minLength: 1 } },
        },
      },
    },
    async (request) => value(await uncoupleRecord(ctx, request.params.mapping, request.params.id)),
  );

  app.post<{ Params: { mapping: string } }>(
    "/couplings/:mapping/match",
    {
      schema: {
        tags: ["couplings"],
        summary:
          "Match-based coupling: a full synchronization of the mapping, which couples uncoupled records on its match fields before creating any",
        params: mappingParam,
      },
    },
    async (request) => {
      const mapping = value(findMapping(ctx, request.params.mapping));
      return (await syncMappings(ctx, { names: [mapping.name], full: true })).map(summarize);
    },
  );

  app.get<{ Querystring: { mapping?: string; all?: boolean } }>(
    "/conflicts",
    {
      schema: {
        tags: ["conflicts"],
        summary: "Conflicts, one per field, with the base, BC and Sales values (open ones; all with all=true)",
        querystring: filterQuery,
      },
    },
    async (request) => listConflicts(ctx.store, { ...mappingOf(request.query), all: request.query.all === true }),
  );

  app.post<{ Body: { decisions: ConflictDecision[] } }>(
    "/conflicts/resolve",
    {
      schema: {
        tags: ["conflicts"],
        summary: "Resolve conflicts field by field: the kept side's value is written to the other side",
        body: {
          type: "object",
          required: ["decisions"],
          additionalProperties: false,
          properties: {
            decisions: {
              type: "array",
              minItems: 1,
              items: {
                type: "object",
                required: ["id", "keep"],
                additionalProperties: false,
                properties: {
                  id: { type: "string", minLength: 1 },
                  keep: { type: "string", enum: ["bc", "dataverse"] },
                },
              },
            },
          },
        },
      },
    },
    async (request) => value(await resolveConflicts(ctx, request.body.decisions)),
  );

  app.get<{ Querystring: { mapping?: string; all?: boolean } }>(
    "/deletions",
    {
      schema: {
        tags: ["deletions"],
        summary: "Mass deletions held for approval (decided ones too with all=true)",
        querystring: filterQuery,
      },
    },
    async (request) => listHeldDeletions(ctx.store, { ...mappingOf(request.query), all: request.query.all === true }),
  );

  app.post<{ Params: { id: string } }>(
    "/deletions/:id/approve",
    {
      schema: {
        tags: ["deletions"],
        summary: "Approve a held deletion: its counterparts and their couplings are deleted now",
        params: idParam,
      },
    },
    async (request) => {
      const report = value(await approveDeletion(ctx, request.params.id));
      return { id: request.params.id, mapping: report.mapping, status: report.status, ...report.counters };
    },
  );

  app.post<{ Params: { id: string } }>(
    "/deletions/:id/reject",
    { schema: { tags: ["deletions"], summary: "Reject a held deletion: nothing is deleted", params: idParam } },
    async (request) => value(await rejectDeletion(ctx.store, request.params.id)),
  );

  app.get<{ Querystring: { mapping?: string; limit?: number } }>(
    "/reconcile",
    {
      schema: {
        tags: ["reconcile"],
        summary:
          "Reconciliation report: uncoupled records, couplings whose record is gone, coupled pairs whose values differ",
        querystring: listQuery,
      },
    },
    async (request) =>
      value(
        await reconciliationReport(ctx, {
          ...(request.query.mapping ? { names: [request.query.mapping] } : {}),
          limit: request.query.limit ?? 50,
        }),
      ),
  );

  app.get<{ Params: { item: string } }>(
    "/items/:item/availability",
    {
      schema: {
        tags: ["statistics"],
        summary: "Item availability of one item now (number or id), beside the Sales product's quantity on hand",
        params: { type: "object", required: ["item"], properties: { item: { type: "string", minLength: 1 } } },
      },
    },
    async (request) => value(await itemAvailabilityNow(ctx, request.params.item)),
  );

  app.get<{ Params: { customer: string } }>(
    "/customers/:customer/statistics",
    {
      schema: {
        tags: ["statistics"],
        summary: "Customer statistics of one customer now (number or id)",
        params: { type: "object", required: ["customer"], properties: { customer: { type: "string", minLength: 1 } } },
      },
    },
    async (request) => value(await customerStatisticsNow(ctx, request.params.customer)),
  );
};

/**
 * The params a catalogued message was filled with, read back from the message itself (the store keeps the text,
 * not the params): the template becomes a pattern with one group per placeholder. Undefined when it does not fit.
 */
export function paramsFromMessage(template: string, message: string): Record<string, string> | undefined {
  const names: string[] = [];
  const pattern = template
    .split(/(\{\w+\})/)
    .map((part) => {
      const name = /^\{(\w+)\}$/.exec(part)?.[1];
      if (!name) return part.replace(/[.*+?^${}()|[\]\\]/g, "\\$&");
      const seen = names.indexOf(name);
      if (seen >= 0) return `\\${seen + 1}`;
      names.push(name);
      return "(.+?)";
    })
    .join("");
  const match = new RegExp(`^${pattern}$`, "s").exec(message);
  return match ? Object.fromEntries(names.map((name, i) => [name, match[i + 1] ?? ""])) : undefined;
}

/**
 * What to do about a record error: the catalogue's fix for its code, its placeholders filled from the error's own
 * message (or, failing that, from what the error records: mapping, field, record); a code the catalogue does not
 * know is the service's own refusal.
 */
export function fixFor(error: {
  code: string | null;
  message: string;
  mappingName: string;
  field: string | null;
  sourceId: string | null;
}): string {
  const definition = error.code ? allErrorDefinitions().find((d) => d.code === error.code) : undefined;
  if (!definition)
    return "The service refused the record for the reason in the message. Correct the record (or the data it refers to) in the system named there, then retry; if this record should not synchronize, skip it.";
  const known: Record<string, string | null> = {
    mapping: error.mappingName,
    field: error.field,
    id: error.sourceId,
    record: error.sourceId,
    ...paramsFromMessage(definition.message, error.message),
  };
  return definition.fix.replace(/\{(\w+)\}/g, (_whole, name: string) => known[name] ?? `the ${name}`);
}

export default adminRoutes;
