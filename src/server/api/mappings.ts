// Table mappings through the API (issue 11: "mappings and field mappings — read, edit, export/import, reset"), the
// same operations as `bcsync mappings export|import|reset`, plus an edit of one mapping: its direction, its filters,
// and each field mapping's direction and whether it is enabled (what Business Central's Integration Table Mapping
// page lets an administrator change). Every change is validated as a whole mapping before it is stored, and the
// running service's mapping list follows at once (the next run uses it).

import { join } from "node:path";
import type { FastifyPluginAsync } from "fastify";
import {
  fieldKey,
  type MappingFormat,
  parseMappings,
  SyncDirection,
  serializeMappings,
  TableMapping,
} from "../../engine/model.ts";
import {
  bcsyncError,
  INTEGRATION_MAPPING_FILE_INVALID,
  SERVER_MAPPING_EDIT_INVALID,
  SERVER_NOT_FOUND,
} from "../../errors/catalogue.ts";
import { applyDefaults, loadMappings, reloadMappings, saveMappings } from "../../integration/reset.ts";
import type { ApiPluginOptions } from "./deps.ts";

const DIRECTIONS = SyncDirection.options;
const FORMAT = { type: "string", enum: ["yaml", "json"] } as const;

interface MappingEdit {
  direction?: (typeof DIRECTIONS)[number];
  bcFilter?: string | null;
  dataverseFilter?: string | null;
  fields?: { field: string; enabled?: boolean; direction?: (typeof DIRECTIONS)[number] | null }[];
}

/** The edited mapping, or the first reason it cannot be (pure: validated with the mapping schema). */
export function editMapping(
  mapping: TableMapping,
  edit: MappingEdit,
): { ok: true; value: TableMapping } | { ok: false; issue: string } {
  const fields = mapping.fields.map((f) => ({ ...f }));
  for (const change of edit.fields ?? []) {
    const field = fields.find((f) => fieldKey(f) === change.field);
    if (!field) return { ok: false, issue: `it has no field mapping ${change.field}` };
    if (change.enabled !== undefined) field.enabled = change.enabled;
    if (change.direction === null) delete field.direction;
    else if (change.direction !== undefined) field.direction = change.direction;
  }
  const filter = (value: string | null | undefined, current: string | undefined) =>
    value === undefined ? current : value === null || value.trim() === "" ? undefined : value;
  const bcFilter = filter(edit.bcFilter, mapping.bc.filter);
  const dataverseFilter = filter(edit.dataverseFilter, mapping.dataverse.filter);
  const { filter: _bc, ...bc } = mapping.bc;
  const { filter: _dv, ...dataverse } = mapping.dataverse;
  const parsed = TableMapping.safeParse({
    ...mapping,
    direction: edit.direction ?? mapping.direction,
    bc: { ...bc, ...(bcFilter ? { filter: bcFilter } : {}) },
    dataverse: { ...dataverse, ...(dataverseFilter ? { filter: dataverseFilter } : {}) },
    fields,
  });
  if (!parsed.success) {
    const issue = parsed.error.issues[0];
    return { ok: false, issue: `${issue?.path.join(".") || "(mapping)"}: ${issue?.message}` };
  }
  return { ok: true, value: parsed.data };
}

const mappingRoutes: FastifyPluginAsync<ApiPluginOptions> = async (app, { deps }) => {
  const { ctx } = deps;

  app.get<{ Querystring: { format?: MappingFormat } }>(
    "/mappings/export",
    {
      schema: {
        tags: ["mappings"],
        summary: "Every table mapping in the engine's file format (as `bcsync mappings export`)",
        querystring: { type: "object", additionalProperties: false, properties: { format: FORMAT } },
      },
    },
    async (request, reply) => {
      const format = request.query.format ?? "yaml";
      reply.type(format === "json" ? "application/json" : "application/yaml");
      return serializeMappings(await loadMappings(ctx.store), format);
    },
  );

  app.post<{ Body: { text: string; format?: MappingFormat } }>(
    "/mappings/import",
    {
      schema: {
        tags: ["mappings"],
        summary: "Add or replace table mappings from a mapping file's text (as `bcsync mappings import`)",
        body: {
          type: "object",
          required: ["text"],
          additionalProperties: false,
          properties: { text: { type: "string", minLength: 1, maxLength: 5_000_000 }, format: FORMAT },
        },
      },
    },
    async (request) => {
      const parsed = parseMappings(request.body.text, request.body.format ?? "yaml");
      if (!parsed.ok)
        throw bcsyncError(INTEGRATION_MAPPING_FILE_INVALID, { file: "in the request", issue: parsed.issues[0] });
      await saveMappings(ctx.store, ctx.settings, parsed.value);
      await reloadMappings(ctx);
      return { imported: parsed.value.map((m) => m.name) };
    },
  );

  app.post<{ Body: { confirm?: boolean } }>(
    "/mappings/reset",
    {
      schema: {
        tags: ["mappings"],
        summary:
          "Apply the default mappings and job queue entries (as `bcsync mappings reset`); custom mappings are exported first and discarded only with confirm",
        body: { type: "object", additionalProperties: false, properties: { confirm: { type: "boolean" } } },
      },
    },
    async (request) => {
      const r = await applyDefaults(ctx.store, ctx.settings, {
        confirmed: request.body?.confirm === true,
        exportDir: join(ctx.config.dataDir, "exports"),
      });
      if (!r.ok) throw r.error;
      await reloadMappings(ctx);
      return r.value;
    },
  );

  const direction = { type: "string", enum: DIRECTIONS } as const;
  app.patch<{ Params: { name: string }; Body: MappingEdit }>(
    "/mappings/:name",
    {
      schema: {
        tags: ["mappings"],
        summary: "Edit a table mapping: its direction, filters, and each field mapping's direction or enabled state",
        params: { type: "object", required: ["name"], properties: { name: { type: "string" } } },
        body: {
          type: "object",
          additionalProperties: false,
          properties: {
            direction,
            bcFilter: { type: ["string", "null"], maxLength: 2000 },
            dataverseFilter: { type: ["string", "null"], maxLength: 2000 },
            fields: {
              type: "array",
              maxItems: 500,
              items: {
                type: "object",
                required: ["field"],
                additionalProperties: false,
                properties: {
                  field: { type: "string", description: "the field mapping's name, or `bcField|dataverseField`" },
                  enabled: { type: "boolean" },
                  direction: { anyOf: [direction, { type: "null" }] },
                },
              },
            },
          },
        },
      },
    },
    async (request) => {
      const { name } = request.params;
      const mapping = (await loadMappings(ctx.store)).find((m) => m.name === name);
      if (!mapping) throw bcsyncError(SERVER_NOT_FOUND, { what: `Table mapping ${name}` });
      const edited = editMapping(mapping, request.body);
      if (!edited.ok) throw bcsyncError(SERVER_MAPPING_EDIT_INVALID, { mapping: name, issue: edited.issue });
      await saveMappings(ctx.store, ctx.settings, [edited.value]);
      await reloadMappings(ctx);
      const after = ctx.mappings.find((m) => m.name === name);
      return { name, direction: after?.direction, bc: after?.bc, dataverse: after?.dataverse, fields: after?.fields };
    },
  );
};

export default mappingRoutes;
